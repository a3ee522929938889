/**
 * Linking registered models to catalog projects (DESIGN.md "Where each part comes from", MLflow).
 * Pure. A registered model (all its versions together) is linked by the first rule that holds:
 *
 * 1. `tag`: the registered model's `project` tag, which MLflow SharingHub sets to the project's
 *    path and users cannot change (reference/sharinghub.md §5.3). A numeric value is read as a
 *    project id. Authoritative: if it names a project that is not in the catalog (private, or
 *    not a catalog category), the model stays unlinked and the later rules are not tried.
 * 2. `name-suffix`: the ` (<project id>)` suffix MLflow SharingHub requires on model names.
 * 3. `git-repo`: the `mlflow.source.git.repoURL` run tag of its versions (MLflow sets it from the
 *    training checkout), compared with the projects' web URLs; all versions must agree.
 * 4. `readme`: the project's README front matter lists the model under `mlflow: { models: [...] }`,
 *    unless its runs come from a repository of the same GitLab instance that is not in the catalog.
 *
 * Nothing is guessed: a model no rule links, or that two projects could claim, is reported unlinked.
 */
import type { Diagnostic } from '../types.js';
import type { ModelVersion } from './types.js';
import type { LinkedModel, LinkRule, UnlinkedModel } from '../report.js';

export type { LinkedModel, LinkRule, UnlinkedModel };

/** What linking needs to know about a catalog project. */
export interface LinkProject {
  /** GitLab numeric project id. */
  id: number;
  /** `group/subgroup/project`. */
  fullPath: string;
  /** Project web URL (`https://gitlab.example.com/group/project`). */
  webUrl: string;
  /** Model names listed in the README front matter (`mlflow.models`, see `parseMlflowFrontMatter`). */
  models?: string[];
}

export interface LinkResult {
  /** Versions by project full path (only projects with at least one linked version). */
  byProject: Map<string, ModelVersion[]>;
  linked: LinkedModel[];
  unlinked: UnlinkedModel[];
  /** Problems to report on a project (a README lists a model that is missing or linked elsewhere). */
  projectDiagnostics: Map<string, Diagnostic[]>;
}

export interface LinkOptions {
  /** Registered-model tag that names the project (MLflow SharingHub's `PROJECT_TAG`, default `project`). */
  projectTag?: string;
}

/** MLflow SharingHub's mandatory ` (<project id>)` name suffix. */
const NAME_SUFFIX = / \((\d+)\)$/;

/** The model name without MLflow SharingHub's ` (<id>)` suffix (SharingHub's link titles do the same). */
export function displayName(modelName: string): string {
  return modelName.replace(NAME_SUFFIX, '');
}

/** Run tags that carry the training checkout's remote, most specific first. */
const REPO_TAGS = ['mlflow.source.git.repoURL', 'mlflow.gitRepoURL', 'mlflow.databricks.gitRepoUrl'];

