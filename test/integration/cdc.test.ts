/**
 * Change capture end to end (issue 15, part 1), through the package bin in
 * text mode, on a PostgreSQL server (TEST_DATABASE_URL; `.ci/run` sets
 * wal_level = logical): `lakehouse seed`, `lakehouse cdc setup` (initial load
 * in the slot's snapshot), then with LAKEHOUSE_CAPTURE=cdc:
 *
 * - one transaction touching several tables: inserts, an update that moves
 *   last_updated, updates that leave it unchanged (the 8 real sales orders and
 *   5 designs whose later values the fixture holds), a delete, and a delete
 *   then re-insert of the same key with its old values;
 * - a crash between the raw write and the slot confirmation, and one after
 *   the confirmation: the next run ends with nothing lost and nothing doubled;
 * - the warehouse's live rows equal the source, table by table;
 * - the slot-lag alert fires when the pipeline stops consuming;
 * - `lakehouse cdc drop` removes the slot and the publication.
 *
 * Without TEST_DATABASE_URL the suite is reported as skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { lakehouseBin } from '../support/lakehouse-bin';
import {
  applySilentUpdates,
  DESIGN_VALUES,
  findSilentUpdates,
  norm,
  ORDER_VALUES,
  type Row,
  type SilentUpdates,
} from '../support/reference-silent-updates';
import { outboxEmails } from '../support/outbox';

jest.setTimeout(900_000);

const serverUrl = process.env.TEST_DATABASE_URL;
const describeServer = serverUrl ? describe : describe.skip;

/** The alert emails in the home's outbox, decoded. */
const alerts = (home: string): string[] => outboxEmails(join(home, 'outbox'));

