import { describe, expect, it } from 'vitest';
import { displayName, linkModels, parseMlflowFrontMatter, repoKey, type LinkProject } from '../../generator/mlflow/link.js';
import type { ModelVersion } from '../../generator/mlflow/types.js';

function mv(modelName: string, version: string, opts: { tags?: Record<string, string>; repo?: string } = {}): ModelVersion {
  return {
    modelName,
    version,
    aliases: [],
    tags: {},
    metrics: {},
    params: {},
    runTags: opts.repo ? { 'mlflow.source.git.repoURL': opts.repo } : {},
    flavors: [],
    registeredModel: { name: modelName, tags: opts.tags ?? {}, aliases: [] },
  };
}

const projects: LinkProject[] = [
  { id: 42, fullPath: 'demo/Wine', webUrl: 'https://gitlab.example.com/demo/Wine' },
  { id: 7, fullPath: 'team/vision/resnet', webUrl: 'https://gitlab.example.com/team/vision/resnet', models: ['resnet-final', 'shared'] },
  { id: 8, fullPath: 'team/other', webUrl: 'https://gitlab.example.com/team/other', models: ['shared', 'by-tag', 'ghost'] },
];

describe('linkModels', () => {
  it('links by the project tag (path, case-insensitive, or numeric id) before any other rule', () => {
    const r = linkModels(projects, [
      mv('by-tag', '1', { tags: { project: 'demo/wine' }, repo: 'https://gitlab.example.com/team/other.git' }),
      mv('by-tag', '2', { tags: { project: 'demo/wine' } }),
      mv('tag-id', '1', { tags: { project: '7' } }),
    ]);
    expect(r.linked).toEqual([
      { modelName: 'by-tag', project: 'demo/Wine', rule: 'tag' },
      { modelName: 'tag-id', project: 'team/vision/resnet', rule: 'tag' },
    ]);
    expect(r.byProject.get('demo/Wine')?.map((v) => v.version)).toEqual(['1', '2']);
    // team/other listed "by-tag" in its README: it is told why the model is not on its page.
    expect(r.projectDiagnostics.get('team/other')?.map((d) => d.message)).toContain(
      'mlflow.models lists "by-tag", which is linked to demo/Wine',
    );
  });

  it('a tag naming a project outside the catalog keeps the model out, without naming that project', () => {
    const r = linkModels(projects, [mv('secret (42)', '1', { tags: { project: 'private/thing' }, repo: 'https://gitlab.example.com/demo/wine' })]);
    expect(r.linked).toEqual([]);
    expect(r.unlinked).toEqual([
      { modelName: 'secret (42)', versions: ['1'], reason: 'not-in-catalog', message: 'its "project" tag names a project that is not in the catalog' },
    ]);
    expect(JSON.stringify(r.unlinked)).not.toContain('private/thing');
  });

  it('links by the " (<id>)" name suffix, then by the runs\' git remote (https, scp-like and ssh forms)', () => {
    const r = linkModels(projects, [
      mv('wine (42)', '3'),
      mv('by-git', '1', { repo: 'git@gitlab.example.com:demo/wine.git' }),
      mv('by-git', '2', { repo: 'https://oauth2:tok@GitLab.example.com/demo/wine/' }),
      mv('by-ssh', '1', { repo: 'ssh://git@gitlab.example.com:2222/team/vision/resnet.git' }),
    ]);
    expect(r.linked.map((l) => [l.modelName, l.project, l.rule])).toEqual([
      ['by-git', 'demo/Wine', 'git-repo'],
      ['by-ssh', 'team/vision/resnet', 'git-repo'],
      ['wine (42)', 'demo/Wine', 'name-suffix'],
    ]);
  });

  it('links by a README list only when exactly one project lists the model', () => {
    const r = linkModels(projects, [mv('resnet-final', '1'), mv('shared', '1'), mv('shared', '2')]);
    expect(r.linked).toEqual([{ modelName: 'resnet-final', project: 'team/vision/resnet', rule: 'readme' }]);
    expect(r.unlinked).toEqual([
      { modelName: 'shared', versions: ['1', '2'], reason: 'ambiguous', message: 'listed in the README of 2 projects: team/other, team/vision/resnet' },
    ]);
    expect(r.projectDiagnostics.get('team/other')?.map((d) => d.code)).toEqual(['mlflow/model-not-found', 'mlflow/model-not-found']);
  });

  it('a README cannot claim a model trained from a repository of the instance that the catalog does not publish', () => {
    const r = linkModels(projects, [
      mv('shared', '1', { repo: 'https://gitlab.example.com/private/secret.git' }),
      mv('resnet-final', '1', { repo: 'https://github.com/someone/resnet.git' }),
    ]);
    // A remote on another host does not stop the claim; one on this instance does.
    expect(r.linked).toEqual([{ modelName: 'resnet-final', project: 'team/vision/resnet', rule: 'readme' }]);
    expect(r.unlinked.map((u) => [u.modelName, u.reason])).toEqual([['shared', 'not-in-catalog']]);
    expect(JSON.stringify(r.unlinked)).not.toContain('private/secret');
    expect(r.projectDiagnostics.get('team/vision/resnet')?.map((d) => d.message)).toEqual([
      'mlflow.models lists "shared", which belongs to another project',
    ]);
  });

  it('never guesses: versions from two different repos, or nothing to go on, stay unlinked', () => {
    const r = linkModels(projects, [
      mv('split', '1', { repo: 'https://gitlab.example.com/demo/wine.git' }),
      mv('split', '2', { repo: 'https://gitlab.example.com/team/other.git' }),
      mv('lonely', '1', { repo: 'https://github.com/someone/else.git' }),
      mv('gone (999)', '1'),
    ]);
    expect(r.linked).toEqual([]);
    expect(r.unlinked.map((u) => [u.modelName, u.reason])).toEqual([
      ['gone (999)', 'not-in-catalog'],
      ['lonely', 'no-match'],
      ['split', 'ambiguous'],
    ]);
  });
});

describe('helpers', () => {
  it('repoKey normalises remotes and web URLs to host/path', () => {
    expect(repoKey('https://gitlab.example.com/Group/Sub/Proj.git')).toBe('gitlab.example.com/group/sub/proj');
    expect(repoKey('git@gitlab.example.com:group/proj.git')).toBe('gitlab.example.com/group/proj');
    expect(repoKey('ssh://git@gitlab.example.com:2222/group/proj')).toBe('gitlab.example.com/group/proj');
    expect(repoKey('not a url')).toBeUndefined();
  });

  it('displayName drops the MLflow SharingHub suffix only', () => {
    expect(displayName('wine (42)')).toBe('wine');
    expect(displayName('wine (v2)')).toBe('wine (v2)');
  });

  it('parseMlflowFrontMatter reads mlflow.models and reports every problem', () => {
    expect(parseMlflowFrontMatter({ models: ['a', 'b', 'a'] })).toEqual({ models: ['a', 'b'], diagnostics: [] });
    expect(parseMlflowFrontMatter({ models: 'a' }).models).toEqual(['a']);
    expect(parseMlflowFrontMatter(undefined)).toEqual({ models: [], diagnostics: [] });
    const bad = parseMlflowFrontMatter({ models: ['ok', 3], model: 'x' });
    expect(bad.models).toEqual(['ok']);
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      'mlflow.models[1] is not a model name',
      'mlflow.model is not a known key (known: models)',
    ]);
    expect(parseMlflowFrontMatter(['a']).diagnostics).toHaveLength(1);
  });
});
