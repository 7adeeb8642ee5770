/**
 * The load job over real PGlite, a FsObjectStore transformed zone written by
 * real DuckDB, and the file run ledger.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { TerminalError } from '../../jobs/lib/core/errors';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import { execSql, openDuckDb, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { duckDbStaging } from '../../jobs/lib/adapters/duckdb/duckdb-parquet-staging';
import { PgWarehouse } from '../../jobs/lib/adapters/postgres/pg-warehouse';
import type { Logger } from '../../jobs/lib/core/logger';
import { fileLogger } from '../../jobs/lib/adapters/powertools/file-logger';
import { STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { RunStage } from '../../jobs/lib/definition/run-stages';
import type { Clock, RunRecord } from '../../jobs/lib/core/ports';
import { load, loadTablesForRun, type LoadDeps } from '../../jobs/load/load';

const R1 = '20250101t000000z';
const R2 = '20250102t000000z';
const R3 = '20250103t000000z';
const R4 = '20250104t000000z';
const R0 = '20241231t000000z';

/** A clock that ticks one second per reading, from 2025-02-01T00:00:00Z. */
function tickingClock(): Clock {
  let t = Date.parse('2025-02-01T00:00:00.000Z');
  return { now: () => new Date((t += 1000)) };
}

const run = (runId: string, stage: RunStage): RunRecord => ({
  runId,
  origin: 'extract',
  stage,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  history: { extracted: '2025-01-01T00:00:00.000Z' },
  counts: { extracted: { currency: 1 } },
});

/** Writes a run's dim_currency rows and fact_payment rows (lake shape) as Parquet into the transformed zone. */
async function writeRun(
  duck: DuckDBConnection,
  store: FsObjectStore,
  runId: string,
  currencies: [number, string, string][],
  payments: { id: number; time: string; amount: string }[],
): Promise<void> {
  const write = async (table: string, select: string) => {
    const path = store.uri(`${table}/run_id=${runId}/part-00000.parquet`);
    mkdirSync(dirname(path), { recursive: true });
    await execSql(duck, `copy (${select}) to ${quoteLiteral(path)} (format parquet)`);
  };
  await write(
    'dim_currency',
    currencies
      .map(
        ([id, code, name]) =>
          `select ${id}::integer as currency_id, ${quoteLiteral(code)} as currency_code, ${quoteLiteral(name)} as currency_name`,
      )
      .join(' union all '),
  );
  await write(
    'fact_payment',
    payments
      .map(
        (p) => `select ${p.id}::integer as payment_id, date '2022-11-03' as created_date, '10:00:00.000' as created_time,
                date '2022-11-03' as last_updated_date, ${quoteLiteral(p.time)} as last_updated_time, 1::integer as transaction_id,
                1::integer as counterparty_id, ${p.amount}::decimal(10,2) as payment_amount, 1::integer as currency_id,
                1::integer as payment_type_id, true as paid, date '2022-11-04' as payment_date`,
      )
      .join(' union all '),
  );
  // a non-Parquet object in the run folder is ignored
  await store.put(`fact_payment/run_id=${runId}/_SUCCESS`, '');
}

