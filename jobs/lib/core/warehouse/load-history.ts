/**
 * The load-history statements: one row per run loaded, looked up to skip a
 * run already loaded and inserted in the same transaction as the run's rows.
 */
import { quoteIdent } from '../identifiers';
import type { LoadResult } from '../ports';
import type { WarehouseDialect } from './dialect';

/** The load-history table: one row per run loaded (`run_id`, `loaded_at` UTC, `table_counts` JSON). */
export const LOAD_HISTORY_TABLE = 'load_history';

/** Parameter names of the load-history statements, in `$n` order (Redshift Data API: `:name`). */
export const LOAD_HISTORY_PARAMS = ['run_id', 'loaded_at', 'table_counts'] as const;

const placeholder = (dialect: WarehouseDialect, index: number) =>
  dialect === 'postgres' ? `$${index + 1}` : `:${LOAD_HISTORY_PARAMS[index]}`;

/** `select "run_id" from "load_history" where "run_id" = <run_id param>`: a row means the run is loaded. */
export function loadHistoryLookup(dialect: WarehouseDialect): string {
  return `select "run_id" from ${quoteIdent(LOAD_HISTORY_TABLE)} where "run_id" = ${placeholder(dialect, 0)}`;
}

/** Inserts the run's load-history row; parameters as {@link loadHistoryValues} returns them. */
export function loadHistoryInsert(dialect: WarehouseDialect): string {
  const [runId, loadedAt, counts] = LOAD_HISTORY_PARAMS.map((_, i) => placeholder(dialect, i));
  return `insert into ${quoteIdent(LOAD_HISTORY_TABLE)} ("run_id", "loaded_at", "table_counts") values (${runId}, cast(${loadedAt} as timestamp), ${counts})`;
}

/**
 * The load-history parameters as strings, in {@link LOAD_HISTORY_PARAMS} order:
 * the run id, `loadedAt` as UTC `yyyy-mm-dd hh:mm:ss.mmm`, and the per-table
 * counts as JSON (`{"<table>": {"staged": n, "changed": n}}`).
 */
export function loadHistoryValues(runId: string, loadedAt: Date, tables: LoadResult['tables']): [string, string, string] {
  return [runId, loadedAt.toISOString().replace('T', ' ').replace('Z', ''), JSON.stringify(tables)];
}
