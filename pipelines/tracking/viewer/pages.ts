/**
 * The run viewer's pages, built from the store's read API (`TrackingStore.experiments()`, `runs()`,
 * `run()`, the run's metric series, `registeredModels()`, `modelVersions()`, logged models) and the
 * artifact store's listings. The URL paths are MLflow UI's routes without the `#/`
 * (`/experiments/<id>/runs/<run_id>`, `/models/<name>/versions/<v>`,
 * `/experiments/<id>/models/<model_id>`), so a catalog that links a `stachub track` registry
 * points at pages that exist. Everything works without JavaScript: sorting, paging and the choice
 * of columns are plain links and a GET form.
 */
import type { ArtifactStore, FileInfo } from '../artifacts.js';
import type { TrackingStore } from '../store.js';
import type { LoggedModelJson, ModelVersionJson, RunJson } from '../entities.js';
import { formatBytes } from '../../../generator/render/format.js';
import { isUnsafePath } from '../validation.js';
import { stepChart, thinSeries } from './chart.js';
import { type Crumb, duration, esc, facts, href, layout, metricText, panel, query, table, time } from './html.js';
import { getRun } from '../lookups.js';
import * as queries from '../queries.js';

/** What a page answers. */
export interface Page {
  status: number;
  html: string;
}

/** Rows of the runs table per page, unless `per` says otherwise (5 to 200). */
export const RUNS_PER_PAGE = 25;
/** Columns of each kind shown before the visitor chooses. */
export const DEFAULT_COLUMNS = 5;
/** Files listed per artifact tree at most (a run may hold thousands). */
export const MAX_ARTIFACTS = 500;

type Query = URLSearchParams;

export function notFoundPage(what: string): Page {
  return {
    status: 404,
    html: layout({ title: 'Not found', crumbs: [{ title: 'Experiments', href: '/' }], section: 'experiments', body: `<h1>Not found</h1><p>${esc(what)}</p>` }),
  };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ------------------------------------------------------------------------------------------ home

export function experimentsPage(store: TrackingStore, q: Query): Page {
  const all = q.get('view') === 'all';
  const exps = store.experiments().filter((e) => all || e.lifecycle_stage === 'active');
  exps.sort((a, b) => b.last_update_time - a.last_update_time || byName(a.experiment_id, b.experiment_id));
  // One pass over the runs, not one per experiment.
  const active = new Map<string, number>();
  for (const r of store.runs()) if (r.info.lifecycle_stage === 'active') active.set(r.info.experiment_id, (active.get(r.info.experiment_id) ?? 0) + 1);
  const rows = exps.map((e) => {
    const runs = active.get(e.experiment_id) ?? 0;
    return [
      `<a href="${href('experiments', e.experiment_id)}">${esc(e.name)}</a>${e.lifecycle_stage === 'deleted' ? ' <span class="badge plain">deleted</span>' : ''}`,
      `<code>${esc(e.experiment_id)}</code>`,
      String(runs),
      time(e.creation_time),
      time(e.last_update_time),
    ];
  });
  const models = store.registeredModels().length;
  const body = `<div class="page-head"><h1>Experiments</h1>
<p class="lead">${exps.length} experiment(s)${all ? '' : ' (deleted ones hidden: <a href="/?view=all">show all</a>)'} · <a href="/models">${models} registered model(s)</a></p></div>
${table('Experiments', ['Name', 'ID', 'Runs', 'Created', 'Updated'], rows, { numeric: [false, false, true, false, false], captionHidden: true })}`;
  return { status: 200, html: layout({ title: 'Experiments', crumbs: [], section: 'experiments', body }) };
}

// ------------------------------------------------------------------------------------ runs table

interface Column {
  kind: 'm' | 'p';
  key: string;
}

type SortKey = { kind: 'attr'; key: 'start_time' | 'run_name' | 'status' | 'duration' } | Column;

function parseSort(s: string | null): SortKey {
  if (s?.startsWith('m:')) return { kind: 'm', key: s.slice(2) };
  if (s?.startsWith('p:')) return { kind: 'p', key: s.slice(2) };
  if (s === 'run_name' || s === 'status' || s === 'duration') return { kind: 'attr', key: s };
  return { kind: 'attr', key: 'start_time' };
}

function sortId(s: SortKey): string {
  return s.kind === 'attr' ? s.key : `${s.kind}:${s.key}`;
}

/** The value a run sorts by: numbers compare as numbers, params as numbers when both are. */
function sortValue(r: RunJson, s: SortKey): number | string | undefined {
  if (s.kind === 'attr') {
    if (s.key === 'start_time') return r.info.start_time;
    if (s.key === 'run_name') return r.info.run_name;
    if (s.key === 'status') return r.info.status;
    return r.info.end_time !== undefined ? r.info.end_time - r.info.start_time : undefined;
  }
  if (s.kind === 'm') {
    const m = r.data.metrics.find((x) => x.key === s.key);
    if (!m) return undefined;
    const v = typeof m.value === 'number' ? m.value : Number(m.value.replace('Infinity', 'Infinity'));
    return Number.isNaN(v) ? undefined : v;
  }
  const p = r.data.params.find((x) => x.key === s.key)?.value;
  if (p === undefined) return undefined;
  return p.trim() !== '' && Number.isFinite(Number(p)) ? Number(p) : p;
}

/** Compare for sorting; runs without the value come last in both directions. */
function compare(a: number | string | undefined, b: number | string | undefined, asc: boolean): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a - b;
  else c = byName(String(a), String(b));
  return asc ? c : -c;
}

