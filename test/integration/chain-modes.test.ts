/**
 * The local chain in both chain modes (docs/architecture.md "Chain modes"):
 * the same source, the same clock and the same two passes (the initial load
 * of the real ToteSys data, then a new order) through a crawler-mode runtime
 * and a direct-mode runtime must leave equal warehouses, each along its own
 * mode's routes.
 */
import { join } from 'node:path';
import { chainRoutes, type ChainMode } from '../../jobs/lib/definition/routes';
import { STAR_TABLES } from '../../jobs/lib/definition/tables';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { runOnce } from '../../scripts/cli/commands/run';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

interface ModeRun {
  runtime: LocalRuntime;
  /** Route names delivered, per pass. */
  routes: string[][];
  /** Every star table's rows, sorted, after the last pass. */
  warehouse: Record<string, string[]>;
}

const STAMP = '2026-01-02 10:00:00.123';

/** Runs both passes in a fresh home in `mode` and reads the warehouse back. */
async function runMode(mode: ChainMode): Promise<ModeRun> {
  let now = new Date('2026-01-01T09:00:00Z');
  const home = join(tempDir(`lakehouse-${mode}-`), '.lakehouse');
  const runtime = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: home, LAKEHOUSE_CHAIN_MODE: mode }), {
    clock: { now: () => now },
  });
  const routes: string[][] = [];
  const pass = async (options: { seedIfEmpty?: boolean } = {}) => {
    const before = runtime.bus.deliveries.length;
    const { ok, text } = await runOnce(runtime, options);
    expect({ mode, ok, failed: text.split('\n').filter((l) => l.startsWith('FAILED')) }).toEqual({ mode, ok: true, failed: [] });
    routes.push(runtime.bus.deliveries.slice(before).map((d) => d.route));
  };

  await pass({ seedIfEmpty: true });
  const src = await runtime.sourceClient();
  await src.exec(`
    update sales_order set units_sold = units_sold + 1, last_updated = '${STAMP}' where sales_order_id = 2;
    insert into sales_order (sales_order_id, created_at, last_updated, design_id, staff_id, counterparty_id, units_sold,
      unit_price, currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
      values (20001, '${STAMP}', '${STAMP}', 3, 19, 8, 100, 2.50, 1, '2026-01-09', '2026-01-10', 8);
  `);
  now = new Date('2026-01-02T11:00:00Z');
  await pass();

  const wh = await runtime.warehouse();
  const warehouse: Record<string, string[]> = {};
  for (const table of STAR_TABLES) {
    warehouse[table.name] = (await wh.query(`select * from ${table.name}`)).map((row) => JSON.stringify(row)).sort();
  }
  return { runtime, routes, warehouse };
}

describe('the local chain in crawler and direct mode', () => {
  const runs: Partial<Record<ChainMode, ModeRun>> = {};

  // Two whole-chain setups: twice the integration project's per-test limit (test/support/integration-timeout.ts).
  beforeAll(async () => {
    runs.crawler = await runMode('crawler');
    runs.direct = await runMode('direct');
  }, 360_000);

  afterAll(async () => {
    for (const run of Object.values(runs)) await run?.runtime.close();
  });

  it('follows only its own mode’s routes: direct mode never waits for a cleaned or transformed crawl', () => {
    for (const mode of ['crawler', 'direct'] as const) {
      const own = new Set(chainRoutes(mode).map((r) => r.name));
      for (const pass of runs[mode]!.routes) expect(pass.filter((name) => !own.has(name))).toEqual([]);
    }
    const direct = runs.direct!.routes.flat();
    expect(direct).toEqual(expect.arrayContaining(['cleaned-written-transform-transformed', 'transformed-written-load']));
    expect(direct.filter((name) => /^(cleaned|transformed)-(written-crawl|crawled-)/.test(name))).toEqual([]);
    expect(runs.crawler!.routes.flat()).toEqual(expect.arrayContaining(['cleaned-written-crawl', 'transformed-crawled-load']));
  });

  it('loads both runs in each mode', async () => {
    for (const mode of ['crawler', 'direct'] as const) {
      const stages = (await runs[mode]!.runtime.ledger.listRuns()).map((r) => r.stage);
      expect({ mode, stages }).toEqual({ mode, stages: ['loaded', 'loaded'] });
    }
  });

  it('ends with the same warehouse in both modes, row for row', () => {
    const crawler = runs.crawler!.warehouse;
    const direct = runs.direct!.warehouse;
    expect(crawler.fact_sales_order).toHaveLength(12836 + 2);
    for (const table of STAR_TABLES) {
      expect({ table: table.name, rows: direct[table.name].length }).toEqual({
        table: table.name,
        rows: crawler[table.name].length,
      });
      expect({ table: table.name, same: direct[table.name].every((row, i) => row === crawler[table.name][i]) }).toEqual({
        table: table.name,
        same: true,
      });
    }
  });
});
