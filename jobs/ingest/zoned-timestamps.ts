/**
 * Timestamps with a zone in landed files. The source's convention (and the
 * raw zone's, docs/architecture.md "Data contracts") is zone-less text that
 * means UTC wall time (`2022-11-03T14:20:52.186`). Upstream systems often
 * write ISO 8601 with a zone instead (`2026-12-03T10:00:00Z`,
 * `2026-12-03T11:00:00+01:00`); ingest converts those to the same instant's
 * UTC wall time before the rows reach the raw zone, so every engine (DuckDB
 * and Athena alike) types them with the source's parser.
 */
import { SOURCE_TABLES } from '../lib/definition/tables';
import type { RawRow } from '../lib/core/ports';

const ZONED = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/i;

/**
 * The UTC wall time of an ISO 8601 timestamp with a zone, in the source's
 * form: `YYYY-MM-DDTHH:MM:SS` plus the fraction digits as given, no zone.
 * `2026-12-03T10:00:00Z` → `2026-12-03T10:00:00`; `2026-12-03T11:00:00.5+01:00`
 * → `2026-12-03T10:00:00.5`. Zones: `Z`, `±HH`, `±HHMM`, `±HH:MM` (up to ±23:59).
 *
 * @returns the converted text, or undefined when `text` has no zone or is not
 *   a real date and time (`2026-02-30T10:00:00Z` stays as landed, so the
 *   cleaned zone rejects it with its text)
 */
export function utcWallTime(text: string): string | undefined {
  const m = ZONED.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zulu, sign, oh, om = '00'] = m;
  const fields = [y, mo, d, h, mi, s].map(Number);
  const wall = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over to March; a real date and time reads back the same.
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] ||
    check.getUTCMinutes() !== fields[4] ||
    check.getUTCSeconds() !== fields[5]
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (!zulu) {
    if (Number(oh) > 23 || Number(om) > 59) return undefined;
    offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  }
  const utc = new Date(wall - offsetMinutes * 60_000);
  const year = utc.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  return `${utc.toISOString().slice(0, 19)}${fraction}`;
}

const TIMESTAMP_COLUMNS = new Map(
  SOURCE_TABLES.map((t) => [t.name, t.columns.filter((c) => c.type === 'timestamp').map((c) => c.name)]),
);

/**
 * The rows with every zoned timestamp of `table`'s timestamp columns (by the
 * table contract, definition/tables.ts) converted by {@link utcWallTime};
 * other values, and rows of a table without a contract, unchanged. Rows are
 * changed in place and returned.
 */
export function toUtcWallTimes(table: string, rows: RawRow[]): RawRow[] {
  const columns = TIMESTAMP_COLUMNS.get(table) ?? [];
  if (!columns.length) return rows;
  for (const row of rows) {
    for (const column of columns) {
      const value = row[column];
      if (typeof value !== 'string') continue;
      const converted = utcWallTime(value);
      if (converted !== undefined) row[column] = converted;
    }
  }
  return rows;
}
