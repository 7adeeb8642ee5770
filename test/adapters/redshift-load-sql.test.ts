/**
 * The Redshift load's SQL, run for real: RedshiftWarehouse sends its calls to
 * a Data API stand-in that executes every statement on PGlite (and on a
 * PostgreSQL server when TEST_DATABASE_URL is set) with only the
 * Redshift-only tokens rewritten (test/support/pg-redshift-data-api.ts: COPY …
 * FORMAT AS PARQUET loads the run's Parquet files by column position,
 * sysdate, identity, `:name` parameters), honouring sessions and the batch
 * transaction. The end state is compared table by table with PgWarehouse
 * loading the same runs from the same Parquet files: first the real ToteSys
 * export turned into star Parquet by the repo's models (as
 * test/sql/real-data.test.ts does), then small runs with every kind of change.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { TerminalError, TransientError } from '../../jobs/lib/core/errors';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import type { LoadResult, LoadTable } from '../../jobs/lib/core/ports';
import { execSql, openDuckDb, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { duckDbStaging } from '../../jobs/lib/adapters/duckdb/duckdb-parquet-staging';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { PgWarehouse } from '../../jobs/lib/adapters/postgres/pg-warehouse';
import { RedshiftWarehouse } from '../../jobs/lib/adapters/aws/redshift-warehouse';
import { STAR_TABLES, starTable } from '../../jobs/lib/definition/tables';
import { loadTablesForRun } from '../../jobs/load/load';
import { type StarRow, writeStarParquet } from '../support/star-parquet';
import { pgRedshiftDataApi, type PgRedshiftDataApi } from '../support/pg-redshift-data-api';
import { describeEach } from '../support/pg-test-db';
import { openSqlTestLake } from '../sql/sql-test-lake';
import { SEED_DATA_DIR } from '../../scripts/seed/seed-source';
import { SOURCE_TABLES } from '../../jobs/lib/definition/tables';

const url = process.env.TEST_DATABASE_URL;
// The server variant is declared without TEST_DATABASE_URL too, and reported as skipped.
const targets = [
  { name: 'pglite', server: false, skip: false },
  { name: 'postgres', server: true, skip: !url },
];

const R0 = '20241231t000000z';
const R1 = '20250101t000000z';
const R2 = '20250102t000000z';
const R3 = '20250103t000000z';
const R4 = '20250104t000000z';
const BUCKET = 's3://lake-transformed/';
const ROLE = 'arn:aws:iam::123456789012:role/lakehouse-redshift-copy';

jest.setTimeout(60_000);

type Row = StarRow;
const writeParquet = writeStarParquet;

/** Run 1: every table, with NULLs (a currency the lookup lacks, a staff member without department), quotes, newlines, empty strings. */
function run1(): Record<string, Row[]> {
  return {
    dim_date: [
      ['2022-11-03', 2022, 11, 3, 4, 'Thursday', 'November', 4],
      ['2022-11-04', 2022, 11, 4, 5, 'Friday', 'November', 4],
    ],
    dim_staff: [
      [1, 'Jeremie', 'Franey', 'Purchasing', 'Manchester', 'jeremie.franey@terrifictotes.com'],
      [2, 'Deron', 'Beier', null, null, 'deron.beier@terrifictotes.com'],
    ],
    dim_location: [
      [1, '6826 Herzog Via', null, 'Avon', 'New Patienceburgh', '28441', 'Turkey', '1803 637401'],
      [2, '179 Alexie Cliffs', '', '', 'Aliso Viejo', '99305-7380', 'San Marino', '9621 880720'],
    ],
    dim_currency: [
      [1, 'GBP', 'British Pound'],
      [2, 'XTS', null],
    ],
    dim_design: [[8, 'Wooden, "Hard"\nTop\'s', '/usr', 'wooden-20220717-npgz.json']],
    dim_counterparty: [
      [
        1,
        'Fahey and Sons',
        '605 Haskell Trafficway',
        'Axel Freeway',
        null,
        'East Bobbie',
        '88253-4257',
        'Austria',
        '9687 937447',
      ],
    ],
    dim_payment_type: [
      [1, 'SALES_RECEIPT'],
      [3, 'PURCHASE_PAYMENT'],
    ],
    dim_transaction: [
      [1, 'PURCHASE', null, 2],
      [2, 'SALE', 1, null],
    ],
    fact_sales_order: [
      [1, '2022-11-03', '14:20:52.186', '2022-11-03', '14:20:52.186', 1, 1, 100, '2.50', 1, 8, '2022-11-04', '2022-11-04', 1],
      [
        3,
        '2022-11-03',
        '09:00:00.000',
        '2022-11-03',
        '09:00:00.000',
        2,
        1,
        7,
        '99999999.99',
        2,
        8,
        '2022-11-04',
        '2022-11-04',
        2,
      ],
    ],
    fact_purchase_order: [
      [
        2,
        '2022-11-03',
        '14:20:52.186',
        '2022-11-03',
        '14:20:52.186',
        2,
        1,
        'ZDOI5EA',
        371,
        '361.39',
        1,
        '2022-11-04',
        '2022-11-04',
        2,
      ],
    ],
    fact_payment: [
      [2, '2022-11-03', '14:20:52.186', '2022-11-03', '14:20:52.186', 2, 1, '552548.62', 2, 1, false, '2022-11-04'],
      [3, '2022-11-03', '14:20:52.186', '2022-11-03', '14:20:52.186', 1, 1, '0.05', 1, 3, true, '2022-11-04'],
    ],
  };
}

