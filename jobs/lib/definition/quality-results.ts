/**
 * The `quality.results` table's columns (docs/architecture.md "Data quality"),
 * read by the local catalog's view and by the lake stack's Glue table, so
 * both runtimes expose the same table. Types are Hive/Glue names; the local
 * view maps them to DuckDB. The rows are core/quality/results.ts `QualityResult`.
 */

/** A column of the results table: name and Glue (Hive) type. */
export interface QualityResultColumn {
  name: string;
  type: 'string' | 'int' | 'double' | 'array<string>';
}

/** Columns in order. */
export const QUALITY_RESULT_COLUMNS: readonly QualityResultColumn[] = [
  { name: 'run_id', type: 'string' },
  { name: 'zone', type: 'string' },
  { name: 'model', type: 'string' },
  { name: 'test', type: 'string' },
  { name: 'kind', type: 'string' },
  { name: 'severity', type: 'string' },
  { name: 'status', type: 'string' },
  { name: 'failing_rows', type: 'int' },
  { name: 'sample_keys', type: 'array<string>' },
  { name: 'seconds', type: 'double' },
  { name: 'tested_at', type: 'string' },
  { name: 'detail', type: 'string' },
];

/** The Glue table's name in the transformed zone's database (Athena: `<transformed db>.quality_results`). */
export const QUALITY_RESULTS_TABLE = 'quality_results';
