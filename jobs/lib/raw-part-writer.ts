/**
 * Writes rows into a run's raw-zone part files (`<table>/run_id=<run>/part-NNNNN.jsonl.gz`,
 * DESIGN.md §3) as gzip JSON Lines, streaming: each part is piped to the
 * object store while rows arrive, and a new part starts every `partRows` rows.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';
import { keys } from './pipeline';
import type { ObjectStore, RawRow } from './ports';

export class RawPartWriter {
  private part = 0;
  private rowsInPart = 0;
  private current?: { gzip: ReturnType<typeof createGzip>; done: Promise<void> };
  /** Keys of the parts written so far, in order. */
  readonly files: string[] = [];
  /** Rows written so far. */
  rows = 0;

  /**
   * @param raw      the raw zone store
   * @param table    source table name (validated by the caller)
   * @param runId    the run the parts belong to
   * @param partRows rows per part file (default 100,000)
   */
  constructor(
    private readonly raw: ObjectStore,
    private readonly table: string,
    private readonly runId: string,
    private readonly partRows = 100_000,
  ) {}

  /** Appends rows, starting new parts as needed; waits when the gzip stream is full. */
  async write(rows: Iterable<RawRow>): Promise<void> {
    for (const row of rows) {
      if (!this.current || this.rowsInPart >= this.partRows) await this.startPart();
      const ok = this.current!.gzip.write(`${JSON.stringify(row)}\n`);
      this.rowsInPart++;
      this.rows++;
      if (!ok) {
        // Wait for room, but let a failed upload end the wait with its error instead of hanging.
        const { gzip, done } = this.current!;
        await Promise.race([once(gzip, 'drain'), done.then(() => undefined)]);
      }
    }
  }

  /** Finishes the last part; resolves when every part is stored. Returns the part keys. */
  async close(): Promise<string[]> {
    await this.endPart();
    return this.files;
  }

  private async startPart(): Promise<void> {
    await this.endPart();
    const key = keys.rawPart(this.table, this.runId, this.part++);
    const gzip = createGzip();
    const body = new PassThrough();
    gzip.pipe(body);
    this.files.push(key);
    this.rowsInPart = 0;
    this.current = { gzip, done: this.raw.putStream(key, body) };
    // Surface a failed upload on the next write instead of as an unhandled rejection.
    this.current.done.catch(() => undefined);
  }

  private async endPart(): Promise<void> {
    if (!this.current) return;
    const { gzip, done } = this.current;
    this.current = undefined;
    gzip.end();
    await done;
  }
}
