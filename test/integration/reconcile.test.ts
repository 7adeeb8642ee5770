/**
 * Deletes and silent updates reach the warehouse through `reconcile`
 * (issue 15, parts 2 and 3), on the real ToteSys data: insert, update,
 * an update that leaves last_updated unchanged, delete, delete then
 * re-insert of the same key, and the 8 sales orders and 5 designs whose
 * values changed in the live system without last_updated moving
 * (test/fixtures/reference/). The watermark alone misses them; reconcile
 * followed by a pass brings them, with history and deleted_at as specified.
 *
 * Runs on the embedded PGlite source and warehouse, and again on a
 * PostgreSQL server when TEST_DATABASE_URL is set.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { reconcileLocal } from '../../jobs/reconcile/local';
import { runOnce } from '../../scripts/cli/commands/run';
import { describeEach } from '../support/pg-test-db';
import { runtimeBackends } from '../support/runtime-backends';
import { tempDirs } from '../support/temp-dirs';
import {
  applySilentUpdates,
  DESIGN_VALUES,
  findSilentUpdates,
  norm,
  ORDER_VALUES,
  type SilentUpdates,
} from '../support/reference-silent-updates';

/** Temporary homes, removed after the file's tests. */
const tempDir = tempDirs();

const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

// Seeding and loading the real data takes minutes on a busy machine.
jest.setTimeout(900_000);

// The server variant is declared without TEST_DATABASE_URL too, and reported as skipped.
const backends = runtimeBackends('reconcile_');

