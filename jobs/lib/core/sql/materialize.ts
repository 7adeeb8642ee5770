/**
 * The outer SELECTs an engine wraps around a rendered model before writing it
 * (DuckDB `copy (…) to …`, Athena `create table … as …`). They pick the zone
 * table's columns explicitly, in definition/tables.ts order, and cast each to its lake
 * type, so the files always have exactly the contract's columns and types
 * whatever else a model computes (docs/architecture.md "Data contracts", "SQL models"). The SQL is in the common
 * subset of DuckDB and Trino.
 */
import { TerminalError } from '../errors';
import { quoteIdent } from '../identifiers';
import { OP_COLUMN_DEF, SOURCE_TABLES, STAR_TABLES, type ColumnDef, type ColumnType } from '../../definition/tables';

/** The column a cleaned model sets, with a reason, on rows that cannot be typed. */
export const REJECT_REASON_COLUMN = 'reject_reason';

/**
 * The SQL type a column has in the lake (Parquet via DuckDB or Athena), per
 * column type. `time` is `HH:MM:SS.mmm` text in the lake (Athena tables have no
 * time type); `timestamp` is millisecond precision (Trino's `timestamp` means
 * timestamp(3); DuckDB's holds the same values).
 */
export const LAKE_TYPE: Record<ColumnType, string> = {
  int: 'integer',
  bigint: 'bigint',
  varchar: 'varchar',
  boolean: 'boolean',
  date: 'date',
  time: 'varchar',
  timestamp: 'timestamp',
  'decimal(10,2)': 'decimal(10,2)',
};

/**
 * The lake columns of a zone table, in order: a cleaned table's source columns
 * followed by the op column (`change_op`, tables.ts OP_COLUMN), or a star
 * table's lake columns (definition/tables.ts).
 *
 * @throws TerminalError when the table is not in that zone.
 */
export function zoneColumns(zone: 'cleaned' | 'transformed', table: string): ColumnDef[] {
  const def = zone === 'cleaned' ? SOURCE_TABLES.find((t) => t.name === table) : STAR_TABLES.find((t) => t.name === table);
  if (!def) throw new TerminalError(`no ${zone} table named ${JSON.stringify(table)} in definition/tables.ts`);
  return zone === 'cleaned' ? [...def.columns, OP_COLUMN_DEF] : def.columns;
}

/** `cast(m."col" as <lake type>) as "col"` for each column, one per line. */
function castColumns(columns: ColumnDef[]): string[] {
  return columns.map((c) => `cast(m.${quoteIdent(c.name)} as ${LAKE_TYPE[c.type]}) as ${quoteIdent(c.name)}`);
}

/**
 * The rows to write to the zone table: for cleaned models
 * `select <cleaned columns…> from (<rendered>) m where reject_reason is null`,
 * for transformed models the same without the filter (they have no rejects).
 *
 * @param zone      the zone the model writes
 * @param table     the model (table) name, which must be in that zone in definition/tables.ts
 * @param rendered  the model after `renderModel` (a single SELECT)
 * @returns a SELECT over the model with the table's columns in contract order, cast to lake types
 * @throws TerminalError when the table is not in the zone
 */
export function goodRowsSql(zone: 'cleaned' | 'transformed', table: string, rendered: string): string {
  const columns = castColumns(zoneColumns(zone, table));
  const filter = zone === 'cleaned' ? `\nwhere m.${quoteIdent(REJECT_REASON_COLUMN)} is null` : '';
  // The rendered model goes on its own lines so a trailing `--` comment cannot swallow the closing parenthesis.
  return `select\n  ${columns.join(',\n  ')}\nfrom (\n${rendered}\n) m${filter}`;
}

/**
 * The rejected rows of a cleaned model, for `_rejects/<table>/run_id=<run>/`:
 * `select <columns…>, reject_reason from (<rendered>) m where reject_reason is not null`.
 * Typed columns are NULL where the source value could not be typed; the
 * reason names the column and shows the bad value.
 *
 * @throws TerminalError when the table is not a cleaned (source) table
 */
export function rejectRowsSql(table: string, rendered: string): string {
  const reason = quoteIdent(REJECT_REASON_COLUMN);
  const columns = [...castColumns(zoneColumns('cleaned', table)), `cast(m.${reason} as varchar) as ${reason}`];
  return `select\n  ${columns.join(',\n  ')}\nfrom (\n${rendered}\n) m\nwhere m.${reason} is not null`;
}
