import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openDuckDb } from '../../jobs/lib/adapters/duckdb/duckdb';
import { DuckDbCatalog } from '../../jobs/lib/adapters/duckdb/duckdb-catalog';
import { registerQualityResults } from '../../jobs/lib/adapters/duckdb/duckdb-quality-results';
import { DuckDbQueryEngine } from '../../jobs/lib/adapters/duckdb/duckdb-query-engine';
import { TerminalError } from '../../jobs/lib/core/errors';
import { loadModel } from '../../jobs/lib/core/sql/models';
import { tempDirs } from '../support/temp-dirs';
import { lakehouseBin } from '../support/lakehouse-bin';

const tempDir = tempDirs();

const lakehouse = (args: string[], home: string) => lakehouseBin(args, home, { timeoutMs: 60_000 });

const RUN = '20250101t000000z';
const stamp = '2022-11-03T14:20:49.962';

/** Writes a raw part of `table` for run {@link RUN} with a manifest, so the catalog shows it. */
function writeRaw(home: string, table: string, lines: string[]): string {
  const dir = join(home, 'zones', 'raw', table, `run_id=${RUN}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'part-00000.jsonl.gz'), gzipSync(`${lines.join('\n')}\n`, { level: 1 }));
  mkdirSync(join(home, 'zones', 'raw', '_manifests'), { recursive: true });
  writeFileSync(join(home, 'zones', 'raw', '_manifests', `${RUN}.json`), '{}');
  return dir;
}

describe('lakehouse status on a lake holding an unreadable raw row', () => {
  const home = join(tempDir('lakehouse-status-bad-'), '.lakehouse');
  let badPartition: string;

  beforeAll(async () => {
    // 40 MiB on one line: over what DuckDB's JSON reader takes whatever maximum_object_size says.
    const huge = JSON.stringify({
      currency_id: 2,
      currency_code: 'x'.repeat(40 * 1024 * 1024),
      created_at: stamp,
      last_updated: stamp,
    });
    badPartition = writeRaw(home, 'currency', [
      JSON.stringify({ currency_id: 1, currency_code: 'GBP', created_at: stamp, last_updated: stamp }),
      huge,
    ]);
    writeRaw(home, 'design', [JSON.stringify({ design_id: 1, design_name: 'Wooden', last_updated: stamp })]);
    const { conn, close } = await openDuckDb(join(home, 'catalog.duckdb'));
    try {
      await new DuckDbCatalog(conn, (zone) => join(home, 'zones', zone)).crawl('raw');
      await registerQualityResults(conn, join(home, 'zones', 'transformed')); // as a run's runtime does
    } finally {
      close();
    }
  }, 120_000);

  it('text: prints every table, the error in the bad table cell, what to do, and exits 1', async () => {
    const { code, stdout, stderr } = await lakehouse(['status'], home);
    expect(code).toBe(1);
    expect(stdout).toMatch(/raw\s+│\s+design\s+│\s+1 │/);
    expect(stdout).toMatch(/raw\s+│\s+currency\s+│\s+error: Invalid Input Error: "maximum_object_size" of .*… \(see below\) │/);
    expect(stdout).toMatch(/warehouse\s+│\s+fact_sales_order\s+│\s+0 │/);
    expect(stderr).toContain('error: cannot count raw.currency:');
    expect(stderr).toContain(`move the partition folder ${badPartition} out of the lake`);
    expect(stderr).toContain(
      `${badPartition}/part-00000.jsonl.gz holds a row longer than the lake reads (a JSON line over 4 MiB)`,
    );
  }, 120_000);

  it('--json: the bad table has an error field, the rest is counted, and exits 1', async () => {
    const { code, stdout, stderr } = await lakehouse(['status', '--json'], home);
    expect(code).toBe(1);
    const status = JSON.parse(stdout);
    expect(status.zones.raw.design).toBe(1);
    expect(status.zones.raw.currency).toEqual({
      error: expect.stringMatching(/maximum_object_size/),
      hint: expect.stringContaining(`move the partition folder ${badPartition} out of the lake`),
    });
    expect(status.warehouse.fact_sales_order).toBe(0);
    expect(stderr).toContain('error: cannot count raw.currency:');
  }, 120_000);

  it('the cleaned transform of the run fails with a message naming the file and what to do, not the DuckDB text only', async () => {
    const { conn, close } = await openDuckDb(join(home, 'catalog.duckdb'));
    try {
      const engine = new DuckDbQueryEngine(conn, (zone) => join(home, 'zones', zone));
      const attempt = engine.materialize({
        zone: 'cleaned',
        table: 'currency',
        sql: loadModel('cleaned', 'currency').sql,
        runId: RUN,
      });
      await expect(attempt).rejects.toThrow(TerminalError);
      await expect(
        engine.materialize({ zone: 'cleaned', table: 'currency', sql: loadModel('cleaned', 'currency').sql, runId: RUN }),
      ).rejects.toThrow(
        `model cleaned.currency (run ${RUN}) failed in DuckDB: the file ${badPartition}/part-00000.jsonl.gz holds a row longer ` +
          `than the lake reads (a JSON line over 4 MiB); move the partition folder ${badPartition} out of the lake`,
      );
    } finally {
      close();
    }
  }, 120_000);
});
