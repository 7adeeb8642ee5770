/**
 * Durations in settings (`LAKEHOUSE_LOOKBACK`, `--every`, the sweep threshold).
 */

/**
 * Parses a duration such as `90s`, `5m`, `2h`, `1d`, `250ms`, or a bare number
 * of milliseconds.
 *
 * @returns milliseconds, rounded to a whole number
 * @throws Error naming the text when it is not a duration
 */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}
