/**
 * The whole chain on the real ToteSys data: seed → extract → crawl → cleaned →
 * transformed → load, then no-change and incremental passes.
 *
 * Runs on the embedded defaults (PGlite source and warehouse, no server), and
 * again against a real PostgreSQL server when TEST_DATABASE_URL is set (source
 * and warehouse in their own fresh databases).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { runOnce } from '../../scripts/cli/commands/run';
import { loadTablesForRun } from '../../jobs/load/load';
import { tempDirs } from '../support/temp-dirs';
import { describeEach } from '../support/pg-test-db';
import { runtimeBackends } from '../support/runtime-backends';
import { decodeQuotedPrintable } from '../support/outbox';
import { norm, reference } from '../support/reference-silent-updates';

const tempDir = tempDirs();

// The server variant is declared without TEST_DATABASE_URL too, and reported as skipped.
const backends = runtimeBackends('');

const count = async (rt: LocalRuntime, table: string) =>
  Number((await (await rt.warehouse()).query(`select count(*) as n from ${table}`))[0].n);

/** Sum of a money expression in integer cents, computed by the database itself. */
const cents = async (query: (sql: string) => Promise<Record<string, unknown>[]>, sql: string) =>
  String((await query(`select (${sql})::text as v`))[0].v);

describeEach(backends)('the whole pipeline on the real ToteSys data ($name)', (backend) => {
  let rt: LocalRuntime;
  let clockNow = new Date('2026-01-01T09:00:00Z');

  beforeAll(async () => {
    const home = join(tempDir('lakehouse-it-'), '.lakehouse');
    const env = { ...(await backend.env()), LAKEHOUSE_HOME: home, LAKEHOUSE_LOOKBACK: '5m' };
    rt = await openLocalRuntime(readSettings(env), { clock: { now: () => clockNow } });
  });

  afterAll(async () => {
    await rt?.close();
    await backend.cleanup();
  });

  const source = async () => rt.sourceClient();
  const warehouse = async () => rt.warehouse();

  it('takes an empty source to a loaded star schema in one pass', async () => {
    const { ok, text } = await runOnce(rt, { seedIfEmpty: true });
    expect(text).not.toMatch(/FAILED/);
    expect(ok).toBe(true);

    const expected: Record<string, number> = {
      fact_sales_order: 12836,
      fact_purchase_order: 5300,
      fact_payment: 18136,
      dim_transaction: 18136,
      dim_counterparty: 20,
      dim_location: 30,
      dim_staff: 20,
      dim_currency: 3,
      dim_design: 535,
      dim_payment_type: 4,
    };
    for (const [table, rows] of Object.entries(expected)) expect([table, await count(rt, table)]).toEqual([table, rows]);

    const runs = await rt.ledger.listRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0].stage).toBe('loaded');
    expect(runs[0].rejects ?? {}).toEqual({});
    // Every shipped data-quality test passes on the real data, row_count included (a first run: nothing to compare).
    expect(runs[0].quality).toMatchObject({ cleaned: { warn: 0, fail: 0 }, transformed: { warn: 0, fail: 0 } });
    const rowCounts = await rt.engine.query(
      `select zone || '.' || model as model, status, detail from quality.results where run_id = '${runs[0].runId}' and kind = 'row_count' order by 1`,
    );
    expect(rowCounts.map((r) => [r.model, r.status])).toEqual([
      ['cleaned.purchase_order', 'pass'],
      ['cleaned.sales_order', 'pass'],
      ['transformed.fact_payment', 'pass'],
      ['transformed.fact_purchase_order', 'pass'],
      ['transformed.fact_sales_order', 'pass'],
    ]);
    expect(rowCounts[1].detail).toBe('12836 rows; no earlier run wrote sales_order, so there is no median to compare with yet');
  });

  it('carries money to the cent', async () => {
    const src = await source();
    const wh = await warehouse();
    const q = (db: { query: (s: string) => Promise<Record<string, unknown>[]> }) => (sql: string) => db.query(sql);
    expect(await cents(q(wh), 'select sum(units_sold * unit_price) from fact_sales_order')).toBe(
      await cents(q(src), 'select sum(units_sold * unit_price) from sales_order'),
    );
    expect(await cents(q(wh), 'select sum(item_quantity * item_unit_price) from fact_purchase_order')).toBe(
      await cents(q(src), 'select sum(item_quantity * item_unit_price) from purchase_order'),
    );
    expect(await cents(q(wh), 'select sum(payment_amount) from fact_payment')).toBe(
      await cents(q(src), 'select sum(payment_amount) from payment'),
    );
  });

  it('builds dim_date with ISO weekdays and covers every fact date', async () => {
    const wh = await warehouse();
    const [thursday] = await wh.query(`select * from dim_date where date_id = '2022-11-03'`);
    expect(thursday).toMatchObject({
      year: 2022,
      month: 11,
      day: 3,
      day_of_week: 4,
      day_name: 'Thursday',
      month_name: 'November',
      quarter: 4,
    });
    const [missing] = await wh.query(`
      select count(*) as n from (
        select created_date as d from fact_sales_order union select last_updated_date from fact_sales_order
        union select agreed_payment_date from fact_sales_order union select agreed_delivery_date from fact_sales_order
        union select created_date from fact_purchase_order union select agreed_delivery_date from fact_purchase_order
        union select agreed_payment_date from fact_purchase_order
        union select created_date from fact_payment union select payment_date from fact_payment
      ) dates left join dim_date on dim_date.date_id = dates.d where dim_date.date_id is null`);
    expect(Number(missing.n)).toBe(0);
    const [leds] = await wh.query(`select count(*) as n from dim_staff where location = 'Leds'`);
    expect(Number(leds.n)).toBeGreaterThan(0);
  });

  it("agrees with a peer team's independently built warehouse on every key both hold", async () => {
    const wh = await warehouse();
    // [table, key columns, rows allowed to differ]. Their extract is later than ours, and in between
    // a handful of designs were edited in the live system (their file_location moved), so dim_design
    // may differ on those few rows. Facts are compared per version (order + last_updated); their
    // later versions of updated orders find no partner here. Eight orders carry other values under
    // the same last_updated in their copy (staff, design, delivery date or location): the live system
    // changed them without bumping last_updated, which no last_updated-based extract can see. Our
    // values are the source's (checked against the dump); every other order must agree exactly.
    const checks: [table: string, key: string[], allowedDifferences: number][] = [
      ['dim_location', ['location_id'], 0],
      ['dim_counterparty', ['counterparty_id'], 0],
      ['dim_staff', ['staff_id'], 0],
      ['dim_design', ['design_id'], 5],
      ['fact_sales_order', ['sales_order_id', 'last_updated_date', 'last_updated_time'], 8],
    ];
    // Values compare as text, NULL and '' alike, their escaped slashes undone (reference-silent-updates.ts `norm`).
    for (const [table, key, allowedDifferences] of checks) {
      const theirs = reference(table);
      const columns = Object.keys(theirs[0]).filter((c) => c !== 'sales_record_id');
      const keyOf = (r: Record<string, unknown>) => key.map((k) => String(r[k])).join('|');
      const ours = new Map(
        (await wh.query(`select ${columns.map((c) => `${c}::text as ${c}`).join(', ')} from ${table}`)).map((r) => [keyOf(r), r]),
      );
      let compared = 0;
      const differences: string[] = [];
      for (const row of theirs) {
        const mine = ours.get(keyOf(row));
        if (!mine) continue;
        compared++;
        for (const c of columns) {
          if (norm(mine[c]) !== norm(row[c])) differences.push(`${table} ${keyOf(row)} ${c}: ours ${mine[c]} theirs ${row[c]}`);
        }
      }
      expect([table, compared > theirs.length * 0.9 ? 'most rows compared' : `only ${compared} compared`]).toEqual([
        table,
        'most rows compared',
      ]);
      if (differences.length > allowedDifferences) expect(differences.slice(0, 10)).toEqual([]);
    }
  });

  it('makes no run and changes nothing when the source has not changed', async () => {
    const before = await (await warehouse()).query('select count(*) as n, max(sales_record_id) as m from fact_sales_order');
    clockNow = new Date('2026-01-01T09:05:00Z');
    const { ok, text } = await runOnce(rt);
    expect(ok).toBe(true);
    expect(text).toMatch(/no changes/);
    expect(await rt.ledger.listRuns()).toHaveLength(1);
    expect(await (await warehouse()).query('select count(*) as n, max(sales_record_id) as m from fact_sales_order')).toEqual(
      before,
    );
  });

  it('picks up only the changed rows: a new order, an updated order and a moved counterparty', async () => {
    const src = await source();
    const [cp] = await src.query<{ counterparty_id: number; legal_address_id: number }>(
      'select counterparty_id, legal_address_id from counterparty order by counterparty_id limit 1',
    );
    const stamp = '2026-01-02 10:00:00.123';
    await src.exec(`
      update sales_order set units_sold = units_sold + 1, last_updated = '${stamp}' where sales_order_id = 2;
      update address set address_line_1 = '1 New Street', last_updated = '${stamp}' where address_id = ${cp.legal_address_id};
      insert into sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
        unit_price, currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
        values (20001, '${stamp}', '${stamp}', 3, 19, 8, 100, 2.50, 1, '2026-01-09', '2026-01-10', 8);
      insert into transaction (transaction_id, transaction_type, sales_order_id, purchase_order_id, created_at, last_updated)
        values (30001, 'SALE', 20001, null, '${stamp}', '${stamp}');
      insert into payment (payment_id, created_at, last_updated, transaction_id, counterparty_id, payment_amount, currency_id,
        payment_type_id, paid, payment_date, company_ac_number, counterparty_ac_number)
        values (30001, '${stamp}', '${stamp}', 30001, 8, 250.00, 1, 1, false, '2026-01-12', 12345678, 87654321);
    `);
    const factsBefore = await count(rt, 'fact_purchase_order');

    clockNow = new Date('2026-01-02T11:00:00Z');
    const { ok } = await runOnce(rt);
    expect(ok).toBe(true);
    const runs = await rt.ledger.listRuns();
    expect(runs).toHaveLength(2);
    const latest = runs[1];
    expect(latest.stage).toBe('loaded');
    expect(latest.counts.extracted).toEqual({ address: 1, payment: 1, sales_order: 2, transaction: 1 });
    // An incremental run of a few rows against a first run of thousands: row_count (warn) does not fire.
    expect(latest.quality).toMatchObject({ cleaned: { warn: 0, fail: 0 }, transformed: { warn: 0, fail: 0 } });
    expect(
      await rt.engine.query(
        `select model, status from quality.results where run_id = '${latest.runId}' and kind = 'row_count' order by model`,
      ),
    ).toEqual(
      ['fact_payment', 'fact_purchase_order', 'fact_sales_order', 'purchase_order', 'sales_order'].map((model) => ({
        model,
        status: 'pass',
      })),
    );

    const wh = await warehouse();
    const versions = await wh.query(
      'select units_sold, last_updated_date::text as d from fact_sales_order where sales_order_id = 2 order by last_updated_date',
    );
    expect(versions).toHaveLength(2);
    expect(Number(versions[1].units_sold)).toBe(Number(versions[0].units_sold) + 1);
    expect(await count(rt, 'fact_sales_order')).toBe(12836 + 2);
    expect(await count(rt, 'fact_purchase_order')).toBe(factsBefore);
    expect(await count(rt, 'fact_payment')).toBe(18137);
    expect(await count(rt, 'dim_transaction')).toBe(18137);
    const [moved] = await wh.query(
      'select counterparty_legal_address_line_1 as a from dim_counterparty where counterparty_id = $1',
      [cp.counterparty_id],
    );
    expect(moved.a).toBe('1 New Street');
    expect(await count(rt, 'dim_counterparty')).toBe(20);
    expect(await count(rt, 'dim_location')).toBe(30);
  });

  it('changes nothing when a run is loaded twice', async () => {
    const wh = await warehouse();
    const snapshot = async () => ({
      facts: await wh.query('select count(*) as n from fact_sales_order'),
      history: await wh.query('select count(*) as n from load_history'),
    });
    const before = await snapshot();
    const [first] = await rt.ledger.listRuns();
    const result = await wh.loadRun(first.runId, await loadTablesForRun(rt.lake.transformed, first.runId));
    expect(result.loaded).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('ingests a dropped file as a run, quarantines a malformed one, keeps rejected rows and alerts once', async () => {
    const good = JSON.stringify({
      sales_order_id: 20002,
      created_at: '2026-01-03 08:00:00.000000',
      last_updated: '2026-01-03 08:00:00.000000',
      design_id: 3.0,
      staff_id: 19,
      counterparty_id: 8,
      units_sold: 10,
      unit_price: '4.25',
      currency_id: 1,
      agreed_delivery_date: '2026-01-09',
      agreed_payment_date: '2026-01-10',
      agreed_delivery_location_id: 8,
    });
    const bad = good.replace('20002', '20003').replace('"4.25"', '"abc"');
    await rt.lake.raw.put('landing/sales_order/late-orders.jsonl', `${good}\n${bad}\n`);
    await rt.lake.raw.put('landing/sales_order/broken.json', '[{"sales_order_id": 1,');

    clockNow = new Date('2026-01-03T09:00:00Z');
    const { ok, text } = await runOnce(rt);
    // A quarantined landing file is named in the summary and makes the run exit non-zero.
    expect(ok).toBe(false);
    expect(text).toMatch(/^quarantined landing\/sales_order\/broken\.json: not JSON/m);
    expect(text).not.toMatch(/FAILED/);
    expect(text).toMatch(/rejected rows: 1 in sales_order/);
    expect(text).toMatch(/alert sent/);

    const [ingested] = (await rt.ledger.listRuns()).filter((r) => r.origin === 'ingest');
    expect(ingested).toMatchObject({
      stage: 'loaded',
      counts: { extracted: { sales_order: 2 }, cleaned: { sales_order: 1 } },
      rejects: { sales_order: 1 },
    });
    expect(await rt.lake.raw.exists('_quarantine/landing/sales_order/broken.json')).toBe(true);
    expect((await rt.lake.raw.list('landing/')).map((o) => o.key)).toEqual([]);
    const rejects = await rt.engine.query(
      `select reason, json_extract_string(original, '$.unit_price') as unit_price from cleaned._rejects where run_id = '${ingested.runId}'`,
    );
    expect(rejects).toEqual([{ reason: "unit_price is not a decimal: 'abc'", unit_price: 'abc' }]);
    const [fact] = await (await warehouse()).query(
      'select unit_price::text as p, design_id from fact_sales_order where sales_order_id = 20002',
    );
    expect(fact).toEqual({ p: '4.25', design_id: 3 });

    const outbox = readdirSync(rt.paths.outbox).sort();
    expect(outbox).toHaveLength(2);
    // The body is quoted-printable.
    const read = (name: string) => decodeQuotedPrintable(readFileSync(join(rt.paths.outbox, name), 'utf8'));
    // The 2026-01-02 pass alerted once on source freshness: purchase_order had not changed since the seed 26 h
    // earlier (warn_after 1d); it stayed stale on this pass, which does not alert about it again.
    expect(read(outbox[0])).toMatch(/source freshness changed[\s\S]*cleaned\.purchase_order/);
    expect(text).toMatch(/stale source: cleaned\.purchase_order \(warn\).*\(already alerted\)/);
    const email = read(outbox[1]);
    expect(email).toMatch(/^Subject: lakehouse: 2 errors in 2 jobs \(ingest, transform\)/m);
    expect(email).toMatch(/rows rejected: .*\(table sales_order\)/);
    expect(email).toMatch(/landed file quarantined: landing\/sales_order\/broken.json: not JSON/);
    expect(email).toMatch(/1 row\(s\) could not be typed/);
    expect(email).toContain(ingested.runId);
  });
});
