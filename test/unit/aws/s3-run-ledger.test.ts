import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ConflictError, NotFoundError, TerminalError } from '../../../jobs/lib/core/errors';
import type { RunRecord } from '../../../jobs/lib/core/ports';
import { S3RunLedger } from '../../../jobs/lib/adapters/aws/s3-run-ledger';
import { awsError, sdkBody } from './helpers';

const s3 = mockClient(S3Client);
const ledger = () => new S3RunLedger(new S3Client({ region: 'eu-west-2' }), 'lake-raw');

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

beforeEach(() => s3.reset());

describe('S3RunLedger', () => {
  it('creates a run with If-None-Match under _ledger/runs/, and a second create is a ConflictError', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectCommand, { Key: '_ledger/runs/20250225t132609z.json' })
      .resolvesOnce({})
      .rejectsOnce(awsError('PreconditionFailed', 412));
    await ledger().createRun(run('20250225t132609z'));
    // The open-runs marker goes first, so an open run is never missing from the index.
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      '_ledger/open/20250225t132609z.json',
      '_ledger/runs/20250225t132609z.json',
    ]);
    const input = s3.commandCalls(PutObjectCommand)[1].args[0].input;
    expect(input).toMatchObject({ Bucket: 'lake-raw', Key: '_ledger/runs/20250225t132609z.json', IfNoneMatch: '*' });
    expect(JSON.parse(String(input.Body))).toEqual(run('20250225t132609z'));
    await expect(ledger().createRun(run('20250225t132609z'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists its claims: every open-runs marker over all pages with its LastModified, not the completion marker', async () => {
    const at = new Date('2025-02-25T13:26:10.000Z');
    s3.on(ListObjectsV2Command, { Prefix: '_ledger/open/' })
      .resolvesOnce({
        Contents: [
          { Key: '_ledger/open/20250225t132609z.json', LastModified: at },
          { Key: '_ledger/open/_complete.json', LastModified: at },
        ],
        IsTruncated: true,
        NextContinuationToken: 'page-2',
      })
      .resolvesOnce({ Contents: [{ Key: '_ledger/open/20250225t140000z_2.json', LastModified: at }], IsTruncated: false });
    expect(await ledger().claims()).toEqual(
      new Map([
        ['20250225t132609z', at],
        ['20250225t140000z_2', at],
      ]),
    );
    expect(s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.ContinuationToken)).toEqual([undefined, 'page-2']);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('reads a run, and an absent run is undefined', async () => {
    s3.on(GetObjectCommand, { Key: '_ledger/runs/20250225t132609z.json' }).resolves({
      Body: sdkBody(JSON.stringify(run('20250225t132609z'))) as never,
      ETag: '"v1"',
    });
    s3.on(GetObjectCommand, { Key: '_ledger/runs/20250225t140000z.json' }).rejects(awsError('NoSuchKey', 404));
    expect(await ledger().getRun('20250225t132609z')).toEqual(run('20250225t132609z'));
    expect(await ledger().getRun('20250225t140000z')).toBeUndefined();
  });

  it('refuses a malformed record and a malformed run id', async () => {
    s3.on(GetObjectCommand).resolves({ Body: sdkBody('{"runId":"20250225t132609z","stage":"nowhere"}') as never, ETag: '"v"' });
    await expect(ledger().getRun('20250225t132609z')).rejects.toBeInstanceOf(TerminalError);
    await expect(ledger().getRun('../x')).rejects.toThrow(/not a run id/);
  });

  it('updates with If-Match on the ETag read, retrying the change on a lost race', async () => {
    const v1 = run('20250225t132609z');
    const v2 = run('20250225t132609z', 'extracted', { counts: { extracted: { sales_order: 4 } } });
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: sdkBody(JSON.stringify(v1)) as never, ETag: '"v1"' })
      .resolvesOnce({ Body: sdkBody(JSON.stringify(v2)) as never, ETag: '"v2"' });
    s3.on(PutObjectCommand).rejectsOnce(awsError('PreconditionFailed', 412)).resolvesOnce({});
    const updated = await ledger().updateRun('20250225t132609z', (r) => ({ ...r, stage: 'cleaned', updatedAt: 'later' }));
    expect(updated.stage).toBe('cleaned');
    expect(updated.counts).toEqual({ extracted: { sales_order: 4 } });
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.IfMatch)).toEqual(['"v1"', '"v2"']);
  });

  it('gives up with ConflictError after the attempts, and NotFoundError for a missing run', async () => {
    s3.on(GetObjectCommand, { Key: '_ledger/runs/20250225t132609z.json' }).resolves({
      Body: sdkBody(JSON.stringify(run('20250225t132609z'))) as never,
      ETag: '"v"',
    });
    s3.on(GetObjectCommand, { Key: '_ledger/runs/20250225t140000z.json' }).rejects(awsError('NoSuchKey', 404));
    s3.on(PutObjectCommand).rejects(awsError('ConditionalRequestConflict', 409));
    await expect(ledger().updateRun('20250225t132609z', (r) => r)).rejects.toBeInstanceOf(ConflictError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
    await expect(ledger().updateRun('20250225t140000z', (r) => r)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists every page of runs, oldest first, and filters runsAt by stage and failure', async () => {
    const records = [
      run('20250225t140000z', 'cleaned'),
      run('20250225t132609z', 'extracted'),
      run('20250225t150000z', 'extracted', { failed: { step: 'transform:cleaned', at: 'x', error: 'bad' } }),
    ];
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ IsTruncated: true, NextContinuationToken: 'n', Contents: [{ Key: '_ledger/runs/20250225t140000z.json' }] })
      .resolvesOnce({ Contents: [{ Key: '_ledger/runs/20250225t132609z.json' }, { Key: '_ledger/runs/20250225t150000z.json' }] });
    for (const r of records) {
      s3.on(GetObjectCommand, { Key: `_ledger/runs/${r.runId}.json` }).resolves({
        Body: sdkBody(JSON.stringify(r)) as never,
        ETag: '"e"',
      });
    }
    expect((await ledger().listRuns()).map((r) => r.runId)).toEqual(['20250225t132609z', '20250225t140000z', '20250225t150000z']);
    s3.on(ListObjectsV2Command).resolves({ Contents: records.map((r) => ({ Key: `_ledger/runs/${r.runId}.json` })) });
    expect((await ledger().runsAt('extracted')).map((r) => r.runId)).toEqual(['20250225t132609z']);
  });

  it('hands out the ETag as the watermark version and advances with If-Match (or If-None-Match the first time)', async () => {
    s3.on(GetObjectCommand)
      .rejectsOnce(awsError('NoSuchKey', 404))
      .resolvesOnce({
        Body: sdkBody(
          JSON.stringify({ sales_order: { lastUpdated: '2025-02-25T13:26:09.875', windowKeys: ['1@2025-02-25T13:26:09.875'] } }),
        ) as never,
        ETag: '"w1"',
      });
    expect(await ledger().getWatermarks()).toEqual({ watermarks: {}, version: null });
    const read = await ledger().getWatermarks();
    expect(read.version).toBe('"w1"');

    s3.on(PutObjectCommand).resolvesOnce({}).resolvesOnce({}).rejectsOnce(awsError('PreconditionFailed', 412));
    await ledger().putWatermarks(read.watermarks, null);
    await ledger().putWatermarks(read.watermarks, '"w1"');
    await expect(ledger().putWatermarks(read.watermarks, '"w1"')).rejects.toBeInstanceOf(ConflictError);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts[0]).toMatchObject({ Key: '_ledger/watermarks.json', IfNoneMatch: '*' });
    expect(puts[0].IfMatch).toBeUndefined();
    expect(puts[1]).toMatchObject({ Key: '_ledger/watermarks.json', IfMatch: '"w1"' });
  });

  it('lets exactly one of two concurrent watermark advances win', async () => {
    // S3 evaluates If-Match atomically: the first write changes the ETag, so the second gets 412.
    let etag = '"w1"';
    s3.on(PutObjectCommand).callsFake((input) => {
      if (input.IfMatch !== etag) throw awsError('PreconditionFailed', 412);
      etag = `"w${Number(etag.slice(2, -1)) + 1}"`;
      return {};
    });
    const results = await Promise.allSettled([
      ledger().putWatermarks({ a: { lastUpdated: '1', windowKeys: [] } }, '"w1"'),
      ledger().putWatermarks({ a: { lastUpdated: '2', windowKeys: [] } }, '"w1"'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
  });
});
