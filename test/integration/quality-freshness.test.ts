/**
 * Source freshness on every pass (local runtime, embedded home, frozen
 * clock): a fresh source gives no alert; a stale one alerts once over two
 * passes, again when warn turns to error, and once more when it is fresh
 * again; results land in quality.results under `freshness-<time>`; `run`
 * prints a line per stale table and its exit stays ok (freshness never
 * blocks a load).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { runOnce } from '../../scripts/cli/commands/run';
import { tempDirs } from '../support/temp-dirs';

/** Temporary homes, removed after the file's tests. */
const tempDir = tempDirs();

const currency = (id: number, code: string, stamp: string) =>
  JSON.stringify({ currency_id: id, currency_code: code, created_at: stamp, last_updated: stamp });

describe('source freshness on every pass', () => {
  let rt: LocalRuntime;
  let now = new Date('2026-01-01T09:00:00Z');
  const savedSqlDir = process.env.LAKEHOUSE_SQL_DIR;

  beforeAll(async () => {
    const dir = tempDir('lakehouse-freshness-');
    const sqlDir = join(dir, 'sql');
    cpSync(resolve(__dirname, '../../sql'), sqlDir, { recursive: true });
    const decl = join(sqlDir, 'cleaned', 'currency.tests.yaml');
    writeFileSync(decl, `freshness:\n  warn_after: 1d\n  error_after: 7d\n${readFileSync(decl, 'utf8')}`);
    process.env.LAKEHOUSE_SQL_DIR = sqlDir;
    rt = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: join(dir, '.lakehouse') }), { clock: { now: () => now } });
    await (await rt.sourceClient()).exec(
      'create table currency (currency_id int primary key, currency_code text, created_at timestamp, last_updated timestamp)',
    );
  });

  afterAll(async () => {
    await rt?.close();
    if (savedSqlDir === undefined) delete process.env.LAKEHOUSE_SQL_DIR;
    else process.env.LAKEHOUSE_SQL_DIR = savedSqlDir;
  });

  const emails = () => (existsSync(rt.paths.outbox) ? readdirSync(rt.paths.outbox).sort() : []);
  const email = (name: string) => readFileSync(join(rt.paths.outbox, name), 'utf8').replace(/=\r?\n/g, '');

  it('alerts only when a table changes state, and writes each check to quality.results', async () => {
    await rt.lake.raw.put('landing/currency/a.jsonl', currency(1, 'GBP', '2026-01-01T08:00:00.000'));
    const fresh = await runOnce(rt);
    expect(fresh.ok).toBe(true);
    expect(fresh.text).not.toContain('stale source');
    expect(emails()).toEqual([]);
    expect(
      await rt.engine.query(`select run_id, model, status from quality.results where kind = 'freshness' order by run_id`),
    ).toEqual([{ run_id: 'freshness-20260101t090000z', model: 'currency', status: 'pass' }]);

    // Two days later, nothing changed: warn, one alert; a third day: still warn, no second alert.
    now = new Date('2026-01-03T09:00:00Z');
    const stale = await runOnce(rt);
    expect(stale.ok).toBe(true);
    expect(stale.text).toMatch(
      /stale source: cleaned\.currency \(warn\): newest last_updated 2026-01-01 08:00:00 is 49\.0 h old/,
    );
    expect(stale.text).toMatch(/alert sent/);
    expect(emails()).toHaveLength(1);
    expect(email(emails()[0])).toContain('source freshness changed');
    // Stale at warn level stops nothing: the alert calls it a warning.
    expect(email(emails()[0])).toMatch(/^Subject: lakehouse: 1 warning in freshness/m);
    now = new Date('2026-01-04T09:00:00Z');
    const still = await runOnce(rt);
    expect(still.text).toMatch(/stale source: cleaned\.currency \(warn\).*\(already alerted\)/);
    expect(still.text).not.toMatch(/alert sent/);
    expect(emails()).toHaveLength(1);

    // Past error_after: warn → error alerts once; the run's exit stays ok (freshness never blocks a load).
    now = new Date('2026-01-09T09:00:00Z');
    const error = await runOnce(rt);
    expect(error.ok).toBe(true);
    expect(error.text).toContain('stale source: cleaned.currency (error)');
    expect(emails()).toHaveLength(2);
    expect(email(emails()[1])).toMatch(/^Subject: lakehouse: 1 error in freshness/m);

    // A new source change: fresh again, one recovery alert, no stale line.
    now = new Date('2026-01-09T09:30:00Z');
    await rt.lake.raw.put('landing/currency/b.jsonl', currency(2, 'USD', '2026-01-09T08:30:00.000'));
    const back = await runOnce(rt);
    expect(back.ok).toBe(true);
    expect(back.text).not.toContain('stale source');
    expect(emails()).toHaveLength(3);
    expect(email(emails()[2])).toContain('source freshness recovered: cleaned.currency is fresh again');
    expect(email(emails()[2])).toMatch(/^Subject: lakehouse: 1 warning in freshness/m);
    now = new Date('2026-01-09T10:00:00Z');
    await runOnce(rt);
    expect(emails()).toHaveLength(3);

    const rows = await rt.engine.query(
      `select run_id, status, severity from quality.results where kind = 'freshness' order by run_id`,
    );
    expect(rows.map((r) => `${r.run_id} ${r.status}`)).toEqual([
      'freshness-20260101t090000z pass',
      'freshness-20260103t090000z warn',
      'freshness-20260104t090000z warn',
      'freshness-20260109t090000z fail',
      'freshness-20260109t093000z pass',
      'freshness-20260109t100000z pass',
    ]);
  });
});

