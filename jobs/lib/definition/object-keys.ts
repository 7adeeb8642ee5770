/**
 * Object key layout inside each zone's bucket (docs/architecture.md,
 * "Data contracts"). Keys are relative to their zone's bucket.
 */

export const MANIFEST_PREFIX = '_manifests/';
export const LANDING_PREFIX = 'landing/';
export const REJECTS_PREFIX = '_rejects/';
/** Schema drift records in the cleaned zone (`_schema_drift/<table>/<column>.json`, core/schema-drift.ts). */
export const SCHEMA_DRIFT_PREFIX = '_schema_drift/';
/** Where ingest moves a landed file once it became a run (`_processed/landing/<table>/<file>`); expired by lifecycle. */
export const PROCESSED_LANDING_PREFIX = '_processed/';
/** Where ingest moves a landed file it cannot read (`_quarantine/landing/…`, with `.error.txt`); kept for a person. */
export const QUARANTINE_PREFIX = '_quarantine/';
/** Where the data-quality results live in the transformed zone (`quality/results/run_id=<run>/<zone>.jsonl`); not a star table. */
export const QUALITY_RESULTS_PREFIX = 'quality/results/';
/**
 * Reconcile's scratch key files in the raw zone (`_reconcile/<run>/<table>/keys.tsv`,
 * jobs/reconcile/reconcile.ts); deleted once compared. The raw crawler excludes it (crawlers/zone-crawlers.ts).
 */
export const RECONCILE_SCRATCH_PREFIX = '_reconcile/';
/** Name prefix of the temporary Athena tables over those files (`tmp_reconcile_<table>_<run>`, adapters/aws/athena-key-table.ts). */
export const RECONCILE_KEY_TABLE_PREFIX = 'tmp_reconcile_';

export const keys = {
  /** Raw part file: `<table>/run_id=<run>/part-00000.jsonl.gz`. */
  rawPart: (table: string, runId: string, part: number) =>
    `${table}/run_id=${runId}/part-${String(part).padStart(5, '0')}.jsonl.gz`,
  /** A table's folder in any zone: `<table>/`. */
  tableFolder: (table: string) => `${table}/`,
  /** A run's folder for a table in any zone: `<table>/run_id=<run>/`. */
  runFolder: (table: string, runId: string) => `${table}/run_id=${runId}/`,
  /** The run manifest in the raw zone: `_manifests/<run>.json`. */
  manifest: (runId: string) => `${MANIFEST_PREFIX}${runId}.json`,
  /** Rejected rows of a cleaned table: `_rejects/<table>/run_id=<run>/`. */
  rejectsFolder: (table: string, runId: string) => `${REJECTS_PREFIX}${table}/run_id=${runId}/`,
  /**
   * Lines a step rejected before the cleaned zone, in the raw zone:
   * `_rejects/<table>/run_id=<run>/<stage>-00000.jsonl`, one JSON object a line
   * (`{ run_id, table, stage, file, line, reason, original }`, jobs/lib/core/line-rejects.ts).
   * `stage` is `ingest` (landed lines that could not become rows) or `extract`
   * (source rows over the raw row limit). The cleaned zone's rejects of the same
   * run sit at the same relative key in the cleaned zone, as Parquet.
   */
  lineRejects: (table: string, runId: string, stage: 'ingest' | 'extract', part = 0) =>
    `${REJECTS_PREFIX}${table}/run_id=${runId}/${stage}-${String(part).padStart(5, '0')}.jsonl`,
  /** A run's data-quality results for one zone's tests, in the transformed zone: `quality/results/run_id=<run>/<zone>.jsonl`. */
  qualityResults: (runId: string, zone: string) => `${QUALITY_RESULTS_PREFIX}run_id=${runId}/${zone}.jsonl`,
};

/**
 * Marker of an object or file being written: a local write goes to
 * `<target>.tmp-<pid>-<n>` and is renamed onto the target when complete.
 * Listings, crawls and the catalog skip names that carry it, so a half-written
 * file is never taken for a finished one.
 */
export const IN_PROGRESS_MARKER = '.tmp-';

/** True for a key, file name or path that is a write still in progress (see {@link IN_PROGRESS_MARKER}). */
export function isInProgressWrite(name: string): boolean {
  return name.includes(IN_PROGRESS_MARKER);
}

/**
 * True for a data file of a zone table: anything in a run folder except
 * hidden names (starting with `_` or `.`, such as `_SUCCESS` or checksum
 * files, which Hive-style readers skip), folder markers and writes in
 * progress. Extensions are not required: Athena CTAS writes Parquet objects
 * without one (Athena user guide, "Considerations and limitations for CTAS
 * queries"), DuckDB writes `.parquet`.
 */
export function isDataObject(key: string): boolean {
  if (key.endsWith('/')) return false;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.length > 0 && !name.startsWith('_') && !name.startsWith('.') && !isInProgressWrite(name);
}
