/**
 * The reject record: one JSON object per rejected row, the same shape for
 * every stage that rejects rows (docs/architecture.md "Data contracts",
 * README "Rejects and schema drift"), so one catalog table reads them all.
 *
 * - ingest writes the lines of a landed file it cannot read as JSON Lines,
 *   `_rejects/<table>/run_id=<run>/ingest-*.jsonl` (stage `ingest`, with the
 *   file and 1-based line number, `original` = the line's text);
 * - the cleaned transform writes the rows it cannot type, and the conflicting
 *   versions it discards, under `_rejects/<table>/run_id=<run>/cleaned/`
 *   (stage `cleaned`, file and line null, `original` = the raw row as a JSON
 *   object of its contract columns' text).
 *
 * The catalog table over all of them is `cleaned._rejects` (a Glue table on
 * AWS, a DuckDB view locally); its `table_name` column is the record's `table`
 * key (`table` is a reserved word in SQL).
 */
import { REJECTS_PREFIX, keys } from './object-keys';

/** One reject record as it is written (JSON keys, in order). */
export interface RejectRecord {
  run_id: string;
  table: string;
  stage: 'ingest' | 'cleaned';
  /** The landed file's key (ingest); null for cleaned rejects. */
  file: string | null;
  /** 1-based line number in `file` (ingest); null for cleaned rejects. */
  line: number | null;
  /** Why the row was rejected, in words, naming the column and showing the value. */
  reason: string;
  /** The row's original text: the landed line (ingest) or the raw row's columns as a JSON object (cleaned). */
  original: string | null;
}

/** The record's keys with their SQL type (DuckDB and Athena alike), in order. */
export const REJECT_RECORD_COLUMNS: readonly { name: keyof RejectRecord; type: 'varchar' | 'integer' }[] = [
  { name: 'run_id', type: 'varchar' },
  { name: 'table', type: 'varchar' },
  { name: 'stage', type: 'varchar' },
  { name: 'file', type: 'varchar' },
  { name: 'line', type: 'integer' },
  { name: 'reason', type: 'varchar' },
  { name: 'original', type: 'varchar' },
];

/** The catalog table of every reject, in the cleaned zone's schema / Glue database: `cleaned._rejects`. */
export const REJECTS_TABLE = '_rejects';

/** The catalog table's column for the record's `table` key. */
export const REJECTS_TABLE_NAME_COLUMN = 'table_name';

/** The catalog table's columns: the record's, with `table` named {@link REJECTS_TABLE_NAME_COLUMN}. */
export const REJECTS_TABLE_COLUMNS = REJECT_RECORD_COLUMNS.map((c) => ({
  ...c,
  name: c.name === 'table' ? REJECTS_TABLE_NAME_COLUMN : c.name,
}));

/** The folder of every reject record in the cleaned zone (the catalog table's location): `_rejects/`. */
export const REJECTS_LOCATION = REJECTS_PREFIX;

/** Where the cleaned transform writes a run's rejects of one table: `_rejects/<table>/run_id=<run>/cleaned/`. */
export const cleanedRejectsFolder = (table: string, runId: string) => `${keys.rejectsFolder(table, runId)}cleaned/`;