/**
 * Run 2: SCD type 1 changes (a name, a department found, a new currency), a
 * dimension row unchanged, a new fact version, a fact version already loaded,
 * two rows of one grain in the run (dedupe), and no files for two tables.
 */
function run2(): Record<string, Row[]> {
  const r1 = run1();
  return {
    dim_date: r1.dim_date,
    dim_staff: [
      [1, 'Jeremie', 'Franey-Smith', 'Purchasing', null, 'jeremie.franey@terrifictotes.com'],
      [2, 'Deron', 'Beier', 'Sales', 'Leeds', 'deron.beier@terrifictotes.com'],
    ],
    dim_currency: [...r1.dim_currency, [3, 'EUR', 'Euro']],
    dim_design: [
      [8, 'Wooden', '/usr/b', 'b.json'],
      [8, 'Wooden', '/usr/a', 'a.json'],
    ],
    dim_counterparty: r1.dim_counterparty,
    dim_payment_type: r1.dim_payment_type,
    dim_transaction: [[3, 'SALE', 4, null]],
    fact_sales_order: [
      r1.fact_sales_order[0],
      [1, '2022-11-03', '14:20:52.186', '2022-11-05', '08:01:02.003', 1, 1, 150, '2.75', 1, 8, '2022-11-06', '2022-11-06', 1],
      [4, '2022-11-04', '10:00:00.000', '2022-11-04', '10:00:00.000', 1, 1, 1, '1.00', 3, 8, '2022-11-04', '2022-11-04', 1],
      [4, '2022-11-04', '10:00:00.000', '2022-11-04', '10:00:00.000', 1, 1, 2, '1.00', 3, 8, '2022-11-04', '2022-11-04', 1],
    ],
    fact_payment: [[4, '2022-11-04', '11:00:00.000', '2022-11-04', '11:00:00.000', 2, 1, '10.00', 3, 1, true, '2022-11-04']],
  };
}

/** Run 3: a small change to every kind of table (for the failure cases). */
function run3(): Record<string, Row[]> {
  return {
    dim_currency: [[1, 'GBP', 'Pound Sterling']],
    dim_location: [[3, '1 New Street', null, null, 'Leeds', 'LS1', 'United Kingdom', '0113 000000']],
    fact_payment: [[5, '2022-11-04', '12:00:00.000', '2022-11-04', '12:00:00.000', 1, 1, '3.00', 1, 1, false, '2022-11-04']],
    fact_purchase_order: [
      [
        2,
        '2022-11-03',
        '14:20:52.186',
        '2022-11-04',
        '09:09:09.009',
        2,
        1,
        'ZDOI5EA',
        372,
        '361.39',
        1,
        '2022-11-04',
        '2022-11-04',
        2,
      ],
    ],
  };
}

