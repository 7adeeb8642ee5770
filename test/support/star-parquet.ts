/**
 * Writes star-table rows as the transformed zone holds them (one Parquet
 * file, the lake's column names, order and types), with DuckDB as an
 * independent writer, for the warehouse load tests.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execSql, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import type { ColumnType, StarTableDef } from '../../jobs/lib/definition/tables';

/** One star-table row, values in lake column order. */
export type StarRow = (string | number | boolean | null)[];

/** DuckDB's type for each contract type as the lake stores it (`time` is HH:MM:SS.mmm text). */
const DUCK_TYPES: Record<ColumnType, string> = {
  int: 'INTEGER',
  bigint: 'BIGINT',
  varchar: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'VARCHAR',
  timestamp: 'TIMESTAMP',
  'decimal(10,2)': 'DECIMAL(10,2)',
};

const literal = (v: StarRow[number] | undefined) =>
  v === null || v === undefined ? 'NULL' : typeof v === 'string' ? quoteLiteral(v) : String(v);

/** Writes `rows` of a star table as one Parquet file at `path` (folders created); values missing at the end of a row (e.g. `deleted_at`) are NULL. */
export async function writeStarParquet(duck: DuckDBConnection, def: StarTableDef, rows: StarRow[], path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const selects = rows.map(
    (row) => `select ${def.columns.map((c, i) => `cast(${literal(row[i])} as ${DUCK_TYPES[c.type]}) as "${c.name}"`).join(', ')}`,
  );
  await execSql(duck, `copy (${selects.join(' union all ')}) to ${quoteLiteral(path)} (format parquet)`);
}
