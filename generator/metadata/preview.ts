/**
 * The preview image as SharingHub names and types it (sharinghub-server app/stac/api/build.py
 * `_retrieve_preview`): the `preview:` key, overridden by Markdown images whose alt text is
 * "preview" (the last one wins, as SharingHub loops over all of them), else a root
 * `preview.png|jpg|jpeg`. The asset key is `preview` + the extension of the URL's path as written
 * (`preview.jpeg` stays `.jpeg`; no extension → `preview`), and the media type is set only when the
 * extension names one: a URL such as `https://avatars.example.com/u/6223127` gets no type.
 */

/** Where the preview comes from: the body's preview image (`readBody`), then the `preview:` key, then a root preview file. */
export function previewSource(bodyImage: string | undefined, key: string | undefined, hasFile: (path: string) => boolean): string | undefined {
  return bodyImage ?? (typeof key === 'string' && key.trim() ? key.trim() : undefined) ?? ['preview.png', 'preview.jpg', 'preview.jpeg'].find(hasFile);
}

/** The extension of a URL's or repository path's last segment, dot included (Python's `os.path.splitext`). */
export function pathExtension(source: string): string {
  let p = source;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      p = new URL(source).pathname;
    } catch {
      p = source;
    }
  } else p = source.split(/[?#]/)[0] ?? '';
  const name = p.slice(p.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  // a leading dot is part of the name (splitext('.jpg') == ('.jpg', ''))
  return dot > 0 && !/^\.+$/.test(name.slice(0, dot + 1)) ? name.slice(dot) : '';
}
