/**
 * Settings of the local (embedded) runtime, read from the environment.
 * Every variable here is documented in the README.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readExtractSettings, type ExtractSettings } from '../../../extract/extract-settings';
import { parseDuration } from '../../core/duration';
import { TerminalError } from '../../core/errors';
import { CHAIN_MODES, DEFAULT_CHAIN_MODE, isChainMode, type ChainMode } from '../../definition/routes';
import type { Zone } from '../../definition/zones';

/** The local runtime's settings: the extract job's (include, exclude, lookback) plus where everything lives. */
export interface LocalSettings extends ExtractSettings {
  /** Lakehouse home folder (absolute): `LAKEHOUSE_HOME`, else found by {@link findHome}. */
  home: string;
  /** How {@link home} was chosen, for messages (e.g. `LAKEHOUSE_HOME`, `found above the working directory`). */
  homeOrigin: string;
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
  const { home, origin } = env.LAKEHOUSE_HOME
    ? { home: resolve(cwd, env.LAKEHOUSE_HOME), origin: 'LAKEHOUSE_HOME' }
    : findHome(cwd);
  return {
    home,
    homeOrigin: origin,
    sourceUrl: env.LAKEHOUSE_SOURCE_URL || undefined,
    warehouseUrl: env.LAKEHOUSE_WAREHOUSE_URL || undefined,
    ...readExtractSettings(env),
    smtpUrl: env.LAKEHOUSE_SMTP_URL || undefined,
    smtpTimeoutMs: parseDuration(env.LAKEHOUSE_SMTP_TIMEOUT || '10s', { name: 'LAKEHOUSE_SMTP_TIMEOUT' }),
    alertEmail: env.LAKEHOUSE_ALERT_EMAIL || 'data-team@localhost',
    chainMode: readChainMode(env),
  };
}

/** The name of the home folder when `LAKEHOUSE_HOME` is unset. */
export const HOME_FOLDER = '.lakehouse';

/** The `name` in this project's package.json: a folder holding it is the project root. */
export const PROJECT_NAME = 'lakehouse';

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

const isProjectRoot = (folder: string) => {
  const manifest = join(folder, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PROJECT_NAME;
  } catch {
    return false;
  }
};

/**
 * Finds the lakehouse home when `LAKEHOUSE_HOME` is unset, the way git finds
 * its repository: from `cwd` up to the file-system root, the first folder
 * that holds an existing `.lakehouse` folder (the home) or this project's
 * package.json (`"name": "lakehouse"`: the home is `.lakehouse` beside it,
 * existing or not). When neither is found, `.lakehouse` in `cwd` (a command
 * that writes creates it; one that only reads refuses it, see runtime.ts).
 *
 * @returns the home (absolute) and how it was chosen, for messages
 */
export function findHome(cwd: string): { home: string; origin: string } {
  const start = resolve(cwd);
  for (let folder = start; ; folder = dirname(folder)) {
    const home = join(folder, HOME_FOLDER);
    const where = folder === start ? 'the working directory' : `above the working directory (${start})`;
    if (isFolder(home)) return { home, origin: `found in ${where}` };
    if (isProjectRoot(folder)) return { home, origin: `the project root, found in ${where}` };
    if (dirname(folder) === folder) break;
  }
  return { home: join(start, HOME_FOLDER), origin: 'the working directory (no home or project root found above it)' };
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
