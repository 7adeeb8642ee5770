/**
 * The local `quality.results` table: a DuckDB view over the data-quality
 * result files the transform's quality gate writes to the transformed zone
 * (`quality/results/run_id=<run>/<zone>.jsonl`, core/quality/results.ts), the
 * local counterpart of the Glue table the lake stack declares
 * (docs/architecture.md "Data quality").
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { quoteLiteral } from '../../core/identifiers';
import { QUALITY_RESULTS_PREFIX } from '../../definition/object-keys';
import { QUALITY_RESULT_COLUMNS, type QualityResultColumn } from '../../definition/quality-results';
import { execSql, type DuckDBConnection } from './duckdb';

/** DuckDB type of each Glue type of the results table. */
const DUCKDB_TYPE: Record<QualityResultColumn['type'], string> = {
  string: 'VARCHAR',
  int: 'INTEGER',
  double: 'DOUBLE',
  'array<string>': 'VARCHAR[]',
};

const COLUMNS = QUALITY_RESULT_COLUMNS.map((c) => [c.name, DUCKDB_TYPE[c.type]] as const);

async function hasResults(folder: string): Promise<boolean> {
  try {
    for (const run of await fs.readdir(folder)) {
      if ((await fs.readdir(join(folder, run).toString())).some((f) => f.endsWith('.jsonl'))) return true;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
  return false;
}

/**
 * (Re)creates the view `quality.results` over the result files under
 * `transformedRoot`: a `read_json` over every run's files (new files are seen
 * by each query), or, before any result exists, an empty relation with the
 * same columns (definition/quality-results.ts). Throws what DuckDB throws.
 */
export async function registerQualityResults(conn: DuckDBConnection, transformedRoot: string): Promise<void> {
  const folder = join(transformedRoot, QUALITY_RESULTS_PREFIX);
  await execSql(conn, 'create schema if not exists quality');
  const select = (await hasResults(folder))
    ? `select * from read_json(${quoteLiteral(join(folder, 'run_id=*', '*.jsonl'))}, format = 'newline_delimited', ` +
      `hive_partitioning = false, columns = {${COLUMNS.map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t)}`).join(', ')}})`
    : `select ${COLUMNS.map(([n, t]) => `cast(null as ${t}) as ${n}`).join(', ')} where 1 = 0`;
  await execSql(conn, `create or replace view quality.results as ${select}`);
}
