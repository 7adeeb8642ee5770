/**
 * The `lakehouse` CLI as a user runs it: a real process through the package
 * bin, on an empty lakehouse home (no seeding, so it stays quick).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

async function lakehouse(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('lakehouse CLI', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'lakehouse-cli-')), '.lakehouse');

  it('query --json prints a JSON array of row objects and nothing else', async () => {
    const { code, stdout } = await lakehouse(['query', '--json', "select 42 as answer, 'Leds' as location"], home);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ answer: 42, location: 'Leds' }]);
  });

  it('query --warehouse --json runs on the warehouse', async () => {
    const { code, stdout } = await lakehouse(['query', '--warehouse', '--json', 'select 1 + 1 as two'], home);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ two: 2 }]);
  });

  it('status --json reports an empty lakehouse', async () => {
    const { code, stdout } = await lakehouse(['status', '--json'], home);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({ runs: [], watermarks: {}, zones: { raw: {}, cleaned: {}, transformed: {} } });
    expect(status.warehouse.fact_sales_order).toBe(0);
  });

  it('query prints a text table (text mode, as a user types it)', async () => {
    const { code, stdout, stderr } = await lakehouse(['query', "select 42 as answer, 'Leds' as location"], home);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/answer.*location/);
    expect(stdout).toMatch(/42.*Leds/);
  });

  it('status prints its tables in text mode once a run exists', async () => {
    const landing = join(home, 'zones', 'raw', 'landing', 'currency');
    mkdirSync(landing, { recursive: true });
    writeFileSync(
      join(landing, 'currencies.json'),
      JSON.stringify([
        { currency_id: 1, currency_code: 'GBP', created_at: '2022-11-03T14:20:49.962', last_updated: '2022-11-03T14:20:49.962' },
      ]),
    );
    const ran = await lakehouse(['run'], home);
    expect(ran.stderr).toBe('');
    const { code, stdout, stderr } = await lakehouse(['status'], home);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/\d{8}t\d{6}z .*ingest/);
  });

  it('fails clearly on bad SQL and on an unknown command', async () => {
    const bad = await lakehouse(['query', 'select * from raw.no_such_table'], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lakehouse: .*no_such_table/m);
    const unknown = await lakehouse(['frobnicate'], home);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
