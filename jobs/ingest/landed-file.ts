/**
 * The bytes of a file dropped under `landing/<table>/` (docs/architecture.md "Landing") turned
 * into raw rows, by the file's format as its name says: JSON Lines (`.jsonl`,
 * `.ndjson`), a JSON array of objects (`.json`), CSV with a header row
 * (`.csv`), each optionally gzipped (`.gz`), or Parquet (`.parquet`, see
 * parquet-rows.ts for how its types become raw values).
 *
 * Bad lines do not spoil the file (what COPY's and Snowpipe's
 * `ON_ERROR = CONTINUE` do): each is returned as a reject with its line
 * number, reason and original text, and the good rows go on. Only a file that
 * cannot be read at all is refused as a whole (see {@link readLandedFile}).
 */
import { gunzipSync } from 'node:zlib';
import { parse as parseCsvText } from 'csv-parse/sync';
import { TerminalError, errorMessage } from '../lib/core/errors';
import { lineReject, type LineReject } from '../lib/core/line-rejects';
import type { RawRow } from '../lib/core/ports';
import { RAW_MAX_ROW_BYTES } from '../lib/core/raw-part-writer';
import { parquetRows } from './parquet-rows';

/** How the text of a landed file is decoded: strict UTF-8 (the default) or Latin-1 (WHATWG `latin1`, i.e. windows-1252). */
export type LandingEncoding = 'utf-8' | 'latin1';

export interface LandedFileOptions {
  /** Text encoding of the text formats (`LAKEHOUSE_LANDING_ENCODING`); default `utf-8`. */
  encoding?: LandingEncoding;
}

/** A landed file read: its good rows in file order, and its rejected lines. */
export interface LandedFile {
  rows: RawRow[];
  /** The line (as in {@link LineReject.line}) of each row of `rows`. */
  lines: number[];
  rejects: LineReject[];
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = '\uFFFD';
const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Reads a landed file's bytes into row objects, in file order, and the lines
 * that cannot be rows.
 *
 * Every row must be an object whose column names are lower-case identifiers
 * (`[a-z_][a-z0-9_]*`) and whose values are strings, numbers, booleans or
 * null, at most {@link RAW_MAX_ROW_BYTES} bytes as JSON. JSON values are kept
 * as landed; a CSV field is a string, an empty one null (CSV cannot tell them
 * apart). A UTF-8 byte order mark at the start is skipped in every format.
 * Text must be valid in the declared encoding (strict UTF-8 by default): a
 * line with bytes that are not is rejected, never altered.
 *
 * Rejected, one line at a time: a JSON Lines line that is not JSON, not an
 * object, holds a nested value or a bad column name, is not valid UTF-8 or is
 * too long; a CSV record with more or fewer fields than the header or with a
 * stray quote; a JSON array element or Parquet row that is not a flat object
 * of identifier columns or is too long.
 *
 * @param name the file's name (its extension picks the format; case ignored)
 * @param body the file's bytes
 * @returns the rows and the rejects (both possibly empty)
 * @throws TerminalError when the file cannot be read at all: an unsupported
 *   extension, bytes that are not gzip (or are cut short), a `.json` that is
 *   not one JSON array, a CSV header with a bad or repeated column name, a
 *   file that is not Parquet or has a column with no raw form.
 */
export async function readLandedFile(name: string, body: Buffer, options: LandedFileOptions = {}): Promise<LandedFile> {
  const lower = name.toLowerCase();
  const gzipped = lower.endsWith('.gz');
  const base = lower.replace(/\.gz$/, '');
  let bytes: Buffer;
  try {
    bytes = gzipped ? gunzipSync(body) : body;
  } catch (error) {
    throw new TerminalError(`not valid gzip: ${errorMessage(error)}`, { cause: error });
  }
  if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
  const encoding = options.encoding ?? 'utf-8';
  const out: LandedFile = { rows: [], lines: [], rejects: [] };
  if (base.endsWith('.parquet')) {
    const rows = await parquetRows(bytes);
    for (let i = 0; i < rows.length; i++) take(out, rows[i], i + 1, () => JSON.stringify(rows[i]));
  } else if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) jsonLines(bytes, encoding, out);
  else if (base.endsWith('.json')) jsonArray(bytes, encoding, out);
  else if (base.endsWith('.csv')) csvRows(bytes, encoding, out);
  else
    throw new TerminalError(
      `unsupported file type: ${name} (use .jsonl, .ndjson, .json or .csv, optionally gzipped, or .parquet)`,
    );
  return out;
}

