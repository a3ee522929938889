/**
 * Joining the registry to the catalog (PURE): link registered models to the projects' records,
 * add each linked project's MLflow links/properties/assets and one item per version to the
 * unplaced STAC tree (in the project's collection, so layout places and links them), and describe
 * the outcome for `build-report.json` (unlinked models included).
 */
import type { ProjectRecord } from '../metadata/record.js';
import type { Diagnostic } from '../types.js';
import { redact } from '../redact.js';
import { FaultCollector } from '../isolate.js';
import { linkModels } from '../mlflow/link.js';
import { linkProjects, type MlflowReport, type RegistryRead } from '../mlflow/join.js';
import { link } from './links.js';
import { mlflowToStac, withProjectAdditions } from './mlflow.js';
import type { UnplacedTree } from './toStac.js';

export interface JoinResult {
  tree: UnplacedTree;
  /** The project (record id) each version item belongs to, by item id: its validation problems go there. */
  owners: Map<string, string>;
  /** MLflow problems to add to each project's report entry, by record id. */
  projectDiagnostics: Map<string, Diagnostic[]>;
  report: MlflowReport;
}

export function joinRegistry(tree: UnplacedTree, records: readonly ProjectRecord[], read: RegistryRead, options: { projectTag?: string } = {}): JoinResult {
  const projectDiagnostics = new Map<string, Diagnostic[]>();
  const note = (id: string, ds: Diagnostic[]): void => {
    if (ds.length === 0) return;
    const list = projectDiagnostics.get(id) ?? [];
    for (const d of ds) if (!list.some((x) => x.code === d.code && x.message === d.message)) list.push(d);
    projectDiagnostics.set(id, list);
  };
  const linked = linkModels(linkProjects(records), read.versions, options);
  for (const [id, ds] of linked.projectDiagnostics) note(id, ds);
  // Each project's versions are joined under its guard: registry data is outside input too.
  const faults = new FaultCollector();

  const published = new Set<string>();
  const owners = new Map<string, string>();
  const collections = tree.collections.map(({ collection, items }) => {
    const out = [...items];
    const newLinks = [];
    let start = collection.extent.temporal.interval[0]?.[0] ?? null;
    let end = collection.extent.temporal.interval[0]?.[1] ?? null;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const versions = linked.byProject.get(item.json.id);
      if (!versions) continue;
      const joined = faults.run(
        item.json.id,
        'mlflow',
        () => {
          const m = mlflowToStac(item.json, item.dir, versions, {
            ...(read.trackingUri ? { trackingUri: read.trackingUri } : {}),
            ...(read.webUi ? { webUi: read.webUi } : {}),
            onnx: read.onnx,
          });
          return { mapped: m, json: withProjectAdditions(item.json, m.project) };
        },
        undefined,
      );
      if (!joined) continue;
      const { mapped } = joined;
      note(item.json.id, mapped.diagnostics);
      out[i] = { ...item, json: joined.json };
      for (const v of mapped.versionItems) {
        out.push(v);
        newLinks.push(link.item(collection.id, v.json.id, String(v.json.properties['title'] ?? v.json.id)));
        const t = v.json.properties.datetime;
        if (typeof t === 'string') {
          if (start !== null && t < start) start = t;
          if (end !== null && t > end) end = t;
        }
      }
      for (const v of mapped.versionItems) {
        published.add(v.json.id);
        owners.set(v.json.id, item.json.id);
      }
    }
    if (newLinks.length === 0) return { collection, items: out };
    return {
      collection: {
        ...collection,
        links: [...collection.links, ...newLinks],
        extent: { ...collection.extent, temporal: { interval: [[start, end]] as Array<[string | null, string | null]> } },
      },
      items: out,
    };
  });
  faults.throwIfAny();
  const models = new Set(read.versions.map((v) => v.modelName));
  const unlinked: MlflowReport['unlinked'] = { 'no-match': 0, 'not-in-catalog': 0, ambiguous: 0 };
  for (const u of linked.unlinked) unlinked[u.reason]++;
  // A registry message is shown only when it is about a model the catalog publishes.
  const names = new Set(linked.linked.map((l) => l.modelName));
  const shown = read.diagnostics.filter((d) => d.model !== undefined && names.has(d.model));
  const report: MlflowReport = {
    source: read.source,
    ...(read.trackingUri ? { trackingUri: read.trackingUri } : {}),
    counts: {
      models: models.size,
      versions: read.versions.length,
      linkedModels: linked.linked.length,
      // A project in several categories gets its version items in each: counted once.
      publishedVersions: published.size,
      unlinkedModels: linked.unlinked.length,
    },
    linked: linked.linked,
    unlinked,
    // Registry problems quote the server's error text, which may echo credentials.
    messages: shown.map(({ model: _model, ...d }) => ({ ...d, message: redact(d.message) })),
    ...(shown.length < read.diagnostics.length ? { messagesWithheld: read.diagnostics.length - shown.length } : {}),
  };
  return { tree: { ...tree, collections }, owners, projectDiagnostics, report };
}
