import { join } from 'node:path';
import { ConflictError, NotFoundError } from '../../jobs/lib/core/errors';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import type { RunRecord } from '../../jobs/lib/core/ports';
import { tempDirs } from '../support/temp-dirs';

const tempDir = tempDirs();

const run = (runId: string, stage: RunRecord['stage'] = 'extracted'): RunRecord => ({
  runId,
  origin: 'extract',
  stage,
  createdAt: '2025-02-25T13:26:09.000Z',
  updatedAt: '2025-02-25T13:26:09.000Z',
  history: { extracted: '2025-02-25T13:26:09.000Z' },
  counts: {},
});

describe('FileRunLedger', () => {
  let ledger: FileRunLedger;
  beforeEach(() => {
    ledger = new FileRunLedger(join(tempDir('ledger-'), 'ledger'));
  });

  it('creates runs once and lists them oldest first', async () => {
    await ledger.createRun(run('20250225t132610z'));
    await ledger.createRun(run('20250225t132609z'));
    await expect(ledger.createRun(run('20250225t132609z'))).rejects.toBeInstanceOf(ConflictError);
    expect((await ledger.listRuns()).map((r) => r.runId)).toEqual(['20250225t132609z', '20250225t132610z']);
  });

  it('answers which runs wait at a stage, leaving failed ones out', async () => {
    await ledger.createRun(run('20250225t132609z'));
    await ledger.createRun(run('20250225t132610z'));
    await ledger.createRun(run('20250225t132611z', 'cleaned'));
    await ledger.updateRun('20250225t132610z', (r) => ({ ...r, failed: { step: 'transform', at: 'x', error: 'bad' } }));
    expect((await ledger.runsAt('extracted')).map((r) => r.runId)).toEqual(['20250225t132609z']);
    expect((await ledger.runsAt('cleaned')).map((r) => r.runId)).toEqual(['20250225t132611z']);
  });

  it('refuses to update a run that does not exist', async () => {
    await expect(ledger.updateRun('20250225t132609z', (r) => r)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('advances watermarks only from the version it read', async () => {
    const first = await ledger.getWatermarks();
    expect(first).toEqual({ watermarks: {}, version: null });
    await ledger.putWatermarks(
      { address: { lastUpdated: '2022-11-03T14:20:49.962', windowKeys: ['1@2022-11-03T14:20:49.962'] } },
      null,
    );
    const second = await ledger.getWatermarks();
    expect(second.watermarks.address.lastUpdated).toBe('2022-11-03T14:20:49.962');
    // A second writer that read the old version loses.
    await expect(ledger.putWatermarks({}, null)).rejects.toBeInstanceOf(ConflictError);
    await ledger.putWatermarks({}, second.version);
    expect((await ledger.getWatermarks()).watermarks).toEqual({});
  });
});
