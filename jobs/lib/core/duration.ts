/**
 * Durations in settings (`LAKEHOUSE_LOOKBACK`, `--every`, the sweep threshold).
 */

/** Where a duration came from, for error messages (`LAKEHOUSE_LOOKBACK`, `--every`). */
export interface DurationSetting {
  /** The option or variable the text was given in. */
  name: string;
  /** Whether zero is a valid value (a lookback of nothing is; a zero interval is not). Default false. */
  allowZero?: boolean;
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses a duration with a unit: `250ms`, `90s`, `5m`, `1.5h`, `2d`. A bare
 * number is refused, because its unit is a guess (`--every 60` read as
 * milliseconds looped back to back against the source); `0` alone is taken
 * as zero where zero is allowed.
 *
 * @returns milliseconds, rounded to a whole number
 * @throws Error naming the setting when the text has no unit, is not a
 *   duration, or is zero where zero is not allowed
 */
export function parseDuration(text: string, setting: DurationSetting): number {
  const trimmed = text.trim();
  const zeroAllowed = setting.allowZero ?? false;
  if (trimmed === '0' && zeroAllowed) return 0;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(trimmed);
  if (!m) {
    const hint = /^\d+(\.\d+)?$/.test(trimmed)
      ? ' (give a unit: 30s, 5m, 1h; a bare number is ambiguous)'
      : ' (use e.g. 30s, 5m, 1h)';
    throw new Error(`${setting.name}: not a duration: ${JSON.stringify(text)}${hint}`);
  }
  const ms = Math.round(Number(m[1]) * UNITS[m[2] as keyof typeof UNITS]);
  if (ms === 0 && !zeroAllowed) throw new Error(`${setting.name}: must be more than zero, got ${JSON.stringify(text)}`);
  return ms;
}
