/**
 * Ports: the interfaces jobs depend on. Adapters live in `jobs/lib/adapters/<technology>/`
 * (aws, postgres, duckdb, fs, smtp, powertools). Jobs never import an adapter directly; the
 * composition roots (Lambda handlers, the local runner) wire them in.
 */
import type { Readable } from 'node:stream';
import type { PipelineEvent } from '../definition/events';
import type { RunStage } from '../definition/run-stages';
import type { StarTableDef } from '../definition/tables';
import type { Zone } from '../definition/zones';

/** One object in a zone. `key` is relative to the zone root (bucket). */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Last modification time, UTC. */
  modified: Date;
}

/** One zone's object store (an S3 bucket, or a folder locally). Keys use `/`. */
export interface ObjectStore {
  readonly zone: Zone;
  /** Writes a whole object. Emits an "Object Created" event where the runtime does (S3, the local watcher). */
  put(key: string, body: Buffer | string): Promise<void>;
  /** Streams an object in; multipart on S3. Resolves once the object is complete and visible. */
  putStream(key: string, body: Readable): Promise<void>;
  /**
   * Writes only if no object exists at `key` (S3 `If-None-Match: *`).
   * Returns false, without writing, when the key already exists.
   */
  putIfAbsent(key: string, body: Buffer | string): Promise<boolean>;
  /** Reads a whole object; throws NotFoundError when absent. */
  get(key: string): Promise<Buffer>;
  /** Streams an object out; throws NotFoundError when absent. */
  getStream(key: string): Promise<Readable>;
  /** Lists objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** The address engines read the object by: an absolute path locally, `s3://bucket/key` on AWS. */
  uri(key: string): string;
}

/** The lake: one object store per zone. */
export type Lake = Record<Zone, ObjectStore>;

/** A column as the source database reports it. */
export interface SourceColumn {
  name: string;
  /** The source's type name (`integer`, `numeric`, `timestamp without time zone`, `USER-DEFINED`, …). */
  dataType: string;
  nullable: boolean;
  /** True for the columns of the table's primary key, when the source reports it (extract keys its watermark window on them). */
  primaryKey?: boolean;
}

/** A source row as it lands in the raw zone (see docs/architecture.md "Data contracts": exact numbers and timestamps are strings). */
export type RawRow = Record<string, string | number | boolean | null>;

/** The OLTP source database. */
export interface SourceDb {
  /** Tables of the source schema that have a `last_updated` column, sorted by name. */
  listTables(): Promise<string[]>;
  /** Columns of a table in ordinal order. */
  describe(table: string): Promise<SourceColumn[]>;
  /**
   * Streams rows with `last_updated >= since` (all rows when since is null),
   * in pages of at most `pageSize` rows so no table is held in memory, each
   * row exactly once, in an order of the source's choosing (callers must not
   * depend on it), already rendered as raw-zone JSON lines (the text
   * `JSON.stringify` gives for each RawRow), so a source can render them
   * without building row objects. Timestamps come out as ISO strings with
   * milliseconds (`2022-11-03T14:20:52.186`, source-local, no zone); numerics
   * as decimal strings. Extract reads through this.
   */
  streamChangedLines(table: string, since: string | null, pageSize?: number): AsyncIterable<RawLinePage>;
  close(): Promise<void>;
}

/**
 * One page of changed rows as raw-zone JSON lines: the text, and per row
 * (parallel arrays) where its line starts, its `last_updated` and its key.
 */
export interface RawLinePage {
  /** The rows as UTF-8 JSON Lines: one JSON object per row, keys in source column order, each line ending in `\n`. */
  text: Buffer;
  /** Byte offset in `text` where each row's line starts. */
  starts: number[];
  /** Each row's `last_updated` as ISO text with milliseconds, no zone (`2022-11-03T14:20:52.186`). */
  lastUpdated: string[];
  /**
   * Each row's primary key as text: the value itself for a one-column key,
   * the JSON array of the values for a composite key (the `<pk>` of a window
   * key, see {@link TableWatermark}).
   */
  keys: string[];
}

/** A table's current schema in a zone's catalog. */
export interface CatalogTable {
  zone: Zone;
  name: string;
  columns: { name: string; type: string }[];
  /** run_id partitions present. */
  partitions: string[];
}