export function linkModels(projects: LinkProject[], versions: ModelVersion[], options: LinkOptions = {}): LinkResult {
  const tagKey = options.projectTag ?? 'project';
  const byPath = new Map(projects.map((p) => [p.fullPath.toLowerCase(), p]));
  const byId = new Map(projects.map((p) => [p.id, p]));
  const byRepo = new Map<string, LinkProject>();
  for (const p of projects) {
    const key = repoKey(p.webUrl);
    if (key) byRepo.set(key, p);
  }
  const hosts = new Set([...byRepo.keys()].map((k) => k.split('/')[0]!));
  const claims = new Map<string, LinkProject[]>();
  for (const p of projects) {
    for (const name of p.models ?? []) {
      const list = claims.get(name) ?? [];
      if (!list.includes(p)) list.push(p);
      claims.set(name, list);
    }
  }

  const groups = new Map<string, ModelVersion[]>();
  for (const v of versions) {
    const list = groups.get(v.modelName) ?? [];
    list.push(v);
    groups.set(v.modelName, list);
  }

  const result: LinkResult = { byProject: new Map(), linked: [], unlinked: [], projectDiagnostics: new Map() };
  const note = (project: string, d: Diagnostic): void => {
    const list = result.projectDiagnostics.get(project) ?? [];
    list.push(d);
    result.projectDiagnostics.set(project, list);
  };
  const linkedTo = new Map<string, string | null>(); // model -> project path, or null when it belongs outside the catalog

  for (const [name, list] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const unlinked = (reason: UnlinkedModel['reason'], message: string): void => {
      result.unlinked.push({ modelName: name, versions: list.map((v) => v.version), reason, message });
    };
    const link = (project: LinkProject, rule: LinkRule): void => {
      result.linked.push({ modelName: name, project: project.fullPath, rule });
      result.byProject.set(project.fullPath, [...(result.byProject.get(project.fullPath) ?? []), ...list]);
      linkedTo.set(name, project.fullPath);
    };

    // 1. The project tag.
    const tag = list[0]?.registeredModel.tags[tagKey]?.trim();
    if (tag) {
      const project = /^\d+$/.test(tag) ? byId.get(Number(tag)) : byPath.get(tag.replace(/^\/+|\/+$/g, '').toLowerCase());
      if (project) {
        link(project, 'tag');
      } else {
        // The value itself is not reported: it may name a private project.
        linkedTo.set(name, null);
        unlinked('not-in-catalog', `its "${tagKey}" tag names a project that is not in the catalog`);
      }
      continue;
    }
    // 2. The name suffix.
    const suffix = NAME_SUFFIX.exec(name);
    const bySuffix = suffix ? byId.get(Number(suffix[1])) : undefined;
    if (bySuffix) {
      link(bySuffix, 'name-suffix');
      continue;
    }
    // 3. The git remote of the runs.
    const repos = new Set<string>();
    for (const v of list) {
      for (const t of REPO_TAGS) {
        const key = v.runTags[t] ? repoKey(v.runTags[t]) : undefined;
        if (key) {
          repos.add(key);
          break;
        }
      }
    }
    const repoProjects = new Set([...repos].map((r) => byRepo.get(r)).filter((p): p is LinkProject => p !== undefined));
    if (repoProjects.size > 1) {
      unlinked('ambiguous', `its versions were trained from ${repoProjects.size} different catalog projects`);
      continue;
    }
    const [byGit] = repoProjects;
    if (byGit) {
      link(byGit, 'git-repo');
      continue;
    }
    // Trained from a repository of this GitLab instance that the catalog does not publish (private,
    // or without a category topic): a README elsewhere must not pull it in.
    if ([...repos].some((r) => hosts.has(r.split('/')[0]!))) {
      linkedTo.set(name, null);
      unlinked('not-in-catalog', 'its runs were trained from a repository of this GitLab instance that is not in the catalog');
      continue;
    }
    // 4. A README lists it.
    const claimants = claims.get(name) ?? [];
    if (claimants.length === 1) {
      link(claimants[0]!, 'readme');
      continue;
    }
    if (claimants.length > 1) {
      unlinked('ambiguous', `listed in the README of ${claimants.length} projects: ${claimants.map((p) => p.fullPath).sort().join(', ')}`);
      continue;
    }
    if (suffix) unlinked('not-in-catalog', `its name ends with the id of a project that is not in the catalog`);
    else unlinked('no-match', 'no project tag, no project id suffix, no matching git remote, not listed in any README');
  }

  // README claims that did not win: tell the project why its listed model is not on its page.
  for (const [name, claimants] of claims) {
    for (const p of claimants) {
      const owner = linkedTo.get(name);
      if (!groups.has(name)) {
        note(p.fullPath, { level: 'warning', code: 'mlflow/model-not-found', message: `mlflow.models lists "${name}", which is not in the MLflow registry` });
      } else if (owner === null) {
        note(p.fullPath, { level: 'warning', code: 'mlflow/model-linked-elsewhere', message: `mlflow.models lists "${name}", which belongs to another project` });
      } else if (owner !== undefined && owner !== p.fullPath) {
        note(p.fullPath, { level: 'warning', code: 'mlflow/model-linked-elsewhere', message: `mlflow.models lists "${name}", which is linked to ${owner}` });
      }
    }
  }
  return result;
}

/**
 * A comparable key for a git remote or project web URL: lowercase `host/path` without credentials,
 * port, `.git` or trailing slash. Handles `https://`, `ssh://` and scp-like `git@host:path` forms.
 */
export function repoKey(url: string): string | undefined {
  const s = url.trim();
  let host: string;
  let p: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(s);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s) && scp) {
    host = scp[1]!;
    p = scp[2]!;
  } else {
    try {
      const u = new URL(s);
      host = u.hostname;
      p = decodeURIComponent(u.pathname);
    } catch {
      return undefined;
    }
  }
  p = p.replace(/^\/+|\/+$/g, '').replace(/\.git$/i, '').replace(/\/+$/, '');
  if (!host || !p) return undefined;
  return `${host.toLowerCase()}/${p.toLowerCase()}`;
}

// The README's `mlflow:` block is read with the front matter (the fourth linking rule).
export { parseMlflowFrontMatter } from '../metadata/frontmatter.js';
