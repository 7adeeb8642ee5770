/**
 * What the local runtime hands to each step's local wiring
 * (`jobs/<verb>/local.ts`): the embedded adapters, opened once per command.
 * Types only, so the steps and the composition root (runtime.ts) can both
 * depend on it without depending on each other.
 */
import type { DuckDbCatalog } from '../../adapters/duckdb/duckdb-catalog';
import type { DuckDBConnection } from '../../adapters/duckdb/duckdb';
import type { DuckDbQueryEngine } from '../../adapters/duckdb/duckdb-query-engine';
import type { FileRunLedger } from '../../adapters/fs/file-run-ledger';
import type { PgClient } from '../../adapters/postgres/pg-client';
import type { EmailNotifier } from '../../adapters/smtp/email-notifier';
import type { Logger } from '../../core/logger';
import type { Clock, Lake, SourceDb, Warehouse } from '../../core/ports';
import type { PipelineEvent } from '../../definition/events';
import type { Route } from '../../definition/routes';
import type { LocalEventBus } from './event-bus';
import type { homePaths, LocalSettings } from './settings';

/** The local runtime: settings, paths, the embedded adapters and the bus. Close it when done. */
export interface LocalRuntime {
  settings: LocalSettings;
  paths: ReturnType<typeof homePaths>;
  bus: LocalEventBus;
  lake: Lake;
  ledger: FileRunLedger;
  catalog: DuckDbCatalog;
  engine: DuckDbQueryEngine;
  duck: DuckDBConnection;
  logger: Logger;
  /** Path of the JSON-lines log the jobs write. */
  logFile: string;
  /** Where alerts go: SMTP (`LAKEHOUSE_SMTP_URL`) or `.eml` files in the outbox. */
  notifier: EmailNotifier;
  clock: Clock;
  /** The source database client (opened on first use). */
  sourceClient(): Promise<PgClient>;
  /**
   * A new view of the source as the extract job sees it, over the source
   * client (opened on first use). On a server it opens extra connections for
   * streams that run at once: close it when done (that closes only those).
   */
  source(): Promise<SourceDb>;
  /** The warehouse (opened on first use). */
  warehouse(): Promise<Warehouse>;
  /** Runs the step a route names for an event. */
  dispatch(route: Route, event: PipelineEvent): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * One step's local wiring: runs the job for a routed event with the local
 * runtime's adapters. The counterpart of the step's Lambda `handler.ts`.
 */
export type LocalStep = (runtime: LocalRuntime, route: Route, event: PipelineEvent) => Promise<unknown>;
