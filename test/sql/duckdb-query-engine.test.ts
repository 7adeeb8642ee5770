/**
 * DuckDbQueryEngine: where and how a model run is written (docs/architecture.md "Data contracts", "SQL models"):
 * one Parquet part per run folder, rejects beside it, re-runs replacing only
 * their own output, no half-written files, terminal errors naming the model.
 */
import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError } from '../../jobs/lib/core/errors';
import { queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import { SOURCE_TABLES, STAR_TABLES } from '../../jobs/lib/definition/tables';
import { cleanedRejectsFolder } from '../../jobs/lib/definition/rejects';
import { goodRowsSql, rejectRowsSql } from '../../jobs/lib/core/sql/materialize';
import { loadModel } from '../../jobs/lib/core/sql/models';
import { givenRaw, openSqlTestLake, type GivenRow, type SqlTestLake } from './sql-test-lake';

const RUN_1 = '20250101t090000z';
const RUN_2 = '20250102t090000z';

let lake: SqlTestLake;
beforeEach(async () => {
  lake = await openSqlTestLake();
});
afterEach(() => lake.close());

const currency = (id: string, runId: string, over: GivenRow = {}): GivenRow => ({
  currency_id: id,
  currency_code: 'GBP',
  created_at: '2022-11-03T14:20:49.962',
  last_updated: '2022-11-03T14:20:49.962',
  run_id: runId,
  ...over,
});

const runFolder = (zone: 'cleaned' | 'transformed', table: string, runId: string) =>
  join(lake.zoneRoot(zone), table, `run_id=${runId}`);
const rejectsFolder = (table: string, runId: string) => join(lake.zoneRoot('cleaned'), cleanedRejectsFolder(table, runId));

describe('DuckDbQueryEngine.materialize', () => {
  it('writes exactly one part file per run folder, typed as the cleaned contract, and the rejects beside the zone', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1), currency('2', RUN_1, { currency_code: null })]);
    expect(await lake.run('cleaned', 'currency', RUN_1)).toEqual({ table: 'currency', runId: RUN_1, rows: 1, rejects: 1 });
    expect(readdirSync(runFolder('cleaned', 'currency', RUN_1))).toEqual(['part-00000.parquet']);
    expect(readdirSync(rejectsFolder('currency', RUN_1))).toEqual(['part-00000.jsonl.gz']);
    const types = await queryRows(
      lake.conn,
      `describe select * from read_parquet(${quoteLiteral(join(runFolder('cleaned', 'currency', RUN_1), 'part-00000.parquet'))}, hive_partitioning = false)`,
    );
    expect(types.map((t) => [t.column_name, t.column_type])).toEqual([
      ['currency_id', 'INTEGER'],
      ['currency_code', 'VARCHAR'],
      ['created_at', 'TIMESTAMP'],
      ['last_updated', 'TIMESTAMP'],
      ['change_op', 'VARCHAR'],
    ]);
  });

  it('writes an empty, typed part (and no rejects) when the run has no raw rows', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1)]);
    expect(await lake.run('cleaned', 'currency', RUN_2)).toEqual({ table: 'currency', runId: RUN_2, rows: 0, rejects: 0 });
    expect(readdirSync(runFolder('cleaned', 'currency', RUN_2))).toEqual(['part-00000.parquet']);
    expect(existsSync(rejectsFolder('currency', RUN_2))).toBe(false);
    const types = await queryRows(
      lake.conn,
      `describe select * from read_parquet(${quoteLiteral(join(runFolder('cleaned', 'currency', RUN_2), 'part-00000.parquet'))}, hive_partitioning = false)`,
    );
    expect(types.map((t) => t.column_name)).toEqual(['currency_id', 'currency_code', 'created_at', 'last_updated', 'change_op']);
  });

  it('ignores a column that a later run added to the raw table', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1), { ...currency('2', RUN_2), currency_symbol: '$' }]);
    expect(await lake.run('cleaned', 'currency', RUN_2)).toMatchObject({ rows: 1, rejects: 0 });
    expect(await lake.written('cleaned', 'currency', RUN_2, 'currency_id')).toEqual([
      {
        currency_id: 2,
        currency_code: 'GBP',
        created_at: '2022-11-03 14:20:49.962',
        last_updated: '2022-11-03 14:20:49.962',
        change_op: null,
      },
    ]);
  });

  it('replaces its own run on a re-run, leaves other runs alone and clears stale rejects', async () => {
    await givenRaw(lake.conn, 'currency', [
      currency('1', RUN_1),
      currency('2', RUN_2),
      currency('3', RUN_2, { currency_id: 'bad' }),
    ]);
    await lake.run('cleaned', 'currency', RUN_1);
    expect(await lake.run('cleaned', 'currency', RUN_2)).toMatchObject({ rows: 1, rejects: 1 });
    // A stray file from an earlier crash in the run folder is cleared too.
    writeFileSync(join(runFolder('cleaned', 'currency', RUN_2), 'part-00001.parquet'), 'junk');

    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1), currency('2', RUN_2), currency('4', RUN_2)]);
    expect(await lake.run('cleaned', 'currency', RUN_2)).toEqual({ table: 'currency', runId: RUN_2, rows: 2, rejects: 0 });
    expect(readdirSync(runFolder('cleaned', 'currency', RUN_2))).toEqual(['part-00000.parquet']);
    expect((await lake.written('cleaned', 'currency', RUN_2, 'currency_id')).map((r) => r.currency_id)).toEqual([2, 4]);
    expect(existsSync(rejectsFolder('currency', RUN_2))).toBe(false);
    expect((await lake.written('cleaned', 'currency', RUN_1, 'currency_id')).map((r) => r.currency_id)).toEqual([1]);
  });

  it('leaves the rejects of other stages (ingest) in the run folder alone on a re-run', async () => {
    const runRejects = join(lake.zoneRoot('cleaned'), '_rejects', 'currency', `run_id=${RUN_2}`);
    await givenRaw(lake.conn, 'currency', [currency('3', RUN_2, { currency_id: 'bad' })]);
    await lake.run('cleaned', 'currency', RUN_2);
    writeFileSync(join(runRejects, 'ingest-x.jsonl'), '{"run_id":"x"}\n');
    await lake.run('cleaned', 'currency', RUN_2);
    expect(readdirSync(runRejects).sort()).toEqual(['cleaned', 'ingest-x.jsonl']);
    expect(await lake.rejected('currency', RUN_2)).toHaveLength(1);
  });

  it('throws TerminalError naming the model on a SQL error, and leaves no temp file', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1)]);
    const broken = 'select no_such_column from {{ raw.currency }}';
    const attempt = lake.engine.materialize({ zone: 'cleaned', table: 'currency', sql: broken, runId: RUN_1 });
    await expect(attempt).rejects.toThrow(TerminalError);
    await expect(lake.engine.materialize({ zone: 'cleaned', table: 'currency', sql: broken, runId: RUN_1 })).rejects.toThrow(
      /model cleaned\.currency \(run 20250101t090000z\) failed in DuckDB: .*no_such_column/,
    );
    const folder = runFolder('cleaned', 'currency', RUN_1);
    expect(existsSync(folder) ? readdirSync(folder) : []).toEqual([]);
  });

  it('keeps the cause of a SQL error', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1)]);
    const error = await lake.engine
      .materialize({ zone: 'cleaned', table: 'currency', sql: 'select no_such_column from {{ raw.currency }}', runId: RUN_1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    // The original DuckDB error is kept as the cause.
    expect(String((error as { cause?: { message?: string } }).cause?.message)).toMatch(/no_such_column/);
    expect((error as Error).message).toMatch(/^model cleaned\.currency \(run 20250101t090000z\) failed in DuckDB/);
  });

  it('reads a table the lake has never seen as empty, with its columns (a run holding only some tables)', async () => {
    const result = await lake.engine.materialize({
      zone: 'cleaned',
      table: 'currency',
      sql: loadModel('cleaned', 'currency').sql,
      runId: RUN_1,
    });
    expect(result).toEqual({ table: 'currency', runId: RUN_1, rows: 0, rejects: 0 });
  });

  it('rejects an unknown placeholder before touching the run folder', async () => {
    const folder = runFolder('transformed', 'dim_currency', RUN_1);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'part-00000.parquet'), 'earlier output');
    await expect(
      lake.engine.materialize({
        zone: 'transformed',
        table: 'dim_currency',
        sql: 'select * from {{ cleaned.currencies }}',
        runId: RUN_1,
      }),
    ).rejects.toThrow(/model transformed\.dim_currency .*cannot be rendered: unknown table/);
    expect(readdirSync(folder)).toEqual(['part-00000.parquet']);
  });

  it('rejects a malformed run id', async () => {
    await expect(
      lake.engine.materialize({ zone: 'cleaned', table: 'currency', sql: 'select 1', runId: '../elsewhere' }),
    ).rejects.toThrow(TerminalError);
    expect(existsSync(lake.zoneRoot('cleaned'))).toBe(false);
  });
});

