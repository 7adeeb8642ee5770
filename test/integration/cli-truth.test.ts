/**
 * The `lakehouse` CLI tells the truth (issue 12): an alert that cannot be
 * sent, a failed run waiting for retry, a seeded source, the version, the
 * environment, the log, JSON types, and `npm run --silent`. Each test runs
 * the package bin as a user does, in text mode unless it is about `--json`.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openPg } from '../../jobs/lib/runtimes/local/open-database';
import { CLI_VARIABLES } from '../../scripts/cli/environment';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'scripts/bin/lakehouse.js');
const temps: string[] = [];

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A new lakehouse home in a temporary folder (deleted after the file's tests). */
function newHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-cli-truth-'));
  temps.push(dir);
  return join(dir, '.lakehouse');
}

async function lakehouse(
  args: string[],
  home: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '', ...env },
      timeout: 300_000, // a whole pass on a busy two-core machine (a kill shows as code 143)
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Creates the embedded source of `home` with `sql` run in it (a table for extract to match, say). */
async function embeddedSource(home: string, sql: string): Promise<void> {
  const db = await openPg({ dataDir: join(home, 'source-db') });
  try {
    await db.exec(sql);
  } finally {
    await db.close();
  }
}

const CURRENCY_TABLE =
  'create table currency (currency_id int primary key, currency_code text, created_at timestamp, last_updated timestamp)';

/** Lands a currency file with `rows` under the home's raw landing folder. */
function landCurrencies(home: string, rows: Record<string, unknown>[], name = 'currencies.json'): void {
  const landing = join(home, 'zones', 'raw', 'landing', 'currency');
  mkdirSync(landing, { recursive: true });
  writeFileSync(join(landing, name), JSON.stringify(rows));
}

/** For the tests that run the bin a dozen times: each start compiles the CLI with tsx, slow on a busy two-core machine. */
const MANY_COMMANDS_MS = 600_000;

const GBP = {
  currency_id: 1,
  currency_code: 'GBP',
  created_at: '2022-11-03T14:20:49.962',
  last_updated: '2022-11-03T14:20:49.962',
};

