/**
 * Reads the column types out of the warehouse DDL (`sql/warehouse/<table>.sql`),
 * so that the statements which create temp tables for a load use the same
 * types, text lengths included, as the table they feed. The DDL files are the
 * one place the lengths are chosen (their README gives the rule).
 */
import { TerminalError } from '../errors';
import type { SchemaStatement } from './warehouse-schema';

/** Lines of a `create table` body that declare a constraint, not a column. */
const CONSTRAINT_LINE = /^(primary|unique|constraint|foreign|check)\b/i;

/**
 * `<name> <type>` at the start of a column line: a one-word type with its
 * `(…)` arguments (`varchar(64)`, `numeric(10,2)`). The warehouse DDL uses no
 * multi-word types.
 */
const COLUMN_LINE = /^([a-z_][a-z0-9_]*)\s+([a-z0-9]+(?:\s*\([\d\s,]+\))?)/i;

/**
 * The declared type of every column of one `create table` statement, by
 * column name in declaration order, lower-cased and with inner spaces
 * squeezed (`varchar(1024)`, `numeric(10,2)`, `time`). Expects one column or
 * constraint per line, as the warehouse DDL is written. Throws TerminalError
 * when no column is found.
 */
export function ddlColumnTypes(statement: SchemaStatement): Map<string, string> {
  const open = statement.sql.indexOf('(');
  const close = statement.sql.lastIndexOf(')');
  const types = new Map<string, string>();
  if (open >= 0 && close > open) {
    for (const raw of statement.sql.slice(open + 1, close).split('\n')) {
      const line = raw.trim().replace(/,$/, '');
      if (!line || CONSTRAINT_LINE.test(line)) continue;
      const match = COLUMN_LINE.exec(line);
      if (!match) continue;
      const type = match[2].replace(/\s+/g, '');
      types.set(match[1].toLowerCase(), type.toLowerCase());
    }
  }
  if (types.size === 0) throw new TerminalError(`warehouse DDL for ${statement.table} declares no columns`);
  return types;
}

/** {@link ddlColumnTypes} of every statement, by table name. */
export function schemaColumnTypes(statements: SchemaStatement[]): Map<string, Map<string, string>> {
  return new Map(statements.map((s) => [s.table, ddlColumnTypes(s)]));
}
