/**
 * The local warehouse: the star schema in PostgreSQL (a server, or embedded
 * PGlite) behind the Warehouse port. A run's Parquet files are read with DuckDB
 * and streamed as CSV into `COPY … FROM STDIN`; the staging, dedupe, MERGE /
 * insert-where-absent and load-history statements are the portable ones of
 * `jobs/lib/warehouse/load-statements.ts` (the same ones Redshift runs).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, TerminalError, TransientError } from '../errors';
import { quoteIdent } from '../identifiers';
import type { Clock, LoadResult, LoadTable, Warehouse } from '../ports';
import { assertRunId } from '../run-id';
import {
  copyFromStdin,
  inLoadOrder,
  loadHistoryInsert,
  loadHistoryLookup,
  loadHistoryValues,
  tableLoadStatements,
  warehouseSchema,
  type TableLoadStatements,
} from '../warehouse/load-statements';
import { sqlString } from './duckdb';
import type { PgClient } from './pg-client';

/**
 * Reads Parquet files and yields their rows as CSV text (no header), `columns`
 * in the given order, in chunks of whole rows (a few MB at most). CSV follows
 * PostgreSQL `FORMAT csv`: NULL is an empty unquoted field, an empty string is `""`.
 */
export type ParquetReader = (paths: string[], columns: string[]) => AsyncIterable<string>;

type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One CSV field: NULL → empty, booleans → t/f, numbers bare, text (dates, decimals, strings) double-quoted. */
function csvField(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * A ParquetReader over DuckDB: `select <columns> from read_parquet([<paths>])`,
 * streamed with DuckDB's chunked result API so no file is held in memory.
 * Values are DuckDB's JSON forms: decimals and bigints as exact text, dates as
 * `yyyy-mm-dd`, booleans as t/f. Chunks are cut at whole rows once they reach
 * `chunkChars` characters (default 1 MiB). Yields nothing for an empty `paths`.
 * DuckDB errors (missing file, missing column) surface from the iteration.
 */
export function duckDbParquetReader(conn: DuckDBConnection, chunkChars = 1 << 20): ParquetReader {
  return async function* readParquet(paths: string[], columns: string[]): AsyncIterable<string> {
    if (paths.length === 0) return;
    if (columns.length === 0) throw new TerminalError('readParquet needs at least one column');
    const sql = `select ${columns.map(quoteIdent).join(', ')} from read_parquet([${paths.map(sqlString).join(', ')}])`;
    const result = await conn.stream(sql);
    let buffer = '';
    for await (const rows of result.yieldRowsJson()) {
      for (const row of rows) {
        buffer += `${(row as JsonValue[]).map(csvField).join(',')}\n`;
        if (buffer.length >= chunkChars) {
          yield buffer;
          buffer = '';
        }
      }
    }
    if (buffer) yield buffer;
  };
}

const CONNECTION_ERRNOS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
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
  const transient =
    error instanceof TransientError || (!(error instanceof TerminalError) && isRetryablePgError(error));
  const message = `${context}: ${errorMessage(error)}`;
  return transient ? new TransientError(message, { cause: error }) : new TerminalError(message, { cause: error });
}

const firstLine = (sql: string) => sql.split('\n', 1)[0];

/** The system clock. */
const systemClock: Clock = { now: () => new Date() };

export class PgWarehouse implements Warehouse {
  /**
   * @param db          the warehouse database (server or PGlite); owned by this object from now on (`close()` closes it)
   * @param readParquet reads a table's Parquet files as CSV chunks (see {@link duckDbParquetReader})
   * @param uri         turns an object key of the transformed zone (`LoadTable.files`) into the path
   *                    `readParquet` reads, e.g. `(key) => lake.transformed.uri(key)`
   * @param clock       time source for `load_history.loaded_at` (UTC)
   * @throws TypeError when `uri` is not a function
   */
  constructor(
    private readonly db: PgClient,
    private readonly readParquet: ParquetReader,
    private readonly uri: (key: string) => string,
    private readonly clock: Clock = systemClock,
  ) {
    if (typeof uri !== 'function') throw new TypeError('PgWarehouse needs uri(key) to turn transformed-zone keys into file paths');
  }

