/**
 * The run lifecycle (jobs/lib/core/run-lifecycle.ts) over the S3 ledger on the
 * in-memory S3: id claims under a clash without listing runs, the shared
 * failure behaviour of extract and ingest, failure marks and their clearing,
 * and reads whose cost does not grow with the ledger's history.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore } from '../../jobs/lib/adapters/aws/s3-object-store';
import { S3RunLedger } from '../../jobs/lib/adapters/aws/s3-run-ledger';
import { NotFoundError, TerminalError, TransientError } from '../../jobs/lib/core/errors';
import type { PipelineEvent } from '../../jobs/lib/definition/events';
import {
  advanceRun,
  claimRunId,
  clearFailure,
  discardRun,
  failedRuns,
  markRunFailed,
  pendingRuns,
  recordRun,
} from '../../jobs/lib/core/run-lifecycle';
import { sweep } from '../../jobs/sweep/sweep';
import { fakeS3 } from './aws/s3-fake';
import { recordingLogger } from './aws/helpers';

const s3 = mockClient(S3Client);
const NOW = new Date('2025-02-25T13:26:09.500Z');
const STAMP = '20250225t132609z';
const clock = { now: () => NOW };
let lake: ReturnType<typeof fakeS3>;
let ledger: S3RunLedger;

beforeEach(() => {
  s3.reset();
  lake = fakeS3(s3, 1000, () => NOW);
  ledger = new S3RunLedger(new S3Client({ region: 'eu-west-2' }), 'lake-raw', '_ledger/', { now: () => NOW });
});

const deps = () => ({ ledger, clock, logger: recordingLogger().logger });

describe('claimRunId', () => {
  it('takes the second’s stamp, then _2, _3 … past runs and claims that hold it, without listing runs', async () => {
    expect(await claimRunId(deps())).toBe(STAMP);
    // An open run holds STAMP, a loaded one STAMP_2.
    await recordRun(deps(), STAMP, { origin: 'extract', counts: { a: 1 } });
    await ledger.createRun({ ...(await ledger.getRun(STAMP))!, runId: `${STAMP}_2`, stage: 'loaded' });
    s3.resetHistory();
    expect(await claimRunId(deps())).toBe(`${STAMP}_3`);
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(0);
  });

  it('gives concurrent claims in one second distinct ids', async () => {
    const claimed = await Promise.all(Array.from({ length: 5 }, () => claimRunId(deps())));
    expect(new Set(claimed).size).toBe(5);
    expect([...claimed].sort()).toEqual([STAMP, `${STAMP}_2`, `${STAMP}_3`, `${STAMP}_4`, `${STAMP}_5`]);
  });

  it('gives up after the attempts with a TransientError (a later second has free ids)', async () => {
    for (let i = 0; i < 3; i++) await claimRunId(deps()); // claims still writing: STAMP, _2, _3
    await expect(claimRunId(deps(), 3)).rejects.toBeInstanceOf(TransientError);
    // Three attempts means three ids tried, no fourth.
    expect(
      s3
        .commandCalls(PutObjectCommand)
        .map((c) => c.args[0].input.Key)
        .filter((k) => k?.endsWith(`${STAMP}_4.json`)),
    ).toEqual([]);
  });
});

describe('making a run (extract and ingest)', () => {
  it('records a claimed run at stage extracted, with its counts and watermark range', async () => {
    const runId = await claimRunId(deps());
    const record = await recordRun(deps(), runId, {
      origin: 'extract',
      counts: { currency: 3 },
      watermarks: { currency: { from: null, to: '2022-11-03T14:20:49.962' } },
      at: '2025-02-25T13:26:09.400Z',
    });
    expect(record).toEqual({
      runId,
      origin: 'extract',
      stage: 'extracted',
      createdAt: '2025-02-25T13:26:09.400Z',
      updatedAt: '2025-02-25T13:26:09.400Z',
      history: { extracted: '2025-02-25T13:26:09.400Z' },
      counts: { extracted: { currency: 3 } },
      watermarks: { currency: { from: null, to: '2022-11-03T14:20:49.962' } },
    });
    expect(await ledger.runsAt('extracted')).toEqual([record]);
  });

  it('discards a run that failed before its record: parts removed, id free again, nothing recorded', async () => {
    const raw = new S3ObjectStore('raw', new S3Client({ region: 'eu-west-2' }), 'lake-raw');
    const runId = await claimRunId(deps());
    await raw.put(`currency/run_id=${runId}/part-00000.jsonl.gz`, 'x');
    await raw.put(`currency/run_id=${runId}_2/part-00000.jsonl.gz`, 'another run');
    await discardRun({ ledger, raw, logger: recordingLogger().logger }, 'ingest', runId, ['currency']);
    expect(lake.keys('lake-raw', 'currency/')).toEqual([`currency/run_id=${runId}_2/part-00000.jsonl.gz`]);
    expect(await ledger.listRuns()).toEqual([]);
    expect(await claimRunId(deps())).toBe(runId);
  });

  it('keeps the parts when told the folder may be another run’s, and never throws while discarding', async () => {
    const raw = new S3ObjectStore('raw', new S3Client({ region: 'eu-west-2' }), 'lake-raw');
    const runId = await claimRunId(deps());
    await raw.put(`currency/run_id=${runId}/part-00000.jsonl.gz`, 'x');
    await discardRun({ ledger, raw, logger: recordingLogger().logger }, 'extract', runId, ['currency'], true);
    expect(lake.keys('lake-raw', 'currency/')).toHaveLength(1);

    s3.on(DeleteObjectCommand).rejects(new Error('access denied'));
    const { logger, entries } = recordingLogger();
    await expect(discardRun({ ledger, raw, logger }, 'extract', runId, ['currency'])).resolves.toBeUndefined();
    expect(entries.filter((e) => e.level === 'warn').map((e) => e.message)).toEqual([
      'could not remove the part files of a failed run',
      'could not release the run id of a failed run',
    ]);
  });
});

describe('failure marks', () => {
  beforeEach(async () => {
    await recordRun(deps(), STAMP, { origin: 'ingest', counts: { currency: 1 } });
  });

  it('marks a run failed at its stage, out of the waiting runs, and clears it for a retry', async () => {
    expect(await markRunFailed(deps(), STAMP, 'transform:cleaned', new TerminalError('bad SQL'))).toBe(true);
    expect((await ledger.getRun(STAMP))!.failed).toEqual({ step: 'transform:cleaned', at: NOW.toISOString(), error: 'bad SQL' });
    expect(await ledger.runsAt('extracted')).toEqual([]);
    expect((await failedRuns(ledger)).map((r) => r.runId)).toEqual([STAMP]);
    expect(await pendingRuns(ledger)).toEqual([]);

    const cleared = await clearFailure(deps(), STAMP);
    expect(cleared).toEqual({
      runId: STAMP,
      cleared: true,
      stage: 'extracted',
      failed: { step: 'transform:cleaned', at: NOW.toISOString(), error: 'bad SQL' },
    });
    expect((await ledger.runsAt('extracted')).map((r) => r.runId)).toEqual([STAMP]);
    expect(await failedRuns(ledger)).toEqual([]);
  });

  it('says so, and writes nothing, when the run to clear is not failed; NotFoundError when there is no such run', async () => {
    s3.resetHistory();
    expect(await clearFailure(deps(), STAMP)).toEqual({ runId: STAMP, cleared: false, stage: 'extracted' });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    await expect(clearFailure(deps(), '20250225t140000z')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('never throws when the mark cannot be written (the step rethrows its own error)', async () => {
    s3.on(PutObjectCommand).rejects(
      Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
    );
    const { logger, entries } = recordingLogger();
    expect(await markRunFailed({ ledger, clock, logger }, STAMP, 'load', new Error('boom'))).toBe(false);
    expect(entries).toEqual([expect.objectContaining({ level: 'warn', message: 'could not mark the run failed' })]);
  });

  it('advances a run with its counts and drops a stale failure; a loaded run leaves the open runs', async () => {
    await markRunFailed(deps(), STAMP, 'load', new Error('boom'));
    const cleaned = await advanceRun(deps(), STAMP, 'cleaned', { counts: { currency: 1 }, rejects: { currency: 0 } });
    expect(cleaned).toMatchObject({
      stage: 'cleaned',
      counts: { extracted: { currency: 1 }, cleaned: { currency: 1 } },
      rejects: { currency: 0 },
    });
    expect(cleaned.failed).toBeUndefined();
    expect(cleaned.history.cleaned).toBe(NOW.toISOString());
    const loaded = await advanceRun(deps(), STAMP, 'loaded');
    expect(loaded.counts).toEqual(cleaned.counts);
    expect(await ledger.openRuns()).toEqual([]);
  });
});

describe('bounded reads', () => {
  /** S3 requests (GetObject + ListObjectsV2) a sweep and a step's read of waiting runs make, with `history` loaded runs behind them. */
  async function requestsWith(history: number): Promise<{ gets: number; lists: number }> {
    s3.reset();
    lake = fakeS3(s3, 1000, () => NOW);
    ledger = new S3RunLedger(new S3Client({ region: 'eu-west-2' }), 'lake-raw', '_ledger/', { now: () => NOW });
    for (let i = 0; i < history; i++) {
      const runId = `20250101t00${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}z`;
      await recordRun(deps(), runId, { origin: 'extract', counts: { a: 1 } });
      await advanceRun(deps(), runId, 'loaded', { counts: { a: 1 } });
    }
    await recordRun(deps(), '20250225t120000z', { origin: 'extract', counts: { a: 1 } });
    await recordRun(deps(), '20250225t120001z', { origin: 'ingest', counts: { a: 1 } });
    await markRunFailed(deps(), '20250225t120001z', 'transform:cleaned', new Error('bad'));
    await ledger.openRuns(); // the ledger's one-time indexing
    s3.resetHistory();

    const published: PipelineEvent[] = [];
    const result = await sweep(
      { thresholdMs: 0 },
      {
        ledger,
        events: { publish: async (e) => void published.push(e) },
        clock: { now: () => new Date(NOW.getTime() + 1000) },
        logger: recordingLogger().logger,
      },
    );
    expect(result.nudged).toEqual([{ stage: 'extracted', zone: 'raw', runs: ['20250225t120000z'] }]);
    expect((await ledger.runsAt('extracted')).map((r) => r.runId)).toEqual(['20250225t120000z']);
    return { gets: s3.commandCalls(GetObjectCommand).length, lists: s3.commandCalls(ListObjectsV2Command).length };
  }

  it('the sweep and runsAt make the same requests with 100 loaded runs in history as with none', async () => {
    const none = await requestsWith(0);
    const hundred = await requestsWith(100);
    expect(none.gets).toBeGreaterThan(0);
    expect(hundred).toEqual(none);
  });
});
