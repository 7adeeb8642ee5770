/**
 * RunLedger as small JSON objects in a lake bucket (docs/architecture.md "Events"):
 *
 *   <prefix>runs/<run>.json     one RunRecord per run
 *   <prefix>open/<run>.json     one marker per open run (claimed, or not yet loaded)
 *   <prefix>open/_complete.json the open-runs index covers every run (written once)
 *   <prefix>watermarks.json     the extraction watermarks
 *
 * Every write is an S3 conditional write, so two concurrent invocations can
 * never both win: a new run uses `If-None-Match: *`, an update or a watermark
 * advance uses `If-Match: <ETag read>`. S3 answers 412 PreconditionFailed
 * (or 409 ConditionalRequestConflict while another conditional write is in
 * flight) to the loser, which becomes a ConflictError (transient). The
 * version handed out by getWatermarks is the object's ETag. (S3 User Guide,
 * "How to prevent object overwrites with conditional writes".)
 *
 * The open-runs index keeps the jobs' reads bounded by the runs still
 * waiting: `runsAt` and `openRuns` list `open/` and read only those records.
 * It is kept in step with the records in an order that can leave a spare
 * marker but never miss an open run:
 *
 *   - claim (reserveRun): marker with `If-None-Match: *` (the id is free of
 *     open runs and other claims), then a read of the record (a loaded run has
 *     no marker, so a record there means the id is taken);
 *   - create: the marker (plain put, idempotent), then the record with
 *     `If-None-Match: *`;
 *   - reaching `loaded`: the record first (If-Match), then DeleteObject of the
 *     marker (S3 answers 204 for a key that is already gone); leaving
 *     `loaded` (a repair): the marker first, then the record;
 *   - readers drop, best effort, a marker whose record is loaded, or absent for
 *     longer than `claimTimeoutMs` (a claim whose job died before releasing it).
 *
 * A ledger written before the index existed has no `open/_complete.json`: the
 * first read that finds it missing lists `runs/` once, writes a marker per run
 * not yet loaded, then writes `_complete.json` (If-None-Match), so later reads
 * go through the index. A reader without write access (the sweep) still
 * answers from that one full read; the next writer's read persists the index.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ConflictError, NotFoundError, TerminalError } from '../../core/errors';
import { RUN_STAGES, type RunStage } from '../../definition/run-stages';
import type { RunClaims, RunLedger, RunRecord, Watermarks } from '../../core/ports';
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

/** Default time after which a claim with no record counts as abandoned (a Lambda runs at most 15 minutes). */
const CLAIM_TIMEOUT_MS = 60 * 60_000;

/** The marker that says the open-runs index is complete (not a run id: run ids start with a digit). */
const INDEX_COMPLETE = '_complete.json';

/** Options of an S3RunLedger beyond where it lives. */
export interface S3RunLedgerOptions {
  /** Read-change-write attempts in updateRun before a ConflictError. Default 3. */
  maxUpdateAttempts?: number;
  /** A claim whose record is still absent after this many milliseconds is dropped from the index. Default one hour. */
  claimTimeoutMs?: number;
  /** The clock the claim timeout is measured on. Default the system clock. */
  now?: () => Date;
}

function isConflict(error: unknown): boolean {
  return isS3PreconditionFailed(error) || awsErrorName(error) === 'ConditionalRequestConflict';
}

