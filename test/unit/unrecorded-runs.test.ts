/**
 * The rule both runtimes remove the raw parts of unrecorded runs by
 * (core/unrecorded-runs.ts), here over the local adapters (a raw folder and a
 * FileRunLedger): each condition kept in isolation. The S3 side is in
 * test/unit/aws/handlers/sweep-handler.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { FsRawRunFolders } from '../../jobs/lib/adapters/fs/fs-raw-run-folders';
import { findUnrecordedRuns, removeUnrecordedRuns } from '../../jobs/lib/core/unrecorded-runs';
import { runAt } from './aws/helpers';

const CUTOFF = new Date('2025-02-25T12:00:00Z');
const before = new Date(CUTOFF.getTime() - 3_600_000);
const after = new Date(CUTOFF.getTime() + 60_000);

let dir: string;
let raw: string;
let ledger: FileRunLedger;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lakehouse-unrecorded-'));
  raw = join(dir, 'raw');
  mkdirSync(raw);
  ledger = new FileRunLedger(join(dir, 'ledger'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A run folder of `table` holding one part, last written at `at`. */
function folder(table: string, runId: string, at: Date): string {
  const path = join(raw, table, `run_id=${runId}`);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'part-00000.jsonl.gz'), 'x');
  utimesSync(path, at, at);
  return path;
}

/** A claim (open-runs index marker) of `runId` made at `at`. */
async function claim(runId: string, at: Date): Promise<void> {
  await ledger.reserveRun(runId);
  utimesSync(join(dir, 'ledger', 'open', `${runId}.json`), at, at);
}

const deps = () => ({ folders: new FsRawRunFolders(raw), ledger });

describe('parts of runs the ledger never recorded', () => {
  it('removes an old folder with no manifest, no record and no claim, and counts its files', async () => {
    folder('address', '20250225t100000z', before);
    folder('currency', '20250225t100000z', before);
    await claim('20250225t100000z', before); // abandoned: made before the cutoff
    expect(await removeUnrecordedRuns({ writtenBefore: CUTOFF }, deps())).toEqual([
      { runId: '20250225t100000z', table: 'address', folder: 'address/run_id=20250225t100000z/', objects: 1 },
      { runId: '20250225t100000z', table: 'currency', folder: 'currency/run_id=20250225t100000z/', objects: 1 },
    ]);
    expect(await new FsRawRunFolders(raw).list()).toEqual([]);
  });

  it('keeps a run with a manifest, a recorded run, a folder written since the cutoff, and a live claim', async () => {
    folder('address', '20250225t090000z', before);
    mkdirSync(join(raw, '_manifests'));
    writeFileSync(join(raw, '_manifests', '20250225t090000z.json'), '{}');
    folder('address', '20250225t091500z', before);
    await ledger.createRun(runAt('20250225t091500z', 'loaded', before.toISOString()));
    folder('address', '20250225t093000z', after);
    folder('address', '20250225t094500z', before);
    await claim('20250225t094500z', after);
    folder('address', 'not-a-run', before);
    mkdirSync(join(raw, 'landing', 'run_id=20250225t090000z'), { recursive: true });
    mkdirSync(join(raw, '_rejects', 'run_id=20250225t090000z'), { recursive: true });
    expect(await findUnrecordedRuns({ writtenBefore: CUTOFF }, deps())).toEqual([]);
    // One condition less, and each is taken: the cutoff moved past the young folder and the live claim.
    const later = new Date(after.getTime() + 60_000);
    expect((await findUnrecordedRuns({ writtenBefore: later }, deps())).map((f) => f.runId)).toEqual([
      '20250225t093000z',
      '20250225t094500z',
    ]);
  });

  it('looks only at runs from `since` on', async () => {
    folder('address', '20250220t000000z', before);
    folder('address', '20250225t000000z', before);
    const found = await findUnrecordedRuns({ writtenBefore: CUTOFF, since: new Date('2025-02-24T00:00:00Z') }, deps());
    expect(found.map((f) => f.runId)).toEqual(['20250225t000000z']);
  });
});
