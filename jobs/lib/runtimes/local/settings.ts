/**
 * Settings of the local (embedded) runtime, read from the environment.
 * Every variable here is documented in the README.
 */
import { join, resolve } from 'node:path';
import type { Zone } from '../../definition/zones';

export interface LocalSettings {
  /** Lakehouse home folder (absolute). `LAKEHOUSE_HOME`, default `.lakehouse` in the working directory. */
  home: string;
  /** Source PostgreSQL URL, or undefined for the embedded PGlite source. `LAKEHOUSE_SOURCE_URL`. */
  sourceUrl?: string;
  /** Warehouse PostgreSQL URL, or undefined for the embedded PGlite warehouse. `LAKEHOUSE_WAREHOUSE_URL`. */
  warehouseUrl?: string;
  /** Extraction lookback in milliseconds. `LAKEHOUSE_LOOKBACK` (e.g. `5m`, `30s`, `0`), default 5 minutes. */
  lookbackMs: number;
  /** Source tables to extract: globs. `LAKEHOUSE_TABLES_INCLUDE` (comma-separated), default all. */
  include: string[];
  /** Source tables to skip: globs. `LAKEHOUSE_TABLES_EXCLUDE`, default `_prisma_migrations`. */
  exclude: string[];
  /** SMTP URL for alerts (`smtp://host:port`); unset → `.eml` files in the outbox folder. `LAKEHOUSE_SMTP_URL`. */
  smtpUrl?: string;
  /** Alert recipient. `LAKEHOUSE_ALERT_EMAIL`, default `data-team@localhost`. */
  alertEmail: string;
}

/** Parses a duration such as `90s`, `5m`, `2h`, `1d` or a bare number of milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 30s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Math.round(Number(m[1]) * unit);
}

const list = (value: string | undefined, fallback: string[]) =>
  value === undefined ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean);

/** Reads the local settings from `env` (default `process.env`), resolving paths against `cwd`. */
export function readSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalSettings {
  return {
    home: resolve(cwd, env.LAKEHOUSE_HOME || '.lakehouse'),
    sourceUrl: env.LAKEHOUSE_SOURCE_URL || undefined,
    warehouseUrl: env.LAKEHOUSE_WAREHOUSE_URL || undefined,
    lookbackMs: parseDuration(env.LAKEHOUSE_LOOKBACK ?? '5m'),
    include: list(env.LAKEHOUSE_TABLES_INCLUDE, ['*']),
    exclude: list(env.LAKEHOUSE_TABLES_EXCLUDE, ['_prisma_migrations']),
    smtpUrl: env.LAKEHOUSE_SMTP_URL || undefined,
    alertEmail: env.LAKEHOUSE_ALERT_EMAIL || 'data-team@localhost',
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
  outbox: join(home, 'outbox'),
});