describe('DuckDbQueryEngine.query', () => {
  it('returns JSON-safe rows and wraps SQL errors as TerminalError', async () => {
    await givenRaw(lake.conn, 'currency', [currency('1', RUN_1)]);
    expect(await lake.engine.query('select currency_code, run_id from raw.currency')).toEqual([
      { currency_code: 'GBP', run_id: RUN_1 },
    ]);
    await expect(lake.engine.query('select * from raw.nothing_here')).rejects.toThrow(TerminalError);
  });
});

describe('goodRowsSql / rejectRowsSql', () => {
  it('select the contract columns in order, cast to lake types; cleaned filters on reject_reason', () => {
    const good = goodRowsSql('cleaned', 'currency', 'select 1');
    expect(good).toBe(
      [
        'select',
        '  cast(m."currency_id" as integer) as "currency_id",',
        '  cast(m."currency_code" as varchar) as "currency_code",',
        '  cast(m."created_at" as timestamp) as "created_at",',
        '  cast(m."last_updated" as timestamp) as "last_updated",',
        '  cast(m."change_op" as varchar) as "change_op"',
        'from (',
        'select 1',
        ') m',
        'where m."reject_reason" is null',
      ].join('\n'),
    );
    expect(rejectRowsSql('currency', 'select 1', RUN_1)).toBe(
      [
        'select',
        `  cast('${RUN_1}' as varchar) as "run_id",`,
        `  cast('currency' as varchar) as "table",`,
        `  cast('cleaned' as varchar) as "stage",`,
        '  cast(null as varchar) as "file",',
        '  cast(null as integer) as "line",',
        '  cast(m."reject_reason" as varchar) as "reason",',
        '  cast(m."reject_original" as varchar) as "original"',
        'from (',
        'select 1',
        ') m',
        'where m."reject_reason" is not null',
      ].join('\n'),
    );
  });

  it('have no reject filter for star tables, and time columns are text', () => {
    const sql = goodRowsSql('transformed', 'fact_payment', 'select 1');
    expect(sql).not.toMatch(/reject_reason/);
    expect(sql).toContain('cast(m."created_time" as varchar) as "created_time"');
    const columns = [...sql.matchAll(/ as "([a-z0-9_]+)"/g)].map((m) => m[1]);
    expect(columns).toEqual(STAR_TABLES.find((t) => t.name === 'fact_payment')!.columns.map((c) => c.name));
  });

  it('write reject records for every source table and throw TerminalError for a table outside the zone', () => {
    for (const def of SOURCE_TABLES) {
      const columns = [...rejectRowsSql(def.name, 'select 1', RUN_1).matchAll(/ as "([a-z0-9_]+)"/g)].map((m) => m[1]);
      expect(columns).toEqual(['run_id', 'table', 'stage', 'file', 'line', 'reason', 'original']);
    }
    expect(() => goodRowsSql('cleaned', 'dim_date', 'select 1')).toThrow(TerminalError);
    expect(() => rejectRowsSql('fact_payment', 'select 1', RUN_1)).toThrow(TerminalError);
  });
});
