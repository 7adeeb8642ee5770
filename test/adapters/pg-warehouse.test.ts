/**
 * PgWarehouse over real PGlite (and a real PostgreSQL server when
 * TEST_DATABASE_URL is set), loading Parquet files written by real DuckDB into
 * a FsObjectStore transformed zone.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { TerminalError } from '../../jobs/lib/core/errors';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import { execSql, openDuckDb, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { FsObjectStore } from '../../jobs/lib/adapters/fs/fs-object-store';
import type { PgClient } from '../../jobs/lib/adapters/postgres/pg-client';
import { openPg, type PgTarget } from '../../jobs/lib/runtimes/local/open-database';
import { duckDbStaging } from '../../jobs/lib/adapters/duckdb/duckdb-parquet-staging';
import { PgWarehouse } from '../../jobs/lib/adapters/postgres/pg-warehouse';
import { STAR_TABLES, starTable, type ColumnType } from '../../jobs/lib/definition/tables';
import type { LoadTable } from '../../jobs/lib/core/ports';
import { postgresStagedLoadStatements } from '../../jobs/lib/core/warehouse/staged-load-statements';
import { loadTablesForRun } from '../../jobs/load/load';
import { type StarRow, writeStarParquet } from '../support/star-parquet';
import { describeEach } from '../support/pg-test-db';

const url = process.env.TEST_DATABASE_URL;
// The server variant is declared without TEST_DATABASE_URL too, and reported as skipped.
const targets: { name: string; target: PgTarget | 'server'; skip: boolean }[] = [
  { name: 'pglite', target: { memory: true }, skip: false },
  { name: 'postgres', target: 'server', skip: !url },
];

const RUN_1 = '20250101t000000z';
const RUN_2 = '20250102t000000z';
const RUN_3 = '20250103t000000z';

type Row = StarRow;
const writeParquet = writeStarParquet;

/** The star rows of run 1, in lake column order. */
function run1(): Record<string, Row[]> {
  return {
    dim_date: [
      ['2022-11-03', 2022, 11, 3, 4, 'Thursday', 'November', 4],
      ['2022-11-04', 2022, 11, 4, 5, 'Friday', 'November', 4],
    ],
    dim_staff: [
      [1, 'Jeremie', 'Franey', 'Purchasing', 'Manchester', 'jeremie.franey@terrifictotes.com'],
      [2, 'Deron', 'Beier', 'Facilities', null, 'deron.beier@terrifictotes.com'],
    ],
    dim_location: [
      [1, '6826 Herzog Via', null, 'Avon', 'New Patienceburgh', '28441', 'Turkey', '1803 637401'],
      [2, '179 Alexie Cliffs', '', '', 'Aliso Viejo', '99305-7380', 'San Marino', '9621 880720'],
    ],
    dim_currency: [
      [1, 'GBP', 'British Pound'],
      [2, 'USD', 'US Dollar'],
    ],
    dim_design: [[8, 'Wooden, "Hard"\nTop', '/usr', 'wooden-20220717-npgz.json']],
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
      [2, 'SALES_REFUND'],
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
      [3, '2022-11-03', '14:20:52.186', '2022-11-03', '14:20:52.186', 1, 1, '0.05', 1, 2, true, '2022-11-04'],
    ],
  };
}

/** Every star table and the load history, each row as a JSON-able object, in a stable order. */
async function dump(db: PgClient): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const def of STAR_TABLES) {
    const width = def.columns.length + (def.surrogateKey ? 1 : 0);
    const order = Array.from({ length: width }, (_, i) => i + 1).join(', ');
    out[def.name] = await db.query(`select * from "${def.name}" order by ${order}`);
  }
  out.load_history = await db.query('select * from load_history order by run_id');
  return out;
}