export function runsPage(store: TrackingStore, experimentId: string, q: Query): Page {
  const exp = store.experiments().find((e) => e.experiment_id === experimentId);
  if (!exp) return notFoundPage(`No experiment with id ${experimentId}.`);
  const view = q.get('view') === 'all' ? 'all' : q.get('view') === 'deleted' ? 'deleted' : 'active';
  const allRuns = store.runs(experimentId);
  const runs = allRuns.filter((r) => view === 'all' || r.info.lifecycle_stage === (view === 'deleted' ? 'deleted' : 'active'));
  const metricKeys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort(byName);
  const paramKeys = [...new Set(runs.flatMap((r) => r.data.params.map((p) => p.key)))].sort(byName);
  const chosen = q.has('cols');
  const mCols = chosen ? q.getAll('m').filter((k) => metricKeys.includes(k)) : metricKeys.slice(0, DEFAULT_COLUMNS);
  const pCols = chosen ? q.getAll('p').filter((k) => paramKeys.includes(k)) : paramKeys.slice(0, DEFAULT_COLUMNS);
  const sort = parseSort(q.get('sort'));
  const order = q.get('order') === 'asc' ? 'asc' : q.get('order') === 'desc' ? 'desc' : sort.kind === 'attr' && sort.key === 'start_time' ? 'desc' : 'asc';
  const per = Math.min(200, Math.max(5, Number(q.get('per')) || RUNS_PER_PAGE));
  const sorted = [...runs].sort(
    (a, b) => compare(sortValue(a, sort), sortValue(b, sort), order === 'asc') || b.info.start_time - a.info.start_time || byName(a.info.run_id, b.info.run_id),
  );
  const pages = Math.max(1, Math.ceil(sorted.length / per));
  const page = Math.min(pages, Math.max(1, Math.floor(Number(q.get('page'))) || 1));
  const shown = sorted.slice((page - 1) * per, page * per);

  // Every link keeps the view, the columns and the page size; sorting goes back to page 1.
  const state = (over: { sort?: string; order?: string; page?: number }): string =>
    query([
      ['view', view === 'active' ? undefined : view],
      ...(chosen ? ([['cols', '1']] as Array<[string, string]>) : []),
      ...(chosen ? mCols.map((k): [string, string] => ['m', k]) : []),
      ...(chosen ? pCols.map((k): [string, string] => ['p', k]) : []),
      ['sort', over.sort ?? sortId(sort)],
      ['order', over.order ?? order],
      ['per', per === RUNS_PER_PAGE ? undefined : per],
      ['page', (over.page ?? 1) === 1 ? undefined : over.page],
    ]);
  const base = href('experiments', experimentId);
  const th = (label: string, key: string): string => {
    const current = sortId(sort) === key;
    const next = current && order === 'asc' ? 'desc' : current ? 'asc' : key === 'start_time' ? 'desc' : 'asc';
    const arrow = current ? (order === 'asc' ? ' ▲' : ' ▼') : '';
    return `<a class="sort" href="${esc(base + state({ sort: key, order: next }))}"${current ? ` aria-label="${esc(label)}, sorted ${order === 'asc' ? 'ascending' : 'descending'}"` : ''}>${esc(label)}${arrow}</a>`;
  };
  const head = [th('Run', 'run_name'), th('Started', 'start_time'), th('Duration', 'duration'), th('Status', 'status'), ...mCols.map((k) => th(k, `m:${k}`)), ...pCols.map((k) => th(k, `p:${k}`))];
  const rows = shown.map((r) => {
    const metric = (k: string): string => metricText(r.data.metrics.find((m) => m.key === k)?.value);
    const param = (k: string): string => esc(r.data.params.find((p) => p.key === k)?.value ?? '');
    return [
      `<a href="${href('experiments', experimentId, 'runs', r.info.run_id)}">${esc(r.info.run_name || r.info.run_id)}</a>${r.info.lifecycle_stage === 'deleted' ? ' <span class="badge plain">deleted</span>' : ''}`,
      time(r.info.start_time),
      duration(r.info.start_time, r.info.end_time),
      `<span class="status status-${esc(r.info.status)}">${esc(r.info.status)}</span>`,
      ...mCols.map(metric),
      ...pCols.map(param),
    ];
  });
  const numeric = [false, false, true, false, ...mCols.map(() => true), ...pCols.map(() => false)];
  const headHtml = head;
  const checkbox = (kind: 'm' | 'p', key: string, on: boolean, i: number): string =>
    `<label class="check" for="col-${kind}-${i}"><input type="checkbox" id="col-${kind}-${i}" name="${kind}" value="${esc(key)}"${on ? ' checked' : ''}> ${esc(key)}</label>`;
  const columnsForm = `<details class="columns"${chosen ? ' open' : ''}><summary>Columns</summary>
<form method="get" action="${base}" class="columns-form">
<input type="hidden" name="cols" value="1">
${view !== 'active' ? `<input type="hidden" name="view" value="${view}">` : ''}
<input type="hidden" name="sort" value="${esc(sortId(sort))}"><input type="hidden" name="order" value="${order}">
${per !== RUNS_PER_PAGE ? `<input type="hidden" name="per" value="${per}">` : ''}
<fieldset><legend>Metrics</legend>${metricKeys.map((k, i) => checkbox('m', k, mCols.includes(k), i)).join('') || '<p class="muted">none logged</p>'}</fieldset>
<fieldset><legend>Parameters</legend>${paramKeys.map((k, i) => checkbox('p', k, pCols.includes(k), i)).join('') || '<p class="muted">none logged</p>'}</fieldset>
<button type="submit">Show these columns</button>
</form></details>`;
  const views = (['active', 'all', 'deleted'] as const)
    .map((v) => (v === view ? `<li aria-current="true"><strong>${v}</strong></li>` : `<li><a href="${esc(base + query([['view', v === 'active' ? undefined : v]]))}">${v}</a></li>`))
    .join('');
  const pager =
    pages > 1
      ? `<nav class="pager" aria-label="Pages of runs"><ul>${page > 1 ? `<li><a rel="prev" href="${esc(base + state({ page: page - 1 }))}">Previous</a></li>` : ''}<li>Page ${page} of ${pages}</li>${
          page < pages ? `<li><a rel="next" href="${esc(base + state({ page: page + 1 }))}">Next</a></li>` : ''
        }</ul></nav>`
      : '';
  const tags = [...exp.tags].filter((t) => !t.key.startsWith('mlflow.'));
  const body = `<div class="page-head"><h1>${esc(exp.name)}</h1>
<p class="lead">Experiment <code>${esc(exp.experiment_id)}</code> · ${runs.length} run(s) · artifacts in <code>${esc(exp.artifact_location)}</code>${exp.lifecycle_stage === 'deleted' ? ' · <span class="badge plain">deleted</span>' : ''}</p>
${tags.length ? `<ul class="badges" aria-label="Experiment tags">${tags.map((t) => `<li class="badge plain">${esc(t.key)}: ${esc(t.value)}</li>`).join('')}</ul>` : ''}</div>
<nav class="views" aria-label="Runs shown"><ul>${views}</ul></nav>
${columnsForm}
${table(`Runs of ${esc(exp.name)}, sorted by ${esc(sortId(sort))} (${order === 'asc' ? 'ascending' : 'descending'})`, headHtml, rows, { numeric, captionHidden: true })}
${rows.length === 0 ? '<p class="empty">No runs.</p>' : ''}
${pager}`;
  return { status: 200, html: layout({ title: exp.name, crumbs: [{ title: 'Experiments', href: '/' }], section: 'experiments', body }) };
}

