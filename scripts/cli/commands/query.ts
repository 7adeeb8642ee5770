/**
 * `lakehouse query "<sql>"`: ad-hoc SQL on the lake catalog (DuckDB) or, with
 * --warehouse, on the warehouse. Read-only on both: the catalog is opened with
 * DuckDB's READ_ONLY access mode and a warehouse query is one statement in a
 * read-only transaction, so a query cannot drop a catalog view or change a
 * warehouse row (`lakehouse crawl` restores views).
 */
import { textTable } from '../text-table';
import type { Command } from 'commander';
import { describeReadOnlyRefusal } from '../../../jobs/lib/adapters/duckdb/duckdb-open-error';
import { READ_ONLY_SQL_TRANSACTION } from '../../../jobs/lib/adapters/postgres/pg-client';
import { errorMessage, TerminalError } from '../../../jobs/lib/core/errors';
import { withRuntime } from '../with-runtime';

/**
 * A refused write in plain words: DuckDB's read-only refusal (lake) or
 * SQLSTATE 25006 (warehouse), possibly wrapped as a `cause`; any other error unchanged.
 */
export function describeRefusedWrite(error: unknown): unknown {
  const lake = describeReadOnlyRefusal(error, 'query');
  if (lake !== error) return lake;
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === READ_ONLY_SQL_TRANSACTION) {
      return new TerminalError(
        `query --warehouse only reads (a read-only transaction): ${errorMessage(e)}; nothing was changed`,
        { cause: error },
      );
    }
    if (/cannot insert multiple commands into a prepared statement/i.test(errorMessage(e))) {
      return new TerminalError('query --warehouse runs one statement at a time; nothing was run', { cause: error });
    }
  }
  return error;
}

/** Renders rows as a text table (columns from the first row). */
export function renderRows(rows: Record<string, unknown>[]): string {
  if (!rows.length) return '(no rows)';
  const head = Object.keys(rows[0]);
  const table = textTable(head);
  for (const row of rows) table.push(head.map((c) => (row[c] === null || row[c] === undefined ? '' : String(row[c]))));
  return `${table.toString()}\n(${rows.length} row${rows.length === 1 ? '' : 's'})`;
}

export function registerQuery(program: Command, setCode: (code: number) => void): void {
  program
    .command('query')
    .description('run SQL on the lake catalog (tables raw.x, cleaned.x, transformed.x), or on the warehouse with --warehouse')
    .argument('<sql>', 'the SQL to run')
    .option('--warehouse', 'run on the warehouse instead of the lake')
    .option('--json', 'print a JSON array of row objects and nothing else')
    .action(async (sql: string, options: { warehouse?: boolean; json?: boolean }) => {
      await withRuntime(
        async (runtime) => {
          let rows: Record<string, unknown>[];
          try {
            rows = options.warehouse ? await (await runtime.warehouse()).query(sql) : await runtime.engine.query(sql);
          } catch (error) {
            throw describeRefusedWrite(error);
          }
          console.log(options.json ? JSON.stringify(rows) : renderRows(rows));
          setCode(0);
        },
        { readOnly: true },
      );
    });
}
