/**
 * The row hash reconcile compares (issue 15, part 3): the md5 (lower-case hex)
 * of a row's canonical text, computed the same way from the source
 * (PostgreSQL) and from the cleaned zone (DuckDB locally, Athena on AWS), so
 * a row that has not changed hashes the same on both sides.
 *
 * Canonical text: the table contract's columns (definition/tables.ts) in
 * order, except `last_updated` (the version: reconcile stamps new versions
 * with its own time, so the version must not count as a change), each as
 * text, NULL as `\N`, joined by the unit separator (chr 31). Per contract type:
 *
 * | type          | text                                  |
 * |---------------|---------------------------------------|
 * | int           | decimal digits (`42`, `-7`)           |
 * | varchar       | the value (enums: their label)        |
 * | boolean       | `true` / `false`                      |
 * | decimal(10,2) | two decimals (`123.40`)               |
 * | date          | `yyyy-mm-dd`; a text date in the source as it is stored |
 * | timestamp     | `yyyy-mm-dd hh:mm:ss.mmm` (milliseconds truncated, as extract lands them) |
 *
 * A text date in the source that is not `yyyy-mm-dd` therefore never matches
 * its typed lake value; the cleaned zone rejects such rows anyway.
 */
import { TerminalError } from './errors';
import { quoteIdent } from './identifiers';
import { VERSION_COLUMN } from './sql/typed-source';
import type { ColumnDef, SourceTableDef } from '../definition/tables';

/** The dialects a row hash is rendered for. */
export type HashDialect = 'postgres' | 'duckdb' | 'athena';

/** The NULL marker of the canonical text. */
const NULL_TEXT = `'\\N'`;

/** The text of one column for the source (PostgreSQL); `sourceType` is its information_schema data type. */
function postgresText(column: ColumnDef, ref: string, sourceType: string): string {
  const text = sourceType === 'text' || sourceType === 'character varying' || sourceType === 'character';
  switch (column.type) {
    case 'timestamp':
      return sourceType === 'timestamp with time zone'
        ? `to_char(${ref} at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')`
        : `to_char(${ref}, 'YYYY-MM-DD HH24:MI:SS.MS')`;
    case 'date':
      return text ? ref : `to_char(${ref}, 'YYYY-MM-DD')`;
    case 'decimal(10,2)':
      return `cast(cast(${ref} as numeric(10,2)) as text)`;
    case 'int':
    case 'bigint':
      return `cast(cast(${ref} as bigint) as text)`;
    default:
      return `cast(${ref} as text)`;
  }
}

/** The text of one column for the cleaned zone (DuckDB), typed as the contract says. */
function duckdbText(column: ColumnDef, ref: string): string {
  switch (column.type) {
    case 'timestamp':
      return `strftime(${ref}, '%Y-%m-%d %H:%M:%S.%g')`;
    case 'date':
      return `strftime(${ref}, '%Y-%m-%d')`;
    default:
      return `cast(${ref} as varchar)`;
  }
}

/**
 * The text of one column for the cleaned zone on Athena (Trino), typed as the
 * contract says: `format_datetime` takes a Joda-Time pattern (`SSS`:
 * milliseconds); a date and a decimal cast to varchar give `yyyy-mm-dd` and
 * the declared scale, as DuckDB's casts do (Trino docs, "Date and time
 * functions" and "Conversion functions").
 */
function athenaText(column: ColumnDef, ref: string): string {
  switch (column.type) {
    case 'timestamp':
      return `format_datetime(${ref}, 'yyyy-MM-dd HH:mm:ss.SSS')`;
    default:
      return `cast(${ref} as varchar)`;
  }
}

/**
 * The SQL expression giving the row hash of table `def` in `dialect`, over
 * columns of relation alias `alias`.
 *
 * @param sourceTypes  PostgreSQL only: each column's information_schema data type
 *   (how the source stores it; a text date is hashed as stored)
 * @throws TerminalError when a contract column is missing from `sourceTypes` (postgres)
 */
export function rowHashSql(def: SourceTableDef, dialect: HashDialect, alias: string, sourceTypes?: Map<string, string>): string {
  const parts = def.columns
    .filter((c) => c.name !== VERSION_COLUMN)
    .map((c) => {
      const ref = `${alias}.${quoteIdent(c.name)}`;
      let text: string;
      if (dialect === 'postgres') {
        const type = sourceTypes?.get(c.name);
        if (!type) throw new TerminalError(`source table ${def.name} has no column ${c.name}: cannot reconcile it`);
        text = postgresText(c, ref, type);
      } else {
        text = dialect === 'duckdb' ? duckdbText(c, ref) : athenaText(c, ref);
      }
      return `coalesce(${text}, ${NULL_TEXT})`;
    });
  const canonical = parts.join(' || chr(31) || ');
  // Trino's md5 hashes varbinary into varbinary: to_utf8 in, lower-case hex out (Trino docs, "Binary functions").
  return dialect === 'athena' ? `lower(to_hex(md5(to_utf8(${canonical}))))` : `md5(${canonical})`;
}