// -------------------------------------------------------------------------------------- artifacts

/** The path after `mlflow-artifacts:/` of a URI served by this server's artifact proxy. */
export function proxiedRel(uri: string): string | undefined {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/+(.*?)\/*$/.exec(uri);
  return m && m[1] && !isUnsafePath(m[1]) ? m[1] : undefined;
}

/** Every file below `rel` (depth first, sorted), at most `MAX_ARTIFACTS`; paths relative to `rel`. */
export async function listTree(artifacts: ArtifactStore, rel: string): Promise<{ files: FileInfo[]; truncated: boolean }> {
  const files: FileInfo[] = [];
  let truncated = false;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const f of await artifacts.list(dir)) {
      if (files.length >= MAX_ARTIFACTS) {
        truncated = true;
        return;
      }
      if (f.path.includes('/') || isUnsafePath(f.path)) continue;
      const p = prefix ? `${prefix}/${f.path}` : f.path;
      if (f.is_dir) await walk(`${dir}/${f.path}`, p);
      else files.push({ path: p, is_dir: false, ...(f.file_size !== undefined ? { file_size: f.file_size } : {}) });
    }
  };
  await walk(rel, '');
  return { files, truncated };
}

/** An artifact's size; the viewer counts up to terabytes. */
function sizeText(n: number | undefined): string {
  return n === undefined ? '' : formatBytes(n, 'TB');
}

