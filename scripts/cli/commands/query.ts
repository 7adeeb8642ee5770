/** `lakehouse query "<sql>"`: ad-hoc SQL on the lake catalog (DuckDB) or, with --warehouse, on the warehouse. */
import { textTable } from '../text-table';
import type { Command } from 'commander';
import { withRuntime } from '../with-runtime';

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
      await withRuntime(async (runtime) => {
        const rows = options.warehouse ? await (await runtime.warehouse()).query(sql) : await runtime.engine.query(sql);
        console.log(options.json ? JSON.stringify(rows) : renderRows(rows));
        setCode(0);
      });
    });
}
