/**
 * A fake of GitLab's project-level npm registry on 127.0.0.1: the two endpoints a release job and a
 * CI job that installs stachub use, for one public project.
 *
 * What it follows (gitlabhq):
 * - Routes (lib/api/npm_project_packages.rb, namespace `projects/:id/packages/npm`):
 *   `PUT :package_name` publishes, `GET *package_name/-/*file_name` downloads the tarball. `:id` is
 *   the numeric id or the `%2F`-encoded full path (API `requires :id`, resolved by `user_project`).
 * - Publish body (app/services/packages/npm/create_package_service.rb): the version is the first key
 *   of `versions` (`400 Version is empty.` when missing), an existing name and version is
 *   `403 Package already exists.`, and the file is `_attachments["#{name}-#{version}.tgz"].data`
 *   (base64), stored under that file name.
 * - Auth: both routes are `job_token_allowed`; the npm client sends its `_authToken` as
 *   `Authorization: Bearer`, which GitLab reads as a job token on such routes
 *   (lib/gitlab/auth/auth_finders.rb, `find_user_from_job_bearer_token`). Publishing needs a valid
 *   job token (401 otherwise); downloading from a public project needs none (`authorize_read_package!`).
 * - A missing package or file is `404 Package Not Found` (`not_found!('Package')`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PublishedPackage {
  name: string;
  version: string;
  fileName: string;
  tarball: Buffer;
  /** The version's manifest as npm sent it (package.json fields, `dist`). */
  manifest: Record<string, unknown>;
}

export interface FakeNpmRegistry {
  /** `http://127.0.0.1:PORT` (CI_SERVER_URL); the API is under `/api/v4`. */
  url: string;
  packages: PublishedPackage[];
  /** Every request: method, path and the Authorization header it carried. */
  requests: Array<{ method: string; path: string; authorization?: string }>;
  stop(): Promise<void>;
}

export async function startNpmRegistry(project: { id: number; fullPath: string }, jobToken: string): Promise<FakeNpmRegistry> {
  const packages: PublishedPackage[] = [];
  const requests: FakeNpmRegistry['requests'] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawPath = (req.url ?? '').split('?')[0]!;
      requests.push({ method: req.method ?? '', path: rawPath, authorization: req.headers.authorization });
      const m = /^\/api\/v4\/projects\/([^/]+)\/packages\/npm\/(.+)$/.exec(rawPath);
      const id = m ? decodeURIComponent(m[1]!) : undefined;
      if (!m || (id !== String(project.id) && id !== project.fullPath)) return json(res, 404, { message: '404 Project Not Found' });
      const rest = m[2]!;
      const download = /^(.+)\/-\/(.+)$/.exec(rest);
      if (req.method === 'GET' && download) {
        const name = decodeURIComponent(download[1]!);
        const fileName = decodeURIComponent(download[2]!);
        const p = packages.find((x) => x.name === name && x.fileName === fileName);
        if (!p) return json(res, 404, { message: '404 Package Not Found' });
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': p.tarball.length });
        return res.end(p.tarball);
      }
      if (req.method === 'PUT' && !rest.includes('/-/')) {
        if (req.headers.authorization !== `Bearer ${jobToken}`) return json(res, 401, { message: '401 Unauthorized' });
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          name: string;
          versions?: Record<string, Record<string, unknown>>;
          _attachments?: Record<string, { data: string; length: number }>;
        };
        const version = Object.keys(body.versions ?? {})[0];
        if (!version) return json(res, 400, { message: 'Version is empty.' });
        if (packages.some((p) => p.name === body.name && p.version === version)) return json(res, 403, { message: 'Package already exists.' });
        const fileName = `${body.name}-${version}.tgz`;
        const attachment = body._attachments?.[fileName];
        // GitLab reads `attachment['length']` unchecked: no attachment under that name is a server error.
        if (!attachment) return json(res, 500, { message: '500 Internal Server Error' });
        const tarball = Buffer.from(attachment.data, 'base64');
        packages.push({ name: body.name, version, fileName, tarball, manifest: body.versions![version]! });
        return json(res, 200, { name: body.name, version, package_type: 'npm' });
      }
      return json(res, 404, { message: '404 Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    packages,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
