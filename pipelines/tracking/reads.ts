/**
 * The store's read API: its state as MLflow's REST JSON shapes (`runs/get`, `registered-models/get`,
 * `model-versions/get`, ...). The tracking store is one; the catalog reads a store through it
 * (see view.ts), and so do the viewer and the export.
 */
import {
  type ExperimentJson,
  type LoggedModel,
  type LoggedModelJson,
  type MetricJson,
  type ModelVersionJson,
  type RegisteredModelJson,
  type RunJson,
  experimentJson,
  kvList,
  metricJson,
  modelVersionJson,
  registeredModelJson,
  runJson,
} from './entities.js';
import type { StoreState } from './reducer.js';

/** Reads of a store's state, each returning fresh JSON (nothing returned aliases the state). */
export class StoreReads {
  constructor(
    /** @internal The in-memory state, changed only by `applyRecord`. */
    readonly state: StoreState,
  ) {}

  /** Every experiment, deleted ones included. */
  experiments(): ExperimentJson[] {
    return [...this.state.experimentsById.values()].map(experimentJson);
  }

  /** One run as `runs/get` returns it (latest metric values), or undefined. */
  run(runId: string): RunJson | undefined {
    const r = this.state.runsById.get(runId);
    return r ? runJson(r) : undefined;
  }

  /** Runs of one experiment (or all), deleted ones included. */
  runs(experimentId?: string): RunJson[] {
    const out: RunJson[] = [];
    for (const r of this.state.runsBySeq) if (r && (experimentId === undefined || r.experiment_id === experimentId)) out.push(runJson(r));
    return out;
  }

  /** The full history of one metric of one run, in logging order ([] if unknown). */
  metricHistory(runId: string, key: string): MetricJson[] {
    const r = this.state.runsById.get(runId);
    const points = r?.metrics.get(key);
    return points ? [...points].map((p) => metricJson(key, p, runId)) : [];
  }

  /** Every registered model as `registered-models/get` returns it (with aliases). */
  registeredModels(): RegisteredModelJson[] {
    return [...this.state.registered.values()].map(registeredModelJson);
  }

  /** Every version of one registered model (or of all), oldest first, each with its aliases. */
  modelVersions(name?: string): ModelVersionJson[] {
    const out: ModelVersionJson[] = [];
    for (const rm of this.state.registered.values()) {
      if (name !== undefined && rm.name !== name) continue;
      const versions = [...rm.versions.values()].sort((a, b) => Number(a.version) - Number(b.version));
      for (const mv of versions) out.push(modelVersionJson(mv, rm));
    }
    return out;
  }

  /** A 3.x logged model (`models:/<id>` sources), or undefined. */
  loggedModel(modelId: string): LoggedModelJson | undefined {
    const m = this.state.loggedModels.get(modelId);
    return m && !m.deleted ? this.loggedModelJson(m) : undefined;
  }

  /** A logged model as `logged-models/get` returns it, with the registry versions made from it. */
  loggedModelJson(m: LoggedModel): LoggedModelJson {
    const registrations: { name: string; version: string }[] = [];
    for (const rm of this.state.registered.values()) {
      for (const mv of rm.versions.values()) if (mv.model_id === m.model_id) registrations.push({ name: rm.name, version: mv.version });
    }
    const metrics = m.metrics;
    return {
      info: {
        model_id: m.model_id,
        experiment_id: m.experiment_id,
        name: m.name,
        creation_timestamp_ms: m.creation_timestamp_ms,
        last_updated_timestamp_ms: m.last_updated_timestamp_ms,
        artifact_uri: m.artifact_uri,
        status: m.status,
        model_type: m.model_type,
        source_run_id: m.source_run_id,
        status_message: m.status_message,
        tags: kvList(m.tags),
        registrations,
      },
      data: { params: kvList(m.params), metrics },
    };
  }
}
