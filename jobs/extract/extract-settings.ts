/**
 * The extract job's settings, read from the environment the same way by the
 * Lambda handler and the local runtime (the README lists the variables).
 */
import bytes from 'bytes';
import { parseDuration } from '../lib/core/duration';

/** What to extract and how far back to re-read. */
export interface ExtractSettings {
  /** Source tables to extract: globs. `LAKEHOUSE_TABLES_INCLUDE` (comma-separated), default all. */
  include: string[];
  /** Source tables to skip: globs. `LAKEHOUSE_TABLES_EXCLUDE`, default `_prisma_migrations`. */
  exclude: string[];
  /** Extraction lookback in milliseconds. `LAKEHOUSE_LOOKBACK` (e.g. `5m`, `30s`, `0`), default 5 minutes. */
  lookbackMs: number;
  /** How changes are found: `LAKEHOUSE_CAPTURE`, `watermark` (default) or `cdc` (README "Change capture"). */
  capture: 'watermark' | 'cdc';
  /** Change capture's slot, publication and lag threshold (used in `cdc` mode). */
  cdc: CdcSettings;
}

/** Names and limits of change capture. */
export interface CdcSettings {
  /** Replication slot: `LAKEHOUSE_CDC_SLOT`, default `lakehouse`. */
  slot: string;
  /** Publication: `LAKEHOUSE_CDC_PUBLICATION`, default `lakehouse`. */
  publication: string;
  /**
   * Slot lag (bytes of WAL not yet captured) past which every pass alerts:
   * `LAKEHOUSE_CDC_MAX_LAG` (`512MB`, `1GB`, plain bytes), default 1 GB.
   */
  maxLagBytes: number;
}

const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function cdcName(value: string | undefined, fallback: string, variable: string): string {
  const name = value?.trim() || fallback;
  if (!NAME.test(name))
    throw new Error(`${variable} must be a lower-case identifier (letters, digits, _): ${JSON.stringify(name)}`);
  return name;
}

function lagBytes(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return bytes.parse('1GB')!;
  const n = bytes.parse(value.trim());
  if (n === null || !Number.isFinite(n) || n <= 0) {
    throw new Error(`LAKEHOUSE_CDC_MAX_LAG must be a positive size such as 512MB or 1GB: ${JSON.stringify(value)}`);
  }
  return n;
}

function captureMode(value: string | undefined): 'watermark' | 'cdc' {
  const mode = (value ?? '').trim().toLowerCase() || 'watermark';
  if (mode !== 'watermark' && mode !== 'cdc') {
    throw new Error(`LAKEHOUSE_CAPTURE must be watermark or cdc: ${JSON.stringify(value)}`);
  }
  return mode;
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
 * @throws Error when `LAKEHOUSE_LOOKBACK` is not a duration, `LAKEHOUSE_CAPTURE`
 *   is neither `watermark` nor `cdc`, a slot or publication name is not an
 *   identifier, or `LAKEHOUSE_CDC_MAX_LAG` is not a positive size
 */
export function readExtractSettings(env: NodeJS.ProcessEnv = process.env): ExtractSettings {
  return {
    include: list(env.LAKEHOUSE_TABLES_INCLUDE, ['*']),
    exclude: list(env.LAKEHOUSE_TABLES_EXCLUDE, ['_prisma_migrations']),
    lookbackMs: parseDuration(env.LAKEHOUSE_LOOKBACK ?? '5m', { name: 'LAKEHOUSE_LOOKBACK', allowZero: true }),
    capture: captureMode(env.LAKEHOUSE_CAPTURE),
    cdc: {
      slot: cdcName(env.LAKEHOUSE_CDC_SLOT, 'lakehouse', 'LAKEHOUSE_CDC_SLOT'),
      publication: cdcName(env.LAKEHOUSE_CDC_PUBLICATION, 'lakehouse', 'LAKEHOUSE_CDC_PUBLICATION'),
      maxLagBytes: lagBytes(env.LAKEHOUSE_CDC_MAX_LAG),
    },
  };
}
