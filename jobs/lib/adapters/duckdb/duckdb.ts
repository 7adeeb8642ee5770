/**
 * DuckDB helpers for the local runtime: open a database file (the lake
 * catalog) or an in-memory one, and read results as JSON-safe row objects.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export type { DuckDBConnection };

/** Opens DuckDB at `path` (a file, created with its folder, or `:memory:`) and returns one connection. */
export async function openDuckDb(path = ':memory:'): Promise<{ conn: DuckDBConnection; close: () => void }> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * Runs `sql` and returns its rows as JSON-safe objects: integers as numbers
 * when they fit, decimals as strings, dates/times/timestamps as ISO-like text.
 */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Runs one or more statements, discarding results. */
export async function execSql(conn: DuckDBConnection, sql: string): Promise<void> {
  await conn.run(sql);
}
