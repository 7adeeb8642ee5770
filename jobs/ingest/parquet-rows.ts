/**
 * Rows of a Parquet file dropped in the landing area, as raw-zone values: the
 * same forms the extract writes for a source row (docs/architecture.md "Data contracts", and
 * `SourceDb.streamChangedLines` in ports.ts), so a run ingested from Parquet
 * looks like one extracted from PostgreSQL.
 *
 * The file is read with hyparquet (pure JavaScript, no native code, so it runs
 * in a Lambda bundle as well as locally). hyparquet ships only as an ES
 * module, so it is loaded with a dynamic `import()`; under jest that needs
 * `--experimental-vm-modules`, which `npm test` passes. Page compression:
 * uncompressed, Snappy (hyparquet's own), GZIP and Brotli (node:zlib) and
 * ZSTD (fzstd); LZ4 and LZO are not supported (the file is rejected, with
 * the codec named).
 */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { Compressors, FileMetaData, ParquetParsers, SchemaElement, SchemaTree } from 'hyparquet';
import { TerminalError, errorMessage } from '../lib/core/errors';
import type { RawRow } from '../lib/core/ports';

type RawValue = RawRow[string];

/** Turns one decoded cell of a column into its raw value. */
type Cell = (value: unknown) => RawValue;

/** How each column's cells become raw values, and the metadata to read the file with. */
interface ReadPlan {
  columns: { name: string; cell: Cell }[];
  metadata: FileMetaData;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const MS_PER_DAY = 86_400_000;

/** Decompressors hyparquet lacks (it decodes Snappy itself). */
const COMPRESSORS: Compressors = {
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
};

/**
 * Parsers that hyparquet calls for timestamp, date and JSON columns: they
 * return the raw-zone text directly (the default ones return Date objects and
 * parsed JSON).
 */
const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => isoTimestamp(BigInt(ms), 1n),
  timestampFromMicroseconds: (us: bigint) => isoTimestamp(us, 1_000n),
  timestampFromNanoseconds: (ns: bigint) => isoTimestamp(ns, 1_000_000n),
  dateFromDays: (days: number) => new Date(days * MS_PER_DAY).toISOString().slice(0, 10),
  jsonFromBytes: (bytes: Uint8Array) => bytes && UTF8.decode(bytes),
};

/**
 * Reads a whole Parquet file into raw rows, in file order, one key per
 * top-level column (absent and null cells both become null).
 *
 * How Parquet types become raw values (the forms of docs/architecture.md "Data contracts"):
 * - integers (INT32, INT64, signed or unsigned, any width) → numbers; a
 *   64-bit value beyond ±(2^53 − 1) → its exact digits as a string (a JSON
 *   number would silently round it);
 * - DECIMAL (any physical form) → its exact digits as a string with `scale`
 *   fraction digits, like PostgreSQL's numeric text (`123.45`, `-0.05`);
 * - FLOAT, DOUBLE, FLOAT16 → numbers (NaN and ±Infinity → null, as JSON
 *   writes them); a FLOAT as the shortest decimal that reads back to the same
 *   32-bit value (`1.1`, not `1.100000023841858`);
 * - BOOLEAN → true/false;
 * - DATE → `YYYY-MM-DD`;
 * - TIMESTAMP (millis, micros, nanos, or legacy INT96) → `YYYY-MM-DDTHH:MM:SS.mmm`,
 *   no zone, finer digits truncated; a UTC-adjusted timestamp gives its UTC
 *   wall time (as the extract does for timestamptz);
 * - TIME → `HH:MM:SS.mmm` (finer digits truncated);
 * - STRING, ENUM, JSON (its text), UUID (`8-4-4-4-12` hex) and un-annotated
 *   BYTE_ARRAY that is valid UTF-8 → strings;
 * - a NULL-typed column → null.
 *
 * Types with no raw form are refused, naming the column: nested columns
 * (groups, LIST, MAP, repeated fields), VARIANT, BSON, INTERVAL, GEOMETRY,
 * GEOGRAPHY and binary data (un-annotated FIXED_LEN_BYTE_ARRAY, or
 * BYTE_ARRAY that is not UTF-8).
 *
 * @param body the file's bytes
 * @returns the rows (an empty array for a file with no rows)
 * @throws TerminalError when the bytes are not a readable Parquet file
 *   (`not valid Parquet: …`) or a column has no raw form (`column <name> …`).
 */
