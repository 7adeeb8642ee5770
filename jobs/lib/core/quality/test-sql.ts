/**
 * The SQL of each generic data-quality test: a SELECT, with the models'
 * placeholders (render.ts), returning one row per failure with a text
 * `failing_key` naming it. The same text renders for DuckDB and Athena
 * (common subset: `concat_ws`, `coalesce`, `cast(… as varchar)`, `not exists`).
 *
 * What counts as one failure (docs/architecture.md "Data quality"):
 * - `unique`: each value of the columns that occurs more than once (dbt's rule), keyed by that value;
 * - `not_null`: each row with a NULL in any of the columns;
 * - `relationships`: each row whose non-NULL column has no match in the
 *   dimension as the warehouse will hold it after this run: the dimension's
 *   rows in every run up to this one (`:all`), since dimensions accumulate by
 *   upsert and `dim_transaction` holds only the keys each run touched;
 * - `accepted_values`: each row whose non-NULL column (as text) is not in the list;
 * - `expression`: each row where the predicate is false (NULL passes: use not_null for that).
 */
import { TerminalError } from '../errors';
import { quoteIdent, quoteLiteral } from '../identifiers';
import type { DeclaredTest, GenericTest } from './declarations';

/** How many failing keys a result keeps as its sample. */
export const SAMPLE_SIZE = 5;

/** `concat_ws('|', …)` of the columns as text, `null` for NULLs; `alias.` prefixes each column. */
export function keyExpression(columns: string[], alias = 'm'): string {
  const parts = columns.map((c) => `coalesce(cast(${alias}.${quoteIdent(c)} as varchar), 'null')`);
  return parts.length === 1 ? parts[0] : `concat_ws('|', ${parts.join(', ')})`;
}

/** The key plus `(column=value)`, for tests about one column. */
function keyWithValue(key: string[], column: string): string {
  return `concat_ws(' ', ${keyExpression(key)}, '(' || '${column}=' || coalesce(cast(m.${quoteIdent(column)} as varchar), 'null') || ')')`;
}

/**
 * The failing rows of a generic test on `zone.model` for the run being
 * rendered, with placeholders left for render.ts.
 *
 * @param key  the model's sample-key columns (its grain by default)
 * @throws TerminalError for row_count, which is not a row-level test
 */
export function failingRowsSql(zone: 'cleaned' | 'transformed', model: string, test: GenericTest, key: string[]): string {
  const rel = `{{ ${zone}.${model} }}`;
  switch (test.kind) {
    case 'unique':
      return (
        `select ${keyExpression(test.columns)} as failing_key from ${rel} m ` +
        `group by ${test.columns.map((c) => `m.${quoteIdent(c)}`).join(', ')} having count(*) > 1`
      );
    case 'not_null':
      return (
        `select ${keyExpression(key)} as failing_key from ${rel} m ` +
        `where ${test.columns.map((c) => `m.${quoteIdent(c)} is null`).join(' or ')}`
      );
    case 'relationships':
      return (
        `select ${keyWithValue(key, test.column)} as failing_key from ${rel} m ` +
        `where m.${quoteIdent(test.column)} is not null and not exists (` +
        `select 1 from {{ transformed.${test.to}:all }} d where d.${quoteIdent(test.field)} = m.${quoteIdent(test.column)})`
      );
    case 'accepted_values':
      return (
        `select ${keyWithValue(key, test.column)} as failing_key from ${rel} m ` +
        `where m.${quoteIdent(test.column)} is not null and cast(m.${quoteIdent(test.column)} as varchar) not in ` +
        `(${test.values.map((v) => quoteLiteral(String(v))).join(', ')})`
      );
    case 'expression':
      return `select ${keyExpression(key)} as failing_key from ${rel} m where not (${test.expression})`;
    case 'row_count':
      throw new TerminalError('row_count compares counts, it has no failing rows');
  }
}

/**
 * Wraps failing rows into what the runner reads: at most SAMPLE_SIZE rows,
 * the smallest keys first, each carrying the total count `failing_rows`
 * (a window, evaluated before the limit). No rows means the test passed.
 */
export function summarySql(failing: string): string {
  return (
    `select cast(failing_key as varchar) as failing_key, count(*) over () as failing_rows\n` +
    `from (\n${failing}\n) f\norder by 1\nlimit ${SAMPLE_SIZE}`
  );
}

/**
 * Wraps a singular test (any SELECT returning failing rows) the same way:
 * every column of its first SAMPLE_SIZE rows plus `failing_rows`. The sample
 * key is its `failing_key` column when it has one, else its values joined.
 */
export function singularSummarySql(failing: string): string {
  return `select f.*, count(*) over () as failing_rows\nfrom (\n${failing}\n) f\nlimit ${SAMPLE_SIZE}`;
}

/**
 * Several generic row tests as one query: the UNION ALL of each test's
 * summary ({@link summarySql}), each row tagged `test_index` (the test's
 * position in `tests`). Placeholders are left for render.ts.
 *
 * @param keys  per model, its sample-key columns
 * @throws TerminalError when a test is singular or row_count (they have no generic failing rows)
 */
export function batchSql(tests: DeclaredTest[], keys: Record<string, string[]>): string {
  return tests
    .map((t, i) => {
      if (t.test.kind === 'singular') throw new TerminalError(`singular test ${t.name} cannot be batched`);
      const summary = summarySql(failingRowsSql(t.zone, t.model, t.test, keys[t.model]));
      return `select ${i} as test_index, failing_key, failing_rows from (\n${summary}\n) t${i}`;
    })
    .join('\nunion all\n');
}
