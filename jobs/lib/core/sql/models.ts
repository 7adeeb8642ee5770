/**
 * Finds and reads the SQL model files: `sql/cleaned/<table>.sql` for every
 * source table and `sql/transformed/<table>.sql` for every star table
 * (docs/architecture.md "SQL models"). The tables come from definition/tables.ts, so a missing model is
 * an error rather than a silently skipped table.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TerminalError } from '../errors';
import { zoneTables } from '../../definition/tables';

/** One model file. */
export interface ModelFile {
  zone: 'cleaned' | 'transformed';
  /** Table the model writes (the file's base name). */
  table: string;
  /** The SELECT text, placeholders unresolved, surrounding whitespace trimmed. */
  sql: string;
  /** Absolute path of the file. */
  path: string;
}

/**
 * The folder holding `cleaned/` and `transformed/`: `LAKEHOUSE_SQL_DIR` when
 * set (bundled Lambdas ship the files next to the handler), else the repo's
 * `sql/` folder.
 */
export function sqlDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LAKEHOUSE_SQL_DIR ? resolve(env.LAKEHOUSE_SQL_DIR) : resolve(__dirname, '../../../../sql');
}

/**
 * Reads every model of a zone, in definition/tables.ts table order. Models of one zone
 * read only the zone before it, so this order is free of dependencies.
 *
 * @param zone  cleaned or transformed
 * @param dir   the SQL folder (default `sqlDir()`)
 * @returns one ModelFile per table of the zone
 * @throws TerminalError when a table's model file is missing, unreadable or empty
 */
export function loadModels(zone: 'cleaned' | 'transformed', dir: string = sqlDir()): ModelFile[] {
  return zoneTables(zone).map((table) => loadModel(zone, table, dir));
}

/**
 * Reads one model file, `<dir>/<zone>/<table>.sql`.
 *
 * @throws TerminalError when the file is missing, unreadable or empty
 */
export function loadModel(zone: 'cleaned' | 'transformed', table: string, dir: string = sqlDir()): ModelFile {
  const path = join(dir, zone, `${table}.sql`);
  let sql: string;
  try {
    sql = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new TerminalError(`model ${zone}.${table} not found or unreadable at ${path}`, { cause: error });
  }
  if (!sql) throw new TerminalError(`model ${zone}.${table} is empty: ${path}`);
  return { zone, table, sql, path };
}
