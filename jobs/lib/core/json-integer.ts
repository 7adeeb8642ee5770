/**
 * How a 64-bit (or wider) integer from a database reaches JSON: the lake
 * (DuckDB BIGINT, HUGEINT) and the warehouse (PostgreSQL int8, e.g. `count(*)`)
 * give the same type, so `query --json` and `status --json` agree.
 */

/**
 * The integer written in `text` (decimal digits, optional sign) as a number
 * when it is within ±(2^53 − 1) (`Number.MAX_SAFE_INTEGER`), where a number
 * holds it exactly; beyond that the text itself, unchanged, so no digit is
 * lost. Text that is not an integer is returned unchanged.
 */
export function integerForJson(text: string): number | string {
  if (!/^-?\d+$/.test(text)) return text;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}
