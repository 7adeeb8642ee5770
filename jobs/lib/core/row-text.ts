/**
 * The canonical row text reconcile compares (issue 15, part 3): one text per
 * row, rendered the same way from the source (PostgreSQL) and from the
 * cleaned zone (DuckDB locally, Athena on AWS), so a row that has not changed
 * gives the same text on both sides. The query engine hashes both sides with
 * its own 64-bit hash ({@link engineHashSql}) and compares per key.
 *
 * Canonical text: the table contract's columns (definition/tables.ts) in
 * order, except `last_updated` (the version: reconcile stamps new versions
 * with its own time, so the version must not count as a change), each as
 * text, NULL as `\N`, joined by the unit separator (chr 31). Per contract type,
 * each engine's own text output of the typed value:
 *
 * | type          | text                                                          |
 * |---------------|---------------------------------------------------------------|
 * | int           | decimal digits (`42`, `-7`)                                   |
 * | varchar       | the value (enums: their label)                                |
 * | boolean       | `true` / `false`                                              |
 * | decimal(10,2) | two decimals (`123.40`)                                       |
 * | date          | `yyyy-mm-dd`; a text date in the source as it is stored       |
 * | timestamp     | `yyyy-mm-dd hh:mm:ss[.fff]`, milliseconds truncated (as extract lands them), trailing zeros of the fraction dropped (`…:52.18`, `…:52`) |
 *
 * The source's text is read as `COPY … TO STDOUT` writes it (text format:
 * backslash, backspace, form feed, newline, carriage return, tab and vertical
 * tab written as `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`; PostgreSQL docs,
 * "COPY", File Formats › Text Format), so the lake side escapes its varchar
 * columns the same way before comparing: one line per row, no raw tab.
 *
 * Why text and not a hash made by the source: PostgreSQL's md5() costs about
 * 0.8 µs a call (a crypto context per call), four times a COPY of the key
 * alone (docs/performance.md, "Reconcile"); rendering the text costs the
 * source about what a plain COPY of the columns does, and the engine, which
 * scans the cleaned zone anyway, hashes both sides in parallel.
 *
 * PostgreSQL renders dates and timestamps in its DateStyle: the source read
 * sets `ISO` (pg-reconcile-source.ts). A text date in the source that is not
 * `yyyy-mm-dd` never matches its typed lake value; the cleaned zone rejects
 * such rows anyway.
 */
import { TerminalError } from './errors';
import { quoteIdent } from './identifiers';
import { VERSION_COLUMN } from './sql/typed-source';
import type { ColumnDef, SourceTableDef } from '../definition/tables';

/** The dialects a row text is rendered in. */
export type RowTextDialect = 'postgres' | 'duckdb' | 'athena';

/** The dialects that compare: the query engines. */
export type EngineDialect = Exclude<RowTextDialect, 'postgres'>;

/** The NULL marker of the canonical text, and as COPY escapes it (the engines compare the escaped form). */
const NULL_TEXT = `'\\N'`;
const NULL_TEXT_ESCAPED = `'\\\\N'`;

/** PostgreSQL's text types (information_schema data_type). */
const PG_TEXT = new Set(['text', 'character varying', 'character']);
const PG_INTEGER = new Set(['smallint', 'integer', 'bigint']);

/** The text of one column in the source (PostgreSQL); `sourceType` is its information_schema data type. */
function postgresText(column: ColumnDef, ref: string, sourceType: string): string {
  switch (column.type) {
    case 'timestamp': {
      const utc = sourceType === 'timestamp with time zone' ? `(${ref} at time zone 'UTC')` : `cast(${ref} as timestamp)`;
      return `cast(date_trunc('milliseconds', ${utc}) as text)`;
    }
    case 'date':
      return PG_TEXT.has(sourceType)
        ? ref
        : sourceType === 'date'
          ? `cast(${ref} as text)`
          : `cast(cast(${ref} as date) as text)`;
    case 'decimal(10,2)':
      return `cast(cast(${ref} as numeric(10,2)) as text)`;
    case 'int':
    case 'bigint':
      return PG_INTEGER.has(sourceType) ? `cast(${ref} as text)` : `cast(cast(${ref} as bigint) as text)`;
    case 'boolean':
      return sourceType === 'boolean' ? `cast(${ref} as text)` : `cast(cast(${ref} as boolean) as text)`;
    default:
      return `cast(${ref} as text)`;
  }
}

