/**
 * Every environment variable the `lakehouse` CLI reads, in one list: `--help`
 * prints it, and a unit test (test/unit/cli-environment.test.ts) checks that
 * each variable the CLI's code reads is here and in the README.
 */

/** One variable: its name, its default (as a user reads it) and what it sets. */
export interface CliVariable {
  name: string;
  default: string;
  description: string;
}

/** The variables, in the order `--help` lists them. */
export const CLI_VARIABLES: readonly CliVariable[] = [
  {
    name: 'LAKEHOUSE_HOME',
    default: '.lakehouse',
    description: 'folder of the zones, catalog, ledger, logs, outbox and embedded databases',
  },
  { name: 'LAKEHOUSE_SOURCE_URL', default: 'embedded PGlite', description: 'PostgreSQL URL of the source database' },
  { name: 'LAKEHOUSE_WAREHOUSE_URL', default: 'embedded PGlite', description: 'PostgreSQL URL of the warehouse' },
  { name: 'LAKEHOUSE_LOOKBACK', default: '5m', description: 'how far before the watermark each extract re-reads (0, 30s, 5m)' },
  { name: 'LAKEHOUSE_TABLES_INCLUDE', default: '*', description: 'comma-separated globs of source tables to extract' },
  {
    name: 'LAKEHOUSE_TABLES_EXCLUDE',
    default: '_prisma_migrations',
    description: 'comma-separated globs of source tables to skip',
  },
  {
    name: 'LAKEHOUSE_CAPTURE',
    default: 'watermark',
    description: 'how changes are found: watermark (last_updated) or cdc (logical replication; needs a server source)',
  },
  { name: 'LAKEHOUSE_CDC_SLOT', default: 'lakehouse', description: 'replication slot of change capture' },
  { name: 'LAKEHOUSE_CDC_PUBLICATION', default: 'lakehouse', description: 'publication of change capture' },
  {
    name: 'LAKEHOUSE_CDC_MAX_LAG',
    default: '1GB',
    description: 'slot lag (WAL not yet captured) past which every pass alerts (512MB, 1GB)',
  },
  { name: 'LAKEHOUSE_SMTP_URL', default: 'outbox folder', description: 'SMTP server for alert emails (smtp://host:port)' },
  {
    name: 'LAKEHOUSE_SMTP_TIMEOUT',
    default: '10s',
    description: 'how long the SMTP server may take to connect, greet and answer before the alert is kept in the outbox',
  },
  {
    name: 'LAKEHOUSE_LANDING_ON_ERROR',
    default: 'continue',
    description: 'a landed file with bad lines: continue (bad lines to rejects) or quarantine_file (the whole file)',
  },
  {
    name: 'LAKEHOUSE_LANDING_ENCODING',
    default: 'utf-8',
    description: 'encoding of landed files: utf-8 (strict) or latin1 (windows-1252)',
  },
  { name: 'LAKEHOUSE_ALERT_EMAIL', default: 'data-team@localhost', description: 'recipient of alert emails' },
  { name: 'LAKEHOUSE_SQL_DIR', default: "the repository's sql/", description: 'where the SQL models are read from' },
  { name: 'LAKEHOUSE_CHAIN_MODE', default: 'crawler', description: 'how the steps are chained: crawler or direct' },
  { name: 'LOG_LEVEL', default: 'INFO', description: 'level of the JSON log lines in $LAKEHOUSE_HOME/logs/lakehouse.log' },
  { name: 'NO_COLOR', default: 'unset', description: 'set: no colours in tables, even on a terminal' },
  { name: 'MALLOC_ARENA_MAX', default: '2 (Linux)', description: 'glibc malloc arenas, set by the launcher when unset' },
];

/** The `Environment variables:` section of `--help`: one line per variable, with its default. */
export function environmentHelp(): string {
  const width = Math.max(...CLI_VARIABLES.map((v) => v.name.length));
  const lines = CLI_VARIABLES.map((v) => `  ${v.name.padEnd(width)}  ${v.description} (default: ${v.default})`);
  return [
    '',
    'Environment variables:',
    ...lines,
    '',
    'Exit codes: 0 success, 1 failed, 2 usage error, 3 succeeded but the alert was not sent.',
  ].join('\n');
}