/** The catalog (Glue, or the DuckDB catalog file locally) and its crawler. */
export interface Catalog {
  /**
   * Starts (AWS) or performs (local) a crawl of one zone. Returns `started` when
   * a crawl began, `already-running` when one was in progress (not an error).
   */
  crawl(zone: Zone): Promise<'started' | 'already-running' | 'completed'>;
  /** Tables currently registered for a zone. */
  tables(zone: Zone): Promise<CatalogTable[]>;
  /**
   * Whether the catalog shows the `run_id=<run>` partition of a zone table
   * now (false when it has no such table): what the next step's queries will
   * see. One look-up (Glue `GetPartition`), never a listing, so its cost does
   * not grow with history; never cached.
   */
  hasPartition(zone: Zone, table: string, runId: string): Promise<boolean>;
  /**
   * Registers the `run_id=<run>` partitions a step has just written to a
   * zone table, so the next step sees them without waiting for a crawl
   * (docs/architecture.md, "Events"): Glue `BatchCreatePartition` on AWS;
   * locally the table's view over its folders. A cleaned or transformed
   * table the catalog has no entry for yet is created from its contract
   * (definition/tables.ts). A raw table is registered into only once it
   * exists: its columns are inferred from the JSON by the raw crawler, so a
   * raw table not crawled yet is left to that first crawl.
   * Idempotent: a partition already registered is left as it is.
   *
   * @returns whether the partitions are registered (false: a raw table not crawled yet)
   * @throws TransientError when a retry may help (throttling, a race with a crawler), TerminalError otherwise
   */
  registerPartitions(zone: Zone, table: string, runIds: readonly string[]): Promise<boolean>;
}

/** A SQL model materialised for one run. */
export interface ModelRun {
  /** Zone written: cleaned or transformed. */
  zone: 'cleaned' | 'transformed';
  /** Table (model) name: `sql/<zone>/<table>.sql`. */
  table: string;
  /** The SELECT text of the model, with placeholders unresolved. */
  sql: string;
  runId: string;
}

/** What a model run wrote. */
export interface ModelResult {
  table: string;
  runId: string;
  rows: number;
  /** Cleaned models only: rows written to `_rejects/<table>/run_id=<run>/`. */
  rejects: number;
}

/** The SQL engine (Athena, or DuckDB locally) that materialises models into a zone. */
export interface QueryEngine {
  /**
   * Renders the model for this engine and run, writes its rows to the run's own
   * empty location (`<table>/run_id=<run>/` in the model's zone) as Parquet, and
   * for cleaned models writes rows whose `reject_reason` is set to the rejects
   * area instead. Throws TerminalError on bad SQL or unknown placeholders.
   */
  materialize(model: ModelRun): Promise<ModelResult>;
  /**
   * Resolves a SELECT's `{{ … }}` placeholders for this engine and run, as a
   * model's are (tables the catalog does not show read as empty relations),
   * so data-quality tests query exactly what the models wrote.
   * Throws TerminalError on an unknown placeholder or a bad run id.
   */
  render(sql: string, runId: string): Promise<string>;
  /** Runs an ad-hoc query over the catalog; rows as plain JSON-safe objects. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * How many generic data-quality tests one query may carry (a UNION ALL of
   * their summaries); unset means all of a zone's tests in one query. An
   * engine that runs every branch of a query at once (DuckDB, in one
   * process's memory) sets a bound; one whose every query costs seconds of
   * start-up (Athena) leaves it unset.
   */
  readonly testsPerQuery?: number;
}

/** One table of one run to load into the warehouse. */
export interface LoadTable {
  table: StarTableDef;
  /** Object keys (in the transformed zone) of the run's Parquet files for this table. */
  files: string[];
}

/** Outcome of loading one run. */
export interface LoadResult {
  runId: string;
  /** false when the run was already in the load history (nothing changed). */
  loaded: boolean;
  /** Rows inserted (facts) or inserted/updated (dimensions), per table. */
  tables: Record<string, { staged: number; changed: number }>;
}

