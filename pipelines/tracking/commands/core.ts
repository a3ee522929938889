/**
 * What a command needs of the store: its state to validate against, the clock, and `commit`,
 * which applies a journal record to the state and appends it to the journal (the answer waits
 * for the fsync). The tracking store (store.ts) is the one implementation.
 */
import type { JournalRecord } from '../records.js';
import type { StoreState } from '../reducer.js';

export interface StoreCore {
  /** The in-memory state; commands read it, only `commit` changes it. */
  readonly state: StoreState;
  /** The clock in ms. */
  readonly now: () => number;
  /** Truncate over-long param and run-tag values instead of refusing them (MLFLOW_TRUNCATE_LONG_VALUES). */
  readonly truncateLongValues: boolean;
  /** Apply a record to the state and journal it. */
  commit(rec: JournalRecord): Promise<void>;
  /** The local file behind an artifact URI of the store (see TrackingStore.artifactFile). */
  artifactFile(uri: string): string | undefined;
}

const ADJECTIVES = ['able', 'bold', 'brave', 'calm', 'clever', 'eager', 'fair', 'gentle', 'keen', 'lucky', 'merry', 'quick', 'sharp', 'silent', 'swift', 'wise'];
const NOUNS = ['ant', 'bat', 'cod', 'crow', 'deer', 'dove', 'fox', 'hare', 'hawk', 'lynx', 'mole', 'owl', 'seal', 'slug', 'toad', 'wolf'];

function pick<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

/** A name for a run or logged model created without one (`adjective-noun-123`, as MLflow's). */
export function randomName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
}
