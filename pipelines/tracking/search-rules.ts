/**
 * What `runs/search` accepts and how it matches, after MLflow's `SearchUtils`
 * (mlflow/utils/search_utils.py): the comparators each kind of identifier allows, lists (`IN`)
 * only for `run_id` and dataset fields, the `created` / `run name` attribute aliases
 * (`translate_key_alias`), and `datasets.name|digest|context` filters over a run's dataset inputs.
 */
import type { DatasetInput } from './entities.js';
import { invalid } from './errors.js';
import { type Clause, type Comparator, type OrderBy, matches } from './search.js';

const METRIC_COMPARATORS: Comparator[] = ['>', '>=', '!=', '=', '<', '<='];
const PARAM_COMPARATORS: Comparator[] = ['!=', '=', 'LIKE', 'ILIKE'];
const STRING_ATTRIBUTE_COMPARATORS: Comparator[] = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const DATASET_COMPARATORS: Comparator[] = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
/** `NUMERIC_ATTRIBUTES`: the built-in numeric attributes and their alternate names. */
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'created', 'Created']);
const DATASET_ATTRIBUTES = ['name', 'digest', 'context'];
/** The dataset input tag that `datasets.context` reads (mlflow/utils/mlflow_tags.py MLFLOW_DATASET_CONTEXT). */
const DATASET_CONTEXT_TAG = 'mlflow.data.context';

function pySet(list: string[]): string {
  return `{${list.map((c) => `'${c}'`).join(', ')}}`;
}

function checkComparator(c: Clause, allowed: Comparator[]): void {
  if (!allowed.includes(c.comparator)) {
    throw invalid(`Invalid comparator '${c.comparator}' not one of '${pySet(allowed)}'`);
  }
}

/** `SearchUtils.translate_key_alias`: `created` is `start_time`, `run name` is `run_name`. */
export function translateRunAttribute(key: string): string {
  if (key === 'created' || key === 'Created') return 'start_time';
  if (key === 'run name' || key === 'Run name' || key === 'Run Name') return 'run_name';
  return key;
}

/**
 * Check a run search filter the way `SearchUtils.is_metric/is_param/is_tag/is_attribute/is_dataset`
 * and `_get_value` do, and return the clauses with attribute aliases translated.
 */
export function checkRunClauses(clauses: Clause[]): Clause[] {
  return clauses.map((c) => {
    switch (c.type) {
      case 'metric':
        checkComparator(c, METRIC_COMPARATORS);
        return c;
      case 'param':
      case 'tag':
        checkComparator(c, PARAM_COMPARATORS);
        return c;
      case 'dataset':
        if (!DATASET_ATTRIBUTES.includes(c.key)) {
          throw invalid(`Invalid dataset key '${c.key}' specified. Valid keys are '${pySet(DATASET_ATTRIBUTES)}'`);
        }
        checkComparator(c, DATASET_COMPARATORS);
        if (typeof c.value === 'number') throw invalid(`Expected a quoted string value for dataset attributes. Got value ${c.value}`);
        return c;
      default: {
        if (NUMERIC_ATTRIBUTES.has(c.key)) {
          checkComparator(c, METRIC_COMPARATORS);
          if (typeof c.value !== 'number') throw invalid(`Expected numeric value type for numeric attribute: ${c.key}. Found ${String(c.value)}`);
        } else {
          checkComparator(c, STRING_ATTRIBUTE_COMPARATORS);
          // validate_list_supported: only run_id takes a list.
          if (Array.isArray(c.value) && c.key !== 'run_id') {
            throw invalid("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
          }
        }
        return { ...c, key: translateRunAttribute(c.key) };
      }
    }
  });
}

/** Order-by keys with the attribute aliases translated (`created` sorts by `start_time`). */
export function translateRunOrder(order: OrderBy[]): OrderBy[] {
  return order.map((o) => (o.type === 'attribute' ? { ...o, key: translateRunAttribute(o.key) } : o));
}

/**
 * The ordering MLflow applies (SearchRuns in service.proto: "Tiebreaks are done by start_time DESC
 * followed by run_id"; SqlAlchemyStore `_get_orderby_clauses` appends them after the requested keys).
 */
export function runOrderWithTiebreaks(order: OrderBy[]): OrderBy[] {
  const out = [...order];
  if (!out.some((o) => o.type === 'attribute' && o.key === 'start_time')) out.push({ type: 'attribute', key: 'start_time', ascending: false });
  out.push({ type: 'attribute', key: 'run_id', ascending: true });
  return out;
}

/** A dataset clause matches a run when one of its dataset inputs matches it. */
export function datasetInputsMatch(inputs: DatasetInput[], c: Clause): boolean {
  return inputs.some((d) => {
    let actual: string | undefined;
    if (c.key === 'context') actual = d.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value;
    else actual = c.key === 'name' ? d.dataset.name : d.dataset.digest;
    return matches(actual, c);
  });
}