/** COPY's text-format escapes, backslash first (module comment). */
const COPY_ESCAPES: ReadonlyArray<readonly [number, string]> = [
  [92, '\\\\'],
  [8, '\\b'],
  [12, '\\f'],
  [10, '\\n'],
  [13, '\\r'],
  [9, '\\t'],
  [11, '\\v'],
];

/** `text` escaped as COPY's text format writes it, in DuckDB or Trino SQL (both take `chr` and `replace`). */
function copyEscapedSql(text: string): string {
  return COPY_ESCAPES.reduce((sql, [code, escaped]) => `replace(${sql}, chr(${code}), '${escaped}')`, text);
}

/**
 * The text of one column of the cleaned zone in an engine, typed as the
 * contract says. DuckDB's casts print timestamps without trailing zeros in
 * the fraction, as PostgreSQL does; Trino prints a `timestamp(3)` with exactly
 * three digits (Trino docs, "Conversion functions"), so they are trimmed:
 * `.000` goes, `.180` becomes `.18`.
 */
function engineText(column: ColumnDef, ref: string, dialect: EngineDialect): string {
  switch (column.type) {
    case 'varchar':
      return copyEscapedSql(`cast(${ref} as varchar)`);
    case 'timestamp':
      return dialect === 'duckdb'
        ? `cast(${ref} as varchar)`
        : `regexp_replace(cast(cast(${ref} as timestamp(3)) as varchar), '\\.?0+$', '')`;
    default:
      return `cast(${ref} as varchar)`;
  }
}

/**
 * The SQL expression giving the canonical row text of table `def` in
 * `dialect`, over columns of relation alias `alias`. In an engine dialect it
 * is the COPY-escaped form the source's `COPY … TO STDOUT` line carries.
 *
 * @param sourceTypes  PostgreSQL only: each column's information_schema data type
 *   (how the source stores it; a text date is rendered as stored)
 * @throws TerminalError when a contract column is missing from `sourceTypes` (postgres)
 */
export function rowTextSql(
  def: SourceTableDef,
  dialect: RowTextDialect,
  alias: string,
  sourceTypes?: Map<string, string>,
): string {
  const parts = def.columns
    .filter((c) => c.name !== VERSION_COLUMN)
    .map((c) => {
      const ref = `${alias}.${quoteIdent(c.name)}`;
      if (dialect !== 'postgres') return `coalesce(${engineText(c, ref, dialect)}, ${NULL_TEXT_ESCAPED})`;
      const type = sourceTypes?.get(c.name);
      if (!type) throw new TerminalError(`source table ${def.name} has no column ${c.name}: cannot reconcile it`);
      return `coalesce(${postgresText(c, ref, type)}, ${NULL_TEXT})`;
    });
  return `concat_ws(chr(31), ${parts.join(', ')})`;
}

/**
 * The engine's 64-bit hash of a text expression, which the comparison joins
 * on instead of the texts: DuckDB's `hash` (a UBIGINT), Trino's `xxhash64`
 * of the UTF-8 bytes (Trino docs, "Binary functions"). Both sides of a
 * comparison are hashed by the same engine, so the two need not agree with
 * each other; a collision (two different rows of one key hashing alike) has
 * a chance of 2^-64 per key.
 */
export function engineHashSql(dialect: EngineDialect, text: string): string {
  return dialect === 'duckdb' ? `hash(${text})` : `xxhash64(to_utf8(${text}))`;
}