function artifactsTable(tree: { files: FileInfo[]; truncated: boolean }, link: (p: string) => string, caption: string): string {
  if (tree.files.length === 0) return '<p class="empty">No artifacts.</p>';
  const rows = tree.files.map((f) => [`<a href="${esc(link(f.path))}" download>${esc(f.path)}</a>`, sizeText(f.file_size)]);
  return table(caption, ['File', 'Size'], rows, { numeric: [false, true], captionHidden: true }) + (tree.truncated ? `<p class="muted">Only the first ${MAX_ARTIFACTS} files are listed.</p>` : '');
}

/** Download links under the viewer's own paths (same sign-in as the pages). */
const downloadLink = (...base: string[]) => (p: string): string => `${href(...base, 'artifacts')}/${p.split('/').map(encodeURIComponent).join('/')}`;

// -------------------------------------------------------------------------------------- run page

function kvTable(caption: string, list: Array<{ key: string; value: string }>, keyLabel: string): string {
  if (list.length === 0) return `<p class="empty">No ${esc(caption.toLowerCase())}.</p>`;
  const rows = [...list]
    .sort((a, b) => byName(a.key, b.key))
    .map((t) => [`<code>${esc(t.key)}</code>`, t.value.length > 300 ? `<details><summary>${t.value.length} characters</summary><pre>${esc(t.value)}</pre></details>` : esc(t.value)]);
  return table(esc(caption), [keyLabel, 'Value'], rows, { captionHidden: true });
}

function loggedModelsOf(store: TrackingStore, runId: string, experimentId: string): LoggedModelJson[] {
  return queries
    .searchLoggedModels(store.state, [experimentId], undefined, [])
    .filter((m) => m.source_run_id === runId)
    .map((m) => store.loggedModelJson(m));
}

