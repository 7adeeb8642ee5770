/**
 * Progress and the compact summary as a user sees them through the package
 * bin, in text mode with stdout not a terminal (plain progress lines): the
 * seed table by table, each step of the pass as the bus delivers it, the
 * tables extract and load report, then one summary line per stage and table.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tempDirs } from '../support/temp-dirs';

const run = promisify(execFile);
const BIN = resolve(__dirname, '../../scripts/bin/lakehouse.js');
const tempDir = tempDirs();

describe('lakehouse run --seed-if-empty (text mode, not a terminal)', () => {
  it('shows progress lines for the seed, each step and its tables, then a compact summary naming the databases', async () => {
    const home = join(tempDir('lakehouse-progress-'), '.lakehouse');
    const { stdout, stderr } = await run(process.execPath, [BIN, 'run', '--seed-if-empty'], {
      env: { ...process.env, LAKEHOUSE_HOME: home, LAKEHOUSE_SOURCE_URL: '', LAKEHOUSE_WAREHOUSE_URL: '' },
      timeout: 600_000, // a seed and a whole pass; minutes on a busy two-core machine
    });
    expect(stderr).toBe('');
    // Seeding, table by table, then its total.
    expect(stdout).toMatch(/^› sales_order: 12,836 rows in \d+\.\d\ds$/m);
    expect(stdout).toMatch(/^✔ seeded the source: 55,028 rows in 11 tables \[\d+\.\d\ds\]$/m);
    // Each step as delivered, in order, with the tables extract and load report.
    const steps = [
      ...stdout.matchAll(/^✔ (sweep|extract|crawl raw|cleaned|crawl cleaned|transformed|crawl transformed|load) \[/gm),
    ].map((m) => m[1]);
    expect(steps).toEqual([
      'sweep',
      'extract',
      'crawl raw',
      'cleaned',
      'crawl cleaned',
      'transformed',
      'crawl transformed',
      'load',
    ]);
    expect(stdout).toMatch(/^› transaction: 18,136 rows$/m);
    expect(stdout).toMatch(/^› fact_payment: 18,136 rows new or changed$/m);
    // The compact summary: databases by folder, one line per stage and per table.
    expect(stdout).toContain(`source: embedded PGlite in ${join(home, 'source-db')}`);
    expect(stdout).toContain(`warehouse: embedded PGlite in ${join(home, 'warehouse-db')}`);
    expect(stdout).toMatch(/^8 of 8 OK +load \.+ \[55,872 rows new or changed in \d+\.\d\ds\]$/m);
    expect(stdout).toMatch(/^ 9 of 11 OK +sales_order \.+ \[12,836 extracted, 12,836 cleaned, 0 rejected\]$/m);
    expect(stdout).toMatch(/^ 2 of 11 OK +dim_staff \.+ \[20 rows, 20 new or changed\]$/m);
    expect(stdout).toMatch(/^11 of 11 OK +fact_payment \.+ \[18,136 rows, 18,136 new\]$/m);
  }, 660_000);
});