describeServer('change capture (cdc) on a PostgreSQL server, through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-cdc-'));
  const home = join(dir, '.lakehouse');
  const names = { source: `lakehouse_test_cdc_source_${process.pid}`, warehouse: `lakehouse_test_cdc_warehouse_${process.pid}` };
  const slot = `lakehouse_test_${process.pid}`;
  const urlOf = (db: string) => {
    const url = new URL(serverUrl!);
    url.pathname = `/${db}`;
    return url.toString();
  };
  const env = {
    LAKEHOUSE_SOURCE_URL: urlOf(names.source),
    LAKEHOUSE_WAREHOUSE_URL: urlOf(names.warehouse),
    LAKEHOUSE_CAPTURE: 'cdc',
    LAKEHOUSE_CDC_SLOT: slot,
    LAKEHOUSE_CDC_PUBLICATION: slot,
  };
  const lakehouse = (args: string[], extra: Record<string, string> = {}) =>
    lakehouseBin(args, home, { env: { ...env, ...extra }, timeoutMs: 600_000 });
  let admin: Client;
  let source: Client;
  let warehouse: Client;
  const q = async (sql: string, params?: unknown[]) => (await warehouse.query(sql, params)).rows as Row[];
  let silent: SilentUpdates = { orders: [], designs: [] };

  beforeAll(async () => {
    admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1`, [slot]);
    for (const db of Object.values(names)) {
      await admin.query(`drop database if exists ${db} with (force)`);
      await admin.query(`create database ${db}`);
    }
    source = new Client({ connectionString: env.LAKEHOUSE_SOURCE_URL });
    warehouse = new Client({ connectionString: env.LAKEHOUSE_WAREHOUSE_URL });
  });
  afterAll(async () => {
    await source?.end().catch(() => undefined);
    await warehouse?.end().catch(() => undefined);
    // A slot left behind would keep WAL on the CI server forever.
    await admin.query(`select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1`, [slot]);
    for (const db of Object.values(names)) await admin.query(`drop database if exists ${db} with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cdc on the embedded source is refused with what to do instead', async () => {
    const out = await lakehouseBin(['cdc', 'status'], join(dir, 'embedded'), { env: { LAKEHOUSE_CAPTURE: 'cdc' } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/needs a PostgreSQL server source: set LAKEHOUSE_SOURCE_URL.*lakehouse reconcile/);
  });

  it('setup makes the publication and slot and loads every row in the slot snapshot', async () => {
    expect(await lakehouse(['seed'])).toMatchObject({ code: 0 });
    await source.connect();
    await warehouse.connect();
    const setup = await lakehouse(['cdc', 'setup']);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/replica identity set to FULL on address, counterparty/);
    expect(setup.stdout).toMatch(new RegExp(`slot ${slot} created at [0-9A-F]+/[0-9A-F]+`));
    expect(setup.stdout).toMatch(/initial load: run \S+, 55,028 rows of 11 table\(s\)/);
    const [n] = await q('select count(*)::text as n from fact_sales_order');
    expect(n.n).toBe('12836');

    const status = await lakehouse(['cdc', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`slot ${slot}: idle, confirmed .*, lag .*, retained WAL`));
    expect(status.stdout).toMatch(/publication .*: 11 table\(s\)/);
    // `lakehouse status` shows the slot too.
    const overall = await lakehouse(['status']);
    expect(overall.code).toBe(0);
    expect(overall.stdout).toMatch(new RegExp(`change capture: slot ${slot} idle, lag [\\d.]+[KMG]?B, retained WAL`));
    // A full refresh re-extracts by watermark, which CDC does not use: refused with what to do instead.
    const refresh = await lakehouse(['run', '--full-refresh', '--dry-run']);
    expect(refresh.code).toBe(2);
    expect(refresh.stderr).toMatch(/LAKEHOUSE_CAPTURE=cdc does not use.*lakehouse cdc drop && lakehouse cdc setup/);
    // Setting up again keeps the slot where it is and loads nothing.
    const again = await lakehouse(['cdc', 'setup']);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(/exists already: kept at its position/);
  });

  it('one transaction of inserts, updates (silent too), deletes and a re-insert; a crash before the confirmation re-reads it once', async () => {
    silent = await findSilentUpdates((sql) => q(sql));
    expect([silent.orders.length, silent.designs.length]).toEqual([8, 5]);

    await source.query('begin');
    await applySilentUpdates((sql, params) => source.query(sql, params), silent);
    await source.query(`
      insert into sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
        unit_price, currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
      values (20001, now(), now(), 3, 19, 8, 100, 2.50, 1, '2026-01-09', '2026-01-10', 8),
             (20002, now(), now(), 3, 19, 8, 200, 2.50, 1, '2026-01-09', '2026-01-10', 8);
      insert into design (design_id, created_at, design_name, file_location, file_name, last_updated)
      values (9001, now(), 'Paper', '/tmp', 'paper.json', now());
      update sales_order set units_sold = units_sold + 1, last_updated = now() where sales_order_id = 2;
      delete from payment where payment_id = 3;
    `);
    await source.query('commit');
    // Delete, then insert again with the very same values and last_updated, in a later transaction.
    const [old] = (await source.query('select * from sales_order where sales_order_id = 5')).rows as Record<string, unknown>[];
    await source.query('delete from sales_order where sales_order_id = 5');
    await source.query(`insert into sales_order select * from json_populate_record(null::sales_order, $1::json)`, [
      JSON.stringify(old),
    ]);

    const killed = await lakehouse(['run'], { LAKEHOUSE_TEST_KILL_AFTER: 'raw-part:1' });
    expect([killed.code, killed.stderr]).toEqual([137, expect.stringMatching(/killing this process/)]);
    const lagging = await lakehouse(['cdc', 'status', '--json']);
    expect(JSON.parse(lagging.stdout).status.lagBytes).toBeGreaterThan(0); // not confirmed: the changes wait in the slot

    const run = await lakehouse(['run']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/sales_order \.+ \[13 extracted, 13 cleaned, 0 rejected\]/);

    // The silent updates: new versions with the reference values, the old versions kept.
    for (const r of silent.orders) {
      const versions = await q(
        `select ${ORDER_VALUES.map((c) => `${c}::text as ${c}`).join(', ')}, deleted_at from fact_sales_order
         where sales_order_id = $1 order by last_updated_date desc, last_updated_time desc`,
        [r.sales_order_id],
      );
      expect(versions).toHaveLength(2);
      expect(ORDER_VALUES.map((c) => norm(versions[0][c]))).toEqual(ORDER_VALUES.map((c) => norm(r[c])));
      expect(versions[0].deleted_at).toBeNull();
    }
    for (const r of silent.designs) {
      const [mine] = await q('select design_name, file_location, file_name from dim_design where design_id = $1', [r.design_id]);
      expect(DESIGN_VALUES.map((c) => norm(mine[c]))).toEqual(DESIGN_VALUES.map((c) => norm(r[c])));
    }
    const [deleted] = await q('select deleted_at is not null as gone from fact_payment where payment_id = 3');
    expect(deleted.gone).toBe(true);
    // Deleted then inserted again: the delete marked the version it ended (no row added), the new version is live.
    const reinserted = await q(
      `select deleted_at is not null as gone from fact_sales_order where sales_order_id = 5
        order by last_updated_date desc, last_updated_time desc`,
    );
    expect(reinserted.map((r) => r.gone)).toEqual([false, true]);
  });

  it('a crash after the confirmation: the next run finishes the run, nothing doubled', async () => {
    await source.query('update sales_order set units_sold = 999, last_updated = now() where sales_order_id = 20001');
    const killed = await lakehouse(['run'], { LAKEHOUSE_TEST_KILL_AFTER: 'schedule-extract' });
    expect([killed.code, killed.stderr]).toEqual([137, expect.stringMatching(/killing this process/)]);
    const status = JSON.parse((await lakehouse(['cdc', 'status', '--json'])).stdout);
    expect(status.status.confirmedLsn).not.toBeNull();
    const run = await lakehouse(['run']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const versions = await q(
      'select units_sold::text as u from fact_sales_order where sales_order_id = 20001 order by last_updated_date, last_updated_time',
    );
    expect(versions.map((v) => v.u)).toEqual(['100', '999']);
    // Another run finds nothing: the change was confirmed once.
    expect((await lakehouse(['run'])).stdout).toMatch(/no changes in the source/);
  });

  it("the warehouse's live rows equal the source, table by table", async () => {
    const live = async (fact: string, key: string, sum: string) => {
      const [w] = await q(`
        select count(*)::text as n, coalesce(sum(${sum}), 0)::text as total from (
          select distinct on (${key}) ${key}, ${sum}, deleted_at from ${fact}
          order by ${key}, last_updated_date desc, last_updated_time desc
        ) latest where deleted_at is null`);
      return w;
    };
    const src = async (sql: string) => (await source.query(sql)).rows[0] as Row;
    expect(await live('fact_sales_order', 'sales_order_id', 'units_sold')).toEqual(
      await src('select count(*)::text as n, sum(units_sold)::text as total from sales_order'),
    );
    expect(await live('fact_purchase_order', 'purchase_order_id', 'item_quantity')).toEqual(
      await src('select count(*)::text as n, sum(item_quantity)::text as total from purchase_order'),
    );
    expect(await live('fact_payment', 'payment_id', 'payment_amount')).toEqual(
      await src('select count(*)::text as n, sum(payment_amount)::text as total from payment'),
    );
    const dims: [string, string][] = [
      ['dim_design', 'design'],
      ['dim_staff', 'staff'],
      ['dim_counterparty', 'counterparty'],
      ['dim_currency', 'currency'],
      ['dim_location', 'address'],
      ['dim_payment_type', 'payment_type'],
      ['dim_transaction', 'transaction'],
    ];
    for (const [dim, table] of dims) {
      const [w] = await q(`select count(*)::text as n from ${dim} where deleted_at is null`);
      expect([dim, w.n]).toEqual([dim, (await src(`select count(*)::text as n from ${table}`)).n]);
    }
  });

  it('the slot-lag alert fires when the pipeline stops consuming', async () => {
    // The pipeline stops consuming (here: an include that matches nothing), while the source goes on writing.
    await source.query('update payment set payment_amount = payment_amount, last_updated = now() where payment_id <= 3000');
    const stuck = { LAKEHOUSE_TABLES_INCLUDE: 'nothing_matches', LAKEHOUSE_CDC_MAX_LAG: '64kB' };
    const status = await lakehouse(['cdc', 'status'], stuck);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/problem: slot \S+ is [\d.]+[KMG]?B behind the source, over LAKEHOUSE_CDC_MAX_LAG \(64KB\)/);
    const before = alerts(home).length;
    const run = await lakehouse(['run'], stuck);
    expect(run.code).not.toBe(0);
    const mail = alerts(home).slice(before);
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatch(/over LAKEHOUSE_CDC_MAX_LAG/);
    // Consuming again confirms the slot's position: the lag drops (what remains is WAL written since, by anyone).
    const stuckLag = JSON.parse((await lakehouse(['cdc', 'status', '--json'], stuck)).stdout).status.lagBytes as number;
    expect(await lakehouse(['run'])).toMatchObject({ code: 0 });
    expect(await lakehouse(['run'])).toMatchObject({ code: 0 });
    const after = JSON.parse((await lakehouse(['cdc', 'status', '--json'])).stdout);
    expect(after.ok).toBe(true);
    expect(after.status.lagBytes).toBeLessThan(stuckLag);
  });

  it('drop removes the slot and the publication', async () => {
    const drop = await lakehouse(['cdc', 'drop']);
    expect(drop).toMatchObject({ code: 0, stderr: '' });
    expect(drop.stdout).toMatch(/slot \S+: dropped; publication \S+: dropped/);
    const { rows } = await admin.query('select 1 from pg_replication_slots where slot_name = $1', [slot]);
    expect(rows).toHaveLength(0);
    const status = await lakehouse(['cdc', 'status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/the replication slot does not exist: run `lakehouse cdc setup`/);
    const overall = await lakehouse(['status']);
    expect(overall.code).toBe(1);
    expect(overall.stdout).toMatch(/change capture problem: the replication slot does not exist/);
  });
});
