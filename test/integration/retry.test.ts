/**
 * A run whose transform failed stays failed at its stage, is reported, and
 * `lakehouse retry` carries it through the rest of the chain once the cause is
 * fixed. Uses a landed file as the run's input and an empty embedded source.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { clearFailures } from '../../scripts/cli/commands/retry';
import { runOnce } from '../../scripts/cli/commands/run';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

describe('retrying a failed run', () => {
  let rt: LocalRuntime;
  let sqlDir: string;
  const savedSqlDir = process.env.LAKEHOUSE_SQL_DIR;

  beforeAll(async () => {
    const dir = tempDir('lakehouse-retry-');
    sqlDir = join(dir, 'sql');
    cpSync(resolve(__dirname, '../../sql'), sqlDir, { recursive: true });
    process.env.LAKEHOUSE_SQL_DIR = sqlDir;
    rt = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: join(dir, '.lakehouse') }));
    // A source with one (empty) table: the runs here come from a landed file, and a source with no
    // table at all is reported as a misconfiguration that fails the pass.
    await (await rt.sourceClient()).exec(
      'create table currency (currency_id int primary key, currency_code text, created_at timestamp, last_updated timestamp)',
    );
  });

  afterAll(async () => {
    await rt?.close();
    if (savedSqlDir === undefined) delete process.env.LAKEHOUSE_SQL_DIR;
    else process.env.LAKEHOUSE_SQL_DIR = savedSqlDir;
  });

  it('keeps the run failed at its stage until the cause is fixed, then finishes it', async () => {
    const model = join(sqlDir, 'cleaned', 'currency.sql');
    const good = readFileSync(model, 'utf8');
    const broken = good.replace('from typed', 'from no_such_relation');
    expect(broken).not.toBe(good); // the break must reach the model, or the test proves nothing
    writeFileSync(model, broken);
    await rt.lake.raw.put(
      'landing/currency/currencies.json',
      JSON.stringify([
        { currency_id: 1, currency_code: 'GBP', created_at: '2022-11-03T14:20:49.962', last_updated: '2022-11-03T14:20:49.962' },
      ]),
    );

    const first = await runOnce(rt);
    expect(first.ok).toBe(false);
    expect(first.text).toMatch(/FAILED raw-crawled-transform-cleaned/);
    const [run] = await rt.ledger.listRuns();
    expect(run).toMatchObject({ stage: 'extracted', failed: { step: 'transform:cleaned' } });

    // A pass without a fix leaves it alone: failed runs are not retried by themselves.
    const again = await runOnce(rt);
    expect(again.text).toMatch(/no changes/);
    expect((await rt.ledger.getRun(run.runId))?.failed).toBeDefined();

    writeFileSync(model, good);
    expect(await clearFailures(rt, [])).toEqual([run.runId]);
    const retried = await runOnce(rt);
    expect(retried.text).not.toMatch(/FAILED/);
    expect(retried.ok).toBe(true);
    expect(await rt.ledger.getRun(run.runId)).toMatchObject({ stage: 'loaded' });
    const rows = await (await rt.warehouse()).query('select currency_code, currency_name from dim_currency');
    expect(rows).toEqual([{ currency_code: 'GBP', currency_name: 'British Pound' }]);
  });
});