export async function runPage(store: TrackingStore, artifacts: ArtifactStore, experimentId: string, runId: string): Promise<Page> {
  const run = store.run(runId);
  if (!run || run.info.experiment_id !== experimentId) return notFoundPage(`No run ${runId} in experiment ${experimentId}.`);
  const exp = store.experiments().find((e) => e.experiment_id === experimentId)!;
  const i = run.info;
  const tagMap = new Map(run.data.tags.map((t) => [t.key, t.value]));
  const note = tagMap.get('mlflow.note.content');
  const parent = tagMap.get('mlflow.parentRunId');
  const overview = facts([
    ['Run ID', `<code>${esc(i.run_id)}</code>`],
    ['Status', `<span class="status status-${esc(i.status)}">${esc(i.status)}</span>`],
    ['Started', time(i.start_time)],
    ['Ended', time(i.end_time)],
    ['Duration', duration(i.start_time, i.end_time)],
    ['User', esc(i.user_id)],
    ['Source', esc(tagMap.get('mlflow.source.name') ?? '')],
    ['Git commit', tagMap.get('mlflow.source.git.commit') ? `<code>${esc(tagMap.get('mlflow.source.git.commit'))}</code>` : ''],
    ['Parent run', parent && store.run(parent) ? `<a href="${href('experiments', store.run(parent)!.info.experiment_id, 'runs', parent)}">${esc(store.run(parent)!.info.run_name || parent)}</a>` : ''],
    ['Lifecycle', i.lifecycle_stage === 'deleted' ? 'deleted' : ''],
    ['Artifact URI', `<code class="uri">${esc(i.artifact_uri)}</code>`],
  ]);
  // Metrics: the latest values, then one chart per key over its whole history.
  const metricKeys = run.data.metrics.map((m) => m.key).sort(byName);
  // The store's own series, read point by point: a history of millions of points is never copied.
  const series = getRun(store.state, runId).metrics;
  const histories = metricKeys.map((key) => {
    const s = series.get(key);
    return { key, ...thinSeries(s?.length ?? 0, (i) => s!.at(i)) };
  });
  const metricRows = histories.map(({ key, total }) => {
    const latest = run.data.metrics.find((m) => m.key === key)!;
    return [`<code>${esc(key)}</code>`, metricText(latest.value), String(latest.step), String(total)];
  });
  const charts = histories
    .map(({ key, points, total, nonFinite }, n) => `<figure class="chart-box">${stepChart(`metric-${n}`, `${key} over steps`, points, { total, nonFinite })}<figcaption>${esc(key)}</figcaption></figure>`)
    .join('');
  const metrics = metricKeys.length
    ? table('Latest metric values', ['Metric', 'Latest value', 'Step', 'Points'], metricRows, { numeric: [false, true, true, true], captionHidden: true }) + `<div class="charts">${charts}</div>`
    : '<p class="empty">No metrics.</p>';
  const datasets = run.inputs.dataset_inputs.length
    ? table(
        'Datasets',
        ['Name', 'Digest', 'Source type', 'Context'],
        run.inputs.dataset_inputs.map((d) => [esc(d.dataset.name), `<code>${esc(d.dataset.digest)}</code>`, esc(d.dataset.source_type), esc(d.tags.find((t) => t.key === 'mlflow.data.context')?.value ?? '')]),
        { captionHidden: true },
      )
    : '';
  const rel = proxiedRel(i.artifact_uri);
  const artifactsHtml =
    rel !== undefined
      ? artifactsTable(await listTree(artifacts, rel), downloadLink('experiments', experimentId, 'runs', runId), 'Artifacts of the run')
      : `<p>Stored outside this server: <code class="uri">${esc(i.artifact_uri)}</code></p>`;
  // Models: 3.x logged models from this run, and the registered versions built from it.
  const logged = loggedModelsOf(store, runId, experimentId);
  const versions = store.modelVersions().filter((v) => v.run_id === runId || (v.model_id !== undefined && logged.some((m) => m.info.model_id === v.model_id)));
  const modelsHtml =
    logged.length || versions.length
      ? (logged.length
          ? table(
              'Logged models',
              ['Logged model', 'Status', 'Created'],
              logged.map((m) => [`<a href="${href('experiments', experimentId, 'models', m.info.model_id)}">${esc(m.info.name)}</a> <code>${esc(m.info.model_id)}</code>`, esc(m.info.status.replace(/^LOGGED_MODEL_/, '')), time(m.info.creation_timestamp_ms)]),
              { captionHidden: true },
            )
          : '') + (versions.length ? versionsList(versions) : '')
      : '<p class="empty">No models logged from this run.</p>';
  const title = i.run_name || i.run_id;
  const body = `<div class="page-head"><h1>${esc(title)}</h1>${note ? `<p class="lead">${esc(note)}</p>` : ''}</div>
<nav class="toc" aria-label="On this page"><ul><li><a href="#overview">Overview</a></li><li><a href="#metrics">Metrics</a></li><li><a href="#params">Parameters</a></li><li><a href="#tags">Tags</a></li><li><a href="#artifacts">Artifacts</a></li><li><a href="#models">Models</a></li></ul></nav>
<div class="project-main">
${panel('overview', 'Overview', overview + datasets)}
${panel('metrics', 'Metrics', metrics)}
${panel('params', 'Parameters', kvTable('Parameters', run.data.params, 'Parameter'))}
${panel('tags', 'Tags', kvTable('Tags', run.data.tags, 'Tag'))}
${panel('artifacts', 'Artifacts', artifactsHtml)}
${panel('models', 'Models', modelsHtml)}
</div>`;
  return { status: 200, html: layout({ title, crumbs: [{ title: 'Experiments', href: '/' }, { title: exp.name, href: href('experiments', experimentId) }], section: 'experiments', body }) };
}

