/**
 * RunLedger as small JSON objects in a lake bucket (DESIGN.md §4):
 *
 *   <prefix>runs/<run>.json     one RunRecord per run
 *   <prefix>watermarks.json     the extraction watermarks
 *
 * Every write is an S3 conditional write, so two concurrent invocations can
 * never both win: a new run uses `If-None-Match: *`, an update or a watermark
 * advance uses `If-Match: <ETag read>`. S3 answers 412 PreconditionFailed
 * (or 409 ConditionalRequestConflict while another conditional write is in
 * flight) to the loser, which becomes a ConflictError (transient). The
 * version handed out by getWatermarks is the object's ETag.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ConflictError, NotFoundError, TerminalError } from '../../core/errors';
import { RUN_STAGES, type RunStage } from '../../definition/run-stages';
import type { RunLedger, RunRecord, Watermarks } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { awsCall, awsErrorName, classifyAwsError } from './classify-aws-error';
import { LEDGER_PREFIX } from '../../definition/lambda-environment';
import { isS3NotFound, isS3PreconditionFailed, readBody } from './s3-object-store';

const runRecordSchema = z.looseObject({
  runId: z.string(),
  origin: z.enum(['extract', 'ingest']),
  stage: z.enum(RUN_STAGES),
  createdAt: z.string(),
  updatedAt: z.string(),
  history: z.record(z.string(), z.string()),
  counts: z.record(z.string(), z.record(z.string(), z.number())),
});

const watermarksSchema = z.record(z.string(), z.object({ lastUpdated: z.string(), windowKeys: z.array(z.string()) }));

/** Parallel GetObject calls when reading all runs. */
const READ_CONCURRENCY = 16;

function isConflict(error: unknown): boolean {
  return isS3PreconditionFailed(error) || awsErrorName(error) === 'ConditionalRequestConflict';
}

/** RunLedger as JSON objects in S3 with conditional writes (module comment). */
export class S3RunLedger implements RunLedger {
  /**
   * @param client S3 client
   * @param bucket the bucket holding the ledger (the raw zone bucket by default in the stacks)
   * @param prefix key prefix, ending with `/`. Default LEDGER_PREFIX (`_ledger/`).
   * @param maxUpdateAttempts read-change-write attempts in updateRun before a ConflictError. Default 3.
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = LEDGER_PREFIX,
    private readonly maxUpdateAttempts = 3,
  ) {}

  private runKey(runId: string): string {
    return `${this.prefix}runs/${assertRunId(runId)}.json`;
  }

  private get watermarksKey(): string {
    return `${this.prefix}watermarks.json`;
  }

  /** GetObject → parsed JSON and ETag, or undefined when absent. */
  private async read(key: string): Promise<{ json: unknown; etag: string } | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = (await readBody(out.Body)).toString('utf8');
      try {
        return { json: JSON.parse(text), etag: out.ETag ?? '' };
      } catch (error) {
        throw new TerminalError(`ledger object s3://${this.bucket}/${key} is not JSON`, { cause: error });
      }
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw classifyAwsError(error, `ledger GetObject s3://${this.bucket}/${key}`);
    }
  }

  /** PutObject with a condition; a lost race becomes ConflictError(`conflict`). */
  private async write(key: string, body: unknown, condition: { IfNoneMatch: '*' } | { IfMatch: string }, conflict: string) {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: JSON.stringify(body, null, 2),
          ContentType: 'application/json',
          ...condition,
        }),
      );
    } catch (error) {
      if (isConflict(error)) throw new ConflictError(conflict, { cause: error });
      throw classifyAwsError(error, `ledger PutObject s3://${this.bucket}/${key}`);
    }
  }

  private parseRun(json: unknown, key: string): RunRecord {
    const parsed = runRecordSchema.safeParse(json);
    if (!parsed.success) {
      throw new TerminalError(`ledger record s3://${this.bucket}/${key} is malformed: ${parsed.error.message}`);
    }
    return parsed.data as unknown as RunRecord;
  }

  /** Creates `runs/<run>.json` with If-None-Match; ConflictError when the run exists. */
  async createRun(run: RunRecord): Promise<void> {
    await this.write(this.runKey(run.runId), run, { IfNoneMatch: '*' }, `run ${run.runId} already exists in the ledger`);
  }

  /** The run's record, or undefined when there is none. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const key = this.runKey(runId);
    const found = await this.read(key);
    return found ? this.parseRun(found.json, key) : undefined;
  }

  /** Every run record (all pages of the listing, read 16 at a time), oldest run id first. */
  async listRuns(): Promise<RunRecord[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`ledger ListObjectsV2 s3://${this.bucket}/${this.prefix}runs/`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.prefix}runs/`, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const runs: RunRecord[] = [];
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => this.read(key).then((r) => ({ key, r }))));
      for (const { key, r } of batch) if (r) runs.push(this.parseRun(r.json, key));
    }
    return runs.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  }

  /** Runs at `stage` with no failure recorded, oldest first. */
  async runsAt(stage: RunStage): Promise<RunRecord[]> {
    return (await this.listRuns()).filter((r) => r.stage === stage && !r.failed);
  }

  /**
   * Reads the run, applies `change`, writes it back with If-Match on the ETag
   * read. On a lost race it re-reads and re-applies `change` (so `change` must
   * be a pure function of the record), up to `maxUpdateAttempts` times, then
   * throws ConflictError. NotFoundError when the run does not exist.
   */
  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const key = this.runKey(runId);
    for (let attempt = 1; ; attempt++) {
      const found = await this.read(key);
      if (!found) throw new NotFoundError(`no run ${runId} in the ledger`);
      const next = change(this.parseRun(found.json, key));
      if (next.runId !== runId) throw new TerminalError(`a run update must not change the run id (${runId} → ${next.runId})`);
      try {
        await this.write(key, next, { IfMatch: found.etag }, `run ${runId} was changed by another writer`);
        return next;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= this.maxUpdateAttempts) throw error;
      }
    }
  }

  /** The watermarks and their version (the object's ETag), or `{}` / null when none were written yet. */
  async getWatermarks(): Promise<{ watermarks: Watermarks; version: string | null }> {
    const found = await this.read(this.watermarksKey);
    if (!found) return { watermarks: {}, version: null };
    const parsed = watermarksSchema.safeParse(found.json);
    if (!parsed.success) throw new TerminalError(`ledger watermarks are malformed: ${parsed.error.message}`);
    return { watermarks: parsed.data, version: found.etag };
  }

  /**
   * Writes the watermarks if they are still at `expectedVersion`: If-None-Match
   * when null (first advance), If-Match: <ETag> otherwise. ConflictError when
   * another invocation advanced them first.
   */
  async putWatermarks(next: Watermarks, expectedVersion: string | null): Promise<void> {
    const condition = expectedVersion === null ? { IfNoneMatch: '*' as const } : { IfMatch: expectedVersion };
    await this.write(this.watermarksKey, next, condition, 'watermarks were advanced by another writer');
  }
}
