/**
 * The RunLedger contract, run against both adapters: FileRunLedger on a temp
 * folder and S3RunLedger over the in-memory S3 (conditional writes, paginated
 * listings). What the jobs rely on: one create per id, id claims, the
 * open-runs index (bounded reads that never miss an open run), a ledger
 * written before the index, and versioned watermarks.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3RunLedger } from '../../jobs/lib/adapters/aws/s3-run-ledger';
import { FileRunLedger } from '../../jobs/lib/adapters/fs/file-run-ledger';
import { ConflictError, NotFoundError } from '../../jobs/lib/core/errors';
import type { RunLedger, RunRecord } from '../../jobs/lib/core/ports';
import { fakeS3 } from '../unit/aws/s3-fake';

const HOUR = 60 * 60_000;

/** One adapter under test: the ledger, a clock to move, and a way to write a record as the previous version did (no index). */
interface Subject {
  ledger: RunLedger;
  /** Moves the clock the ledger (and, for S3, object modification times) is measured on. */
  advance(ms: number): void;
  /** Writes a run record the way the ledger did before the open-runs index existed. */
  writeLegacy(run: RunRecord): void;
  done(): void;
}

const s3 = mockClient(S3Client);

const subjects: [string, () => Subject][] = [
  [
    'FileRunLedger',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'ledger-contract-'));
      // File modification times come from the system clock, so this clock starts there.
      let now = Date.now();
      const root = join(dir, 'ledger');
      return {
        ledger: new FileRunLedger(root, { claimTimeoutMs: HOUR, now: () => new Date(now) }),
        advance: (ms) => void (now += ms),
        writeLegacy: (run) => {
          mkdirSync(join(root, 'runs'), { recursive: true });
          writeFileSync(join(root, 'runs', `${run.runId}.json`), JSON.stringify(run));
        },
        done: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'S3RunLedger',
    () => {
      s3.reset();
      let now = Date.parse('2025-02-25T15:00:00Z');
      const clock = () => new Date(now);
      // Two keys per listing page, so every listing spans pages.
      const lake = fakeS3(s3, 2, clock);
      return {
        ledger: new S3RunLedger(new S3Client({ region: 'eu-west-2' }), 'lake-raw', '_ledger/', {
          claimTimeoutMs: HOUR,
          now: clock,
        }),
        advance: (ms) => void (now += ms),
        writeLegacy: (run) => lake.put('lake-raw', `_ledger/runs/${run.runId}.json`, JSON.stringify(run)),
        done: () => undefined,
      };
    },
  ],
];

const run = (runId: string, stage: RunRecord['stage'] = 'extracted', extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  origin: 'extract',
  stage,
  createdAt: '2025-02-25T13:26:09.000Z',
  updatedAt: '2025-02-25T13:26:09.000Z',
  history: { extracted: '2025-02-25T13:26:09.000Z' },
  counts: { extracted: { sales_order: 3 } },
  ...extra,
});

const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
const failed = { step: 'transform:cleaned', at: '2025-02-25T14:00:00.000Z', error: 'bad SQL' };

