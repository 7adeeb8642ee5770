/**
 * Row counts of the zone tables for `lakehouse status`: one table that cannot
 * be read (e.g. a raw partition holding a row longer than the reader allows,
 * written before the raw row limit existed or by hand) is reported with its
 * error and what to do, and never stops the other counts.
 */
import { quoteIdent, quoteLiteral } from '../../jobs/lib/core/identifiers';
import { queryRows, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { explainUnreadableFile } from '../../jobs/lib/adapters/duckdb/duckdb-read-error';
import { ZONES } from '../../jobs/lib/definition/zones';

/** A table's row count, or why it could not be counted and what to do. */
export type ZoneCount = number | { error: string; hint: string };

/** What a user does about a table whose count failed with `message`. */
export function countHint(zone: string, table: string, message: string): string {
  const explained = explainUnreadableFile(message);
  if (explained) return `${explained}, then run \`lakehouse status\` again`;
  return `${zone}.${table} cannot be read; check its files, or run \`lakehouse retry <run>\` if a run failed writing it`;
}

/**
 * Counts the rows of every table (catalog view) of every zone (`select count(*)`), zone by
 * zone in {@link ZONES} order. The views are listed from `duckdb_views()`, not
 * `Catalog.tables`, which reads each table's partitions and so fails on the same bad file. A table whose count fails gets
 * `{ error, hint }` (the engine's message, first line, and what to do)
 * instead of a number; nothing is thrown for one table.
 * @throws when DuckDB cannot list the views
 */
export async function countZoneTables(duck: DuckDBConnection): Promise<Record<string, Record<string, ZoneCount>>> {
  const zones: Record<string, Record<string, ZoneCount>> = {};
  for (const zone of ZONES) {
    zones[zone] = {};
    const views = await queryRows(
      duck,
      `select view_name from duckdb_views() where schema_name = ${quoteLiteral(zone)} and not internal order by view_name`,
    );
    for (const table of views.map((v) => String(v.view_name))) {
      try {
        const [row] = await queryRows(duck, `select count(*) as n from ${quoteIdent(zone)}.${quoteIdent(table)}`);
        zones[zone][table] = Number(row.n);
      } catch (error) {
        const message = (error as Error).message;
        zones[zone][table] = { error: message.split('\n')[0].trim(), hint: countHint(zone, table, message) };
      }
    }
  }
  return zones;
}

/** The zone tables whose count failed, as `zone.table: hint` lines (empty when none). */
export function countFailures(zones: Record<string, Record<string, ZoneCount>>): string[] {
  const lines: string[] = [];
  for (const [zone, tables] of Object.entries(zones))
    for (const [table, n] of Object.entries(tables))
      if (typeof n !== 'number') lines.push(`cannot count ${zone}.${table}: ${n.error}\n  what to do: ${n.hint}`);
  return lines;
}

/** The rows cell of a table whose count failed: `error: ` and the error, cut at 60 characters (the whole text is printed below the tables). */
export function countErrorCell(count: { error: string }): string {
  return `error: ${count.error.length > 60 ? `${count.error.slice(0, 59)}… (see below)` : count.error}`;
}