/**
 * Reads a landed file strictly: its rows, or a TerminalError naming the first
 * rejected line (`line 2 is not JSON: …`). For callers that want a file whole
 * or not at all (LAKEHOUSE_LANDING_ON_ERROR=quarantine_file).
 *
 * @throws TerminalError as {@link readLandedFile}, and for the first reject
 */
export async function parseLandedFile(name: string, body: Buffer, options: LandedFileOptions = {}): Promise<RawRow[]> {
  const file = await readLandedFile(name, body, options);
  const first = file.rejects[0];
  if (first) throw new TerminalError(`line ${first.line} ${first.reason}`);
  return file.rows;
}

/** Adds `value` as a row when it is one, else as a reject of `line`. */
function take(out: LandedFile, value: unknown, line: number, original: () => string): void {
  const problem = rowProblem(value);
  if (problem) {
    out.rejects.push(lineReject(line, problem, original()));
    return;
  }
  const json = JSON.stringify(value);
  if (json.length > RAW_MAX_ROW_BYTES / 3) {
    const size = Buffer.byteLength(json);
    if (size > RAW_MAX_ROW_BYTES) {
      out.rejects.push(lineReject(line, `is a row of ${size} bytes, over the raw row limit of ${RAW_MAX_ROW_BYTES}`, original()));
      return;
    }
  }
  out.rows.push(value as RawRow);
  out.lines.push(line);
}

/** Why a parsed value cannot be a raw row, or undefined when it can. */
function rowProblem(row: unknown): string | undefined {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return 'is not an object';
  for (const [column, value] of Object.entries(row)) {
    if (!COLUMN_NAME.test(column)) return `has a bad column name ${JSON.stringify(column)} (use [a-z_][a-z0-9_]*)`;
    if (typeof value === 'object' && value !== null) return `holds a nested value in column ${column}`;
  }
  return undefined;
}

/** `bytes` as text: strict UTF-8 (undefined when not valid) or Latin-1. */
function decode(bytes: Uint8Array, encoding: LandingEncoding): string | undefined {
  if (encoding === 'latin1') return new TextDecoder('latin1').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const NOT_UTF8 = 'is not valid UTF-8 text (declare another encoding with LAKEHOUSE_LANDING_ENCODING=latin1)';

/** One JSON value per non-blank line; each line decoded on its own, so a bad byte costs only its line. */
function jsonLines(bytes: Buffer, encoding: LandingEncoding, out: LandedFile): void {
  let start = 0;
  for (let n = 1; start <= bytes.length; n++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const lineBytes = bytes.subarray(start, end);
    start = end + 1;
    if (lineBytes.length > RAW_MAX_ROW_BYTES) {
      const reason = `is ${lineBytes.length} bytes long, over the raw row limit of ${RAW_MAX_ROW_BYTES}`;
      out.rejects.push(lineReject(n, reason, lossy(lineBytes)));
      continue;
    }
    const text = decode(lineBytes, encoding);
    if (text === undefined) {
      if (lossy(lineBytes).trim()) out.rejects.push(lineReject(n, NOT_UTF8, lossy(lineBytes)));
      continue;
    }
    const line = text.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      out.rejects.push(lineReject(n, `is not JSON: ${errorMessage(error)}`, text.replace(/\r$/, '')));
      continue;
    }
    take(out, value, n, () => text.replace(/\r$/, ''));
  }
}

