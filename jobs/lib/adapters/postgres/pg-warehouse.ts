/**
 * The local warehouse: the star schema in PostgreSQL (a server, or embedded
 * PGlite) behind the Warehouse port (docs/architecture.md "Loading").
 *
 * Each table of a run is loaded in few passes: DuckDB ({@link duckDbStaging})
 * reads the run's Parquet files, keeps one row per grain (the rule of
 * `dedupeSpec`), checks and types the times and writes the rows as CSV to a
 * scratch file (the next table is prepared while PostgreSQL loads the current
 * one); PostgreSQL COPYs the file into a temp staging table and applies it
 * with one MERGE (dimensions: only changed keys) or INSERT of absent versions
 * (facts), all in one transaction with the load-history row
 * (`postgresStagedLoadStatements`). Into an empty table (the first load) the
 * rows are COPYed directly, with its keys and indexes built after the COPY.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage, TerminalError, TransientError } from '../../core/errors';
import type { Clock, LoadResult, LoadTable, Warehouse } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { loadScratchPrefix } from '../../core/scratch-folders';
import { loadHistoryInsert, loadHistoryLookup, loadHistoryValues } from '../../core/warehouse/load-history';
import { inLoadOrder } from '../../core/warehouse/load-order';
import { dedupeSpec, postgresStagedLoadStatements } from '../../core/warehouse/staged-load-statements';
import { warehouseSchema, softDeleteUpgrades } from '../../core/warehouse/warehouse-schema';
import type { ParquetStaging } from '../../core/parquet-staging';
import type { PgClient } from './pg-client';

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * True for failures a retry may fix: lost or refused connections (Node errnos,
 * SQLSTATE class 08), server shutdown/startup (57P01–57P03), insufficient
 * resources (class 53), serialization failures and deadlocks (40001, 40P01).
 * Source: PostgreSQL Appendix A, "PostgreSQL Error Codes".
 */
export function isRetryablePgError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (CONNECTION_ERRNOS.has(code)) return true;
    if (/^(08|53|57P0)/.test(code) || code === '40001' || code === '40P01') return true;
  }
  return /connection terminated|connection (is )?closed|client has encountered a connection error|not queryable/i.test(
    errorMessage(error),
  );
}

/** Wraps `error` with `context`, keeping it as `cause`: TransientError when a retry may help, else TerminalError. */
function classify(error: unknown, context: string): TransientError | TerminalError {
  const transient = error instanceof TransientError || (!(error instanceof TerminalError) && isRetryablePgError(error));
  const message = `${context}: ${errorMessage(error)}`;
  return transient ? new TransientError(message, { cause: error }) : new TerminalError(message, { cause: error });
}

const firstLine = (sql: string) => sql.split('\n', 1)[0];

/** The system clock. */
const systemClock: Clock = { now: () => new Date() };

export class PgWarehouse implements Warehouse {
  /**
   * @param db      the warehouse database (server or PGlite); owned by this object from now on (`close()` closes it)
   * @param staging reads and deduplicates a table's Parquet files (see {@link duckDbStaging})
   * @param uri     turns an object key of the transformed zone (`LoadTable.files`) into the path
   *                `staging` reads, e.g. `(key) => lake.transformed.uri(key)`
   * @param clock   time source for `load_history.loaded_at` (UTC)
   * @throws TypeError when `uri` is not a function
   */
  constructor(
    private readonly db: PgClient,
    private readonly staging: ParquetStaging,
    private readonly uri: (key: string) => string,
    private readonly clock: Clock = systemClock,
  ) {
    if (typeof uri !== 'function')
      throw new TypeError('PgWarehouse needs uri(key) to turn transformed-zone keys into file paths');
  }