/** The warehouse (Redshift through the Data API, or PostgreSQL / PGlite locally). */
export interface Warehouse {
  /** Creates the star schema and the load history table when absent. Idempotent. */
  ensureSchema(): Promise<void>;
  /**
   * Loads one run in one transaction: stage each table's files, dedupe, MERGE
   * dimensions (SCD1), insert facts whose (key, version) is absent, record the
   * run in the load history. A failure rolls everything back and throws.
   */
  loadRun(runId: string, tables: LoadTable[]): Promise<LoadResult>;
  /** Runs a read query; rows as plain objects. */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** A run's record in the ledger. */
export interface RunRecord {
  runId: string;
  /** How the run was made. */
  origin: 'extract' | 'ingest' | 'reconcile';
  stage: RunStage;
  /** Set when a step failed for this run; the run stays at its stage. */
  failed?: { step: string; at: string; error: string };
  createdAt: string;
  updatedAt: string;
  /** Stage history: stage → ISO time reached. */
  history: Partial<Record<RunStage, string>>;
  /** Rows per table per stage, for status and summaries. */
  counts: Partial<Record<RunStage, Record<string, number>>>;
  /** Rejected rows per table (cleaned stage). */
  rejects?: Record<string, number>;
  /** Data-quality test results per zone tested (counts by status), set by the transform's quality gate. */
  quality?: Partial<Record<'cleaned' | 'transformed', { pass: number; warn: number; fail: number }>>;
  /** Watermark range the run covers, per table (extract only). */
  watermarks?: Record<string, { from: string | null; to: string }>;
}

/**
 * One table's watermark: the highest `last_updated` extracted (ISO with ms,
 * source-local, e.g. `2025-02-25T13:26:09.875`), plus the versions already
 * extracted inside the lookback window (`<pk>@<last_updated>`), so a re-read
 * of the window can tell a late-committed row from one it already has.
 */
export interface TableWatermark {
  lastUpdated: string;
  windowKeys: string[];
}

/** Watermarks per source table. */
export type Watermarks = Record<string, TableWatermark>;

/**
 * The run ledger (small JSON records in the lake bucket on AWS, files locally).
 *
 * Besides one record per run, a ledger keeps an index of open runs (runs not
 * yet `loaded`, failed or not), so the reads the jobs make on every
 * invocation ({@link runsAt}, {@link openRuns}) cost in proportion to the
 * runs still waiting, not to every run ever written. The records are the
 * truth; the index may briefly list a run it no longer needs to (readers
 * check each record), never miss one that is open. A ledger written before
 * the index existed is indexed once, on the first read that finds the index
 * missing (see the adapters).
 */
export interface RunLedger {
  /**
   * Claims a run id before anything of the run is written: succeeds only when
   * no run (open, loaded, or already claimed) has that id. The claim puts the
   * id in the open-runs index, but it is not a run until {@link createRun}.
   * Throws ConflictError when the id is taken.
   */
  reserveRun(runId: string): Promise<void>;
  /** Drops a claim made by {@link reserveRun} whose run was never created. Idempotent; leaves a created run alone. */
  releaseRun(runId: string): Promise<void>;
  /**
   * Creates a run record (and its index entry when the run is not loaded);
   * throws ConflictError when the record exists. Works with or without a
   * prior {@link reserveRun}.
   */
  createRun(run: RunRecord): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /**
   * Runs, oldest first: all of them, or with `limit` only the most recent
   * `limit` (still oldest first). Reads every record without a limit: for
   * status and reports, not for the jobs' per-invocation reads.
   */
  listRuns(options?: { limit?: number }): Promise<RunRecord[]>;
  /** Runs not yet loaded (failed ones included), oldest first, read through the open-runs index. */
  openRuns(): Promise<RunRecord[]>;
  /**
   * Runs at `stage` and not failed, oldest first: the runs waiting for the next step (read through the index).
   * Always empty for `loaded`: no step waits on a loaded run.
   */
  runsAt(stage: RunStage): Promise<RunRecord[]>;
  /**
   * Applies `change` to a run and writes it back (conditional write on AWS);
   * when the run reaches `loaded` its index entry is removed after the record
   * is written. Throws NotFoundError when the run does not exist.
   */
  updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord>;
  getWatermarks(): Promise<{ watermarks: Watermarks; version: string | null }>;
  /**
   * Replaces the watermarks if they are still at `expectedVersion` (null = none yet).
   * Throws ConflictError when another writer advanced them first.
   */
  putWatermarks(next: Watermarks, expectedVersion: string | null): Promise<void>;
}

/** Publishes our custom events (EventBridge PutEvents, or the in-process bus). */
export interface EventPublisher {
  publish(event: PipelineEvent): Promise<void>;
}

/** Sends an alert (SNS email on AWS; SMTP or an outbox folder locally). */
export interface Notifier {
  notify(message: { subject: string; body: string }): Promise<void>;
}

/** Injected clock and id source so jobs are deterministic under test. */
export interface Clock {
  now(): Date;
}

/** One table's folder of one run in the raw zone: `<table>/run_id=<run>/`. */
export interface RawRunFolder {
  table: string;
  runId: string;
  /** The folder's key prefix in the raw zone, `<table>/run_id=<run>/` (definition/object-keys.ts `runFolder`). */
  folder: string;
  /** When the folder was last written to (UTC): its newest object's LastModified on S3, the folder's mtime locally. */
  modified: Date;
}

/**
 * The raw zone's run folders, as the removal of runs the ledger never recorded
 * sees them (core/unrecorded-runs.ts). Adapters: a local folder
 * (adapters/fs/fs-raw-run-folders.ts) and an S3 bucket (adapters/aws/s3-raw-run-folders.ts).
 */
export interface RawRunFolders {
  /**
   * The run folders of the raw tables, in key order: all of them, or with
   * `since` (a run id stamp, `yyyymmddthhmmssz`) only those of runs whose id
   * sorts at or after it (run ids sort by time).
   */
  list(since?: string): Promise<RawRunFolder[]>;
  /** The ids of the runs that have a manifest (`_manifests/<run>.json`): all, or those at or after `since`. */
  manifests(since?: string): Promise<Set<string>>;
  /** Removes everything in the folder; returns how many objects (files) were removed. */
  remove(folder: RawRunFolder): Promise<number>;
}

/**
 * The claims in a ledger's open-runs index (RunLedger.reserveRun): every run
 * id with a marker under `open/`, recorded or not, and when its marker was
 * last written (UTC). Readers only: nothing is dropped.
 */
export interface RunClaims {
  claims(): Promise<Map<string, Date>>;
}
