/**
 * The `lakehouse` CLI as a user runs it: a real process through the package
 * bin, on an empty lakehouse home (no seeding, so it stays quick).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openFreshDb } from '../support/pg-test-db';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

async function lakehouse(
  args: string[],
  home: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('lakehouse CLI', () => {
  const home = join(tempDir('lakehouse-cli-'), '.lakehouse');
  mkdirSync(home); // query and status only read: they need an existing home (cli-warehouse.test.ts)

  it('query --json prints a JSON array of row objects and nothing else', async () => {
    const { code, stdout } = await lakehouse(['query', '--json', "select 42 as answer, 'Leds' as location"], home);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ answer: 42, location: 'Leds' }]);
  });

  it('query --warehouse on a home with no warehouse says so and creates none', async () => {
    const { code, stderr } = await lakehouse(['query', '--warehouse', '--json', 'select 1 + 1 as two'], home);
    expect(code).toBe(1);
    expect(stderr).toMatch(/no warehouse yet at .*warehouse-db: nothing has been loaded/);
    expect(existsSync(join(home, 'warehouse-db'))).toBe(false);
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

  it('refuses a duration without a unit, a zero interval and a bad pass count, naming the option', async () => {
    const bare = await lakehouse(['watch', '--every', '60'], home);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toMatch(/--every: not a duration: "60" \(give a unit/);
    const zero = await lakehouse(['watch', '--every', '0s'], home);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(/--every: must be more than zero/);
    for (const passes of ['0', 'abc']) {
      const bad = await lakehouse(['watch', '--every', '1s', '--passes', passes], home);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/--passes: a whole number of at least 1/);
    }
  });

  it('watch keeps its schedule through a failed pass (a warehouse that refuses connections)', async () => {
    const home3 = join(tempDir('lakehouse-cli-'), '.lakehouse');
    const landing = join(home3, 'zones', 'raw', 'landing', 'currency');
    mkdirSync(landing, { recursive: true });
    writeFileSync(
      join(landing, 'c.json'),
      JSON.stringify([
        { currency_id: 1, currency_code: 'GBP', created_at: '2022-11-03T14:20:49.962', last_updated: '2022-11-03T14:20:49.962' },
      ]),
    );
    // Port 1 on the loopback refuses every connection: the warehouse is down for the whole test.
    const down = { LAKEHOUSE_WAREHOUSE_URL: 'postgres://postgres@127.0.0.1:1/warehouse' };
    const { code, stderr } = await lakehouse(['watch', '--every', '1s', '--passes', '2'], home3, down);
    expect(code).toBe(1);
    expect(stderr).toMatch(/pass 1 failed: .*ECONNREFUSED/);
    expect(stderr).toMatch(/pass 2 failed: .*ECONNREFUSED/);
  });

  it('watch stops at once on Ctrl-C during its wait, and says so', async () => {
    const home4 = join(tempDir('lakehouse-cli-'), '.lakehouse');
    const child = spawn(process.execPath, [BIN, 'watch', '--every', '1h'], {
      env: { ...process.env, LAKEHOUSE_HOME: home4, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' },
      detached: true, // its own process group, as a terminal's foreground job is
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    let running = true;
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        running = false;
        resolve(code);
      }),
    );
    try {
      while (!out.includes('pass 1')) await new Promise((r) => setTimeout(r, 200));
      const interrupted = Date.now();
      process.kill(-child.pid!, 'SIGINT'); // what Ctrl-C sends: to the whole foreground group
      const code = await Promise.race([
        exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000)),
      ]);
      // It exits on its own (a number, not the race's 'still running'); 1 here because the unseeded
      // source matches no table, which each pass reports as a failure.
      expect(code).toBe(1);
      expect(out).toMatch(/0 source tables matched/);
      expect(Date.now() - interrupted).toBeLessThan(15_000);
      expect(out).toMatch(/watch stopped \(Ctrl-C\)/);
    } finally {
      if (running) process.kill(-child.pid!, 'SIGKILL'); // never leave a watch behind when the test fails
    }
  });

  it('run says that no source table matched, what to check, and exits 1 (not "no changes")', async () => {
    const fresh = join(tempDir('lakehouse-cli-'), '.lakehouse');
    const empty = await lakehouse(['run'], fresh);
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/0 source tables matched in the embedded source .*no table with a last_updated column/);
    expect(empty.stdout).not.toMatch(/no changes/);
  });

  it('fails clearly on bad SQL and on an unknown command', async () => {
    const bad = await lakehouse(['query', 'select * from raw.no_such_table'], home);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^lakehouse: .*no_such_table/m);
    const unknown = await lakehouse(['frobnicate'], home);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  // Needs a PostgreSQL server (TEST_DATABASE_URL, set by CI): reported as skipped without one.
  const withServer = process.env.TEST_DATABASE_URL ? it : it.skip;
  withServer(
    'run with a server source and a warehouse that cannot be opened says so and exits, holding nothing open',
    async () => {
      const source = await openFreshDb({ url: process.env.TEST_DATABASE_URL! }, 'cli_source');
      try {
        await source.db.exec(
          'create table currency (currency_id int primary key, currency_code text not null, created_at timestamp not null, last_updated timestamp not null);' +
            "insert into currency values (1, 'GBP', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962')",
        );
        const missing = new URL(process.env.TEST_DATABASE_URL!);
        missing.pathname = '/lakehouse_no_such_database';
        const home2 = join(tempDir('lakehouse-cli-'), '.lakehouse');
        const started = Date.now();
        const { code, stderr } = await lakehouse(['run'], home2, {
          LAKEHOUSE_SOURCE_URL: source.url!,
          LAKEHOUSE_WAREHOUSE_URL: missing.toString(),
        });
        expect(code).toBe(1); // not killed by the 60 s timeout (that gives no numeric code)
        expect(stderr).toMatch(/lakehouse_no_such_database" does not exist/);
        expect(Date.now() - started).toBeLessThan(50_000);
      } finally {
        await source.drop();
      }
    },
  );
});
