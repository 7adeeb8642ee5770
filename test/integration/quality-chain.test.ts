/**
 * Data quality in the chain (local runtime, embedded home): a duplicate key
 * landed into a source table makes an `error` test fail, and the run stops
 * before load, the warehouse unchanged, with one alert email naming the test,
 * the table, the failing rows and sample keys; once the declaration is changed
 * to `warn`, `lakehouse retry` re-tests the run, which loads and alerts.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { clearFailures } from '../../scripts/cli/commands/retry';
import { runOnce } from '../../scripts/cli/commands/run';
import { tempDirs } from '../support/temp-dirs';

/** Temporary homes, removed after the file's tests. */
const tempDir = tempDirs();

const currency = (id: number, code: string, stamp: string) => ({
  currency_id: id,
  currency_code: code,
  created_at: stamp,
  last_updated: stamp,
});

describe('data-quality tests in the chain', () => {
  let rt: LocalRuntime;
  let sqlDir: string;
  const savedSqlDir = process.env.LAKEHOUSE_SQL_DIR;

  beforeAll(async () => {
    const dir = tempDir('lakehouse-quality-');
    sqlDir = join(dir, 'sql');
    cpSync(resolve(__dirname, '../../sql'), sqlDir, { recursive: true });
    process.env.LAKEHOUSE_SQL_DIR = sqlDir;
    rt = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: join(dir, '.lakehouse') }));
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
  const warehouseCurrencies = async () =>
    (await rt.warehouse()).query('select currency_id, currency_code from dim_currency order by currency_id');

  it('stops a run with a duplicate key before load, alerts once, and loads it after a fix and a retry', async () => {
    await rt.lake.raw.put(
      'landing/currency/first.jsonl',
      [currency(1, 'GBP', '2022-11-03T14:20:49.962'), currency(2, 'USD', '2022-11-03T14:20:49.962')]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const first = await runOnce(rt);
    expect(first.ok).toBe(true);
    const loaded = await warehouseCurrencies();
    expect(loaded).toEqual([
      { currency_id: 1, currency_code: 'GBP' },
      { currency_id: 2, currency_code: 'USD' },
    ]);
    expect(emails()).toEqual([]);

    // Currency 3 claims GBP again: the natural key currency_code is duplicated in dim_currency.
    await rt.lake.raw.put('landing/currency/x.jsonl', JSON.stringify(currency(3, 'GBP', '2022-11-04T09:00:00.000')));
    const second = await runOnce(rt);
    expect(second.ok).toBe(false);
    expect(second.text).toContain('unique_currency_code');
    const failed = (await rt.ledger.listRuns()).at(-1)!;
    expect(failed).toMatchObject({ stage: 'cleaned', failed: { step: 'transform:transformed' } });
    expect(failed.failed?.error).toContain(
      'error test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)',
    );
    expect(failed.quality?.transformed).toMatchObject({ fail: 1 });
    expect(await warehouseCurrencies()).toEqual(loaded);

    const [email] = emails();
    expect(emails()).toHaveLength(1);
    const body = readFileSync(join(rt.paths.outbox, email), 'utf8').replace(/=\r?\n/g, '');
    // The test's line, the transform's failure and the step's failure: all errors.
    expect(body).toMatch(new RegExp(`^Subject: lakehouse: 3 errors in transform \\(run ${failed.runId}\\)`, 'm'));
    expect(body).toContain(`Run: ${failed.runId}`);
    expect(body).toContain('data-quality test failed; the run stops before load');
    expect(body).toContain('unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)');

    const results = await rt.engine.query(
      `select test, status, failing_rows from quality.results where run_id = '${failed.runId}' and status <> 'pass'`,
    );
    expect(results).toEqual([{ test: 'unique_currency_code', status: 'fail', failing_rows: 1 }]);

    // A pass without a fix leaves the failed run alone.
    expect((await runOnce(rt)).text).toMatch(/no changes/);
    expect(emails()).toHaveLength(1);

    // The team decides two ids for one code are acceptable for now: a warning, not a stop. Retry re-tests.
    const declaration = join(sqlDir, 'transformed', 'dim_currency.tests.yaml');
    const text = readFileSync(declaration, 'utf8');
    const relaxed = text.replace('  - unique: [currency_code]\n', '  - unique: [currency_code]\n    severity: warn\n');
    expect(relaxed).not.toBe(text);
    writeFileSync(declaration, relaxed);
    expect(await clearFailures(rt, [])).toEqual([failed.runId]);
    const retried = await runOnce(rt);
    expect(retried.ok).toBe(true);
    expect(await rt.ledger.getRun(failed.runId)).toMatchObject({
      stage: 'loaded',
      quality: { transformed: { warn: 1, fail: 0 } },
    });
    expect(await warehouseCurrencies()).toEqual([...loaded, { currency_id: 3, currency_code: 'GBP' }]);
    expect(emails()).toHaveLength(2);
    const warning = readFileSync(join(rt.paths.outbox, emails()[1]), 'utf8').replace(/=\r?\n/g, '');
    // A warn failure alerts as a warning: the subject and the body say warning, not error.
    expect(warning).toMatch(new RegExp(`^Subject: lakehouse: 1 warning in transform \\(run ${failed.runId}\\)`, 'm'));
    expect(warning).toContain('The lakehouse pipeline logged 1 warning line.');
    expect(warning).toContain('Warnings: 1');
    expect(warning).not.toMatch(/error line|Errors:/);
    expect(warning).toContain('data-quality warning; the run loads');
    expect(warning).toContain('warn test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)');
  });
});