describeEach(backends)('reconcile: deletes and silent updates reach the warehouse ($name)', (backend) => {
  let rt: LocalRuntime;
  let home: string;
  let env: Record<string, string>;
  let clockNow = new Date('2026-01-01T09:00:00Z');
  /** Reference orders and designs (and their values) that differ from ours under the same version. */
  let silent: SilentUpdates = { orders: [], designs: [] };

  beforeAll(async () => {
    home = join(tempDir('lakehouse-reconcile-'), '.lakehouse');
    env = { ...(await backend.env()), LAKEHOUSE_HOME: home, LAKEHOUSE_LOOKBACK: '5m' };
    rt = await openLocalRuntime(readSettings(env), { clock: { now: () => clockNow } });
  });
  afterAll(async () => {
    await rt?.close();
    await backend.cleanup();
  });

  const source = async () => rt.sourceClient();
  const wh = async () => rt.warehouse();
  const q = async (sql: string, params?: unknown[]) => (await wh()).query(sql, params);
  const stamp = '2026-01-02 10:00:00.123';

  it('loads the seeded source and three new orders and a new design', async () => {
    expect((await runOnce(rt, { seedIfEmpty: true })).ok).toBe(true);
    const src = await source();
    await src.exec(`
      insert into sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
        unit_price, currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
      values (20001, '${stamp}', '${stamp}', 3, 19, 8, 100, 2.50, 1, '2026-01-09', '2026-01-10', 8),
             (20002, '${stamp}', '${stamp}', 3, 19, 8, 200, 2.50, 1, '2026-01-09', '2026-01-10', 8),
             (20003, '${stamp}', '${stamp}', 3, 19, 8, 300, 2.50, 1, '2026-01-09', '2026-01-10', 8);
      insert into design (design_id, created_at, design_name, file_location, file_name, last_updated)
      values (9001, '${stamp}', 'Paper', '/tmp', 'paper.json', '${stamp}');
    `);
    clockNow = new Date('2026-01-02T11:00:00Z');
    expect((await runOnce(rt)).ok).toBe(true);
    const [n] = await q('select count(*) as n from fact_sales_order where sales_order_id between 20001 and 20003');
    expect(Number(n.n)).toBe(3);
    const [live] = await q('select count(*) as n from fact_sales_order where deleted_at is not null');
    expect(Number(live.n)).toBe(0);
  });

  it('the watermark alone sees none of: the reference values, a silent update, deletes', async () => {
    // The reference's values for orders and designs whose version (key + last_updated) we hold with other values.
    silent = await findSilentUpdates((sql) => q(sql));
    expect([silent.orders.length, silent.designs.length]).toEqual([8, 5]);

    const src = await source();
    await applySilentUpdates((sql, params) => src.query(sql, params), silent);
    await src.exec(`
      update sales_order set units_sold = 111 where sales_order_id = 20001;
      delete from sales_order where sales_order_id in (20002, 20003);
      delete from design where design_id = 9001;
    `);

    clockNow = new Date('2026-01-03T09:00:00Z');
    const { ok, text } = await runOnce(rt);
    expect(ok).toBe(true);
    expect(text).toMatch(/no changes/);
    const [stale] = await q('select units_sold from fact_sales_order where sales_order_id = 20001');
    expect(Number(stale.units_sold)).toBe(100);
    const deleted = await q(
      `select 'fact' as t, count(*)::text as n from fact_sales_order where deleted_at is not null
       union all select 'dim', count(*)::text from dim_design where deleted_at is not null order by t`,
    );
    expect(deleted).toEqual([
      { t: 'dim', n: '0' },
      { t: 'fact', n: '0' },
    ]);
  });

  it('reconcile writes the differences as a run and the pass carries them to the warehouse', async () => {
    clockNow = new Date('2026-01-04T08:30:00Z');
    const dry = await reconcileLocal(rt, { dryRun: true });
    expect(dry.runId).toBeNull();
    expect(dry.tables.sales_order).toMatchObject({ compared: 12836 + 1, inserted: 0, changed: 9, deleted: 2 });
    expect(dry.tables.design).toMatchObject({ compared: 535, inserted: 0, changed: 5, deleted: 1 });
    expect(dry.tables.staff).toMatchObject({ compared: 20, inserted: 0, changed: 0, deleted: 0 });
    expect(await rt.ledger.listRuns()).toHaveLength(2); // the dry run wrote nothing

    const result = await reconcileLocal(rt);
    expect(result.runId).not.toBeNull();
    expect(Object.keys(result.tables)).toHaveLength(11);
    const { ok } = await runOnce(rt);
    expect(ok).toBe(true);
    const run = await rt.ledger.getRun(result.runId!);
    expect(run).toMatchObject({ origin: 'reconcile', stage: 'loaded' });
    expect(run!.counts.extracted).toEqual({ sales_order: 11, design: 6 });

    // The silent update: a new version stamped with the reconcile time, the old one kept.
    const versions = await q(
      `select units_sold, last_updated_date::text as d, last_updated_time::text as t, deleted_at
       from fact_sales_order where sales_order_id = 20001 order by last_updated_date, last_updated_time`,
    );
    expect(versions.map((v) => [Number(v.units_sold), v.d, v.t, v.deleted_at])).toEqual([
      [100, '2026-01-02', '10:00:00.123', null],
      [111, '2026-01-04', '08:30:00', null],
    ]);
    // Deletes mark the latest version of their key, no row added.
    const gone = await q(
      `select sales_order_id, deleted_at::text as at from fact_sales_order where sales_order_id in (20002, 20003) order by 1`,
    );
    expect(gone.map((g) => [Number(g.sales_order_id), g.at])).toEqual([
      [20002, '2026-01-04 08:30:00'],
      [20003, '2026-01-04 08:30:00'],
    ]);
    const [design] = await q('select design_name, deleted_at::text as at from dim_design where design_id = 9001');
    expect(design).toEqual({ design_name: 'Paper', at: '2026-01-04 08:30:00' });

    // The reference values now hold in the latest version of each order and in dim_design.
    for (const r of silent.orders) {
      const [latest] = await q(
        `select ${ORDER_VALUES.map((c) => `${c}::text as ${c}`).join(', ')}, deleted_at from fact_sales_order
         where sales_order_id = $1 order by last_updated_date desc, last_updated_time desc limit 1`,
        [r.sales_order_id],
      );
      expect(ORDER_VALUES.map((c) => norm(latest[c]))).toEqual(ORDER_VALUES.map((c) => norm(r[c])));
      expect(latest.deleted_at).toBeNull();
    }
    for (const r of silent.designs) {
      const [mine] = await q('select design_name, file_location, file_name from dim_design where design_id = $1', [r.design_id]);
      expect(DESIGN_VALUES.map((c) => norm(mine[c]))).toEqual(DESIGN_VALUES.map((c) => norm(r[c])));
    }

    // Live rows equal the source, table by table: one live latest version per source order, same units.
    const src = await source();
    const [s] = await src.query<{ n: string; units: string }>(
      'select count(*)::text as n, sum(units_sold)::text as units from sales_order',
    );
    const [w] = await q(`
      select count(*)::text as n, sum(units_sold)::text as units from (
        select distinct on (sales_order_id) sales_order_id, units_sold, deleted_at from fact_sales_order
        order by sales_order_id, last_updated_date desc, last_updated_time desc
      ) latest where deleted_at is null`);
    expect(w).toEqual(s);
    const [designs] = await src.query<{ n: string }>('select count(*)::text as n from design');
    const [liveDesigns] = await q('select count(*)::text as n from dim_design where deleted_at is null');
    expect(liveDesigns).toEqual(designs);
  });

  it('finds nothing more to do once the warehouse agrees (no run)', async () => {
    const again = await reconcileLocal(rt);
    expect(again.runId).toBeNull();
    for (const t of Object.values(again.tables)) expect(t.inserted + t.changed + t.deleted).toBe(0);
  });

  it('makes a deleted key live again, as a new version, when it is inserted again', async () => {
    const src = await source();
    // The same values and the same last_updated as before the delete: only reconcile can see it.
    await src.exec(`
      insert into sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
        unit_price, currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
      values (20003, '${stamp}', '${stamp}', 3, 19, 8, 300, 2.50, 1, '2026-01-09', '2026-01-10', 8);
      insert into design (design_id, created_at, design_name, file_location, file_name, last_updated)
      values (9001, '${stamp}', 'Paper', '/tmp', 'paper.json', '${stamp}');
    `);
    clockNow = new Date('2026-01-05T08:00:00Z');
    const result = await reconcileLocal(rt);
    expect(result.tables.sales_order).toMatchObject({ inserted: 1, changed: 0, deleted: 0 });
    expect(result.tables.design).toMatchObject({ inserted: 1, changed: 0, deleted: 0 });
    expect((await runOnce(rt)).ok).toBe(true);
    const versions = await q(
      `select last_updated_date::text as d, deleted_at::text as at from fact_sales_order
       where sales_order_id = 20003 order by last_updated_date, last_updated_time`,
    );
    expect(versions).toEqual([
      { d: '2026-01-02', at: '2026-01-04 08:30:00' },
      { d: '2026-01-05', at: null },
    ]);
    const [design] = await q('select deleted_at from dim_design where design_id = 9001');
    expect(design.deleted_at).toBeNull();
    // dim_date is untouched by deletes: it has no deleted_at.
    const cols = await q(
      `select column_name from information_schema.columns where table_name = 'dim_date' and column_name = 'deleted_at'`,
    );
    expect(cols).toEqual([]);
  });

  it('prints per table what the CLI compared (text mode, through the bin)', async () => {
    await rt.close();
    rt = undefined as unknown as LocalRuntime;
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'reconcile', '--dry-run'], {
      env: { ...process.env, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '', ...env },
      timeout: 300_000,
    });
    expect(stdout).toMatch(/source table\s*│\s*keys compared\s*│\s*inserted\s*│\s*changed\s*│\s*deleted/);
    expect(stdout).toMatch(/sales_order\s*│\s*12,838\s*│\s*0\s*│\s*0\s*│\s*0/);
    expect(stdout).toMatch(/dry run: 0 difference\(s\) found, nothing written/);
  });
});