function versionsList(versions: ModelVersionJson[]): string {
  return table(
    'Registered versions',
    ['Registered model', 'Version', 'Aliases'],
    versions.map((v) => [`<a href="${href('models', v.name)}">${esc(v.name)}</a>`, `<a href="${href('models', v.name, 'versions', v.version)}">v${esc(v.version)}</a>`, aliasBadges(v.aliases)]),
    { captionHidden: true },
  );
}

function aliasBadges(aliases: string[]): string {
  return aliases.length ? `<ul class="badges">${aliases.map((a) => `<li class="badge alias">@${esc(a)}</li>`).join('')}</ul>` : '';
}

// ------------------------------------------------------------------------------ logged model page

export async function loggedModelPage(store: TrackingStore, artifacts: ArtifactStore, experimentId: string, modelId: string): Promise<Page> {
  const m = store.loggedModel(modelId);
  if (!m || m.info.experiment_id !== experimentId) return notFoundPage(`No logged model ${modelId} in experiment ${experimentId}.`);
  const exp = store.experiments().find((e) => e.experiment_id === experimentId)!;
  const i = m.info;
  const run = i.source_run_id ? store.run(i.source_run_id) : undefined;
  const overview = facts([
    ['Model ID', `<code>${esc(i.model_id)}</code>`],
    ['Status', esc(i.status.replace(/^LOGGED_MODEL_/, ''))],
    ['Created', time(i.creation_timestamp_ms)],
    ['Type', esc(i.model_type ?? '')],
    ['Source run', run ? `<a href="${href('experiments', run.info.experiment_id, 'runs', run.info.run_id)}">${esc(run.info.run_name || run.info.run_id)}</a>` : ''],
    ['Artifact URI', `<code class="uri">${esc(i.artifact_uri)}</code>`],
  ]);
  const metrics = m.data.metrics.length
    ? table('Metrics', ['Metric', 'Value', 'Step'], m.data.metrics.map((x) => [`<code>${esc(x.key)}</code>`, metricText(x.value), String(x.step)]), { numeric: [false, true, true], captionHidden: true })
    : '<p class="empty">No metrics.</p>';
  const rel = proxiedRel(i.artifact_uri);
  const files = rel !== undefined ? artifactsTable(await listTree(artifacts, rel), downloadLink('experiments', experimentId, 'models', modelId), 'Files of the logged model') : `<p>Stored outside this server.</p>`;
  const versions = store.modelVersions().filter((v) => v.model_id === modelId);
  const body = `<div class="page-head"><h1>${esc(i.name)}</h1><p class="lead">Logged model of experiment ${esc(exp.name)}</p></div>
<div class="project-main">
${panel('overview', 'Overview', overview)}
${panel('metrics', 'Metrics', metrics)}
${panel('params', 'Parameters', kvTable('Parameters', m.data.params, 'Parameter'))}
${panel('tags', 'Tags', kvTable('Tags', i.tags, 'Tag'))}
${panel('artifacts', 'Files', files)}
${panel('versions', 'Registered versions', versions.length ? versionsList(versions) : '<p class="empty">Not registered.</p>')}
</div>`;
  return { status: 200, html: layout({ title: i.name, crumbs: [{ title: 'Experiments', href: '/' }, { title: exp.name, href: href('experiments', experimentId) }], section: 'experiments', body }) };
}

