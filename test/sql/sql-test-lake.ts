/**
 * Test fixture for the SQL models: an in-memory DuckDB with the catalog shape
 * the local crawler registers (schemas raw/cleaned/transformed), a temporary
 * lake folder, the real DuckDbQueryEngine over both, and helpers to create
 * given rows and read written Parquet back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSql, openDuckDb, queryRows, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { quoteIdent, quoteLiteral } from '../../jobs/lib/core/identifiers';
import { DuckDbQueryEngine, PART_FILE, REJECTS_FILE } from '../../jobs/lib/adapters/duckdb/duckdb-query-engine';
import { cleanedRejectsFolder, REJECT_RECORD_COLUMNS } from '../../jobs/lib/definition/rejects';
import { keys } from '../../jobs/lib/definition/object-keys';
import { sourceTable } from '../../jobs/lib/definition/tables';
import type { Zone } from '../../jobs/lib/definition/zones';
import type { ModelResult } from '../../jobs/lib/core/ports';
import { LAKE_TYPE } from '../../jobs/lib/core/sql/materialize';
import { loadModel } from '../../jobs/lib/core/sql/models';

export type Row = Record<string, unknown>;
/** A given row: column → value as SQL text (NULL for null); DuckDB casts it to the column's type. */
export type GivenRow = Record<string, string | null>;

export interface SqlTestLake {
  conn: DuckDBConnection;
  root: string;
  zoneRoot: (zone: Zone) => string;
  engine: DuckDbQueryEngine;
  /** Materialises the repo's model `sql/<zone>/<table>.sql` for a run through the engine. */
  run: (zone: 'cleaned' | 'transformed', table: string, runId: string) => Promise<ModelResult>;
  /** Absolute path of the Parquet part the engine writes for a table and run. */
  partFile: (zone: 'cleaned' | 'transformed', table: string, runId: string) => string;
  /** Rows of the table's Parquet for a run (none when the file is absent), ordered by `orderBy`. */
  written: (zone: 'cleaned' | 'transformed', table: string, runId: string, orderBy: string) => Promise<Row[]>;
  /** Reject records (definition/rejects.ts) of a cleaned table for a run, in file order. */
  rejected: (table: string, runId: string) => Promise<Row[]>;
  close: () => void;
}

/** Opens an in-memory DuckDB with schemas raw/cleaned/transformed and a temporary lake folder. */
export async function openSqlTestLake(): Promise<SqlTestLake> {
  const { conn, close } = await openDuckDb();
  for (const zone of ['raw', 'cleaned', 'transformed']) await execSql(conn, `create schema ${zone}`);
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-sql-test-'));
  const zoneRoot = (zone: Zone) => join(root, zone);
  const engine = new DuckDbQueryEngine(conn, zoneRoot);
  const partFile = (zone: 'cleaned' | 'transformed', table: string, runId: string) =>
    join(zoneRoot(zone), keys.runFolder(table, runId), PART_FILE);
  const readIfPresent = async (file: string, orderBy: string): Promise<Row[]> => {
    const found = await queryRows(conn, `select count(*) as n from glob(${quoteLiteral(file)})`);
    if (Number(found[0].n) === 0) return [];
    return queryRows(conn, `select * from read_parquet(${quoteLiteral(file)}, hive_partitioning = false) order by ${orderBy}`);
  };
  return {
    conn,
    root,
    zoneRoot,
    engine,
    run: (zone, table, runId) => engine.materialize({ zone, table, sql: loadModel(zone, table).sql, runId }),
    partFile,
    written: (zone, table, runId, orderBy) => readIfPresent(partFile(zone, table, runId), orderBy),
    rejected: async (table, runId) => {
      const file = join(zoneRoot('cleaned'), cleanedRejectsFolder(table, runId), REJECTS_FILE);
      const found = await queryRows(conn, `select count(*) as n from glob(${quoteLiteral(file)})`);
      if (Number(found[0].n) === 0) return [];
      const columns = REJECT_RECORD_COLUMNS.map((c) => `${quoteLiteral(c.name)}: '${c.type}'`).join(', ');
      return queryRows(
        conn,
        `select * from read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${columns}})`,
      );
    },
    close: () => {
      close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function insertRows(table: string, columns: string[], rows: GivenRow[]): string {
  const values = rows.map(
    (row) =>
      `(${columns.map((c) => (row[c] === null || row[c] === undefined ? 'null' : quoteLiteral(row[c] as string))).join(', ')})`,
  );
  return `insert into ${table} (${columns.map(quoteIdent).join(', ')}) values ${values.join(',\n')}`;
}

/**
 * (Re)creates `raw.<table>` as the crawler does: every source column VARCHAR
 * plus `run_id`, and any extra columns the rows carry (a column a later run added).
 * Each row must set `run_id`; missing columns are NULL.
 */
export async function givenRaw(conn: DuckDBConnection, table: string, rows: GivenRow[]): Promise<void> {
  const known = sourceTable(table).columns.map((c) => c.name);
  const extra = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => !known.includes(c) && c !== 'run_id');
  const columns = [...known, ...extra, 'run_id'];
  const relation = `raw.${quoteIdent(table)}`;
  await execSql(conn, `create or replace table ${relation} (${columns.map((c) => `${quoteIdent(c)} VARCHAR`).join(', ')})`);
  if (rows.length) await execSql(conn, insertRows(relation, columns, rows));
}

/**
 * (Re)creates `cleaned.<table>` with the cleaned zone's lake-typed columns (the
 * crawler's view of the cleaned Parquet) plus `run_id`, holding the given rows
 * (values as SQL text, cast by DuckDB).
 */
export async function givenCleaned(conn: DuckDBConnection, table: string, rows: GivenRow[]): Promise<void> {
  // The op column only when a row gives one: a cleaned table written before it existed has none.
  const withOp = rows.some((r) => 'change_op' in r);
  const def = [...sourceTable(table).columns, ...(withOp ? [{ name: 'change_op', type: 'varchar' as const }] : [])];
  const columns = [...def.map((c) => c.name), 'run_id'];
  const relation = `cleaned.${quoteIdent(table)}`;
  const ddl = [...def.map((c) => `${quoteIdent(c.name)} ${LAKE_TYPE[c.type]}`), 'run_id VARCHAR'].join(', ');
  await execSql(conn, `create or replace table ${relation} (${ddl})`);
  if (rows.length) await execSql(conn, insertRows(relation, columns, rows));
}

/** Asserts the key columns are never null and unique across `rows` (a model's grain). */
export function expectUniqueNotNull(rows: Row[], keyColumns: string[]): void {
  const seen = new Set<string>();
  for (const row of rows) {
    for (const c of keyColumns) {
      if (row[c] === null || row[c] === undefined) throw new Error(`key column ${c} is null in ${JSON.stringify(row)}`);
    }
    const key = JSON.stringify(keyColumns.map((c) => row[c]));
    if (seen.has(key)) throw new Error(`duplicate key ${key} on (${keyColumns.join(', ')})`);
    seen.add(key);
  }
  expect(seen.size).toBe(rows.length);
}

/** Picks `columns` from each row (to compare only the columns a test is about). */
export function pick(rows: Row[], columns: string[]): Row[] {
  return rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])));
}
