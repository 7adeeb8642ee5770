/**
 * The bytes of a file dropped under `landing/<table>/` (docs/architecture.md "Data contracts") turned
 * into raw rows, by the file's format as its name says: JSON Lines (`.jsonl`,
 * `.ndjson`), a JSON array of objects (`.json`), CSV with a header row
 * (`.csv`), each optionally gzipped (`.gz`), or Parquet (`.parquet`, see
 * parquet-rows.ts for how its types become raw values).
 */
import { gunzipSync } from 'node:zlib';
import { parse as parseCsvText } from 'csv-parse/sync';
import { TerminalError, errorMessage } from '../lib/core/errors';
import type { RawRow } from '../lib/core/ports';
import { parquetRows } from './parquet-rows';

/**
 * Parses a landed file's bytes into row objects, in file order.
 *
 * Every row must be an object whose column names are lower-case identifiers
 * (`[a-z_][a-z0-9_]*`) and whose values are strings, numbers, booleans or
 * null. JSON values are kept as landed; a CSV field is a string, an empty one
 * null (CSV cannot tell them apart).
 *
 * @param name the file's name (its extension picks the format; case ignored)
 * @param body the file's bytes
 * @returns the rows (possibly none)
 * @throws TerminalError naming the problem: an unsupported extension, bytes
 *   that are not valid in the format (with the line for JSON Lines), a row that
 *   is not an object, a bad column name or a nested value.
 */
export async function parseLandedFile(name: string, body: Buffer): Promise<RawRow[]> {
  const lower = name.toLowerCase();
  const gzipped = lower.endsWith('.gz');
  const base = lower.replace(/\.gz$/, '');
  let bytes: Buffer;
  try {
    bytes = gzipped ? gunzipSync(body) : body;
  } catch (error) {
    throw new TerminalError(`not valid gzip: ${errorMessage(error)}`, { cause: error });
  }
  let rows: unknown[];
  if (base.endsWith('.parquet')) rows = await parquetRows(bytes);
  else if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) rows = jsonLines(bytes.toString('utf8'));
  else if (base.endsWith('.json')) rows = jsonArray(bytes.toString('utf8'));
  else if (base.endsWith('.csv')) rows = csvRows(bytes.toString('utf8'));
  else
    throw new TerminalError(
      `unsupported file type: ${name} (use .jsonl, .ndjson, .json or .csv, optionally gzipped, or .parquet)`,
    );
  return checkedRows(rows);
}

/** One JSON value per non-blank line. */
function jsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i + 1] as const)
    .filter(([line]) => line.length > 0)
    .map(([line, n]) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new TerminalError(`line ${n} is not JSON: ${errorMessage(error)}`, { cause: error });
      }
    });
}

/** One JSON array of rows. */
function jsonArray(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TerminalError(`not JSON: ${errorMessage(error)}`, { cause: error });
  }
  if (!Array.isArray(parsed)) throw new TerminalError('a .json file must hold one JSON array of row objects');
  return parsed;
}

/** CSV whose header row names the columns; an empty field is a null. */
function csvRows(text: string): unknown[] {
  try {
    return (parseCsvText(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[]).map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v])),
    );
  } catch (error) {
    throw new TerminalError(`not valid CSV: ${errorMessage(error)}`, { cause: error });
  }
}

/** The rows, once each is checked to be a flat object with identifier column names. */
function checkedRows(rows: unknown[]): RawRow[] {
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new TerminalError(`row ${i + 1} is not an object`);
    }
    for (const [column, value] of Object.entries(row)) {
      if (!/^[a-z_][a-z0-9_]*$/.test(column)) throw new TerminalError(`row ${i + 1}: bad column name ${JSON.stringify(column)}`);
      if (typeof value === 'object' && value !== null) {
        throw new TerminalError(`row ${i + 1}: column ${column} holds a nested value`);
      }
    }
  });
  return rows as RawRow[];
}