describe('lakehouse CLI tells the truth', () => {
  it('prints its version and, in --help, every environment variable it reads and the exit codes', async () => {
    const home = newHome();
    const version = await lakehouse(['--version'], home);
    expect(version).toEqual({
      code: 0,
      stdout: `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`,
      stderr: '',
    });
    const help = await lakehouse(['--help'], home);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Environment variables:$/m);
    for (const v of CLI_VARIABLES) expect(help.stdout).toMatch(new RegExp(`^  ${v.name} +\\S`, 'm'));
    expect(help.stdout).toMatch(/Exit codes: 0 success, 1 failed, 2 usage error, 3 succeeded but the alert was not sent/);
    expect(help.stdout).toMatch(/^ {2}logs \[options\]/m);
  });

  it('exits 2 on a usage error, apart from a failed command (1)', async () => {
    const home = newHome();
    expect((await lakehouse(['frobnicate'], home)).code).toBe(2);
    expect((await lakehouse(['watch', '--every', '60'], home)).code).toBe(2);
    expect((await lakehouse(['logs', '--no-such-option'], home)).code).toBe(2);
  });

  it(
    'run with an SMTP server that never answers: prints the summary, warns the alert is kept in the outbox, exits 3',
    async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => {
        sockets.push(socket); // accept and say nothing, ever
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const { port } = silent.address() as AddressInfo;
      try {
        const home = newHome();
        await embeddedSource(home, CURRENCY_TABLE);
        // One good row and one that cannot be typed: the good one is loaded, the reject raises an alert.
        landCurrencies(home, [GBP, { ...GBP, currency_id: 'two', currency_code: 'EUR' }]);
        const started = Date.now();
        const ran = await lakehouse(['run'], home, {
          LAKEHOUSE_SMTP_URL: `smtp://127.0.0.1:${port}`,
          LAKEHOUSE_SMTP_TIMEOUT: '2s',
        });
        expect(sockets.length).toBeGreaterThan(0); // it did try the server
        expect(ran.code).toBe(3);
        expect(ran.stdout).toMatch(/OK +dim_currency \.+ \[1 row, 1 new or changed\]/);
        const warning = /WARNING: the alert could not be sent to data-team@localhost \((.+)\); it is kept in (\S+\.eml)$/m.exec(
          ran.stdout,
        );
        expect(warning).not.toBeNull();
        expect(warning![1]).toBe(`SMTP server 127.0.0.1:${port}: Greeting never received (ETIMEDOUT)`);
        const eml = readFileSync(warning![2], 'utf8');
        expect(warning![2].startsWith(join(home, 'outbox'))).toBe(true);
        expect(eml).toMatch(/^Subject: lakehouse: .*error/m);
        expect(Date.now() - started).toBeLessThan(100_000);
        const rows = await lakehouse(['query', '--warehouse', 'select currency_code from dim_currency'], home);
        expect(rows.stdout).toMatch(/GBP/);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((r) => silent.close(() => r()));
      }
    },
    MANY_COMMANDS_MS,
  );

  it(
    'names a failed run in every later run and in status (text and --json) until it is retried; logs shows its lines; retrying it again changes nothing',
    async () => {
      const home = newHome();
      const sqlDir = join(home, '..', 'sql');
      cpSync(join(ROOT, 'sql'), sqlDir, { recursive: true });
      const env = { LAKEHOUSE_SQL_DIR: sqlDir };
      const model = join(sqlDir, 'cleaned', 'currency.sql');
      const good = readFileSync(model, 'utf8');
      writeFileSync(model, good.replace('from typed', 'from no_such_relation'));
      await embeddedSource(home, CURRENCY_TABLE);
      landCurrencies(home, [GBP]);

      const first = await lakehouse(['run'], home, env);
      expect(first.code).toBe(1);
      const runId = /^ {2}(\d{8}t\d{6}z\S*) failed at transform:cleaned \(stage extracted, [^)]+\): .*no_such_relation/m.exec(
        first.stdout,
      )?.[1];
      expect(runId).toBeDefined();
      expect(first.stdout).toContain(`retry: lakehouse retry ${runId}`);
      // The landed file's run is announced once: the sweep, queued after the ingest, re-announced it (2 deliveries a stage).
      expect(first.stdout).not.toMatch(/deliveries\)/);

      // A later pass with nothing to do still names it and fails, so cron does not see green.
      const second = await lakehouse(['run'], home, env);
      expect(second.code).toBe(1);
      expect(second.stdout).toMatch(/no changes in the source/);
      expect(second.stdout).toMatch(/1 failed run waiting for a retry/);
      expect(second.stdout).toContain(`${runId} failed at transform:cleaned`);
      expect(second.stdout).toContain(`retry: lakehouse retry ${runId}`);

      const status = await lakehouse(['status'], home, env);
      expect(status.code).toBe(0);
      expect(status.stdout).toContain(`${runId} failed at transform:cleaned`);
      expect(status.stdout).toContain(`retry: lakehouse retry ${runId}`);
      // Its table row names the step; the error is printed once, under the tables.
      expect(status.stdout).toMatch(new RegExp(`│ ${runId} +│ ingest +│ extracted +│ transform:cleaned \\(error below\\) +│`));
      const json = JSON.parse((await lakehouse(['status', '--json'], home, env)).stdout);
      expect(json.attention.failed).toEqual([
        expect.objectContaining({ runId, stage: 'extracted', step: 'transform:cleaned', retry: `lakehouse retry ${runId}` }),
      ]);
      expect(json.attention.failed[0].error).toMatch(/no_such_relation/);

      const errors = await lakehouse(['logs', '--run', runId!, '--errors'], home, env);
      expect(errors.code).toBe(0);
      expect(errors.stdout).toMatch(new RegExp(`^run ${runId}: [1-9]\\d* error lines?`, 'm'));
      expect(errors.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}ERROR {2}transform {2}.*no_such_relation/m);
      expect(errors.stdout).not.toMatch(/ INFO /);
      const all = await lakehouse(['logs'], home, env); // default: the latest run in the log
      expect(all.stdout).toMatch(/ ERROR /);
      expect(all.stdout).toMatch(new RegExp(`^\\S+Z {2}INFO {3}ingest {5}landed file ingested {2}runId=${runId}`, 'm'));
      const unknown = await lakehouse(['logs', '--run', '20000101t000000z'], home, env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/unknown run 20000101t000000z/);

      writeFileSync(model, good);
      const retried = await lakehouse(['retry', runId!], home, env);
      expect(retried.code).toBe(0);
      expect(retried.stdout).not.toMatch(/failed run/);
      expect(retried.stdout).toContain(`retrying ${runId}`);
      expect(retried.stdout).toMatch(/OK +dim_currency \.+ \[1 row, 1 new or changed\]/);

      // Retrying it again has nothing to clear: it says so and runs no pass (a file landed meanwhile stays put).
      landCurrencies(home, [{ ...GBP, currency_id: 2, currency_code: 'EUR' }], 'later.json');
      const again = await lakehouse(['retry', runId!], home, env);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(
        `${runId} is not failed (stage loaded): nothing to clear\nno pass run (lakehouse run runs one)\n`,
      );
      expect(existsSync(join(home, 'zones', 'raw', 'landing', 'currency', 'later.json'))).toBe(true);
    },
    MANY_COMMANDS_MS,
  );

  it('seed on a seeded source says so, how to reseed (--reset), exits 1 and changes nothing', async () => {
    const home = newHome();
    await embeddedSource(
      home,
      'create table sales_order (sales_order_id int primary key, last_updated timestamp); insert into sales_order values (7, now())',
    );
    const seeded = await lakehouse(['seed', '--scale', '3'], home);
    expect(seeded.code).toBe(1);
    expect(seeded.stderr).toMatch(/the source is already seeded \(embedded source in .*source-db\); nothing seeded/);
    expect(seeded.stderr).toMatch(/To seed it again: lakehouse seed --reset --scale 3/);
    const db = await openPg({ dataDir: join(home, 'source-db') });
    try {
      expect(await db.query('select sales_order_id from sales_order')).toEqual([{ sales_order_id: 7 }]);
    } finally {
      await db.close();
    }
  });

  it('gives counts as JSON numbers on the lake and on the warehouse alike, digits as text past 2^53', async () => {
    const home = newHome();
    // query only reads: it needs a home and an (empty) embedded warehouse to exist.
    await (await openPg({ dataDir: join(home, 'warehouse-db') })).close();
    const sql = 'select count(*) as n, 9007199254740993::bigint as big from (values (1), (2), (3)) as t(x)';
    const lake = await lakehouse(['query', '--json', sql], home);
    const warehouse = await lakehouse(['query', '--warehouse', '--json', sql], home);
    expect(JSON.parse(lake.stdout)).toEqual([{ n: 3, big: '9007199254740993' }]);
    expect(JSON.parse(warehouse.stdout)).toEqual(JSON.parse(lake.stdout));
    const text = await lakehouse(['query', 'select count(*) as n from range(3)'], home);
    expect(text.stdout).toMatch(/│ 3 │/);
  });

  it('npm run --silent lakehouse -- status --json prints only JSON, and errors still show', async () => {
    const home = newHome();
    mkdirSync(home); // status only reads: it needs an existing home
    const npm = async (args: string[]) => {
      try {
        const { stdout, stderr } = await run('npm', args, {
          cwd: ROOT,
          env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' },
          timeout: 300_000, // a whole pass on a busy two-core machine (a kill shows as code 143)
        });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const e = error as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const status = await npm(['run', '--silent', 'lakehouse', '--', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ runs: [], attention: { failed: [], waiting: [] } });
    // Without --silent npm prints its banner on stdout: what the README warns about.
    const banner = await npm(['run', 'lakehouse', '--', 'status', '--json']);
    expect(() => JSON.parse(banner.stdout)).toThrow();
    const bad = await npm(['run', '--silent', 'lakehouse', '--', 'query', '--json', 'select * from raw.no_such_table']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^lakehouse: .*no_such_table/m);
  });
});