  /**
   * Creates the star tables and `load_history` when absent (DDL of
   * `sql/warehouse/`, dialect 'postgres'), in one transaction. Idempotent.
   * Throws TerminalError on bad DDL, TransientError when the connection fails.
   */
  async ensureSchema(): Promise<void> {
    const statements = [...(await warehouseSchema('postgres')), ...softDeleteUpgrades()];
    try {
      await this.db.transaction(async (tx) => {
        for (const { table, sql } of statements) {
          try {
            await tx.exec(sql);
          } catch (error) {
            throw classify(error, `warehouse DDL for ${table} failed`);
          }
        }
      });
    } catch (error) {
      throw error instanceof TransientError || error instanceof TerminalError ? error : classify(error, 'warehouse DDL failed');
    }
  }

  /**
   * Loads run `runId` (see the Warehouse port): returns `{loaded: false}` and
   * changes nothing when `load_history` already has the run. Otherwise, in one
   * transaction and dimensions before facts, per table: stage its files,
   * dedupe, and MERGE the changed keys (dimensions, SCD1) or insert the new
   * versions (facts); then record the run in `load_history`. The dedupe
   * happens while reading (module comment), a table without files is
   * skipped, and an empty target table is COPYed into directly.
   * `tables[t].staged` = rows read from the files, `changed` = rows inserted or updated.
   * Any failure rolls the whole run back (the warehouse is exactly as before)
   * and throws TerminalError (bad data, SQL, unreadable file) or TransientError
   * (connection lost, deadlock), naming the table and the failing statement.
   */
  async loadRun(runId: string, tables: LoadTable[]): Promise<LoadResult> {
    try {
      assertRunId(runId);
    } catch (error) {
      throw new TerminalError(errorMessage(error), { cause: error });
    }
    try {
      return await this.loadStaged(runId, tables);
    } catch (error) {
      // Errors from inside are classified already; others come from begin/commit/rollback.
      throw error instanceof TransientError || error instanceof TerminalError
        ? error
        : classify(error, `load of run ${runId} failed`);
    }
  }