export async function parquetRows(body: Buffer): Promise<RawRow[]> {
  const hyparquet = await import('hyparquet');
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = hyparquet.parquetMetadata(file, { parsers: PARSERS, geoparquet: true });
  } catch (error) {
    throw new TerminalError(`not valid Parquet: ${errorMessage(error)}`, { cause: error });
  }
  const plan = readPlan(metadata, hyparquet.parquetSchema(metadata));
  let decoded: Record<string, unknown>[];
  try {
    decoded = await hyparquet.parquetReadObjects({
      file,
      metadata: plan.metadata,
      compressors: COMPRESSORS,
      parsers: PARSERS,
      // Byte arrays stay bytes; the column plan decides which are text (and decimals must not be decoded).
      utf8: false,
    });
  } catch (error) {
    throw new TerminalError(`not valid Parquet: ${errorMessage(error)}`, { cause: error });
  }
  return decoded.map((record) => {
    const row: RawRow = {};
    for (const { name, cell } of plan.columns) {
      const value = record[name];
      row[name] = value === null || value === undefined ? null : cell(value);
    }
    return row;
  });
}

/**
 * The cell converter of every top-level column, and the metadata to read with:
 * DECIMAL columns lose their annotation there, so hyparquet hands over the
 * unscaled integer (it would otherwise turn it into an inexact JS number).
 */
function readPlan(metadata: FileMetaData, root: SchemaTree): ReadPlan {
  const decimals = new Set<SchemaElement>();
  const columns = root.children.map((column) => {
    const { element } = column;
    const name = element.name;
    if (column.children.length > 0 || element.num_children || element.repetition_type === 'REPEATED') {
      throw new TerminalError(`column ${name} is nested (${kindOf(element)}); only flat columns have a raw form`);
    }
    const cell = cellOf(element);
    if (isDecimal(element)) decimals.add(element);
    return { name, cell };
  });
  const schema = metadata.schema.map((e) => (decimals.has(e) ? { ...e, converted_type: undefined, logical_type: undefined } : e));
  return { columns, metadata: { ...metadata, schema } };
}

/** A short name of an element's type, for messages. */
function kindOf(element: SchemaElement): string {
  return (
    element.logical_type?.type ??
    element.converted_type ??
    (element.num_children ? 'group' : (element.repetition_type ?? element.type ?? 'unknown'))
  );
}

function isDecimal(element: SchemaElement): boolean {
  return element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
}