const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

/** A copy of the SQL folder where cleaned.currency declares freshness. */
function sqlWithCurrencyFreshness(dir: string): string {
  const sqlDir = join(dir, 'sql');
  cpSync(resolve(__dirname, '../../sql'), sqlDir, { recursive: true });
  const decl = join(sqlDir, 'cleaned', 'currency.tests.yaml');
  writeFileSync(decl, `freshness:\n  warn_after: 1d\n  error_after: 7d\n${readFileSync(decl, 'utf8')}`);
  return sqlDir;
}

describe('lakehouse run (the package bin) on a stale source', () => {
  const dir = tempDir('lakehouse-freshness-cli-');
  const home = join(dir, '.lakehouse');
  const sqlDir = sqlWithCurrencyFreshness(dir);
  const lakehouse = async (args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
        env: {
          ...process.env,
          LAKEHOUSE_HOME: home,
          LAKEHOUSE_SOURCE_URL: '',
          LAKEHOUSE_WAREHOUSE_URL: '',
          LAKEHOUSE_SQL_DIR: sqlDir,
        },
        timeout: 150_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  beforeAll(async () => {
    const rt = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: home }));
    try {
      await (await rt.sourceClient()).exec(
        'create table currency (currency_id int primary key, currency_code text, created_at timestamp, last_updated timestamp)',
      );
    } finally {
      await rt.close();
    }
  });

  it('prints the stale table, alerts on the first pass only, exits 0, and records each check', async () => {
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().replace('Z', '');
    const folder = join(home, 'zones', 'raw', 'landing', 'currency');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'old.jsonl'), currency(1, 'GBP', tenDaysAgo));

    const first = await lakehouse(['run']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^stale source: cleaned\.currency \(error\): newest last_updated .* is 240\.\d h old/m);
    expect(first.stdout).toMatch(/^alert sent \(written to .*outbox\)/m);

    const second = await lakehouse(['run']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^stale source: cleaned\.currency \(error\): .*\(already alerted\)$/m);
    expect(second.stdout).not.toMatch(/alert sent/);
    expect(readdirSync(join(home, 'outbox'))).toHaveLength(1);

    // Each check's results, under run_id=freshness-<stamp> in the transformed zone (the files of quality.results).
    const results = join(home, 'zones', 'transformed', 'quality', 'results');
    const checks = readdirSync(results).filter((d) => /^run_id=freshness-\d{8}t\d{6}z$/.test(d));
    expect(checks).toHaveLength(2);
    for (const check of checks) {
      const [result] = readFileSync(join(results, check, 'cleaned.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(result).toMatchObject({ model: 'currency', kind: 'freshness', severity: 'error', status: 'fail' });
    }
  });
});
