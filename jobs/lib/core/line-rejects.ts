/**
 * Lines rejected before the cleaned zone: a landed line ingest could not turn
 * into a row (malformed, not UTF-8, not an object, a nested value, too long),
 * or a source row extract could not write (too long). They are written to the
 * raw zone as JSON Lines at `_rejects/<table>/run_id=<run>/<stage>-00000.jsonl`
 * (object-keys.ts `keys.lineRejects`), one record a line, and the rest of the
 * run goes on (docs/architecture.md "Landing").
 */
import { keys } from '../definition/object-keys';
import type { ObjectStore } from './ports';

/** Longest `original` text a reject record keeps, in UTF-16 code units (64 Ki): longer text is cut and the reason says so. */
export const REJECT_ORIGINAL_MAX_CHARS = 64 * 1024;

/** One rejected line as the step found it. */
export interface LineReject {
  /**
   * Where it was: the 1-based line in a JSON Lines or CSV file (a CSV header is
   * line 1; a CSV record spanning lines gives its last line), the 1-based
   * element of a JSON array, the 1-based row of a Parquet file or of an extract.
   */
  line: number;
  /** Why it was rejected, in words. */
  reason: string;
  /** The line's text as it was (for bytes that are not UTF-8: decoded with U+FFFD for each bad byte). */
  original: string;
}

/** A reject record as stored, one JSON object per line (the shape the rejects catalog table reads). */
export interface LineRejectRecord {
  run_id: string;
  table: string;
  stage: 'ingest' | 'extract';
  /** The landed file's key (`landing/<table>/<file>`), or `source:<table>` for an extract. */
  file: string;
  line: number;
  reason: string;
  original: string;
}

/**
 * A reject with its original text cut to {@link REJECT_ORIGINAL_MAX_CHARS}
 * (the reason then says how long it was), so a reject record stays well under
 * the raw row limit and any JSON reader can read it.
 */
export function lineReject(line: number, reason: string, original: string): LineReject {
  if (original.length <= REJECT_ORIGINAL_MAX_CHARS) return { line, reason, original };
  return {
    line,
    reason: `${reason} (original text cut to its first ${REJECT_ORIGINAL_MAX_CHARS} of ${original.length} characters)`,
    original: original.slice(0, REJECT_ORIGINAL_MAX_CHARS),
  };
}

/**
 * Writes a run's rejected lines of one table and stage to the raw zone.
 *
 * @returns the key written (`_rejects/<table>/run_id=<run>/<stage>-00000.jsonl`), or undefined when `rejects` is empty
 * @throws the store's errors
 */
export async function writeLineRejects(
  raw: ObjectStore,
  where: { runId: string; table: string; stage: LineRejectRecord['stage']; file: string },
  rejects: readonly LineReject[],
): Promise<string | undefined> {
  if (!rejects.length) return undefined;
  const key = keys.lineRejects(where.table, where.runId, where.stage);
  const lines = rejects.map((r) => {
    const record: LineRejectRecord = {
      run_id: where.runId,
      table: where.table,
      stage: where.stage,
      file: where.file,
      line: r.line,
      reason: r.reason,
      original: r.original,
    };
    return `${JSON.stringify(record)}\n`;
  });
  await raw.put(key, lines.join(''));
  return key;
}
