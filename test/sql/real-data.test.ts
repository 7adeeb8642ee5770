/**
 * All 22 models over the real ToteSys export (the vendored copy under
 * scripts/seed/totesys/, README there): raw text as landed → cleaned (no rejects, every row kept) → star
 * schema (keys unique and not null, every fact date in dim_date), through the
 * real DuckDbQueryEngine, with views over the written Parquet standing in for
 * the local crawler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SEED_DATA_DIR } from '../../scripts/seed/seed-source';
import { execSql, queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { quoteIdent, quoteLiteral } from '../../jobs/lib/core/identifiers';
import { SOURCE_TABLES, STAR_TABLES } from '../../jobs/lib/definition/tables';
import { expectUniqueNotNull, openSqlTestLake, type SqlTestLake } from './sql-test-lake';

/** The vendored real data (gzip copies of the ToteSys export), present in every clone. */
const DATA = SEED_DATA_DIR;
const RUN = '20250225t132609z';

/** The export file of a source table: payment only exists as the published sample. */
const fileOf = (table: string) => join(DATA, table === 'payment' ? 'payment_sample.json.gz' : `${table}.json.gz`);

let lake: SqlTestLake;
const fileRows: Record<string, number> = {};

beforeAll(async () => {
  lake = await openSqlTestLake();
  for (const def of SOURCE_TABLES) {
    const file = fileOf(def.name);
    fileRows[def.name] = (JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as unknown[]).length;
    // Every column VARCHAR, text as in the file (JSON numbers keep their text, e.g. `2.0`), as the raw crawler registers it.
    const columns = def.columns.map((c) => `${quoteLiteral(c.name)}: 'VARCHAR'`).join(', ');
    await execSql(
      lake.conn,
      `create table raw.${quoteIdent(def.name)} as
       select *, ${quoteLiteral(RUN)} as run_id from read_json(${quoteLiteral(file)}, format = 'array', columns = {${columns}})`,
    );
  }
});
afterAll(() => lake.close());

describe('real ToteSys data', () => {
  it('cleans every table of one run with zero rejects and every file row kept', async () => {
    for (const def of SOURCE_TABLES) {
      const result = await lake.run('cleaned', def.name, RUN);
      expect([def.name, result.rejects, result.rows]).toEqual([def.name, 0, fileRows[def.name]]);
      const rows = await lake.written('cleaned', def.name, RUN, `${def.primaryKey}, last_updated`);
      expectUniqueNotNull(rows, [def.primaryKey, 'last_updated']);
      // Stand-in for the cleaned crawler: a view over the zone's Parquet with run_id from the folder.
      const glob = quoteLiteral(join(lake.zoneRoot('cleaned'), def.name, 'run_id=*', '*.parquet'));
      await execSql(
        lake.conn,
        `create or replace view cleaned.${quoteIdent(def.name)} as
         select * from read_parquet(${glob}, hive_partitioning = true, hive_types = {'run_id': 'VARCHAR'})`,
      );
    }
    // Spot checks of the typing on known rows.
    const [tx] = await queryRows(
      lake.conn,
      'select sales_order_id, purchase_order_id from cleaned.transaction where transaction_id = 1',
    );
    expect(tx).toEqual({ sales_order_id: null, purchase_order_id: 2 });
    const [pay] = await queryRows(
      lake.conn,
      'select payment_amount, cast(created_at as varchar) as created_at, payment_date from cleaned.payment where payment_id = 2',
    );
    expect(pay).toEqual({ payment_amount: '552548.62', created_at: '2022-11-03 14:20:52.187', payment_date: '2022-11-04' });
  }, 120_000); // eleven tables typed and written, twice the 20 s default on a busy two-core machine

  it('builds the star schema: keys unique and not null, counts as the source, every fact date in dim_date', async () => {
    const written: Record<string, number> = {};
    for (const def of STAR_TABLES) {
      const result = await lake.run('transformed', def.name, RUN);
      written[def.name] = result.rows;
      const rows = await lake.written('transformed', def.name, RUN, def.key.join(', '));
      const grain = def.kind === 'fact' ? [...def.key, 'last_updated_date', 'last_updated_time'] : def.key;
      expectUniqueNotNull(rows, grain);
    }
    expect(written).toMatchObject({
      dim_staff: fileRows.staff,
      dim_location: fileRows.address,
      dim_currency: fileRows.currency,
      dim_design: fileRows.design,
      dim_counterparty: fileRows.counterparty,
      dim_payment_type: fileRows.payment_type,
      dim_transaction: fileRows.transaction,
      fact_sales_order: fileRows.sales_order,
      fact_purchase_order: fileRows.purchase_order,
      fact_payment: fileRows.payment,
    });

    const file = (table: string) =>
      `read_parquet(${quoteLiteral(join(lake.zoneRoot('transformed'), table, `run_id=${RUN}`, 'part-00000.parquet'))}, hive_partitioning = false)`;
    const [check] = await queryRows(
      lake.conn,
      `with fact_dates as (
         select created_date as d from ${file('fact_sales_order')}
         union all select last_updated_date from ${file('fact_sales_order')}
         union all select agreed_payment_date from ${file('fact_sales_order')}
         union all select agreed_delivery_date from ${file('fact_sales_order')}
         union all select created_date from ${file('fact_purchase_order')}
         union all select last_updated_date from ${file('fact_purchase_order')}
         union all select agreed_payment_date from ${file('fact_purchase_order')}
         union all select agreed_delivery_date from ${file('fact_purchase_order')}
         union all select created_date from ${file('fact_payment')}
         union all select last_updated_date from ${file('fact_payment')}
         union all select payment_date from ${file('fact_payment')}
       )
       select
         count(*) as fact_dates,
         count(*) filter (where d not in (select date_id from ${file('dim_date')})) as missing,
         (select count(*) from ${file('dim_date')}) as days,
         (select max(date_id) - min(date_id) + 1 from ${file('dim_date')}) as span
       from fact_dates`,
    );
    expect(Number(check.fact_dates)).toBeGreaterThan(0);
    expect(Number(check.missing)).toBe(0);
    expect(Number(check.days)).toBe(Number(check.span));

    const [dept] = await queryRows(
      lake.conn,
      `select location from ${file('dim_staff')} where department_name = 'Dispatch' limit 1`,
    );
    expect(dept).toEqual({ location: 'Leds' });
    const [cp] = await queryRows(
      lake.conn,
      `select counterparty_legal_name, counterparty_legal_phone_number from ${file('dim_counterparty')} where counterparty_id = 1`,
    );
    expect(cp).toEqual({ counterparty_legal_name: 'Fahey and Sons', counterparty_legal_phone_number: '9687 937447' });
  });
});