// ------------------------------------------------------------------------------------ registry

export function modelsPage(store: TrackingStore): Page {
  const models = store.registeredModels().sort((a, b) => byName(a.name, b.name));
  const rows = models.map((rm) => {
    const versions = store.modelVersions(rm.name);
    const latest = versions[versions.length - 1];
    return [
      `<a href="${href('models', rm.name)}">${esc(rm.name)}</a>`,
      latest ? `<a href="${href('models', rm.name, 'versions', latest.version)}">v${esc(latest.version)}</a>` : '',
      String(versions.length),
      rm.aliases.length ? `<ul class="badges">${rm.aliases.map((a) => `<li class="badge alias">@${esc(a.alias)} → v${esc(a.version)}</li>`).join('')}</ul>` : '',
      time(rm.last_updated_timestamp),
    ];
  });
  const body = `<div class="page-head"><h1>Registered models</h1><p class="lead">${models.length} model(s)</p></div>
${rows.length ? table('Registered models', ['Model', 'Latest', 'Versions', 'Aliases', 'Updated'], rows, { numeric: [false, false, true, false, false], captionHidden: true }) : '<p class="empty">No registered models.</p>'}`;
  return { status: 200, html: layout({ title: 'Registered models', crumbs: [], section: 'models', body }) };
}

function runLink(store: TrackingStore, runId: string | undefined): string {
  const run = runId ? store.run(runId) : undefined;
  return run ? `<a href="${href('experiments', run.info.experiment_id, 'runs', run.info.run_id)}">${esc(run.info.run_name || run.info.run_id)}</a>` : runId ? `<code>${esc(runId)}</code>` : '';
}

export function registeredModelPage(store: TrackingStore, name: string): Page {
  const rm = store.registeredModels().find((m) => m.name === name);
  if (!rm) return notFoundPage(`No registered model named ${name}.`);
  const versions = store.modelVersions(name).reverse();
  const rows = versions.map((v) => [
    `<a href="${href('models', name, 'versions', v.version)}">v${esc(v.version)}</a>`,
    aliasBadges(v.aliases),
    v.current_stage !== 'None' ? `<span class="stage stage-${esc(v.current_stage)}">${esc(v.current_stage)}</span>` : '',
    time(v.creation_timestamp),
    runLink(store, v.run_id),
    `<code class="uri">${esc(v.source)}</code>`,
  ]);
  const body = `<div class="page-head"><h1>${esc(rm.name)}</h1>${rm.description ? `<p class="lead">${esc(rm.description)}</p>` : ''}
${rm.aliases.length ? `<ul class="badges" aria-label="Aliases">${rm.aliases.map((a) => `<li class="badge alias">@${esc(a.alias)} → v${esc(a.version)}</li>`).join('')}</ul>` : ''}</div>
<div class="project-main">
${panel('versions', 'Versions', rows.length ? table('Versions', ['Version', 'Aliases', 'Stage', 'Registered', 'Run', 'Source'], rows, { captionHidden: true }) : '<p class="empty">No versions.</p>')}
${panel('tags', 'Tags', kvTable('Tags', rm.tags, 'Tag'))}
</div>`;
  return { status: 200, html: layout({ title: rm.name, crumbs: [{ title: 'Models', href: '/models' }], section: 'models', body }) };
}