/**
 * Runs the repo's cleaned and transformed models over the vendored ToteSys
 * export (DuckDB, as the local chain does) and copies the star Parquet of run
 * `runId` into `store`.
 */
async function writeRealRun(store: FsObjectStore, runId: string): Promise<void> {
  const lake = await openSqlTestLake();
  try {
    for (const def of SOURCE_TABLES) {
      const file = join(SEED_DATA_DIR, def.name === 'payment' ? 'payment_sample.json.gz' : `${def.name}.json.gz`);
      const columns = def.columns.map((c) => `${quoteLiteral(c.name)}: 'VARCHAR'`).join(', ');
      await execSql(
        lake.conn,
        `create table raw."${def.name}" as select *, ${quoteLiteral(runId)} as run_id from read_json(${quoteLiteral(file)}, format = 'array', columns = {${columns}})`,
      );
    }
    for (const def of SOURCE_TABLES) {
      await lake.run('cleaned', def.name, runId);
      const glob = quoteLiteral(join(lake.zoneRoot('cleaned'), def.name, 'run_id=*', '*.parquet'));
      await execSql(
        lake.conn,
        `create or replace view cleaned."${def.name}" as select * from read_parquet(${glob}, hive_partitioning = true, hive_types = {'run_id': 'VARCHAR'})`,
      );
    }
    for (const def of STAR_TABLES) {
      await lake.run('transformed', def.name, runId);
      const target = store.uri(`${def.name}/run_id=${runId}/part-00000.parquet`);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(lake.partFile('transformed', def.name, runId), target);
    }
  } finally {
    lake.close();
  }
}

/** Every star table (facts without their warehouse-generated surrogate key) and the load history without its timestamp, in a stable order. */
async function endState(db: PgClient): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const def of STAR_TABLES) {
    const columns = def.columns.map((c) => `"${c.name}"`).join(', ');
    out[def.name] = await db.query(
      `select ${columns} from "${def.name}" order by ${def.columns.map((_, i) => i + 1).join(', ')}`,
    );
    if (def.surrogateKey) {
      const [keys] = await db.query<{ n: number; distinct_keys: number }>(
        `select count(*) as n, count(distinct "${def.surrogateKey}") as distinct_keys from "${def.name}"`,
      );
      expect(keys.distinct_keys).toBe(keys.n);
    }
  }
  const history = await db.query<{ run_id: string; table_counts: string }>(
    'select run_id, table_counts from load_history order by run_id',
  );
  out.load_history = history.map((h) => ({ run_id: h.run_id, table_counts: JSON.parse(h.table_counts) }));
  return out;
}