  /**
   * Creates the star tables and `load_history` when absent (DDL of
   * `sql/warehouse/`, dialect 'postgres'), in one transaction. Idempotent.
   * Throws TerminalError on bad DDL, TransientError when the connection fails.
   */
  async ensureSchema(): Promise<void> {
    const statements = await warehouseSchema('postgres');
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
      throw error instanceof TransientError || error instanceof TerminalError
        ? error
        : classify(error, 'warehouse DDL failed');
    }
  }

  /**
   * Loads run `runId` (see the Warehouse port): returns `{loaded: false}` and
   * changes nothing when `load_history` already has the run. Otherwise, in one
   * transaction and dimensions before facts, per table: stage its files (none →
   * empty staging, no COPY), dedupe, collect the rows that change the target,
   * MERGE (dimensions, SCD1) or insert the new versions (facts); then record the
   * run in `load_history`. `tables[t].staged` = rows read from the files,
   * `changed` = rows inserted or updated.
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
    const plans = inLoadOrder(tables).map((t) => ({ files: t.files, statements: tableLoadStatements(t.table) }));
    const context = (table: string, step: string) => `load of run ${runId} failed at ${table}, ${step}`;
    try {
      return await this.db.transaction(async (tx) => {
        const run = async <T>(table: string, step: string, fn: () => Promise<T>): Promise<T> => {
          try {
            return await fn();
          } catch (error) {
            throw classify(error, context(table, step));
          }
        };
        const exec = (s: TableLoadStatements, step: string, sql: string) =>
          run(s.table, `${step} (${firstLine(sql)})`, () => tx.exec(sql));
        const count = async (s: TableLoadStatements, sql: string) => {
          const rows = await run(s.table, `count (${sql})`, () => tx.query<{ row_count: number | string }>(sql));
          return Number(rows[0]?.row_count ?? 0);
        };

        const seen = await run('load_history', 'lookup', () => tx.query(loadHistoryLookup('postgres'), [runId]));
        if (seen.length > 0) return { runId, loaded: false, tables: {} };

        const counts: LoadResult['tables'] = {};
        for (const { files, statements: s } of plans) {
          for (const sql of s.createStaging) await exec(s, 'create staging', sql);
          if (files.length > 0) {
            const copySql = copyFromStdin(s);
            await run(s.table, `copy of ${files.length} file(s) (${copySql})`, () =>
              tx.copyFromCsv(copySql, this.readParquet(files.map(this.uri), s.stagingColumns)),
            );
          }
          await exec(s, 'dedupe', s.dedupe);
          await exec(s, 'collect changes', s.collectChanges);
          const staged = await count(s, s.countStaged);
          const changed = await count(s, s.countChanges);
          await exec(s, s.kind === 'dimension' ? 'merge' : 'insert', s.apply);
          for (const sql of s.dropTemp) await exec(s, 'drop staging', sql);
          counts[s.table] = { staged, changed };
        }
        await run('load_history', 'insert', () =>
          tx.query(loadHistoryInsert('postgres'), loadHistoryValues(runId, this.clock.now(), counts)),
        );
        return { runId, loaded: true, tables: counts };
      });
    } catch (error) {
      // Errors from inside are classified already; others come from begin/commit/rollback.
      throw error instanceof TransientError || error instanceof TerminalError
        ? error
        : classify(error, `load of run ${runId} failed`);
    }
  }

  /** Runs a query with bound parameters (`$1`…) on the warehouse; dates, times and numerics come back as text. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
    return this.db.query(sql, params);
  }

  /** Closes the database client. */
  close(): Promise<void> {
    return this.db.close();
  }
}
