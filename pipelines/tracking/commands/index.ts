/**
 * The tracking store's commands, one module per MLflow resource (as `routes/`): each validates a
 * request against the state, builds its journal record(s) and appends them through the store
 * core's `commit` (core.ts). The routes call these modules directly; `StoreCommands` binds them to
 * a store as methods, for programmatic writers (the demo, benchmarks, tests).
 */
import type { JournalRecord } from '../records.js';
import { StoreReads } from '../reads.js';
import type { StoreCore } from './core.js';
import * as experiments from './experiments.js';
import * as loggedModels from './logged-models.js';
import * as modelVersions from './model-versions.js';
import * as registeredModels from './registered-models.js';
import * as runs from './runs.js';

export type { StoreCore } from './core.js';

/** A command with its store bound. */
type Bound<C> = C extends (store: StoreCore, ...args: infer A) => infer R ? (...args: A) => R : never;

function bind<C extends (store: StoreCore, ...args: never[]) => unknown>(store: StoreCore, command: C): Bound<C> {
  return ((...args: never[]) => command(store, ...args)) as Bound<C>;
}

/** The read API and every command as methods of one store; the store core supplies `commit`. */
export abstract class StoreCommands extends StoreReads implements StoreCore {
  abstract readonly now: () => number;
  abstract readonly truncateLongValues: boolean;
  abstract commit(rec: JournalRecord): Promise<void>;
  abstract artifactFile(uri: string): string | undefined;

  readonly createExperiment = bind(this, experiments.createExperiment);
  readonly deleteExperiment = bind(this, experiments.deleteExperiment);
  readonly restoreExperiment = bind(this, experiments.restoreExperiment);
  readonly renameExperiment = bind(this, experiments.renameExperiment);
  readonly setExperimentTag = bind(this, experiments.setExperimentTag);
  readonly deleteExperimentTag = bind(this, experiments.deleteExperimentTag);
  readonly createRun = bind(this, runs.createRun);
  readonly updateRun = bind(this, runs.updateRun);
  readonly deleteRun = bind(this, runs.deleteRun);
  readonly restoreRun = bind(this, runs.restoreRun);
  readonly logMetric = bind(this, runs.logMetric);
  readonly logParam = bind(this, runs.logParam);
  readonly setTag = bind(this, runs.setTag);
  readonly deleteTag = bind(this, runs.deleteTag);
  readonly logBatch = bind(this, runs.logBatch);
  readonly logInputs = bind(this, runs.logInputs);
  readonly logOutputs = bind(this, runs.logOutputs);
  readonly logModel = bind(this, runs.logModel);
  readonly createLoggedModel = bind(this, loggedModels.createLoggedModel);
  readonly finalizeLoggedModel = bind(this, loggedModels.finalizeLoggedModel);
  readonly deleteLoggedModel = bind(this, loggedModels.deleteLoggedModel);
  readonly setLoggedModelTags = bind(this, loggedModels.setLoggedModelTags);
  readonly deleteLoggedModelTag = bind(this, loggedModels.deleteLoggedModelTag);
  readonly logLoggedModelParams = bind(this, loggedModels.logLoggedModelParams);
  readonly createRegisteredModel = bind(this, registeredModels.createRegisteredModel);
  readonly updateRegisteredModel = bind(this, registeredModels.updateRegisteredModel);
  readonly renameRegisteredModel = bind(this, registeredModels.renameRegisteredModel);
  readonly deleteRegisteredModel = bind(this, registeredModels.deleteRegisteredModel);
  readonly setRegisteredModelTag = bind(this, registeredModels.setRegisteredModelTag);
  readonly deleteRegisteredModelTag = bind(this, registeredModels.deleteRegisteredModelTag);
  readonly setAlias = bind(this, registeredModels.setAlias);
  readonly deleteAlias = bind(this, registeredModels.deleteAlias);
  readonly createModelVersion = bind(this, modelVersions.createModelVersion);
  readonly updateModelVersion = bind(this, modelVersions.updateModelVersion);
  readonly transitionStage = bind(this, modelVersions.transitionStage);
  readonly deleteModelVersion = bind(this, modelVersions.deleteModelVersion);
  readonly setModelVersionTag = bind(this, modelVersions.setModelVersionTag);
  readonly deleteModelVersionTag = bind(this, modelVersions.deleteModelVersionTag);
}
