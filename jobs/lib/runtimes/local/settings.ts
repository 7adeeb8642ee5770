/**
 * Settings of the local (embedded) runtime, read from the environment.
 * Every variable here is documented in the README.
 */
import { join, resolve } from 'node:path';
import { readExtractSettings, type ExtractSettings } from '../../../extract/extract-settings';
import { parseDuration } from '../../core/duration';
import { TerminalError } from '../../core/errors';
import { CHAIN_MODES, DEFAULT_CHAIN_MODE, isChainMode, type ChainMode } from '../../definition/routes';
import type { Zone } from '../../definition/zones';

/** The local runtime's settings: the extract job's (include, exclude, lookback) plus where everything lives. */
export interface LocalSettings extends ExtractSettings {
  /** Lakehouse home folder (absolute). `LAKEHOUSE_HOME`, default `.lakehouse` in the working directory. */
  home: string;
  /** Source PostgreSQL URL, or undefined for the embedded PGlite source. `LAKEHOUSE_SOURCE_URL`. */
  sourceUrl?: string;
  /** Warehouse PostgreSQL URL, or undefined for the embedded PGlite warehouse. `LAKEHOUSE_WAREHOUSE_URL`. */
  warehouseUrl?: string;
  /** SMTP URL for alerts (`smtp://host:port`); unset → `.eml` files in the outbox folder. `LAKEHOUSE_SMTP_URL`. */
  smtpUrl?: string;
  /** Milliseconds the SMTP server may take to connect, greet and answer. `LAKEHOUSE_SMTP_TIMEOUT` (a duration), default 10 s. */
  smtpTimeoutMs: number;
  /** Alert recipient. `LAKEHOUSE_ALERT_EMAIL`, default `data-team@localhost`. */
  alertEmail: string;
  /** How the steps are chained (definition/routes.ts). `LAKEHOUSE_CHAIN_MODE`, default `crawler`. */
  chainMode: ChainMode;
}

/**
 * The chain mode `LAKEHOUSE_CHAIN_MODE` names (unset or empty: the default).
 *
 * @throws TerminalError naming the variable and the modes it accepts, for any other value
 */
export function readChainMode(env: NodeJS.ProcessEnv = process.env): ChainMode {
  const value = env.LAKEHOUSE_CHAIN_MODE;
  if (!value) return DEFAULT_CHAIN_MODE;
  if (isChainMode(value)) return value;
  throw new TerminalError(`LAKEHOUSE_CHAIN_MODE must be one of ${CHAIN_MODES.join(', ')} (got ${JSON.stringify(value)})`);
}

/**
 * Reads the local settings from `env` (default `process.env`), resolving paths against `cwd`.
 *
 * @throws TerminalError when `LAKEHOUSE_CHAIN_MODE` names no chain mode; Error when `LAKEHOUSE_LOOKBACK` or
 *   `LAKEHOUSE_SMTP_TIMEOUT` is no duration (or the timeout is zero)
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalSettings {
  return {
    home: resolve(cwd, env.LAKEHOUSE_HOME || '.lakehouse'),
    sourceUrl: env.LAKEHOUSE_SOURCE_URL || undefined,
    warehouseUrl: env.LAKEHOUSE_WAREHOUSE_URL || undefined,
    ...readExtractSettings(env),
    smtpUrl: env.LAKEHOUSE_SMTP_URL || undefined,
    smtpTimeoutMs: parseDuration(env.LAKEHOUSE_SMTP_TIMEOUT || '10s', { name: 'LAKEHOUSE_SMTP_TIMEOUT' }),
    alertEmail: env.LAKEHOUSE_ALERT_EMAIL || 'data-team@localhost',
    chainMode: readChainMode(env),
  };
}

/** Paths inside the lakehouse home. */
export const homePaths = (home: string) => ({
  zone: (zone: Zone) => join(home, 'zones', zone),
  archive: (zone: Zone) => join(home, 'zones', `${zone}-archive`),
  catalog: join(home, 'catalog.duckdb'),
  ledger: join(home, 'ledger'),
  sourceDb: join(home, 'source-db'),
  warehouseDb: join(home, 'warehouse-db'),
  logs: join(home, 'logs'),
  /** The run log: JSON lines (adapters/powertools/file-logger.ts). */
  logFile: join(home, 'logs', 'lakehouse.log'),
  outbox: join(home, 'outbox'),
});