describeEach(targets)('the Redshift load SQL on $name, compared with PgWarehouse', ({ server }) => {
  let duck: DuckDBConnection;
  let closeDuck: () => void;
  let root: string;
  let store: FsObjectStore;
  let local: PgClient;
  let localWarehouse: PgWarehouse;
  let redshiftDb: PgClient;
  let api: PgRedshiftDataApi;
  let redshift: RedshiftWarehouse;
  const databases: string[] = [];
  const extraClients: PgClient[] = [];

  const admin = async (sql: string) => {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  const databaseUrl = (name: string) => {
    const u = new URL(url!);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const openDatabase = async (suffix: string): Promise<PgClient> => {
    if (!server) return openPg({ memory: true });
    const name = `lakehouse_test_rsql_${suffix}_${process.pid}`;
    await admin(`drop database if exists ${name}`);
    await admin(`create database ${name}`);
    databases.push(name);
    return openPg({ url: databaseUrl(name) });
  };

  async function writeRun(runId: string, data: Record<string, Row[]>): Promise<LoadTable[]> {
    for (const [table, rows] of Object.entries(data)) {
      await writeParquet(duck, starTable(table), rows, store.uri(`${table}/run_id=${runId}/part-00000.parquet`));
    }
    return loadTablesForRun(store, runId);
  }

  /** Loads a run into both warehouses; both results must agree. */
  async function loadBoth(runId: string): Promise<LoadResult> {
    const tables = await loadTablesForRun(store, runId);
    const expected = await localWarehouse.loadRun(runId, tables);
    const actual = await redshift.loadRun(runId, tables);
    expect(actual).toEqual(expected);
    return actual;
  }

  beforeAll(async () => {
    ({ conn: duck, close: closeDuck } = await openDuckDb());
    root = mkdtempSync(join(tmpdir(), 'redshift-load-sql-'));
    store = new FsObjectStore('transformed', root);
    local = await openDatabase('local');
    localWarehouse = new PgWarehouse(local, duckDbStaging(duck), (key) => store.uri(key), {
      now: () => new Date('2025-01-05T10:11:12.345Z'),
    });
    redshiftDb = await openDatabase('redshift');
    const redshiftName = databases[databases.length - 1];
    api = pgRedshiftDataApi({
      // PGlite has one connection: a session is that connection, and ending it drops its temp tables.
      // A server gets a connection per session, as Redshift does.
      connect: async () => {
        if (!server) return redshiftDb;
        const c = await openPg({ url: databaseUrl(redshiftName) });
        extraClients.push(c);
        return c;
      },
      release: async (db) => {
        if (server) await db.close();
      },
      endSession: async (db) => {
        if (server) await db.close();
        else await db.exec('discard temp');
      },
      localFolder: (prefix) => store.uri(prefix.slice(BUCKET.length).replace(/\/$/, '')),
      duck,
    });
    redshift = new RedshiftWarehouse(api.client, {
      target: { workgroupName: 'lakehouse', database: 'dev' },
      iamRoleArn: ROLE,
      transformedUri: (key) => `${BUCKET}${key}`,
      poll: { initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 },
    });
    await localWarehouse.ensureSchema();
    await redshift.ensureSchema();
  }, 120_000); // two PGlite databases take a while to start on a busy machine

  afterAll(async () => {
    await api?.close();
    await localWarehouse?.close();
    await redshiftDb?.close();
    closeDuck?.();
    if (root) rmSync(root, { recursive: true, force: true });
    for (const name of databases) await admin(`drop database if exists ${name} with (force)`);
  });

  beforeEach(() => {
    api.failWhen = undefined;
  });

  it('loads the real ToteSys export, transformed by the repo models, into the same end state (PgWarehouse: its bulk first load)', async () => {
    await writeRealRun(store, R0);
    const result = await loadBoth(R0);
    expect(result.tables.fact_sales_order.changed).toBeGreaterThan(10_000);
    const state = await endState(redshiftDb);
    expect(state).toEqual(await endState(local));
    expect(state.dim_currency.length).toBeGreaterThan(0);
  }, 600_000);

  it('loads a small run into the same end state, in calls the Data API accepts, one transaction holding every write', async () => {
    await writeRun(R1, run1());
    const callsBefore = api.calls.length;
    const result = await loadBoth(R1);
    expect(result.loaded).toBe(true);
    expect(await endState(redshiftDb)).toEqual(await endState(local));

    const batches = api.calls
      .slice(callsBefore)
      .filter((c) => c.command === 'BatchExecuteStatement')
      .map((c) => c.input);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) expect((b.Sqls as string[]).length).toBeLessThanOrEqual(40);
    // the first call opens the session; the others run in it and name nothing else
    expect(batches[0]).toMatchObject({ WorkgroupName: 'lakehouse', Database: 'dev', SessionKeepAliveSeconds: 300 });
    expect(batches[0].SessionId).toBeUndefined();
    const sessionIds = new Set(
      api.calls
        .slice(callsBefore)
        .map((c) => c.input.SessionId)
        .filter(Boolean),
    );
    expect(sessionIds.size).toBe(1);
    for (const b of batches.slice(1)) expect(Object.keys(b).sort()).toEqual(expect.arrayContaining(['SessionId']));
    for (const b of batches.slice(1)) expect(b.WorkgroupName).toBeUndefined();
    // only the last call writes to warehouse tables (MERGE / INSERT into a star table or the history)
    const writes = (b: Record<string, unknown>) =>
      (b.Sqls as string[]).some((s) => /^(merge into|insert into) "(dim_|fact_|load_history)/.test(s));
    expect(batches.map(writes)).toEqual(batches.map((_, i) => i === batches.length - 1));
  });

  it('applies a second run (SCD type 1, fact history, dedupe, tables without files) into the same end state', async () => {
    await writeRun(R2, run2());
    const result = await loadBoth(R2);
    expect(result.tables.dim_staff.changed).toBe(2);
    expect(result.tables.fact_sales_order).toEqual({ staged: 4, changed: 2 });
    expect(result.tables.fact_purchase_order).toEqual({ staged: 0, changed: 0 });
    expect(await endState(redshiftDb)).toEqual(await endState(local));
  });

  it('a second load of the same run changes nothing', async () => {
    const before = await endState(redshiftDb);
    expect(await redshift.loadRun(R2, await loadTablesForRun(store, R2))).toEqual({ runId: R2, loaded: false, tables: {} });
    expect(await endState(redshiftDb)).toEqual(before);
  });

  it('replaying the transaction of a loaded run adds nothing (a retry after a lost answer)', async () => {
    const before = await endState(redshiftDb);
    const script = await redshift.loadScript(R2, await loadTablesForRun(store, R2));
    // The staging statements then the transaction, on one connection, with the run's files left out:
    // what is tested is that the apply and the history insert add nothing for a run already loaded.
    const db = redshiftDb;
    await db.exec('begin');
    try {
      for (const s of [...script.stage, ...script.transaction]) {
        if (s.sql.startsWith('copy ')) continue;
        await db.exec(s.sql.replace(/:run_id\b/g, quoteLiteral(R2)).replace(/\bsysdate\b/g, 'localtimestamp'));
      }
      await db.exec('commit');
    } catch (error) {
      await db.exec('rollback');
      throw error;
    } finally {
      await db.exec('discard temp');
    }
    expect(await endState(redshiftDb)).toEqual(before);
  });

  it.each([
    [
      'a failing statement in the transaction, after some tables were applied',
      'insert into "fact_payment"',
      'injected: disk full',
      TerminalError,
    ],
    ['a failing COPY while staging', 'copy "stage_fact_payment"', 'injected: S3 access denied', TerminalError],
    [
      'a serialization conflict on every attempt',
      'merge into "dim_location"',
      'injected: 1023 Serializable isolation violation on table',
      TransientError,
    ],
  ])('%s leaves the warehouse exactly as it was', async (_, statement, error, kind) => {
    await writeRun(R3, run3());
    const before = await endState(redshiftDb);
    const callsBefore = api.calls.length;
    api.failWhen = (sql) => (sql.startsWith(statement) ? error : undefined);
    const failure = redshift.loadRun(R3, await loadTablesForRun(store, R3));
    await expect(failure).rejects.toBeInstanceOf(kind);
    await expect(failure).rejects.toThrow(error);
    expect(await endState(redshiftDb)).toEqual(before);
    const transactions = api.calls
      .slice(callsBefore)
      .filter((c) => c.command === 'BatchExecuteStatement' && (c.input.Sqls as string[]).some((s) => s.startsWith('merge into')));
    // a conflict is sent again in the same session (3 attempts); other failures are not retried
    expect(transactions).toHaveLength(kind === TransientError ? 3 : statement.startsWith('copy') ? 0 : 1);
  });

  it('a session that ends between staging and the transaction fails as transient, with nothing written', async () => {
    const before = await endState(redshiftDb);
    api.beforeCall = async (call) => {
      if (call.command === 'BatchExecuteStatement' && (call.input.Sqls as string[]).some((s) => s.startsWith('merge into'))) {
        await api.expireSessions(); // the keep-alive ran out before the transaction call
      }
    };
    try {
      const failure = redshift.loadRun(R3, await loadTablesForRun(store, R3));
      await expect(failure).rejects.toBeInstanceOf(TransientError);
      await expect(failure).rejects.toThrow(/session .* cannot be reused/);
    } finally {
      api.beforeCall = undefined;
    }
    expect(await endState(redshiftDb)).toEqual(before);
  });

  it('then loads the failed run into the same end state', async () => {
    await loadBoth(R3);
    expect(await endState(redshiftDb)).toEqual(await endState(local));
  });

  it('text longer than its column fails the load loudly on both warehouses, nothing truncated or written', async () => {
    const long = 'x'.repeat(1025);
    await writeRun(R4, { dim_design: [[9, long, '/usr', 'long.json']] });
    const before = await endState(redshiftDb);
    const tables = await loadTablesForRun(store, R4);
    await expect(localWarehouse.loadRun(R4, tables)).rejects.toThrow(/too long/);
    await expect(redshift.loadRun(R4, tables)).rejects.toThrow(/too long/);
    expect(await endState(redshiftDb)).toEqual(before);
    expect(await endState(local)).toEqual(before);
  });

  /** A sales order version; `deletedAt` set makes it a delete row (the time of the delete as its version). */
  const order = (id: number, date: string, time: string, units: number, deletedAt: string | null = null): Row => [
    id,
    '2022-11-03',
    '14:20:52.186',
    date,
    time,
    1,
    1,
    units,
    '2.50',
    1,
    8,
    '2022-11-04',
    '2022-11-04',
    1,
    deletedAt,
  ];
  const versions = async (db: PgClient, id: number) =>
    (
      await db.query<{ v: string; deleted_at: string | null }>(
        `select last_updated_date::text || ' ' || last_updated_time::text as v, deleted_at::text as deleted_at
         from fact_sales_order where sales_order_id = $1 order by last_updated_date, last_updated_time`,
        [id],
      )
    ).map((r) => [r.v, r.deleted_at]);

  it('applies deletes the same way on both: a fact delete marks the latest version up to its time, a re-insert after it stays live, a dimension carries deleted_at', async () => {
    const R5 = '20250105t000000z';
    await writeRun(R5, {
      // Order 1: deleted after its two versions. Order 4: deleted, then inserted again, in one run.
      fact_sales_order: [
        order(1, '2022-11-06', '09:00:00.000', 150, '2022-11-06 09:00:00'),
        order(4, '2022-11-07', '10:00:00.000', 7),
        order(4, '2022-11-06', '09:00:00.000', 2, '2022-11-06 09:00:00'),
      ],
      dim_design: [[8, 'Wooden', '/usr/a', 'a.json', '2022-11-06 09:00:00']],
    });
    const result = await loadBoth(R5);
    // One version inserted and two marked; no row added for a delete.
    expect(result.tables.fact_sales_order).toEqual({ staged: 3, changed: 3 });
    expect(result.tables.dim_design).toEqual({ staged: 1, changed: 1 });
    expect(await endState(redshiftDb)).toEqual(await endState(local));
    for (const db of [local, redshiftDb]) {
      expect(await versions(db, 1)).toEqual([
        ['2022-11-03 14:20:52.186', null],
        ['2022-11-05 08:01:02.003', '2022-11-06 09:00:00'],
      ]);
      // Order 4's first version (an earlier run) is older than the delete's latest version up to its time: it stays live history.
      expect(await versions(db, 4)).toEqual([
        ['2022-11-03 14:20:52.188', null],
        ['2022-11-04 10:00:00', '2022-11-06 09:00:00'],
        ['2022-11-07 10:00:00', null],
      ]);
      const [design] = await db.query('select deleted_at::text as at from dim_design where design_id = 8');
      expect(design.at).toBe('2022-11-06 09:00:00');
    }

    // Loading it again, or replaying its Redshift transaction, changes nothing.
    const before = await endState(local);
    expect((await localWarehouse.loadRun(R5, await loadTablesForRun(store, R5))).loaded).toBe(false);
    expect((await redshift.loadRun(R5, await loadTablesForRun(store, R5))).loaded).toBe(false);
    expect(await endState(local)).toEqual(before);
    expect(await endState(redshiftDb)).toEqual(before);

    // A dimension key inserted again is live again.
    const R6 = '20250106t000000z';
    await writeRun(R6, { dim_design: [[8, 'Wooden', '/usr/a', 'a.json']] });
    expect((await loadBoth(R6)).tables.dim_design).toEqual({ staged: 1, changed: 1 });
    for (const db of [local, redshiftDb]) {
      const [design] = await db.query('select deleted_at from dim_design where design_id = 8');
      expect(design.deleted_at).toBeNull();
    }
  });
});