describeEach(targets)('PgWarehouse on $name', ({ target }) => {
  let db: PgClient;
  let duck: DuckDBConnection;
  let closeDuck: () => void;
  let store: FsObjectStore;
  let root: string;
  let warehouse: PgWarehouse;
  let dbName: string | undefined;
  const loadedAt = new Date('2025-01-05T10:11:12.345Z');

  /** Writes a run's rows (one Parquet file per table, or `files` per table) and returns its LoadTables. */
  async function writeRun(runId: string, data: Record<string, Row[]>, files = 1): Promise<LoadTable[]> {
    for (const [table, rows] of Object.entries(data)) {
      for (let part = 0; part < files; part++) {
        const key = `${table}/run_id=${runId}/part-${String(part).padStart(5, '0')}.parquet`;
        await writeParquet(duck, starTable(table), rows, store.uri(key));
      }
    }
    return loadTablesForRun(store, runId);
  }

  beforeAll(async () => {
    if (target === 'server') {
      dbName = `lakehouse_test_pgwh_${process.pid}`;
      const admin = new Client({ connectionString: url });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName}`);
      await admin.query(`create database ${dbName}`);
      await admin.end();
      const dbUrl = new URL(url!);
      dbUrl.pathname = `/${dbName}`;
      db = await openPg({ url: dbUrl.toString() });
    } else {
      db = await openPg(target);
    }
    ({ conn: duck, close: closeDuck } = await openDuckDb());
    root = mkdtempSync(join(tmpdir(), 'pg-warehouse-'));
    store = new FsObjectStore('transformed', root);
    warehouse = new PgWarehouse(db, duckDbStaging(duck), (key) => store.uri(key), { now: () => loadedAt });
    await warehouse.ensureSchema();
  });

  afterAll(async () => {
    await warehouse.close();
    closeDuck();
    rmSync(root, { recursive: true, force: true });
    if (dbName) {
      const admin = new Client({ connectionString: url });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  });

  it('creates the star schema exactly as STAR_TABLES describes it, idempotently', async () => {
    await warehouse.ensureSchema();
    const pgType: Record<ColumnType, string> = {
      int: 'integer',
      bigint: 'bigint',
      varchar: 'character varying',
      boolean: 'boolean',
      date: 'date',
      time: 'time without time zone',
      timestamp: 'timestamp without time zone',
      'decimal(10,2)': 'numeric(10,2)',
    };
    for (const def of STAR_TABLES) {
      const columns = await db.query<{ column_name: string; type: string; is_nullable: string; is_identity: string }>(
        `select column_name, is_nullable, is_identity,
                case when data_type = 'numeric' then 'numeric(' || numeric_precision || ',' || numeric_scale || ')' else data_type end as type
           from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
        [def.name],
      );
      const expected = [
        ...(def.surrogateKey ? [{ column_name: def.surrogateKey, type: 'bigint', is_nullable: 'NO', is_identity: 'YES' }] : []),
        ...def.columns.map((c) => ({
          column_name: c.name,
          type: pgType[c.type],
          is_nullable: c.nullable ? 'YES' : 'NO',
          is_identity: 'NO',
        })),
      ];
      expect(columns).toEqual(expected);
    }
  });

  /** Every index and constraint of the schema, by name, with its definition. */
  const indexes = async () => [
    ...(await db.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes where schemaname = current_schema() order by indexname`,
    )),
    ...(await db.query<{ name: string; def: string }>(
      `select conname as name, conrelid::regclass::text || ': ' || pg_get_constraintdef(oid) as def
         from pg_constraint where connamespace = current_schema()::regnamespace order by conname`,
    )),
  ];

  it('loads a run: every row staged and changed, recorded in load_history', async () => {
    const data = run1();
    // An index of the user's own and the DDL's keys are dropped for the bulk COPY and rebuilt as they were.
    await db.exec('create index fact_payment_by_counterparty on fact_payment (counterparty_id)');
    // A key another table refers to cannot be dropped: that table is loaded with its keys in place.
    await db.exec('create table currency_note (currency_id integer references dim_currency (currency_id))');
    const listed = async (table: string) =>
      (await db.query<{ drop_sql: string }>(postgresStagedLoadStatements(starTable(table)).targetIndexes)).map((r) => r.drop_sql);
    expect(await listed('fact_payment')).toEqual([
      'alter table fact_payment drop constraint fact_payment_payment_id_last_updated_date_last_updated_time_key',
      'alter table fact_payment drop constraint fact_payment_pkey',
      'drop index fact_payment_by_counterparty',
    ]);
    expect(await listed('dim_currency')).toEqual([]);
    const before = await indexes();
    expect(before.map((i) => i.name)).toEqual(expect.arrayContaining(['fact_payment_by_counterparty', 'fact_payment_pkey']));
    const result = await warehouse.loadRun(RUN_1, await writeRun(RUN_1, data));
    expect(await indexes()).toEqual(before);
    expect(result.loaded).toBe(true);
    expect(result.tables).toEqual(
      Object.fromEntries(STAR_TABLES.map((t) => [t.name, { staged: data[t.name].length, changed: data[t.name].length }])),
    );
    const history = await warehouse.query('select run_id, loaded_at, table_counts from load_history');
    expect(history).toEqual([
      { run_id: RUN_1, loaded_at: '2025-01-05 10:11:12.345', table_counts: JSON.stringify(result.tables) },
    ]);
    const facts = await warehouse.query('select sales_record_id, sales_order_id from fact_sales_order order by sales_order_id');
    expect(facts.map((r) => r.sales_order_id)).toEqual([1, 3]);
    expect(new Set(facts.map((r) => r.sales_record_id)).size).toBe(2);
  });

  it('round-trips NULLs, empty strings, quotes, newlines, decimals, booleans, dates and times exactly', async () => {
    expect(await warehouse.query('select location_id, address_line_2, district from dim_location order by 1')).toEqual([
      { location_id: 1, address_line_2: null, district: 'Avon' },
      { location_id: 2, address_line_2: '', district: '' },
    ]);
    expect(await warehouse.query('select design_name from dim_design')).toEqual([{ design_name: 'Wooden, "Hard"\nTop' }]);
    expect(
      await warehouse.query(
        'select sales_staff_id, unit_price, created_date, created_time, last_updated_time from fact_sales_order order by 1',
      ),
    ).toEqual([
      {
        sales_staff_id: 1,
        unit_price: '2.50',
        created_date: '2022-11-03',
        created_time: '14:20:52.186',
        last_updated_time: '14:20:52.186',
      },
      {
        sales_staff_id: 2,
        unit_price: '99999999.99',
        created_date: '2022-11-03',
        created_time: '09:00:00',
        last_updated_time: '09:00:00',
      },
    ]);
    // times are real `time` values: 09:00:00.000 and 09:00:00 are the same time
    expect(await warehouse.query(`select count(*) as n from fact_sales_order where created_time = time '09:00:00.000'`)).toEqual([
      { n: 1 },
    ]);
    expect(await warehouse.query('select payment_id, payment_amount, paid from fact_payment order by 1')).toEqual([
      { payment_id: 2, payment_amount: '552548.62', paid: false },
      { payment_id: 3, payment_amount: '0.05', paid: true },
    ]);
    expect(
      await warehouse.query('select transaction_id, sales_order_id, purchase_order_id from dim_transaction order by 1'),
    ).toEqual([
      { transaction_id: 1, sales_order_id: null, purchase_order_id: 2 },
      { transaction_id: 2, sales_order_id: 1, purchase_order_id: null },
    ]);
  });

  it('loading the same run again changes nothing', async () => {
    const before = await dump(db);
    const result = await warehouse.loadRun(RUN_1, await loadTablesForRun(store, RUN_1));
    expect(result).toEqual({ runId: RUN_1, loaded: false, tables: {} });
    expect(await dump(db)).toEqual(before);
  });

  it('applies SCD type 1 to dimensions and keeps fact history', async () => {
    const data = run1();
    data.dim_staff[0] = [1, 'Jeremie', 'Franey-Smith', 'Purchasing', null, 'jeremie.franey@terrifictotes.com'];
    data.dim_currency.push([3, 'EUR', 'Euro']);
    data.fact_sales_order.push([
      1,
      '2022-11-03',
      '14:20:52.186',
      '2022-11-05',
      '08:01:02.003',
      1,
      1,
      150,
      '2.75',
      1,
      8,
      '2022-11-06',
      '2022-11-06',
      1,
    ]);
    const before = await dump(db);
    const result = await warehouse.loadRun(RUN_2, await writeRun(RUN_2, data));
    expect(result.loaded).toBe(true);
    const changed = Object.fromEntries(Object.entries(result.tables).map(([t, c]) => [t, c.changed]));
    expect(changed).toEqual({
      ...Object.fromEntries(STAR_TABLES.map((t) => [t.name, 0])),
      dim_staff: 1,
      dim_currency: 1,
      fact_sales_order: 1,
    });
    expect(result.tables.fact_sales_order.staged).toBe(3);

    const after = await dump(db);
    expect(after.dim_staff).toEqual([
      {
        staff_id: 1,
        first_name: 'Jeremie',
        last_name: 'Franey-Smith',
        department_name: 'Purchasing',
        location: null,
        email_address: 'jeremie.franey@terrifictotes.com',
        deleted_at: null,
      },
      before.dim_staff[1],
    ]);
    expect(after.dim_currency).toEqual([
      ...before.dim_currency,
      { currency_id: 3, currency_code: 'EUR', currency_name: 'Euro', deleted_at: null },
    ]);
    const versions = await warehouse.query(
      `select units_sold, unit_price, last_updated_date, last_updated_time from fact_sales_order where sales_order_id = 1 order by last_updated_date`,
    );
    expect(versions).toEqual([
      { units_sold: 100, unit_price: '2.50', last_updated_date: '2022-11-03', last_updated_time: '14:20:52.186' },
      { units_sold: 150, unit_price: '2.75', last_updated_date: '2022-11-05', last_updated_time: '08:01:02.003' },
    ]);
    for (const name of ['dim_date', 'dim_location', 'fact_payment', 'fact_purchase_order'])
      expect(after[name]).toEqual(before[name]);
    expect(after.load_history.map((r) => (r as { run_id: string }).run_id)).toEqual([RUN_1, RUN_2]);
  });

  it('rolls the whole run back when a later table has a bad value', async () => {
    const before = await dump(db);
    const data = {
      dim_currency: [[4, 'CHF', 'Swiss Franc']] as Row[], // loaded first, then rolled back
      fact_sales_order: [
        [9, '2022-11-03', 'not a time', '2022-11-03', '10:00:00.000', 1, 1, 1, '1.00', 1, 8, '2022-11-04', '2022-11-04', 1],
      ] as Row[],
    };
    const tables = await writeRun(RUN_3, data);
    const error = await warehouse.loadRun(RUN_3, tables).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(/run 20250103t000000z failed at fact_sales_order, dedupe/);
    expect((error as Error).message).toMatch(/not a time/);
    expect((error as Error).cause).toBeDefined();
    expect(await dump(db)).toEqual(before);
  });

  it('rolls back on a NOT NULL violation and on an unreadable file, naming the table and step', async () => {
    const before = await dump(db);
    const nullName = await writeRun(RUN_3, { dim_payment_type: [[3, null]] });
    const e1 = await warehouse.loadRun(RUN_3, nullName).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TerminalError);
    expect((e1 as Error).message).toMatch(/failed at dim_payment_type, merge/);
    expect(await dump(db)).toEqual(before);

    const missing: LoadTable[] = [{ table: starTable('dim_design'), files: ['dim_design/run_id=20250103t000000z/gone.parquet'] }];
    const e2 = await warehouse.loadRun(RUN_3, missing).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(TerminalError);
    expect((e2 as Error).message).toMatch(/failed at dim_design, copy of 1 file/);
    expect(await dump(db)).toEqual(before);
  });

  it('dedupes staged rows and stages nothing for a table without files', async () => {
    rmSync(join(root, 'dim_payment_type', `run_id=${RUN_3}`), { recursive: true, force: true });
    rmSync(join(root, 'dim_currency', `run_id=${RUN_3}`), { recursive: true, force: true });
    rmSync(join(root, 'fact_sales_order', `run_id=${RUN_3}`), { recursive: true, force: true });
    const payment: Row = [7, '2022-11-07', '07:07:07.007', '2022-11-07', '07:07:07.007', 1, 1, '7.00', 1, 1, true, '2022-11-08'];
    const tables = await writeRun(RUN_3, { fact_payment: [payment, payment] }, 2);
    expect(tables.find((t) => t.table.name === 'fact_payment')!.files).toHaveLength(2);
    expect(tables.find((t) => t.table.name === 'dim_design')!.files).toEqual([]);
    const result = await warehouse.loadRun(RUN_3, tables);
    expect(result.tables.fact_payment).toEqual({ staged: 4, changed: 1 });
    expect(result.tables.dim_design).toEqual({ staged: 0, changed: 0 });
    expect(await warehouse.query('select count(*) as n from fact_payment where payment_id = 7')).toEqual([{ n: 1 }]);
  });

  it('streams many rows through several CSV chunks', async () => {
    const runId = '20250104t000000z';
    const key = `dim_date/run_id=${runId}/part-00000.parquet`;
    mkdirSync(dirname(store.uri(key)), { recursive: true });
    await execSql(
      duck,
      `copy (
         select d::date as date_id, year(d)::int as year, month(d)::int as month, day(d)::int as day,
                isodow(d)::int as day_of_week, dayname(d) as day_name, monthname(d) as month_name, quarter(d)::int as quarter
           from range(date '2023-01-01', date '2024-01-01', interval 1 day) t(d)
       ) to ${quoteLiteral(store.uri(key))} (format parquet)`,
    );
    const result = await warehouse.loadRun(runId, await loadTablesForRun(store, runId));
    expect(result.tables.dim_date).toEqual({ staged: 365, changed: 365 });
    expect(await warehouse.query(`select * from dim_date where date_id = '2023-06-05'`)).toEqual([
      { date_id: '2023-06-05', year: 2023, month: 6, day: 5, day_of_week: 1, day_name: 'Monday', month_name: 'June', quarter: 2 },
    ]);
  });
});