describe.each(subjects)('RunLedger contract: %s', (_name, make) => {
  let subject: Subject;
  let ledger: RunLedger;
  beforeEach(() => {
    subject = make();
    ledger = subject.ledger;
  });
  afterEach(() => subject.done());

  it('creates a run once, reads it back, and answers undefined for an absent one', async () => {
    await ledger.createRun(run('20250225t132609z'));
    await expect(ledger.createRun(run('20250225t132609z', 'cleaned'))).rejects.toBeInstanceOf(ConflictError);
    expect(await ledger.getRun('20250225t132609z')).toEqual(run('20250225t132609z'));
    expect(await ledger.getRun('20250225t140000z')).toBeUndefined();
  });

  it('lists all runs oldest first, or only the most recent N', async () => {
    for (const id of ['20250225t140000z', '20250225t132609z', '20250225t150000z', '20250225t150000z_2'])
      await ledger.createRun(run(id));
    expect(ids(await ledger.listRuns())).toEqual([
      '20250225t132609z',
      '20250225t140000z',
      '20250225t150000z',
      '20250225t150000z_2',
    ]);
    expect(ids(await ledger.listRuns({ limit: 2 }))).toEqual(['20250225t150000z', '20250225t150000z_2']);
    expect(ids(await ledger.listRuns({ limit: 10 }))).toHaveLength(4);
    await expect(ledger.listRuns({ limit: 0 })).rejects.toBeInstanceOf(TypeError);
  });

  it('answers which runs wait at a stage (failed ones left out) and which are open (failed ones in, loaded ones out)', async () => {
    await ledger.createRun(run('20250225t132609z'));
    await ledger.createRun(run('20250225t132610z'));
    await ledger.createRun(run('20250225t132611z', 'cleaned'));
    await ledger.createRun(run('20250225t132612z', 'loaded'));
    await ledger.updateRun('20250225t132610z', (r) => ({ ...r, failed }));
    expect(ids(await ledger.runsAt('extracted'))).toEqual(['20250225t132609z']);
    expect(ids(await ledger.runsAt('cleaned'))).toEqual(['20250225t132611z']);
    expect(ids(await ledger.runsAt('loaded'))).toEqual([]);
    expect(ids(await ledger.openRuns())).toEqual(['20250225t132609z', '20250225t132610z', '20250225t132611z']);
  });

  it('keeps the index in step with the stage: a loaded run leaves it, a run taken back from loaded returns', async () => {
    await ledger.createRun(run('20250225t132609z', 'transformed'));
    expect(ids(await ledger.runsAt('transformed'))).toEqual(['20250225t132609z']);
    const loaded = await ledger.updateRun('20250225t132609z', (r) => ({ ...r, stage: 'loaded' }));
    expect(loaded.stage).toBe('loaded');
    expect(await ledger.openRuns()).toEqual([]);
    await ledger.updateRun('20250225t132609z', (r) => ({ ...r, stage: 'transformed' }));
    expect(ids(await ledger.runsAt('transformed'))).toEqual(['20250225t132609z']);
  });

  it('refuses to update a run that does not exist', async () => {
    await expect(ledger.updateRun('20250225t132609z', (r) => r)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('grants each run id to one claim, and never an id a run already has', async () => {
    await ledger.reserveRun('20250225t132609z');
    await expect(ledger.reserveRun('20250225t132609z')).rejects.toBeInstanceOf(ConflictError);
    await ledger.createRun(run('20250225t140000z', 'cleaned'));
    await expect(ledger.reserveRun('20250225t140000z')).rejects.toBeInstanceOf(ConflictError);
    await ledger.createRun(run('20250225t150000z', 'loaded'));
    await expect(ledger.reserveRun('20250225t150000z')).rejects.toBeInstanceOf(ConflictError);
    // A claim is not a run, and a refused claim on a loaded run does not reopen it.
    expect(ids(await ledger.openRuns())).toEqual(['20250225t140000z']);
    expect(ids(await ledger.listRuns())).toEqual(['20250225t140000z', '20250225t150000z']);
  });

  it('lets exactly one of concurrent claims of an id win', async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => ledger.reserveRun('20250225t132609z')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
  });

  it('turns a claim into a run, and releases a claim that never became one', async () => {
    await ledger.reserveRun('20250225t132609z');
    await ledger.createRun(run('20250225t132609z'));
    await ledger.releaseRun('20250225t132609z'); // a created run keeps its place in the index
    expect(ids(await ledger.runsAt('extracted'))).toEqual(['20250225t132609z']);

    await ledger.reserveRun('20250225t140000z');
    await ledger.releaseRun('20250225t140000z');
    await ledger.releaseRun('20250225t140000z'); // idempotent
    await ledger.reserveRun('20250225t140000z'); // free again
  });

  it('keeps a young claim and drops one abandoned for longer than the claim timeout', async () => {
    await ledger.openRuns(); // index the (empty) ledger
    await ledger.reserveRun('20250225t132609z');
    subject.advance(HOUR / 2);
    expect(await ledger.openRuns()).toEqual([]);
    await expect(ledger.reserveRun('20250225t132609z')).rejects.toBeInstanceOf(ConflictError);
    subject.advance(HOUR);
    expect(await ledger.openRuns()).toEqual([]);
    await ledger.reserveRun('20250225t132609z'); // the abandoned claim is gone
  });

  it('works on a ledger written before the index: indexes it on the first read, then reads through the index', async () => {
    subject.writeLegacy(run('20250225t120000z', 'loaded'));
    subject.writeLegacy(run('20250225t130000z', 'cleaned'));
    subject.writeLegacy(run('20250225t140000z', 'extracted', { failed }));
    subject.writeLegacy(run('20250225t150000z', 'extracted'));
    const listRuns = jest.spyOn(ledger, 'listRuns');

    expect(ids(await ledger.runsAt('extracted'))).toEqual(['20250225t150000z']);
    expect(listRuns).toHaveBeenCalledTimes(1); // the one full read that builds the index

    expect(ids(await ledger.openRuns())).toEqual(['20250225t130000z', '20250225t140000z', '20250225t150000z']);
    expect(ids(await ledger.runsAt('cleaned'))).toEqual(['20250225t130000z']);
    expect(listRuns).toHaveBeenCalledTimes(1);
    // An id of a legacy run is taken, loaded or not.
    await expect(ledger.reserveRun('20250225t120000z')).rejects.toBeInstanceOf(ConflictError);
    await expect(ledger.reserveRun('20250225t150000z')).rejects.toBeInstanceOf(ConflictError);
  });

  it('reads as many records for the waiting runs with 100 loaded runs in history as with none', async () => {
    const recordsRead = async (history: number): Promise<number> => {
      const fresh = make();
      try {
        for (let i = 0; i < history; i++) {
          const id = `20250101t${String(Math.floor(i / 60)).padStart(4, '0')}${String(i % 60).padStart(2, '0')}z`;
          await fresh.ledger.createRun(run(id, 'transformed'));
          await fresh.ledger.updateRun(id, (r) => ({ ...r, stage: 'loaded' }));
        }
        await fresh.ledger.createRun(run('20250225t132609z', 'extracted'));
        await fresh.ledger.createRun(run('20250225t132610z', 'transformed', { failed }));
        await fresh.ledger.openRuns(); // the one-time indexing of a ledger that has never been read
        const getRun = jest.spyOn(fresh.ledger, 'getRun');
        const listRuns = jest.spyOn(fresh.ledger, 'listRuns');
        expect(ids(await fresh.ledger.runsAt('extracted'))).toEqual(['20250225t132609z']);
        expect(ids(await fresh.ledger.openRuns())).toEqual(['20250225t132609z', '20250225t132610z']);
        expect(listRuns).not.toHaveBeenCalled();
        return getRun.mock.calls.length;
      } finally {
        fresh.done();
      }
    };
    const withHistory = await recordsRead(100);
    const without = await recordsRead(0);
    expect(without).toBeGreaterThan(0);
    expect(withHistory).toBe(without);
  });

  it('advances watermarks only from the version it read', async () => {
    expect(await ledger.getWatermarks()).toEqual({ watermarks: {}, version: null });
    await ledger.putWatermarks(
      { address: { lastUpdated: '2022-11-03T14:20:49.962', windowKeys: ['1@2022-11-03T14:20:49.962'] } },
      null,
    );
    const second = await ledger.getWatermarks();
    expect(second.watermarks.address.lastUpdated).toBe('2022-11-03T14:20:49.962');
    await expect(ledger.putWatermarks({}, null)).rejects.toBeInstanceOf(ConflictError);
    await ledger.putWatermarks({}, second.version);
    expect((await ledger.getWatermarks()).watermarks).toEqual({});
  });
});
