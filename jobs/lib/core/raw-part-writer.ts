/**
 * Writes rows into a run's raw-zone part files (`<table>/run_id=<run>/part-NNNNN.jsonl.gz`,
 * docs/architecture.md "Data contracts") as gzip JSON Lines, streaming: each part is piped to the
 * object store while rows arrive, and a new part starts every `partRows` rows.
 *
 * Parts are compressed at gzip level 1: a raw part is written once and read
 * once or twice, and level 1 is about four times faster than the default 6
 * for about a quarter more bytes (measured on ToteSys rows: ratio 6.8 vs 9.2).
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { createGzip, type ZlibOptions } from 'node:zlib';
import { keys } from '../definition/object-keys';
import type { ObjectStore, RawLinePage, RawRow } from './ports';

/**
 * Longest raw row the raw zone holds: 4 MiB (4,194,304 bytes) of JSON text, the
 * row's line in a part file without its newline. The raw catalog reads rows up
 * to this size (the DuckDB catalog's `RAW_MAX_OBJECT_BYTES` is the same
 * figure), so a longer row would make every read of its partition fail.
 * Ingest and extract reject a longer row where it enters, with a reason
 * (line-rejects.ts), and the writer refuses one.
 */
export const RAW_MAX_ROW_BYTES = 4 * 1024 * 1024;

/** Compression of raw parts (module comment). */
export const RAW_GZIP_OPTIONS = { level: 1, memLevel: 9 } as const;

/**
 * The gzip stream of a part: up to 4 MB of rendered pages may wait for the
 * compressor before a write waits, and each compression step takes a whole
 * page (256 KB of output), so the next pages are rendered while zlib
 * compresses on libuv's thread pool instead of the two taking turns
 * (`writableHighWaterMark` goes to the stream; Node's zlib types omit it).
 */
const GZIP_STREAM_OPTIONS = { ...RAW_GZIP_OPTIONS, chunkSize: 256 << 10, writableHighWaterMark: 4 << 20 } as ZlibOptions;

/**
 * Renders rows as a raw line page (ports.ts RawLinePage): each row's JSON
 * line (`JSON.stringify`), its `last_updated` text and its key text (the
 * value for a one-column key, the JSON array of the values for a composite one).
 * @throws TypeError when a row's `last_updated` is not a string.
 */
export function rawLinePage(rows: readonly RawRow[], key: readonly string[]): RawLinePage {
  const starts = new Array<number>(rows.length);
  const lastUpdated = new Array<string>(rows.length);
  const keyTexts = new Array<string>(rows.length);
  const lines = new Array<string>(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const stamp = row.last_updated;
    if (typeof stamp !== 'string') throw new TypeError('a row has no last_updated text');
    lines[i] = `${JSON.stringify(row)}\n`;
    starts[i] = at;
    at += Buffer.byteLength(lines[i]);
    lastUpdated[i] = stamp;
    keyTexts[i] = key.length === 1 ? String(row[key[0]]) : JSON.stringify(key.map((k) => row[k]));
  }
  return { text: Buffer.from(lines.join('')), starts, lastUpdated, keys: keyTexts };
}

/**
 * The page without the rows whose `drop` entry is true (same shape; `text`
 * holds only the kept lines).
 */
export function withoutRows(page: RawLinePage, drop: readonly boolean[]): RawLinePage {
  const parts: Buffer[] = [];
  const out: RawLinePage = { text: page.text, starts: [], lastUpdated: [], keys: [] };
  let at = 0;
  for (let i = 0; i < page.starts.length; i++) {
    if (drop[i]) continue;
    const end = i + 1 < page.starts.length ? page.starts[i + 1] : page.text.length;
    parts.push(page.text.subarray(page.starts[i], end));
    out.starts.push(at);
    out.lastUpdated.push(page.lastUpdated[i]);
    out.keys.push(page.keys[i]);
    at += end - page.starts[i];
  }
  out.text = Buffer.concat(parts, at);
  return out;
}

/**
 * Which lines of a page are over {@link RAW_MAX_ROW_BYTES} (newline not
 * counted): an array of flags, or undefined when none is.
 */
export function oversizeLines(page: Pick<RawLinePage, 'text' | 'starts'>): boolean[] | undefined {
  let flags: boolean[] | undefined;
  const n = page.starts.length;
  for (let i = 0; i < n; i++) {
    const end = i + 1 < n ? page.starts[i + 1] : page.text.length;
    if (end - page.starts[i] - 1 > RAW_MAX_ROW_BYTES) (flags ??= new Array<boolean>(n).fill(false))[i] = true;
  }
  return flags;
}

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

  /**
   * Appends rows, starting new parts as needed; waits when the gzip stream is full.
   * @throws RangeError when a row's JSON is over {@link RAW_MAX_ROW_BYTES} (callers reject such rows first)
   */
  async write(rows: Iterable<RawRow>): Promise<void> {
    for (const row of rows) {
      const line = JSON.stringify(row);
      if (line.length > RAW_MAX_ROW_BYTES / 3 && Buffer.byteLength(line) > RAW_MAX_ROW_BYTES) {
        throw new RangeError(
          `a row of ${this.table} is ${Buffer.byteLength(line)} bytes, over the raw row limit of ${RAW_MAX_ROW_BYTES}`,
        );
      }
      if (!this.current || this.rowsInPart >= this.partRows) await this.startPart();
      const ok = this.current!.gzip.write(`${line}\n`);
      this.rowsInPart++;
      this.rows++;
      if (!ok) {
        // Wait for room, but let a failed upload end the wait with its error instead of hanging.
        const { gzip, done } = this.current!;
        await Promise.race([once(gzip, 'drain'), done.then(() => undefined)]);
      }
    }
  }

  /**
   * Appends a page of rows already rendered as JSON lines, starting new parts
   * as needed (cut at row boundaries); one write per part touched, waiting
   * when the gzip stream is full.
   * @throws RangeError when a line is over {@link RAW_MAX_ROW_BYTES} (see {@link oversizeLines}; callers drop those first)
   */
  async writePage(page: Pick<RawLinePage, 'text' | 'starts'>): Promise<void> {
    const rows = page.starts.length;
    if (oversizeLines(page)) {
      throw new RangeError(`a row of ${this.table} is over the raw row limit of ${RAW_MAX_ROW_BYTES} bytes`);
    }
    let from = 0;
    while (from < rows) {
      if (!this.current || this.rowsInPart >= this.partRows) await this.startPart();
      const to = Math.min(rows, from + (this.partRows - this.rowsInPart));
      const text = page.text.subarray(page.starts[from], to < rows ? page.starts[to] : page.text.length);
      this.rowsInPart += to - from;
      this.rows += to - from;
      from = to;
      if (!this.current!.gzip.write(text)) {
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
    const gzip = createGzip(GZIP_STREAM_OPTIONS);
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
