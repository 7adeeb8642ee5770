/**
 * DuckDB helpers for the local runtime: open a database file (the lake
 * catalog) or an in-memory one, and read results as JSON-safe row objects.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { integerForJson } from '../../core/json-integer';

export type { DuckDBConnection };

/**
 * Opens DuckDB at `path` (a file, created with its folder, or `:memory:`) and
 * returns one connection. With `readOnly`, the file must exist and is opened
 * with `access_mode = READ_ONLY`: every statement that would change it fails,
 * and other read-only openers may share it (a writer may not).
 * Throws DuckDB's error (see duckdb-open-error.ts for plain messages).
 */
export async function openDuckDb(
  path = ':memory:',
  options: { readOnly?: boolean } = {},
): Promise<{ conn: DuckDBConnection; close: () => void }> {
  if (path !== ':memory:' && !options.readOnly) mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path, options.readOnly ? { access_mode: 'READ_ONLY' } : undefined);
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** 64-bit and wider integer types, which DuckDB's JSON rows give as text. */
const WIDE_INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/**
 * Runs `sql` and returns its rows as JSON-safe objects: integers as numbers
 * (BIGINT and HUGEINT too, such as `count(*)`, up to ±(2^53 − 1); beyond
 * that as their exact digits in a string, see core/json-integer.ts), decimals
 * as strings, dates/times/timestamps as ISO-like text.
 */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.columnNames();
  const wide = reader
    .columnTypes()
    .map((type, i) => (WIDE_INTEGERS.has(type.typeId) ? names[i] : undefined))
    .filter((name): name is string => name !== undefined);
  if (!wide.length) return rows;
  for (const row of rows) {
    for (const name of wide) if (typeof row[name] === 'string') row[name] = integerForJson(row[name] as string);
  }
  return rows;
}

/** Runs one or more statements, discarding results. */
export async function execSql(conn: DuckDBConnection, sql: string): Promise<void> {
  await conn.run(sql);
}