/** Text decoded with U+FFFD for each byte that is not UTF-8 (for a reject's original only). */
function lossy(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes).replace(/\r$/, '');
}

/**
 * Text of a whole file, and whether an element or record holding U+FFFD must
 * be rejected as not UTF-8. Bytes that are not UTF-8 are decoded as U+FFFD;
 * when the file also holds a real U+FFFD the two cannot be told apart, and the
 * file is refused.
 */
function wholeText(bytes: Buffer, encoding: LandingEncoding): { text: string; badBytes: boolean } {
  const strict = decode(bytes, encoding);
  if (strict !== undefined) return { text: strict, badBytes: false };
  if (bytes.includes(Buffer.from(REPLACEMENT, 'utf8'))) {
    throw new TerminalError(
      'not valid UTF-8 text, and it also holds U+FFFD characters, so the bad rows cannot be told from the good ' +
        '(declare the encoding with LAKEHOUSE_LANDING_ENCODING=latin1 if it is Latin-1)',
    );
  }
  return { text: new TextDecoder('utf-8').decode(bytes), badBytes: true };
}

/** One JSON array of rows; an element is a "line" (its 1-based position). */
function jsonArray(bytes: Buffer, encoding: LandingEncoding, out: LandedFile): void {
  const { text, badBytes } = wholeText(bytes, encoding);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TerminalError(`not JSON: ${errorMessage(error)}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new TerminalError('a .json file must hold one JSON array of row objects');
  parsed.forEach((element, i) => {
    const original = () => JSON.stringify(element) ?? String(element);
    if (badBytes && original().includes(REPLACEMENT)) out.rejects.push(lineReject(i + 1, NOT_UTF8, original()));
    else take(out, element, i + 1, original);
  });
}

interface CsvRecord {
  record: string[];
  raw: string;
  info: { lines: number };
}

/** CSV whose header row names the columns; an empty field is a null. */
function csvRows(bytes: Buffer, encoding: LandingEncoding, out: LandedFile): void {
  const { text, badBytes } = wholeText(bytes, encoding);
  const physical = text.split('\n');
  const skipped: LineReject[] = [];
  let records: CsvRecord[];
  try {
    records = parseCsvText(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      raw: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error: { message: string; lines?: number } | undefined, chunk: string | undefined) => {
        const line = error?.lines ?? 0;
        const original = (line > 0 ? physical[line - 1] : undefined) ?? chunk ?? '';
        skipped.push(lineReject(line, `is not valid CSV: ${error?.message ?? 'unreadable record'}`, original.replace(/\r$/, '')));
      },
    }) as unknown as CsvRecord[];
  } catch (error) {
    throw new TerminalError(`not valid CSV: ${errorMessage(error)}`, { cause: error });
  }
  const [head, ...body] = records;
  if (!head) {
    out.rejects.push(...skipped);
    return;
  }
  const header = head.record.map((c) => c.trim());
  const bad = header.find((c) => !COLUMN_NAME.test(c));
  if (bad !== undefined) throw new TerminalError(`CSV header: bad column name ${JSON.stringify(bad)} (use [a-z_][a-z0-9_]*)`);
  const repeated = header.find((c, i) => header.indexOf(c) !== i);
  if (repeated !== undefined) throw new TerminalError(`CSV header: column ${repeated} appears twice`);
  for (const { record, raw, info } of body) {
    const original = raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (badBytes && raw.includes(REPLACEMENT)) out.rejects.push(lineReject(info.lines, NOT_UTF8, original));
    else if (record.length !== header.length) {
      const reason = `has ${record.length} field${record.length === 1 ? '' : 's'}, the header has ${header.length}`;
      out.rejects.push(lineReject(info.lines, reason, original));
    } else {
      const row = Object.fromEntries(header.map((c, i) => [c, record[i] === '' ? null : record[i]]));
      take(out, row, info.lines, () => original);
    }
  }
  out.rejects.push(...skipped);
  out.rejects.sort((a, b) => a.line - b.line);
}
