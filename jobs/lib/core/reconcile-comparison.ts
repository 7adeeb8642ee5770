/**
 * The port reconcile compares through (issue 15, part 3;
 * jobs/reconcile/reconcile.ts): the query engine's SQL dialect, how it names
 * the lake's tables, and how it reads a scratch key file (the source's
 * `<key>\t<row text>` lines, headerless TSV, written to the raw zone) as a
 * relation of two text columns `k`, `row_text`.
 *
 * DuckDB reads the file directly (`read_csv`, the default in reconcile.ts);
 * Athena needs a table over the file's folder, created before the comparison
 * and dropped after it (adapters/aws/athena-key-table.ts).
 */
import type { Zone } from '../definition/zones';

/** The SQL dialects reconcile renders its comparison in. */
export type ComparisonDialect = 'duckdb' | 'athena';

/** A scratch key file made readable: its relation SQL, and what undoes it. */
export interface KeyRelation {
  /** A parenthesised SELECT or a table name giving `(k varchar, row_text varchar)`. */
  sql: string;
  /** Undoes what made the file readable (drops an external table); idempotent. */
  release(): Promise<void>;
}

export interface ReconcileComparison {
  dialect: ComparisonDialect;
  /** How a zone table is named in the engine's SQL (`"cleaned"."address"` on DuckDB). */
  relation(zone: Zone, table: string): string;
  /**
   * Makes the key file of `table` readable.
   *
   * @param folder  the raw-zone folder holding only that file (`_reconcile/<run>/<table>/`)
   * @param key     the file's raw-zone key inside `folder`
   * @param table   the source table (names the relation where one is created)
   * @param runId   the reconcile's run (names it too, so runs never share one)
   * @throws the engine's errors (e.g. a refused DDL) as its adapter classifies them
   */
  keys(folder: string, key: string, table: string, runId: string): Promise<KeyRelation>;
}
