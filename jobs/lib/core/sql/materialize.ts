/**
 * The outer SELECTs an engine wraps around a rendered model before writing it
 * (DuckDB `copy (…) to …`, Athena `create table … as …`). They pick the zone
 * table's columns explicitly, in definition/tables.ts order, and cast each to its lake
 * type, so the files always have exactly the contract's columns and types
 * whatever else a model computes (docs/architecture.md "Data contracts", "SQL models"). The SQL is in the common
 * subset of DuckDB and Trino.
 */
import { TerminalError } from '../errors';
import { quoteIdent, quoteLiteral } from '../identifiers';
import { REJECT_RECORD_COLUMNS, type RejectRecord } from '../../definition/rejects';
import { OP_COLUMN_DEF, SOURCE_TABLES, STAR_TABLES, type ColumnDef, type ColumnType } from '../../definition/tables';

/** The column a cleaned model sets, with a reason, on rows that cannot be typed or are a conflicting version. */
export const REJECT_REASON_COLUMN = 'reject_reason';

/** The column a cleaned model sets on rejected rows: the raw row's text as a JSON object (typed-source.ts). */
export const REJECT_ORIGINAL_COLUMN = 'reject_original';

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
 * The rejected rows of a cleaned model as reject records (definition/rejects.ts),
 * for `_rejects/<table>/run_id=<run>/cleaned/`:
 * `run_id, table, stage ('cleaned'), file (null), line (null), reason, original`
 * from `(<rendered>) m where reject_reason is not null`. `reason` names the
 * column and shows the bad value, or names the conflicting version;
 * `original` is the raw row's text as a JSON object (the model's
 * `reject_original`), so a value that could not be typed is kept as it came.
 *
 * @param table     the cleaned table (its model's name)
 * @param rendered  the model after `renderModel` (a single SELECT with `reject_reason` and `reject_original`)
 * @param runId     the run being materialised (validated by the caller)
 * @throws TerminalError when the table is not a cleaned (source) table
 */
export function rejectRowsSql(table: string, rendered: string, runId: string): string {
  zoneColumns('cleaned', table);
  const reason = quoteIdent(REJECT_REASON_COLUMN);
  const values: Record<keyof RejectRecord, string> = {
    run_id: quoteLiteral(runId),
    table: quoteLiteral(table),
    stage: "'cleaned'",
    file: 'null',
    line: 'null',
    reason: `m.${reason}`,
    original: `m.${quoteIdent(REJECT_ORIGINAL_COLUMN)}`,
  };
  const columns = REJECT_RECORD_COLUMNS.map((c) => `cast(${values[c.name]} as ${c.type}) as ${quoteIdent(c.name)}`);
  return `select\n  ${columns.join(',\n  ')}\nfrom (\n${rendered}\n) m\nwhere m.${reason} is not null`;
}
