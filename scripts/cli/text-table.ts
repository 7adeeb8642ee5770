/** Text tables for the CLI (cli-table3), plain when stdout is not a terminal so logs and pipes get no colour codes. */
import Table from 'cli-table3';

/**
 * A table with the given header and no rule between body rows (a 50-row
 * status stays 50 lines); numbers are right-aligned by the caller through
 * `colAligns`. cli-table3 reads `colAligns` as an array whenever the
 * option is present, so it is passed only when given (an explicit
 * `undefined` crashed `status` and `query` in text mode).
 */
export function textTable(head: string[], colAligns?: ('left' | 'right' | 'center')[]): Table.Table {
  const colour = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  return new Table({
    head,
    ...(colAligns ? { colAligns } : {}),
    style: { compact: true, ...(colour ? {} : { head: [], border: [] }) },
  });
}

/** A count as the CLI prints it: digits grouped in thousands (`12,345`, en-GB). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-GB');
}

/** A row count with its noun: `1 row`, `0 rows`, `12,345 rows`. */
export function formatRows(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'row' : 'rows'}`;
}
