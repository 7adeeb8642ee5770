/**
 * What a killed process leaves behind (issue 13, finding 8) is invisible to
 * the catalog and removed by the next pass: parts of a run the ledger never
 * recorded, its claim, `.tmp-` files of writes in progress, and load scratch
 * folders of processes that are gone; a live process's scratch folder and a
 * recorded run's files are kept. The leftovers are made by hand here, dated
 * before this process started, as a killed earlier process would have left
 * them (crash-recovery.test.ts makes them with real kills).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { runOnce } from '../../scripts/cli/commands/run';

/** A pid no process has: that of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/** Dates `path` an hour back, before this process started, as a killed earlier process left it. */
function ageOf(path: string): void {
  const past = new Date(Date.now() - 3600_000);
  utimesSync(path, past, past);
}

describe('leftovers of a killed process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-leftovers-'));
  const home = join(dir, '.lakehouse');
  const scratchRoot = tmpdir();
  let rt: LocalRuntime;

  beforeAll(async () => {
    rt = await openLocalRuntime(readSettings({ LAKEHOUSE_HOME: home }));
    await (await rt.sourceClient()).exec(
      'create table currency (currency_id int primary key, currency_code text, created_at timestamp, last_updated timestamp)',
    );
  });

  afterAll(async () => {
    await rt?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps them out of the catalog and removes them on the next pass', async () => {
    await rt.lake.raw.put(
      'landing/currency/currencies.json',
      JSON.stringify([
        { currency_id: 1, currency_code: 'GBP', created_at: '2022-11-03T14:20:49.962', last_updated: '2022-11-03T14:20:49.962' },
      ]),
    );
    expect((await runOnce(rt)).ok).toBe(true);
    const [run] = await rt.ledger.listRuns();
    const raw = rt.paths.zone('raw');
    const recordedFolder = join(raw, 'currency', `run_id=${run.runId}`);

    // A killed ingest of the same rows: its part is written, its run never recorded, its claim still held.
    const ghost = '20200101t000000z';
    const ghostFolder = join(raw, 'currency', `run_id=${ghost}`);
    cpSync(recordedFolder, ghostFolder, { recursive: true });
    writeFileSync(join(ghostFolder, 'part-00001.jsonl.gz.tmp-1-1'), 'half a part');
    writeFileSync(join(rt.paths.ledger, 'open', `${ghost}.json`), JSON.stringify({ runId: ghost }));
    // A claim that never wrote a part, a manifest write in progress, a pass that never ended.
    const bare = '20200101t000001z';
    writeFileSync(join(rt.paths.ledger, 'open', `${bare}.json`), JSON.stringify({ runId: bare }));
    const dead = deadPid();
    const tempManifest = join(raw, '_manifests', `${ghost}.json.tmp-${dead}-7`);
    writeFileSync(tempManifest, '{');
    mkdirSync(join(rt.paths.ledger, 'passes'), { recursive: true });
    const pass = join(rt.paths.ledger, 'passes', `${dead}.json`);
    writeFileSync(pass, '{}');
    // Load scratch folders: of a process that is gone, and of this live one.
    const goneScratch = join(scratchRoot, `lakehouse-load-${dead}-Ab12Cd`);
    const liveScratch = join(scratchRoot, `lakehouse-load-${process.pid}-Ef34Gh`);
    mkdirSync(goneScratch);
    mkdirSync(liveScratch);
    for (const path of [ghostFolder, join(ghostFolder, 'part-00001.jsonl.gz.tmp-1-1'), tempManifest, pass]) ageOf(path);
    for (const id of [ghost, bare]) ageOf(join(rt.paths.ledger, 'open', `${id}.json`));
    ageOf(ghostFolder);

    try {
      // The catalog shows only the recorded run, even right after a crawl that saw the ghost's folder.
      await rt.catalog.crawlZone('raw');
      expect(await rt.engine.query('select run_id, count(*)::int as n from raw.currency group by run_id')).toEqual([
        { run_id: run.runId, n: 1 },
      ]);
      expect(await rt.catalog.hasPartition('raw', 'currency', ghost)).toBe(false);

      const next = await runOnce(rt);
      expect(next.ok).toBe(true);
      expect(existsSync(ghostFolder)).toBe(false);
      expect(existsSync(tempManifest)).toBe(false);
      expect(existsSync(pass)).toBe(false);
      expect(readdirSync(join(rt.paths.ledger, 'open')).sort()).toEqual(['_complete.json']);
      expect(existsSync(goneScratch)).toBe(false);
      expect(existsSync(liveScratch)).toBe(true); // a live process's folder is never removed
      expect(readdirSync(recordedFolder)).toEqual(['part-00000.jsonl.gz']); // the recorded run is untouched
      expect(readdirSync(join(rt.paths.ledger, 'passes'))).toEqual([]); // this pass ended and says so
      expect(await rt.engine.query('select count(*)::int as n from raw.currency')).toEqual([{ n: 1 }]);
    } finally {
      rmSync(goneScratch, { recursive: true, force: true });
      rmSync(liveScratch, { recursive: true, force: true });
    }
  });
});