/** RunLedger as JSON objects in S3 with conditional writes (module comment). */
export class S3RunLedger implements RunLedger, RunClaims {
  /**
   * @param client S3 client
   * @param bucket the bucket holding the ledger (the raw zone bucket by default in the stacks)
   * @param prefix key prefix, ending with `/`. Default LEDGER_PREFIX (`_ledger/`).
   * @param options update attempts, claim timeout, clock ({@link S3RunLedgerOptions})
   */
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = LEDGER_PREFIX,
    options: S3RunLedgerOptions = {},
  ) {
    this.maxUpdateAttempts = options.maxUpdateAttempts ?? 3;
    this.claimTimeoutMs = options.claimTimeoutMs ?? CLAIM_TIMEOUT_MS;
    this.now = options.now ?? (() => new Date());
  }

  private readonly maxUpdateAttempts: number;
  private readonly claimTimeoutMs: number;
  private readonly now: () => Date;

  private get openPrefix(): string {
    return `${this.prefix}open/`;
  }

  private markerKey(runId: string): string {
    return `${this.openPrefix}${assertRunId(runId)}.json`;
  }

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
  private async write(
    key: string,
    body: unknown,
    condition: { IfNoneMatch: '*' } | { IfMatch: string } | Record<string, never>,
    conflict: string,
  ) {
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

  /** Deletes an object; S3 answers 204 whether or not it existed. */
  private async remove(key: string): Promise<void> {
    await awsCall(`ledger DeleteObject s3://${this.bucket}/${key}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  /** Lists every key under `prefix` (all pages), with its last modification time. */
  private async listKeys(prefix: string): Promise<{ key: string; modified: Date | undefined }[]> {
    const found: { key: string; modified: Date | undefined }[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`ledger ListObjectsV2 s3://${this.bucket}/${prefix}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) found.push({ key: o.Key, modified: o.LastModified });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Reads records, 16 at a time; an absent one comes back undefined. */
  private async readRuns(runIds: string[]): Promise<(RunRecord | undefined)[]> {
    const out: (RunRecord | undefined)[] = [];
    for (let i = 0; i < runIds.length; i += READ_CONCURRENCY) {
      out.push(...(await Promise.all(runIds.slice(i, i + READ_CONCURRENCY).map((id) => this.getRun(id)))));
    }
    return out;
  }

  /**
   * Claims `runId`: writes its marker with If-None-Match (412 → someone holds
   * the id), then reads the record; a record there (a loaded run, which has no
   * marker) means the id is taken, and the marker is removed again unless that
   * run is still open (then the marker is right to be there). ConflictError
   * when the id is taken.
   */
  async reserveRun(runId: string): Promise<void> {
    const marker = this.markerKey(runId);
    await this.write(marker, { runId }, { IfNoneMatch: '*' }, `run id ${runId} is claimed by another run`);
    const existing = await this.getRun(runId);
    if (existing) {
      // Best effort: a marker left on a loaded run is dropped by the next reader.
      if (existing.stage === 'loaded') await this.remove(marker).catch(() => undefined);
      throw new ConflictError(`run ${runId} already exists in the ledger`);
    }
  }

  /** Removes the marker of a claim whose record was never written; a run that exists keeps it. */
  async releaseRun(runId: string): Promise<void> {
    if (await this.getRun(runId)) return;
    await this.remove(this.markerKey(runId));
  }

  /**
   * Writes the run's marker (unless it is loaded), then `runs/<run>.json` with
   * If-None-Match; ConflictError when the run exists (a spare marker left by
   * that is dropped by the next reader once the run is loaded).
   */
  async createRun(run: RunRecord): Promise<void> {
    if (run.stage !== 'loaded') {
      await this.write(this.markerKey(run.runId), { runId: run.runId }, {}, `could not index run ${run.runId}`);
    }
    await this.write(this.runKey(run.runId), run, { IfNoneMatch: '*' }, `run ${run.runId} already exists in the ledger`);
  }

  /** The run's record, or undefined when there is none. */
  async getRun(runId: string): Promise<RunRecord | undefined> {
    const key = this.runKey(runId);
    const found = await this.read(key);
    return found ? this.parseRun(found.json, key) : undefined;
  }

  /**
   * Run records, oldest run id first: every one (the listing's pages, read 16
   * at a time), or the `limit` most recent ones (the whole key listing, but
   * only `limit` records read). Throws TypeError for a limit that is not a
   * positive integer.
   */
  async listRuns(options: { limit?: number } = {}): Promise<RunRecord[]> {
    const { limit } = options;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new TypeError(`limit must be a positive integer: ${limit}`);
    const prefix = `${this.prefix}runs/`;
    let ids = (await this.listKeys(prefix)).map((o) => o.key.slice(prefix.length, -'.json'.length)).sort();
    if (limit !== undefined) ids = ids.slice(-limit);
    return (await this.readRuns(ids)).filter((r): r is RunRecord => r !== undefined).sort(byRunId);
  }

  /**
   * Runs not yet loaded, oldest first, through the open-runs index (module
   * comment): one listing of `open/` and one GetObject per marker. Builds the
   * index first when it is missing.
   */
  async openRuns(): Promise<RunRecord[]> {
    const listed = await this.listKeys(this.openPrefix);
    if (!listed.some((o) => o.key === `${this.openPrefix}${INDEX_COMPLETE}`)) return this.buildIndex(listed);
    const markers = listed.filter((o) => !o.key.endsWith(`/${INDEX_COMPLETE}`));
    const ids = markers.map((o) => o.key.slice(this.openPrefix.length, -'.json'.length));
    const records = await this.readRuns(ids);
    const open: RunRecord[] = [];
    const now = this.now().getTime();
    for (const [i, record] of records.entries()) {
      if (record && record.stage !== 'loaded') {
        open.push(record);
        continue;
      }
      const modified = markers[i].modified?.getTime();
      const abandoned = !record && modified !== undefined && now - modified > this.claimTimeoutMs;
      if (record || abandoned) await this.remove(markers[i].key).catch(() => undefined); // best effort: a spare marker costs a read, nothing more
    }
    return open.sort(byRunId);
  }

  /**
   * Every marker of the open-runs index (claims and open runs alike) with
   * its LastModified, UTC (core/ports.ts RunClaims): one listing of `open/`,
   * every page. Writes nothing.
   */
  async claims(): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for (const o of await this.listKeys(this.openPrefix)) {
      if (o.key.endsWith(`/${INDEX_COMPLETE}`)) continue;
      // A listing without a time (S3 always sends one) counts as claimed now: never taken for an abandoned claim.
      out.set(o.key.slice(this.openPrefix.length, -'.json'.length), o.modified ?? this.now());
    }
    return out;
  }

  /**
   * Indexes a ledger written before the index existed: reads every record
   * once, writes the missing markers of runs not loaded, then the completion
   * marker. Writes are best effort (a reader may lack write access); the
   * completion marker is written only when every marker was.
   */
  private async buildIndex(listed: { key: string }[]): Promise<RunRecord[]> {
    const have = new Set(listed.map((o) => o.key));
    const open = (await this.listRuns()).filter((r) => r.stage !== 'loaded');
    let complete = true;
    for (const run of open) {
      const key = this.markerKey(run.runId);
      if (have.has(key)) continue;
      await this.write(key, { runId: run.runId }, {}, `could not index run ${run.runId}`).catch(() => (complete = false));
    }
    if (complete) {
      await this.write(
        `${this.openPrefix}${INDEX_COMPLETE}`,
        { since: this.now().toISOString() },
        { IfNoneMatch: '*' },
        'index completed meanwhile',
      ).catch(() => undefined);
    }
    return open;
  }

  /** Runs at `stage` with no failure recorded, oldest first (through the index). */
  async runsAt(stage: RunStage): Promise<RunRecord[]> {
    return (await this.openRuns()).filter((r) => r.stage === stage && !r.failed);
  }

  /**
   * Reads the run, applies `change`, writes it back with If-Match on the ETag
   * read. On a lost race it re-reads and re-applies `change` (so `change` must
   * be a pure function of the record), up to `maxUpdateAttempts` times, then
   * throws ConflictError. NotFoundError when the run does not exist. When the
   * run is now loaded, its index marker is deleted (best effort).
   */
  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const key = this.runKey(runId);
    for (let attempt = 1; ; attempt++) {
      const found = await this.read(key);
      if (!found) throw new NotFoundError(`no run ${runId} in the ledger`);
      const current = this.parseRun(found.json, key);
      const next = change(current);
      if (next.runId !== runId) throw new TerminalError(`a run update must not change the run id (${runId} → ${next.runId})`);
      // A loaded run taken back to an earlier stage (a repair) is open again: marker first, as on create.
      if (current.stage === 'loaded' && next.stage !== 'loaded') {
        await this.write(this.markerKey(runId), { runId }, {}, `could not index run ${runId}`);
      }
      try {
        await this.write(key, next, { IfMatch: found.etag }, `run ${runId} was changed by another writer`);
        // After the record: a loaded run leaves the index. A failed delete leaves a spare marker that readers drop.
        if (next.stage === 'loaded') await this.remove(this.markerKey(runId)).catch(() => undefined);
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

function byRunId(a: RunRecord, b: RunRecord): number {
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}