  /** Runs `fn` as step `step` of `table`, classifying its failure (module comment of loadRun). */
  private async step<T>(runId: string, table: string, step: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw classify(error, `load of run ${runId} failed at ${table}, ${step}`);
    }
  }

  /** True (and nothing to do) when load_history already has the run. */
  private async alreadyLoaded(tx: PgClient, runId: string): Promise<boolean> {
    const seen = await this.step(runId, 'load_history', 'lookup', () => tx.query(loadHistoryLookup('postgres'), [runId]));
    return seen.length > 0;
  }

  /** The load with DuckDB staging: dedupe and typing while reading, one COPY and one MERGE / INSERT per table. */
  private async loadStaged(runId: string, tables: LoadTable[]): Promise<LoadResult> {
    const { staging } = this;
    const plans = inLoadOrder(tables).map((t) => ({
      paths: t.files.map(this.uri),
      def: t.table,
      spec: dedupeSpec(t.table),
      statements: postgresStagedLoadStatements(t.table),
    }));
    const scratch = await fs.mkdtemp(join(tmpdir(), loadScratchPrefix())); // named with the pid: core/scratch-folders.ts
    try {
      return await this.db.transaction(async (tx) => {
        if (await this.alreadyLoaded(tx, runId)) return { runId, loaded: false, tables: {} };
        /** DuckDB's part of table i: rows in its files, and its deduplicated rows as a CSV file (none without files). */
        const prepare = async (i: number): Promise<{ staged: number; csv?: string }> => {
          const { paths, def, spec } = plans[i];
          if (paths.length === 0) return { staged: 0 };
          const staged = await this.step(runId, def.name, `copy of ${paths.length} file(s) (read_parquet)`, () =>
            staging.count(paths),
          );
          const csv = join(scratch, `${def.name}.csv`);
          await this.step(runId, def.name, 'dedupe (duckdb: one row per grain, times typed)', () =>
            staging.exportDeduped(paths, def.columns, spec, csv),
          );
          return { staged, csv };
        };
        const counts: LoadResult['tables'] = {};
        // DuckDB prepares the next table while PostgreSQL loads this one.
        let next: Promise<{ staged: number; csv?: string }> | undefined = plans.length ? prepare(0) : undefined;
        next?.catch(() => undefined);
        try {
          for (let i = 0; i < plans.length; i++) {
            const { paths, statements: s } = plans[i];
            const prepared = await next!;
            next = i + 1 < plans.length ? prepare(i + 1) : undefined;
            next?.catch(() => undefined);
            if (!prepared.csv) {
              counts[s.table] = { staged: 0, changed: 0 };
              continue;
            }
            const csv = () => createReadStream(prepared.csv!, { highWaterMark: 1 << 20 });
            await this.step(runId, s.table, 'lock', () => tx.exec(s.lockTarget));
            const [{ empty }] = await this.step(runId, s.table, 'check empty', () => tx.query<{ empty: boolean }>(s.targetEmpty));
            let changed: number;
            if (empty) {
              // Nothing to compare with: the first load COPYs straight into the table, its keys built after.
              const indexes = await this.step(runId, s.table, 'list keys and indexes', () =>
                tx.query<{ drop_sql: string; create_sql: string }>(s.targetIndexes),
              );
              for (const { drop_sql } of indexes) await this.step(runId, s.table, drop_sql, () => tx.exec(drop_sql));
              changed = await this.step(runId, s.table, `copy of ${paths.length} file(s) (${s.copyTarget})`, () =>
                tx.copyFromCsv(s.copyTarget, csv()),
              );
              for (const { create_sql } of indexes) await this.step(runId, s.table, create_sql, () => tx.exec(create_sql));
              if (s.takeDeletesFromTarget && s.markDeleted) {
                // The COPY took the run's delete rows too: they mark versions, they are not versions.
                const [dropOld, take, remove] = s.takeDeletesFromTarget;
                await this.step(runId, s.table, dropOld, () => tx.exec(dropOld));
                await this.step(runId, s.table, 'stage deletes', () => tx.exec(take));
                changed -= await this.step(runId, s.table, 'remove delete rows', () => tx.command(remove));
                changed += await this.step(runId, s.table, 'mark deleted', () => tx.command(s.markDeleted!));
                await this.step(runId, s.table, 'drop staging', () => tx.exec(s.dropStaging));
              }
            } else {
              for (const sql of s.createStaging)
                await this.step(runId, s.table, `create staging (${firstLine(sql)})`, () => tx.exec(sql));
              await this.step(runId, s.table, `copy of ${paths.length} file(s) (${s.copy})`, () => tx.copyFromCsv(s.copy, csv()));
              changed = await this.step(
                runId,
                s.table,
                `${s.kind === 'dimension' ? 'merge' : 'insert'} (${firstLine(s.apply)})`,
                () => tx.command(s.apply),
              );
              if (s.markDeleted) changed += await this.step(runId, s.table, 'mark deleted', () => tx.command(s.markDeleted!));
              await this.step(runId, s.table, 'drop staging', () => tx.exec(s.dropStaging));
            }
            await fs.rm(prepared.csv, { force: true });
            counts[s.table] = { staged: prepared.staged, changed };
          }
        } finally {
          // Never leave DuckDB writing into a folder about to be removed.
          await next?.catch(() => undefined);
        }
        await this.step(runId, 'load_history', 'insert', () =>
          tx.query(loadHistoryInsert('postgres'), loadHistoryValues(runId, this.clock.now(), counts)),
        );
        return { runId, loaded: true, tables: counts };
      });
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  /**
   * Runs one read-only statement with bound parameters (`$1`…) on the
   * warehouse (PgClient.readQuery: a write fails with SQLSTATE 25006 and
   * changes nothing); dates, times and numerics come back as text.
   */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    return this.db.readQuery(sql, params);
  }

  /** Closes the database client. */
  close(): Promise<void> {
    return this.db.close();
  }
}
