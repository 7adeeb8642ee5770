/**
 * The extract job's settings, read from the environment the same way by the
 * Lambda handler and the local runtime (the README lists the variables).
 */
import { parseDuration } from '../lib/core/duration';

/** What to extract and how far back to re-read. */
export interface ExtractSettings {
  /** Source tables to extract: globs. `LAKEHOUSE_TABLES_INCLUDE` (comma-separated), default all. */
  include: string[];
  /** Source tables to skip: globs. `LAKEHOUSE_TABLES_EXCLUDE`, default `_prisma_migrations`. */
  exclude: string[];
  /** Extraction lookback in milliseconds. `LAKEHOUSE_LOOKBACK` (e.g. `5m`, `30s`, `0`), default 5 minutes. */
  lookbackMs: number;
}

const list = (value: string | undefined, fallback: string[]) =>
  value === undefined
    ? fallback
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/**
 * Reads the extract settings from `env`.
 *
 * @throws Error when `LAKEHOUSE_LOOKBACK` is not a duration
 */
export function readExtractSettings(env: NodeJS.ProcessEnv = process.env): ExtractSettings {
  return {
    include: list(env.LAKEHOUSE_TABLES_INCLUDE, ['*']),
    exclude: list(env.LAKEHOUSE_TABLES_EXCLUDE, ['_prisma_migrations']),
    lookbackMs: parseDuration(env.LAKEHOUSE_LOOKBACK ?? '5m', { name: 'LAKEHOUSE_LOOKBACK', allowZero: true }),
  };
}