/** The converter of one flat column's cells, by its type (see {@link parquetRows}). */
function cellOf(element: SchemaElement): Cell {
  const { name, type } = element;
  const logical = element.logical_type;
  const converted = element.converted_type;
  const noRawForm = (what: string): never => {
    throw new TerminalError(`column ${name} holds ${what}, which has no raw-zone form`);
  };

  if (isDecimal(element)) {
    const scale = logical?.type === 'DECIMAL' ? logical.scale : (element.scale ?? 0);
    return (v) => decimalText(unscaled(v, name), scale);
  }
  switch (logical?.type) {
    case 'STRING':
    case 'ENUM':
    case 'JSON':
      return (v) => text(v, name);
    case 'UUID':
    case 'DATE':
    case 'TIMESTAMP':
      return (v) => String(v);
    case 'TIME': {
      const unit = logical.unit;
      return (v) => timeText(BigInt(v as number | bigint), unit);
    }
    case 'NULL':
      return () => null;
    case 'INTEGER':
      return integer;
    case 'FLOAT16':
      return float;
    case undefined:
      break;
    default:
      // MAP, LIST, VARIANT, BSON, INTERVAL, GEOMETRY, GEOGRAPHY and any type added later.
      return noRawForm(String((logical as { type: unknown }).type));
  }
  switch (converted) {
    case 'UTF8':
    case 'ENUM':
    case 'JSON':
      return (v) => text(v, name);
    case 'DATE':
    case 'TIMESTAMP_MILLIS':
    case 'TIMESTAMP_MICROS':
      return (v) => String(v);
    case 'TIME_MILLIS':
      return (v) => timeText(BigInt(v as number), 'MILLIS');
    case 'TIME_MICROS':
      return (v) => timeText(BigInt(v as bigint), 'MICROS');
    case 'INT_8':
    case 'INT_16':
    case 'INT_32':
    case 'INT_64':
    case 'UINT_8':
    case 'UINT_16':
    case 'UINT_32':
    case 'UINT_64':
      return integer;
    case undefined:
      break;
    default:
      return noRawForm(converted);
  }
  switch (type) {
    case 'BOOLEAN':
      return (v) => Boolean(v);
    case 'INT32':
    case 'INT64':
      return integer;
    case 'INT96':
      return (v) => String(v);
    case 'FLOAT':
      return (v) => shortestFloat32(Number(v));
    case 'DOUBLE':
      return float;
    case 'BYTE_ARRAY':
      return (v) => text(v, name);
    default:
      return noRawForm(`binary data (${type ?? 'no type'})`);
  }
}

/** An integer cell: a number when it is a safe integer, else its exact digits. */
function integer(v: unknown): RawValue {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  return Number(v);
}

/** A floating-point cell: the number, or null when not finite (JSON has no NaN or Infinity). */
function float(v: unknown): RawValue {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The shortest decimal that reads back as the same 32-bit float (null when not finite). */
function shortestFloat32(n: number): RawValue {
  if (!Number.isFinite(n)) return null;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === n) return candidate;
  }
  return n;
}

/** A text cell: a string as decoded, or bytes that must be UTF-8. */
function text(v: unknown, column: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) {
    try {
      return UTF8.decode(v);
    } catch (error) {
      throw new TerminalError(`column ${column} holds binary data that is not UTF-8 text, which has no raw-zone form`, {
        cause: error,
      });
    }
  }
  return String(v);
}

/** A DECIMAL cell's unscaled value: INT32/INT64 as given, byte arrays as big-endian two's complement. */
function unscaled(v: unknown, column: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (v instanceof Uint8Array) {
    if (v.length === 0) return 0n;
    let n = 0n;
    for (const byte of v) n = (n << 8n) | BigInt(byte);
    return v[0] & 0x80 ? n - (1n << BigInt(v.length * 8)) : n;
  }
  throw new TerminalError(`column ${column}: unexpected decimal value ${String(v)}`);
}

/** `unscaled × 10^-scale` as exact decimal text (`12345`, 2 → `123.45`; `-5`, 2 → `-0.05`; `0`, 2 → `0.00`). */
export function decimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0 && value !== 0n) {
    digits += '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/** Floor division for bigints (rounds toward −∞, so instants before 1970 truncate the right way). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Epoch `ticks` (`perMs` ticks a millisecond) as `YYYY-MM-DDTHH:MM:SS.mmm`, finer digits truncated. */
function isoTimestamp(ticks: bigint, perMs: bigint): string {
  return new Date(Number(floorDiv(ticks, perMs))).toISOString().slice(0, -1);
}

/** Time of day in `unit` since midnight as `HH:MM:SS.mmm`, finer digits truncated. */
function timeText(ticks: bigint, unit: 'MILLIS' | 'MICROS' | 'NANOS'): string {
  const perMs = unit === 'MILLIS' ? 1n : unit === 'MICROS' ? 1_000n : 1_000_000n;
  return new Date(Number(floorDiv(ticks, perMs))).toISOString().slice(11, 23);
}
