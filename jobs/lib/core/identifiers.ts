/** Validation and quoting of SQL identifiers that come from config or catalogs (docs/architecture.md "Conventions"). */

const IDENT = /^[a-z_][a-z0-9_]*$/;

/** Throws TypeError unless `name` is a plain lower-case identifier; returns it. */
export function assertIdentifier(name: string): string {
  if (!IDENT.test(name)) throw new TypeError(`not a safe SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

/** Double-quotes a validated identifier (works in PostgreSQL, Redshift, DuckDB and Trino). */
export function quoteIdent(name: string): string {
  return `"${assertIdentifier(name)}"`;
}

/** Single-quotes a string literal for engines that cannot bind parameters in DDL (doubling quotes). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