export async function modelVersionPage(store: TrackingStore, artifacts: ArtifactStore, name: string, version: string): Promise<Page> {
  const v = store.modelVersions(name).find((x) => x.version === version);
  if (!v) return notFoundPage(`No version ${version} of the registered model ${name}.`);
  const run = v.run_id ? store.run(v.run_id) : undefined;
  const logged = v.model_id ? store.loggedModel(v.model_id) : undefined;
  const overview = facts([
    ['Version', esc(v.version)],
    ['Aliases', aliasBadges(v.aliases)],
    ['Stage', v.current_stage !== 'None' ? esc(v.current_stage) : ''],
    ['Status', esc(v.status)],
    ['Registered', time(v.creation_timestamp)],
    ['Updated', time(v.last_updated_timestamp)],
    ['Run', runLink(store, v.run_id)],
    ['Logged model', logged ? `<a href="${href('experiments', logged.info.experiment_id, 'models', logged.info.model_id)}">${esc(logged.info.name)}</a> <code>${esc(logged.info.model_id)}</code>` : ''],
    ['Source', `<code class="uri">${esc(v.source)}</code>`],
    ['Load with', `<code>${esc(`models:/${v.name}/${v.version}`)}</code>`],
  ]);
  // The model's files: the logged model's artifact root (3.x) or the source folder of the run (2.x).
  let files = '<p>Stored outside this server.</p>';
  const loggedRel = logged ? proxiedRel(logged.info.artifact_uri) : undefined;
  if (logged && loggedRel !== undefined) {
    files = artifactsTable(await listTree(artifacts, loggedRel), downloadLink('experiments', logged.info.experiment_id, 'models', logged.info.model_id), 'Files of the model');
  } else if (run) {
    // A 2.x version: a folder of its run's artifacts (`runs:/<run>/<dir>` or a URI below the run's root).
    const runRoot = proxiedRel(run.info.artifact_uri);
    const dir = v.source.startsWith('runs:/') ? v.source.replace(/^runs:\/[^/]+\/?/, '').replace(/\/+$/, '') : proxiedRel(v.source)?.startsWith(`${runRoot}/`) ? proxiedRel(v.source)!.slice(runRoot!.length + 1) : undefined;
    if (runRoot !== undefined && dir !== undefined && !isUnsafePath(dir)) {
      const tree = await listTree(artifacts, dir ? `${runRoot}/${dir}` : runRoot);
      const link = downloadLink('experiments', run.info.experiment_id, 'runs', run.info.run_id);
      files = artifactsTable(tree, (p) => link(dir ? `${dir}/${p}` : p), 'Files of the model');
    }
  }
  const metrics = run?.data.metrics.length
    ? table('Run metrics', ['Metric', 'Latest value'], [...run.data.metrics].sort((a, b) => byName(a.key, b.key)).map((m) => [`<code>${esc(m.key)}</code>`, metricText(m.value)]), { numeric: [false, true], captionHidden: true })
    : '<p class="empty">No run metrics.</p>';
  const title = `${v.name} v${v.version}`;
  const body = `<div class="page-head"><h1>${esc(v.name)} <span class="badge version">v${esc(v.version)}</span></h1>${v.description ? `<p class="lead">${esc(v.description)}</p>` : ''}</div>
<div class="project-main">
${panel('overview', 'Overview', overview)}
${panel('files', 'Files', files)}
${panel('metrics', 'Metrics', metrics)}
${panel('tags', 'Tags', kvTable('Tags', v.tags, 'Tag'))}
</div>`;
  return { status: 200, html: layout({ title, crumbs: [{ title: 'Models', href: '/models' }, { title: v.name, href: href('models', v.name) }], section: 'models', body }) };
}

export type { Crumb };
