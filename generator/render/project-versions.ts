/**
 * The MLflow sections of a project page: the versions table with the key metrics and their charts
 * (from the version items, else the project's `mlflow:models` summary), and a version page's run.
 */
import { mlflowModelsOf, mlflowVersionOf } from '../stac/extensions/mlflow.js';
import type { StacItem } from '../stac/types.js';
import { lineChart } from './charts.js';
import { formatMetric, isoDate } from './format.js';
import { SafeHtml } from './html.js';
import type { ProjectView } from './model.js';
import { relativeHref } from './paths.js';

/** One registered model version in the versions table. */
export interface VersionRow {
  /** The registered model, when the project has several. */
  model: string | null;
  version: string;
  /** The version's page (null when only the project's `mlflow:models` summary describes it). */
  page: string | null;
  date: string;
  stage: string | null;
  aliases: string[];
  /** The version consumers should take (alias champion/production, else Production stage, else latest). */
  recommended: boolean;
  metrics: Array<{ name: string; value: string }>;
}

/** A version as the table and the charts read it. */
interface VersionSource {
  page: string | null;
  modelName: string;
  version: unknown;
  /** Its creation date (else its datetime). */
  date: unknown;
  stage: string | null;
  aliases: string[];
  recommended: boolean;
  metrics: Record<string, unknown>;
}

/** What the page shows of the versions: every row (newest first), the metric columns and charts. */
export interface VersionsSection {
  versions: VersionRow[];
  metricNames: string[];
  charts: Array<{ name: string; svg: SafeHtml }>;
}

/** A version page's run: final metrics, parameters, flavors. */
export type RunSection = { metrics: Array<{ label: string; value: string }>; params: Array<{ label: string; value: string }>; runName: string | null; flavors: string | null; uri: string | null } | null;

/** Versions and their key metrics, grouped by registered model (a project may register several). */
export function versionsSection(view: ProjectView): VersionsSection {
  const sources: VersionSource[] =
    view.versions.length > 0
      ? view.versions.map((v) => fromItem(v.item.json.properties, relativeHref(view.page, v.page)))
      : summaryVersions(mlflowModelsOf(view.item.json.properties));
  // Key metrics: those most versions report (then by name), at most six columns and charts.
  const metricCount = new Map<string, number>();
  for (const v of sources) {
    for (const [k, val] of Object.entries(v.metrics)) if (typeof val === 'number') metricCount.set(k, (metricCount.get(k) ?? 0) + 1);
  }
  const metricNames = [...metricCount]
    .sort(([a, na], [b, nb]) => nb - na || a.localeCompare(b))
    .slice(0, 6)
    .map(([k]) => k)
    .sort();
  const modelNames = [...new Set(sources.map((v) => v.modelName))];
  const versions: VersionRow[] = sources
    .map((v) => ({
      model: modelNames.length > 1 ? v.modelName : null,
      version: String(v.version ?? ''),
      page: v.page,
      date: isoDate(v.date),
      stage: v.stage,
      aliases: v.aliases,
      recommended: v.recommended,
      metrics: metricNames.map((m) => {
        const x = v.metrics[m];
        return { name: m, value: typeof x === 'number' ? formatMetric(x) : '–' };
      }),
    }))
    .reverse(); // newest first in the table
  const charts: Array<{ name: string; svg: SafeHtml }> = [];
  let chartId = 0;
  for (const modelName of modelNames) {
    const ofModel = sources.filter((v) => v.modelName === modelName);
    for (const m of metricNames) {
      const points = ofModel
        .map((v) => ({ label: `v${String(v.version)}`, value: v.metrics[m] }))
        .filter((pt): pt is { label: string; value: number } => typeof pt.value === 'number');
      const name = modelNames.length > 1 ? `${modelName}: ${m}` : m;
      if (points.length >= 2) charts.push({ name, svg: new SafeHtml(lineChart(`chart-${chartId++}`, `${name} by version`, points)) });
    }
  }
  return { versions, metricNames, charts };
}

/** A version page shows its run: final metrics and parameters. */
export function runSection(view: ProjectView, item: StacItem): RunSection {
  if (view.versionOf === null) return null;
  const v = mlflowVersionOf(item.properties);
  return {
    metrics: Object.entries(v.metrics)
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => ({ label: k, value: formatMetric(x) })),
    params: Object.entries(v.params)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, x]) => ({ label: k, value: typeof x === 'string' ? x : JSON.stringify(x) })),
    runName: v.runName ?? null,
    flavors: v.flavors ? v.flavors.map((f) => `${String(f.name)}${f.version ? ' ' + String(f.version) : ''}`).join(', ') : null,
    uri: v.uri ?? null,
  };
}

function fromItem(p: Readonly<Record<string, unknown>>, page: string): VersionSource {
  const v = mlflowVersionOf(p);
  return {
    page,
    modelName: v.modelName ?? '',
    version: p.version,
    date: p.created ?? p.datetime,
    stage: v.stage !== undefined && v.stage !== 'None' ? v.stage : null,
    aliases: v.aliases,
    recommended: v.recommended,
    metrics: v.metrics,
  };
}

/** Versions described only by the project's `mlflow:models` summary (no version items in the tree). */
function summaryVersions(models: ReturnType<typeof mlflowModelsOf>): VersionSource[] {
  return models.flatMap((m) =>
    m.versions.map((v) => ({
      page: null,
      modelName: m.name ?? '',
      version: v.version,
      date: v.created,
      stage: v.stage !== undefined && v.stage !== 'None' ? v.stage : null,
      aliases: v.aliases,
      recommended: false,
      metrics: v.metrics,
    })),
  );
}
