/**
 * The port through which a PostgreSQL warehouse stages a run's Parquet files
 * (PostgreSQL cannot read Parquet; an engine that can turns them into CSV for
 * `COPY … FROM STDIN`). Implemented over DuckDB in
 * jobs/lib/adapters/duckdb/duckdb-parquet-staging.ts.
 */
import type { ColumnDef } from '../definition/tables';
import type { DedupeSpec } from './warehouse/staged-load-statements';

/**
 * Reads a star table's run files for staging, in one engine pass each:
 * `count` the rows the files hold, and `exportDeduped` the rows deduplicated
 * by `spec`, `time` columns read as times, to a CSV file in PostgreSQL
 * `FORMAT csv` (columns in the given order, no header).
 */
export interface ParquetStaging {
  /** Rows in the files. Throws when a file cannot be read. */
  count(paths: string[]): Promise<number>;
  /** Writes the deduplicated rows, sorted by grain, to `csvPath`; returns how many. Throws on a file or value error. */
  exportDeduped(paths: string[], columns: ColumnDef[], spec: DedupeSpec, csvPath: string): Promise<number>;
}
