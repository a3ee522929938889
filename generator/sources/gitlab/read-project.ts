/**
 * Reading one project into a `ProjectSnapshot`: its facts from the GraphQL fast path when it
 * answered (and was complete), else from the REST reader, then the enrichment (LFS, DVC, preview,
 * ONNX) and the head commit, which comes from REST facts only.
 */
import { isDvcMetadata } from '../../formats/dvc.js';
import type { Diagnostic, ProjectInfo, ProjectSnapshot, RepoFile } from '../../types.js';
import { carryPreview, describeModels, describeOnnx, lfsCandidates, readDvc, readLfsPointers } from './enrich.js';
import { packagesFrom, releaseFrom, type TreeEntry } from './facts.js';
import type { GqlProject } from './graphql.js';
import { LICENSE_FILE, detectLicense } from './license.js';
import type { GitLabContext } from './options.js';
import { batchFiles, projectInfo, readmeFromUrl, safeRepoPath, type ListedProject } from './project.js';
import type { RestReader } from './rest-reader.js';

/** Read a project; `batched` is its fast-path answer when it was asked for ahead of time. */
export async function readProject(
  ctx: GitLabContext,
  rest: RestReader,
  p: ListedProject,
  batched?: Promise<GqlProject | null>,
): Promise<ProjectSnapshot> {
  const id = p.id;
  const branch = p.default_branch ?? 'main';
  const diagnostics: Diagnostic[] = [];
  const empty = p.empty_repo === true;
  const readmeName = readmeFromUrl(p.readme_url, branch);
  const readmeCandidates = readmeName ? [readmeName] : readmeName === null ? [] : ['README.md', 'readme.md'];
  const gq = batched ? await batched : ctx.batcher ? await ctx.batcher.get(id, batchFiles(p)) : null;
  const gRepo = gq?.repository ?? null;
  const gTree = gRepo?.tree ?? null;
  // the fast path's tree is usable when complete (one page of 100 blobs)
  const gTreeOk = gq !== null && (gTree === null || !gTree.blobs.pageInfo.hasNextPage);
  const gBlobs = new Map((gRepo?.blobs?.nodes ?? []).map((b) => [b.path, b]));

  // The head commit comes from REST facts only: the `X-Gitlab-Commit-Id` of a raw read (the
  // ref's commit, lib/api/files.rb), else `GET /repository/commits/:branch`. Never from the
  // fast path's `tree.lastCommit`, which skips merge commits (see graphql.ts).
  const heads: string[] = [];
  const rawRead = async (path: string) => {
    const r = await rest.raw(id, path, branch);
    if (r?.commit) heads.push(r.commit);
    return r;
  };
  const readmeRead = async (path: string) => {
    ctx.calls.readme++;
    const r = await rawRead(path);
    if (!r) return null;
    return { path, text: typeof r.body === 'string' ? r.body : await r.body.text() };
  };

  const treeP: Promise<TreeEntry[]> = empty
    ? Promise.resolve([])
    : gTreeOk
      ? Promise.resolve((gTree?.blobs.nodes ?? []).map((b) => ({ path: b.path, type: 'blob' })))
      : rest.tree(id, branch);
  let readmeP: Promise<{ path: string; text: string } | null>;
  if (gq) {
    const name = readmeCandidates.find((n) => typeof gBlobs.get(n)?.rawTextBlob === 'string');
    readmeP = Promise.resolve(name ? { path: name, text: gBlobs.get(name)!.rawTextBlob! } : null);
  } else readmeP = readmeName ? readmeRead(readmeName) : Promise.resolve(null);
  // the fast path reads 20 package versions; a project with more is read over REST (every version is a node)
  const gPackagesOk = gq !== null && !gq.packages?.pageInfo?.hasNextPage;
  const [entries, readmeFirst, release, packages, containers] = await Promise.all([
    treeP,
    readmeP,
    gq ? Promise.resolve(releaseFrom(ctx.host, p, gq)) : rest.release(p),
    gPackagesOk ? Promise.resolve(packagesFrom(ctx.host, p, gq!)) : rest.packages(p, diagnostics),
    gq && (gq.containerRepositories?.nodes.length ?? 0) === 0 ? Promise.resolve([]) : rest.containers(p),
  ]);

  const blobs: string[] = [];
  for (const e of entries) {
    if (e.type !== 'blob') continue;
    if (!safeRepoPath(e.path)) {
      diagnostics.push({ level: 'warning', code: 'gitlab/unsafe-path', message: 'a file with an unsafe path was skipped' });
      continue;
    }
    blobs.push(e.path);
  }
  const inRoot = new Set(blobs.filter((b) => !b.includes('/')));

  // README: the file `readme_url` names; without that field (anonymous listing), README.md / readme.md.
  let readme = readmeFirst;
  if (!gq && p.readme_url === undefined && !empty) {
    const name = ['README.md', 'readme.md'].find((n) => inRoot.has(n));
    if (name) readme = await readmeRead(name);
  }

  // License: a well-known LICENSE text the fast path brought is recognised here; else GitLab says.
  let licenseP: Promise<ProjectInfo['license']> = Promise.resolve(null);
  const licenseFile = [...inRoot].find((f) => LICENSE_FILE.test(f));
  if (licenseFile) {
    const text = gBlobs.get(licenseFile)?.rawTextBlob;
    const known = typeof text === 'string' ? detectLicense(text) : null;
    licenseP = known
      ? Promise.resolve({ ...known, url: `${p.web_url}/-/blob/${branch}/${licenseFile}` })
      : rest.license(id);
  }
  licenseP.catch(() => undefined); // awaited below; keep an early rejection from going unhandled

  // LFS: the fast path names LFS files (lfsOid); over REST, the root .gitattributes does.
  // The pointer of each gives the size (and the oid when REST found the file).
  const candidates = await lfsCandidates(ctx, blobs, inRoot, gTreeOk && gq ? gTree : undefined, rawRead, diagnostics);
  // No raw read ahead (fast path, no LFS or .dvc file): ask for the head now, beside the other reads.
  const rawAhead = candidates.length > 0 || blobs.some((b) => isDvcMetadata(b) && typeof gBlobs.get(b)?.rawTextBlob !== 'string');
  const earlyHeadP = heads.length === 0 && !rawAhead && !empty ? rest.headCommit(id, branch) : undefined;
  earlyHeadP?.catch(() => undefined); // awaited below
  const dvcP = readDvc(ctx.o, ctx.calls, blobs, gq ? gBlobs : null, rawRead, diagnostics);
  const lfs = await readLfsPointers(ctx, candidates, rawRead);
  const dvc = await dvcP;

  const license = await licenseP;
  const files: RepoFile[] = blobs.map((path) => {
    const ptr = lfs.get(path);
    return {
      path,
      ...(ptr ? { size: ptr.size, sha256: ptr.oid, lfs: { oid: ptr.oid, size: ptr.size } } : {}),
      href: rest.fileHref(id, path, branch),
    };
  });

  const carried = await carryPreview(ctx, rest, { id, branch }, inRoot, lfs);
  const onnx = await describeOnnx(ctx, rest, { id, branch }, blobs, diagnostics);
  const models = await describeModels(ctx, rest, { id, branch }, blobs, diagnostics);

  // the first raw read's commit (raw reads of one build see one head unless a push lands meanwhile)
  const headCommit = (earlyHeadP ? await earlyHeadP : undefined) ?? heads[0] ?? (empty ? undefined : await rest.headCommit(id, branch));

  return {
    project: projectInfo(p, { license, headCommit }),
    readme: readme ? { path: readme.path, text: readme.text } : null,
    files,
    release,
    packages,
    containers,
    carried,
    onnx,
    ...(Object.keys(models).length > 0 ? { models } : {}),
    diagnostics,
    ...(dvc.length > 0 ? { dvc } : {}),
  };
}