describe('load job', () => {
  let root: string;
  let store: FsObjectStore;
  let ledger: FileRunLedger;
  let duck: DuckDBConnection;
  let closeDuck: () => void;
  let warehouse: PgWarehouse;
  let logger: Logger;
  let closeLog: () => Promise<void>;
  let logFile: string;
  let deps: LoadDeps;
  let db: PgClient;

  // One PGlite for the file (starting one takes a second or two); each test starts from an empty schema.
  beforeAll(async () => {
    db = await openPg({ memory: true });
  });
  afterAll(async () => {
    await db.close();
  });

  beforeEach(async () => {
    await db.exec('drop schema public cascade; create schema public');
    root = mkdtempSync(join(tmpdir(), 'load-job-'));
    store = new FsObjectStore('transformed', join(root, 'transformed'));
    ledger = new FileRunLedger(join(root, 'ledger'));
    ({ conn: duck, close: closeDuck } = await openDuckDb());
    const clock = tickingClock();
    warehouse = new PgWarehouse(db, duckDbStaging(duck), (key) => store.uri(key), clock);
    logFile = join(root, 'logs', 'load.jsonl');
    ({ logger, close: closeLog } = fileLogger('load', logFile));
    deps = { warehouse, transformed: store, ledger, clock, logger };
  });

  afterEach(async () => {
    closeDuck();
    await closeLog();
    rmSync(root, { recursive: true, force: true });
  });

  const logLines = async () => {
    await closeLog();
    ({ logger, close: closeLog } = fileLogger('load', logFile));
    return readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  it('does nothing, not even the schema, when no run waits', async () => {
    await ledger.createRun(run(R0, 'cleaned'));
    expect(await load({}, deps)).toEqual({ runs: [] });
    expect(await warehouse.query(`select to_regclass('load_history') as t`)).toEqual([{ t: null }]);
    expect((await ledger.getRun(R0))!.stage).toBe('cleaned');
  });

  it('lists a run’s Parquet files per star table as transformed-zone keys', async () => {
    await writeRun(duck, store, R1, [[1, 'GBP', 'British Pound']], [{ id: 1, time: '10:00:00.000', amount: '1.00' }]);
    const tables = await loadTablesForRun(store, R1);
    expect(tables.map((t) => t.table.name)).toEqual(STAR_TABLES.map((t) => t.name));
    expect(Object.fromEntries(tables.filter((t) => t.files.length).map((t) => [t.table.name, t.files]))).toEqual({
      dim_currency: [`dim_currency/run_id=${R1}/part-00000.parquet`],
      fact_payment: [`fact_payment/run_id=${R1}/part-00000.parquet`],
    });
  });

  it('loads the waiting runs oldest first and marks them loaded', async () => {
    // created out of order: the ledger (and so the job) orders by run id
    await ledger.createRun(run(R2, 'transformed'));
    await ledger.createRun(run(R1, 'transformed'));
    await ledger.createRun(run(R0, 'cleaned'));
    await writeRun(duck, store, R1, [[1, 'GBP', 'Pound']], [{ id: 1, time: '10:00:00.000', amount: '1.00' }]);
    await writeRun(
      duck,
      store,
      R2,
      [
        [1, 'GBP', 'British Pound'],
        [2, 'USD', 'US Dollar'],
      ],
      [
        { id: 1, time: '10:00:00.000', amount: '1.00' },
        { id: 1, time: '11:00:00.000', amount: '1.50' },
      ],
    );

    const result = await load({}, deps);

    expect(result.runs.map((r) => [r.runId, r.loaded])).toEqual([
      [R1, true],
      [R2, true],
    ]);
    expect(result.runs[1].tables.dim_currency).toEqual({ staged: 2, changed: 2 });
    expect(result.runs[1].tables.fact_payment).toEqual({ staged: 2, changed: 1 });
    // R2's values won: it was loaded after R1
    expect(await warehouse.query('select currency_id, currency_name from dim_currency order by 1')).toEqual([
      { currency_id: 1, currency_name: 'British Pound' },
      { currency_id: 2, currency_name: 'US Dollar' },
    ]);
    expect(await warehouse.query('select run_id from load_history order by loaded_at')).toEqual([{ run_id: R1 }, { run_id: R2 }]);

    const r1 = (await ledger.getRun(R1))!;
    const r2 = (await ledger.getRun(R2))!;
    expect(r1.stage).toBe('loaded');
    expect(r2.stage).toBe('loaded');
    expect(r1.history.loaded).toMatch(/^2025-02-01T00:00:\d\d\.000Z$/);
    expect(r1.history.loaded! < r2.history.loaded!).toBe(true);
    expect(r1.history.extracted).toBe('2025-01-01T00:00:00.000Z');
    expect(r2.counts.loaded).toEqual({
      ...Object.fromEntries(STAR_TABLES.map((t) => [t.name, 0])),
      dim_currency: 2,
      fact_payment: 1,
    });
    expect(r2.counts.extracted).toEqual({ currency: 1 });
    expect(r2.failed).toBeUndefined();
    expect((await ledger.getRun(R0))!.stage).toBe('cleaned');

    const info = (await logLines()).filter((l) => l.message === 'run loaded');
    expect(info.map((l) => l.runId)).toEqual([R1, R2]);
  });

  it('stops at the first failing run, records the failure, and leaves later runs waiting', async () => {
    await ledger.createRun(run(R1, 'transformed'));
    await ledger.createRun(run(R3, 'transformed'));
    await ledger.createRun(run(R4, 'transformed'));
    await writeRun(duck, store, R1, [[1, 'GBP', 'British Pound']], [{ id: 1, time: '10:00:00.000', amount: '1.00' }]);
    await writeRun(duck, store, R3, [[2, 'USD', 'US Dollar']], [{ id: 2, time: '25:61:00.000', amount: '2.00' }]);
    await writeRun(duck, store, R4, [[3, 'EUR', 'Euro']], [{ id: 3, time: '10:00:00.000', amount: '3.00' }]);

    const error = await load({}, deps).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(/run 20250103t000000z failed at fact_payment/);
    const r1 = (await ledger.getRun(R1))!;
    const r3 = (await ledger.getRun(R3))!;
    const r4 = (await ledger.getRun(R4))!;
    expect(r1.stage).toBe('loaded');
    expect(r3.stage).toBe('transformed');
    expect(r3.failed).toEqual({ step: 'load', at: expect.stringMatching(/^2025-02-01T/), error: (error as Error).message });
    expect(r4).toEqual(run(R4, 'transformed'));
    // nothing of R3 (its dimension row included) reached the warehouse
    expect(await warehouse.query('select currency_id from dim_currency order by 1')).toEqual([{ currency_id: 1 }]);
    expect(await warehouse.query('select run_id from load_history')).toEqual([{ run_id: R1 }]);
    // a failed run no longer waits; the next load carries on with R4
    expect((await ledger.runsAt('transformed')).map((r) => r.runId)).toEqual([R4]);

    const errors = (await logLines()).filter((l) => l.level === 'ERROR');
    expect(errors).toEqual([expect.objectContaining({ message: 'load failed', runId: R3, step: 'load' })]);
  });

  it('with maxRuns, loads the oldest run only and announces the transformed zone again for the others', async () => {
    await ledger.createRun(run(R1, 'transformed'));
    await ledger.createRun(run(R2, 'transformed'));
    await writeRun(duck, store, R1, [[1, 'GBP', 'British Pound']], [{ id: 1, time: '10:00:00.000', amount: '1.00' }]);
    await writeRun(duck, store, R2, [[2, 'USD', 'US Dollar']], [{ id: 2, time: '10:00:00.000', amount: '2.00' }]);
    const published: unknown[] = [];
    const result = await load({ maxRuns: 1 }, { ...deps, events: { publish: async (e) => void published.push(e) } });
    expect(result.runs.map((r) => r.runId)).toEqual([R1]);
    expect((await ledger.getRun(R2))!.stage).toBe('transformed');
    expect(published).toEqual([
      { source: 'lakehouse', 'detail-type': 'ZoneWritten', detail: { zone: 'transformed', runs: [R2] } },
    ]);
  });

  it('marks a run the warehouse already has as loaded without changing anything', async () => {
    await ledger.createRun(run(R1, 'transformed'));
    await writeRun(duck, store, R1, [[1, 'GBP', 'British Pound']], [{ id: 1, time: '10:00:00.000', amount: '1.00' }]);
    await load({}, deps);
    const counts = (await ledger.getRun(R1))!.counts;
    // the ledger lost the stage change (say, a crash after the commit): the run waits again
    await ledger.updateRun(R1, (r) => ({ ...r, stage: 'transformed', history: { extracted: r.history.extracted } }));
    const before = await warehouse.query('select * from load_history');

    const result = await load({}, deps);

    expect(result.runs).toEqual([{ runId: R1, loaded: false, tables: {} }]);
    expect(await warehouse.query('select * from load_history')).toEqual(before);
    const r1 = (await ledger.getRun(R1))!;
    expect(r1.stage).toBe('loaded');
    expect(r1.history.loaded).toBeDefined();
    expect(r1.counts).toEqual(counts);
  });
});
