/**
 * Data quality through the package bin, in text mode, as a user runs it:
 * `lakehouse run` prints the run's test counts, `lakehouse test` runs the
 * tests on demand and exits 1 on an error failure (or a stale source),
 * `lakehouse status` shows the counts, and `quality.results` is queryable.
 * The runs come from landed files (an embedded source with one empty table).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { tempDirs } from '../support/temp-dirs';

/** Temporary homes, removed after the file's tests. */
const tempDir = tempDirs();

const exec = promisify(execFile);
const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');

async function lakehouse(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '', LAKEHOUSE_SQL_DIR: '' },
      timeout: 150_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const line = (id: number, code: string, stamp: string) =>
  JSON.stringify({ currency_id: id, currency_code: code, created_at: stamp, last_updated: stamp });

describe('lakehouse test, run, status and query on data quality', () => {
  const home = join(tempDir('lakehouse-quality-cli-'), '.lakehouse');
  const land = (name: string, text: string) => {
    const folder = join(home, 'zones', 'raw', 'landing', 'currency');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, name), text);
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

  it('says there is nothing to test before the first run', async () => {
    const { code, stderr } = await lakehouse(['test'], home);
    expect(code).toBe(1);
    expect(stderr).toContain('no run has reached the cleaned zone yet');
  });

  let runId: string | undefined;

  it('runs the tests in the chain and on demand, and shows their counts', async () => {
    land('first.jsonl', [line(1, 'GBP', '2022-11-03T14:20:49.962'), line(2, 'USD', '2022-11-03T14:20:49.962')].join('\n'));
    const first = await lakehouse(['run'], home);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/data-quality tests of run \S+: \d+ passed/);

    // On demand: the order tables' freshness is declared, and they have no rows at all here.
    const stale = await lakehouse(['test'], home);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/FAIL error test freshness on cleaned\.sales_order: .*unknown \(no rows yet\)/);
    const fresh = await lakehouse(['test', '--no-freshness'], home);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/transformed\.dim_currency +│ +5 │ +5 │ +0 │ +0 │/);
    expect(fresh.stdout).toMatch(/\d+ tests: \d+ passed, 0 warnings, 0 failed/);

    const status = await lakehouse(['status'], home);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/data-quality tests/);
    expect(status.stdout).toMatch(/loaded .*│ \d+ passed +│/);
  }, 400_000);

  it('stops a run on an error test, and `test --run` fails on it too', async () => {
    // A duplicate natural key: the run stops before load, naming the test.
    land('x.jsonl', line(3, 'GBP', '2022-11-04T09:00:00.000'));
    const second = await lakehouse(['run'], home);
    expect(second.code).toBe(1);
    expect(second.stdout).toContain(
      'error test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)',
    );
    runId = /data-quality tests of run (\S+): \d+ passed, 1 failed/.exec(second.stdout)?.[1];
    expect(runId).toBeDefined();
  }, 400_000);

  it('re-tests a run on demand and keeps the results queryable', async () => {
    expect(runId).toBeDefined();
    const retest = await lakehouse(['test', '--run', runId!, '--no-freshness'], home);
    expect(retest.code).toBe(1);
    expect(retest.stdout).toContain(
      'FAIL error test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)',
    );

    const query = await lakehouse(
      ['query', `select model, test, status, failing_rows from quality.results where run_id = '${runId}' and status <> 'pass'`],
      home,
    );
    expect(query.code).toBe(0);
    expect(query.stdout).toMatch(/dim_currency +│ unique_currency_code +│ fail +│ 1 /);
    expect(query.stdout).toContain('(1 row)');

    const missing = await lakehouse(['test', '--run', '20990101t000000z'], home);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('no such run in the ledger: 20990101t000000z') });
  }, 400_000);
});
