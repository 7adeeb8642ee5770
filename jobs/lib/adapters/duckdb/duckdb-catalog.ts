/**
 * The local catalog and crawler: one DuckDB schema per zone (`raw`, `cleaned`,
 * `transformed`) holding one view per zone table over that table's files.
 * Like a Glue crawler it infers each table's columns from the files, takes
 * partitions from `run_id=` folders, merges compatible schemas across runs
 * (new columns appear, missing ones read as null) and skips manifests,
 * rejects, landing files and temporary files. One more view, `cleaned._rejects`,
 * reads every reject record of both stages (refreshRejectsView).
 *
 * Raw tables expose every column as VARCHAR (text exactly as landed); the
 * cleaned models do the typing. Parquet zones keep their Parquet types.
 *
 * Raw schemas are inferred per partition, once: the column names found in
 * the first {@link RAW_SAMPLE_BYTES} of each of a `run_id=` folder's files (a
 * sample, as a crawler takes, not whole files) are kept in the catalog
 * (`lakehouse_crawler.raw_partitions`) with the file names they came from, so
 * a crawl reads only the files of partitions it has not seen and its cost does
 * not grow with the data already crawled. A partition whose files changed is
 * read again.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { TerminalError } from '../../core/errors';
import { assertRunId } from '../../core/run-id';
import type { Zone } from '../../definition/zones';
import type { Catalog, CatalogTable } from '../../core/ports';
import { assertIdentifier, quoteIdent, quoteLiteral } from '../../core/identifiers';
import { execSql, queryRows, type DuckDBConnection } from './duckdb';
import { isInProgressWrite, MANIFEST_PREFIX } from '../../definition/object-keys';
import { REJECT_RECORD_COLUMNS, REJECTS_LOCATION, REJECTS_TABLE, REJECTS_TABLE_COLUMNS } from '../../definition/rejects';
import { registerQualityResults } from './duckdb-quality-results';

/** What one crawl of a zone found. */
export interface CrawlReport {
  zone: Zone;
  tables: { name: string; files: number; partitions: number; columns: number }[];
  /** Tables whose view was dropped because their files are gone. */
  dropped: string[];
}

/** The DuckDB relation over a Parquet zone table's files (`glob`: a quoted path pattern), run_id from the folder names. */
const parquetSource = (glob: string) =>
  `read_parquet(${glob}, hive_partitioning = true, union_by_name = true, hive_types = {'run_id': 'VARCHAR'})`;

const FILE_SUFFIX: Record<Zone, string> = { raw: '.jsonl.gz', cleaned: '.parquet', transformed: '.parquet' };
/** How much of each raw file (uncompressed, whole lines, at least one) the crawler reads to find its columns: 256 KiB. */
export const RAW_SAMPLE_BYTES = 1 << 18;

/**
 * The keys of the JSON objects on the whole lines within the first
 * `sampleBytes` (uncompressed) of a gzip JSON Lines file (at least its first
 * line), in order of first appearance.
 * @throws TerminalError naming the file when it cannot be read or a sampled line is not a JSON object.
 */
export async function sampleJsonLinesKeys(path: string, sampleBytes = RAW_SAMPLE_BYTES): Promise<string[]> {
  const keys: string[] = [];
  const seen = new Set<string>();
  let lineNo = 0;
  const take = (line: string) => {
    lineNo++;
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new TerminalError(`raw file ${path} line ${lineNo} is not JSON: ${(error as Error).message}`, { cause: error });
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new TerminalError(`raw file ${path} line ${lineNo} is not a JSON object`);
    }
    for (const key in row) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  };
  const stream = createReadStream(path).pipe(createGunzip());
  const decoder = new StringDecoder('utf8');
  let text = '';
  let read = 0;
  let ended = true;
  try {
    for await (const chunk of stream) {
      read += (chunk as Buffer).length;
      text += decoder.write(chunk as Buffer);
      const lines = text.split('\n');
      text = lines.pop()!;
      for (const line of lines) take(line);
      if (read >= sampleBytes && lineNo > 0) {
        ended = false;
        break;
      }
    }
    if (ended) take(text + decoder.end());
  } catch (error) {
    if (error instanceof TerminalError) throw error;
    throw new TerminalError(`cannot read raw file ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
  return keys;
}

/**
 * Largest raw row (one JSON line) the raw views read: 4 MiB. DuckDB's reader
 * keeps buffers of twice this per file and thread, so the default (16 MiB)
 * costs about 100 MB of memory per query for rows of a few hundred bytes.
 */
export const RAW_MAX_OBJECT_BYTES = 4 * 1024 * 1024;

/** Where the crawler keeps the columns it found per raw partition. */
const STATE_SCHEMA = 'lakehouse_crawler';
const STATE_TABLE = `${STATE_SCHEMA}.raw_partitions`;
const TABLE_NAME = /^[a-z][a-z0-9_]*$/;
const PARTITION = /^run_id=(.+)$/;

export class DuckDbCatalog implements Catalog {
  /**
   * @param conn       DuckDB connection on the catalog database
   * @param zoneRoot   absolute folder of each zone
   * @param onCrawled  called after each completed crawl (the local stand-in for Glue's state-change event)
   */
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly zoneRoot: (zone: Zone) => string,
    private readonly onCrawled?: (report: CrawlReport) => void | Promise<void>,
  ) {}

  /** Crawls the zone now and returns 'completed' (a local crawl never overlaps another). */
  async crawl(zone: Zone): Promise<'completed'> {
    const report = await this.crawlZone(zone);
    if (this.onCrawled) await this.onCrawled(report);
    return 'completed';
  }

  /** Re-registers every table of `zone` from its files; returns what it found. Throws on unreadable files. */
  async crawlZone(zone: Zone): Promise<CrawlReport> {
    const schema = quoteIdent(assertIdentifier(zone));
    await execSql(this.conn, `create schema if not exists ${schema}`);
    const root = this.zoneRoot(zone);
    const found = await this.scan(zone, root);
    const report: CrawlReport = { zone, tables: [], dropped: [] };

    for (const [table, { files, partitions }] of found) {
      const glob = quoteLiteral(join(root, table, 'run_id=*', `*${FILE_SUFFIX[zone]}`));
      const source = zone === 'raw' ? await this.rawSource(root, table, partitions, glob) : parquetSource(glob);
      // Raw: only the partitions of recorded runs (their manifest exists), never one a killed extract left.
      const recorded = zone === 'raw' ? ` where run_id in (${[...partitions.keys()].map(quoteLiteral).join(', ')})` : '';
      await execSql(this.conn, `create or replace view ${schema}.${quoteIdent(table)} as select * from ${source}${recorded}`);
      const columns = await this.columnsOf(zone, table);
      report.tables.push({ name: table, files, partitions: partitions.size, columns: columns.length });
    }

    for (const existing of await this.viewNames(zone)) {
      if (!found.has(existing)) {
        await execSql(this.conn, `drop view if exists ${schema}.${quoteIdent(existing)}`);
        report.dropped.push(existing);
      }
    }
    if (zone === 'raw') await this.forgetTablesExcept([...found.keys()]);
    await this.refreshRejectsView();
    if (zone === 'transformed') await registerQualityResults(this.conn, root);
    return report;
  }

  /**
   * The zones with a table view that reads files outside this home's zone
   * folder: DuckDB keeps a view's SQL as written, so a home that was moved or
   * copied still reads the absolute paths of where it was crawled (and a
   * read-only command, whose file access is limited to the home, fails on
   * them; a writing one would read the old folder's files). Bookkeeping views
   * (`cleaned._rejects`) are left out: every crawl refreshes them.
   */
  async staleZones(): Promise<Zone[]> {
    const stale: Zone[] = [];
    for (const zone of ['raw', 'cleaned', 'transformed'] as const) {
      // The zone folder as it appears inside a SQL string literal, with the separator, so `/a/home2` is not under `/a/home`.
      const root = quoteLiteral(join(this.zoneRoot(zone), '/')).slice(1, -1);
      const rows = await queryRows(
        this.conn,
        `select view_name, sql from duckdb_views() where schema_name = ${quoteLiteral(zone)} and not internal`,
      );
      if (rows.some((r) => TABLE_NAME.test(String(r.view_name)) && !String(r.sql).includes(root))) stale.push(zone);
    }
    return stale;
  }

  /**
   * Crawls again every zone {@link staleZones} names, without the crawl
   * events (nothing new arrived: the views only move to this home's files).
   * Returns those zones.
   * @throws what {@link crawlZone} throws
   */
  async reregisterStaleZones(): Promise<Zone[]> {
    const stale = await this.staleZones();
    for (const zone of stale) await this.crawlZone(zone);
    return stale;
  }

  /**
   * (Re)creates the view `cleaned._rejects` (definition/rejects.ts) over every
   * reject record file (`.jsonl` or `.jsonl.gz`, at any depth under `_rejects/`)
   * of the raw and cleaned zones (ingest and cleaned stages alike), with the record's `table`
   * key as `table_name`. With no reject file yet it is an empty relation of
   * the same columns (DuckDB fails a glob that matches nothing). Files are
   * listed when the view is queried, so only a crawl or a registration after
   * the first reject file (or after the last is deleted) needs to run this.
   */
  async refreshRejectsView(): Promise<void> {
    const patterns: string[] = [];
    for (const zone of ['raw', 'cleaned'] as const) {
      for (const suffix of ['*.jsonl', '*.jsonl.gz']) {
        const pattern = join(this.zoneRoot(zone), REJECTS_LOCATION, '**', suffix);
        const [found] = await queryRows(this.conn, `select count(*) as n from glob(${quoteLiteral(pattern)})`);
        if (Number(found.n) > 0) patterns.push(pattern);
      }
    }
    const select = REJECTS_TABLE_COLUMNS.map((c, i) => {
      const source = REJECT_RECORD_COLUMNS[i].name;
      return patterns.length
        ? `${quoteIdent(source)}${source === c.name ? '' : ` as ${quoteIdent(c.name)}`}`
        : `cast(null as ${c.type}) as ${quoteIdent(c.name)}`;
    });
    const columns = REJECT_RECORD_COLUMNS.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type.toUpperCase())}`);
    const from = patterns.length
      ? ` from read_json([${patterns.map(quoteLiteral).join(', ')}], format = 'newline_delimited', ` +
        `columns = {${columns.join(', ')}}, hive_partitioning = false)`
      : ' where 1 = 0';
    await execSql(this.conn, 'create schema if not exists cleaned');
    await execSql(this.conn, `create or replace view cleaned.${quoteIdent(REJECTS_TABLE)} as select ${select.join(', ')}${from}`);
  }

  /**
   * True when the zone has a view for `table` and its folder
   * `<table>/run_id=<run>/` holds a finished data file: what a query of the
   * view sees now. Reads one folder, never the data.
   */
  async hasPartition(zone: Zone, table: string, runId: string): Promise<boolean> {
    if (!(await this.viewNames(zone)).includes(table)) return false;
    if (zone === 'raw' && !(await this.recordedRawRuns(this.zoneRoot(zone))).has(runId)) return false;
    const folder = join(this.zoneRoot(zone), table, `run_id=${assertRunId(runId)}`);
    try {
      return (await fs.readdir(folder)).some((f) => f.endsWith(FILE_SUFFIX[zone]) && !isInProgressWrite(f));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Makes the written partitions visible: a cleaned or transformed view reads
   * every `run_id=*` folder of its table when queried, so only a table that
   * has no view yet needs one (created as a crawl would). Raw partitions are
   * left to the crawl (returns false), which locally runs right after the
   * manifest in both chain modes. Does not announce a crawl.
   */
  async registerPartitions(zone: Zone, table: string, runIds: readonly string[]): Promise<boolean> {
    runIds.forEach(assertRunId);
    // A raw view lists each partition's files and samples their JSON for columns: only a crawl (re)builds it.
    if (zone === 'raw') return runIds.length === 0;
    // The cleaned transform may just have written the first reject files.
    if (zone === 'cleaned' && runIds.length > 0) await this.refreshRejectsView();
    if (runIds.length === 0 || (await this.viewNames(zone)).includes(table)) return true;
    const schema = quoteIdent(assertIdentifier(zone));
    await execSql(this.conn, `create schema if not exists ${schema}`);
    const glob = quoteLiteral(join(this.zoneRoot(zone), assertIdentifier(table), 'run_id=*', `*${FILE_SUFFIX[zone]}`));
    await execSql(this.conn, `create or replace view ${schema}.${quoteIdent(table)} as select * from ${parquetSource(glob)}`);
    return true;
  }

  async tables(zone: Zone): Promise<CatalogTable[]> {
    const out: CatalogTable[] = [];
    for (const name of await this.viewNames(zone)) {
      const columns = await this.columnsOf(zone, name);
      const partitions = (
        await queryRows(this.conn, `select distinct run_id from ${quoteIdent(zone)}.${quoteIdent(name)} order by run_id`)
      ).map((r) => String(r.run_id));
      out.push({ zone, name, columns, partitions });
    }
    return out;
  }

  /** Table folders holding at least one data file, with their file count and data file names per partition. */
  private async scan(zone: Zone, root: string): Promise<Map<string, { files: number; partitions: Map<string, string[]> }>> {
    const found = new Map<string, { files: number; partitions: Map<string, string[]> }>();
    let tables: string[];
    try {
      tables = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw error;
    }
    const recorded = zone === 'raw' ? await this.recordedRawRuns(root) : undefined;
    for (const table of tables.sort()) {
      // `_manifests`, `_rejects`, `landing` and anything odd are not tables.
      if (!TABLE_NAME.test(table) || table === 'landing') continue;
      const partitions = new Map<string, string[]>();
      let files = 0;
      for (const part of await fs.readdir(join(root, table), { withFileTypes: true })) {
        const m = part.isDirectory() ? PARTITION.exec(part.name) : null;
        if (!m || (recorded && !recorded.has(m[1]))) continue;
        const data = (await fs.readdir(join(root, table, part.name))).filter(
          (f) => f.endsWith(FILE_SUFFIX[zone]) && !isInProgressWrite(f),
        );
        if (data.length) {
          files += data.length;
          partitions.set(m[1], data.sort());
        }
      }
      if (files) found.set(table, { files, partitions });
    }
    return found;
  }

  /**
   * Runs whose manifest is in the raw zone (`_manifests/<run>.json`): the
   * recorded runs, whose partitions the catalog shows. The parts of a run an
   * extract or ingest was killed before recording have no manifest and stay
   * out of the catalog until the next pass removes them
   * (jobs/lib/adapters/fs/leftovers.ts).
   */
  private async recordedRawRuns(root: string): Promise<Set<string>> {
    try {
      const names = await fs.readdir(join(root, ...MANIFEST_PREFIX.split('/').filter(Boolean)));
      return new Set(names.filter((n) => n.endsWith('.json') && !isInProgressWrite(n)).map((n) => n.slice(0, -'.json'.length)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw error;
    }
  }

  /**
   * read_json over a raw table's files with every column declared VARCHAR:
   * the union, in order of first appearance by partition, of the columns of
   * each partition, inferred from that partition's files the first time the
   * crawler sees them (module comment).
   */
  private async rawSource(root: string, table: string, partitions: Map<string, string[]>, glob: string): Promise<string> {
    await execSql(
      this.conn,
      `create schema if not exists ${STATE_SCHEMA}; ` +
        `create table if not exists ${STATE_TABLE} (table_name varchar, run_id varchar, files varchar, columns varchar, primary key (table_name, run_id))`,
    );
    const known = new Map(
      (
        await queryRows(this.conn, `select run_id, files, columns from ${STATE_TABLE} where table_name = ${quoteLiteral(table)}`)
      ).map((r) => [String(r.run_id), { files: String(r.files), columns: JSON.parse(String(r.columns)) as string[] }]),
    );
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const [runId, files] of [...partitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const signature = JSON.stringify(files);
      let found = known.get(runId);
      if (!found || found.files !== signature) {
        const columns: string[] = [];
        for (const file of files) {
          for (const key of await sampleJsonLinesKeys(join(root, table, `run_id=${runId}`, file))) {
            if (key !== 'run_id' && !columns.includes(key)) columns.push(key);
          }
        }
        found = { files: signature, columns };
        await execSql(
          this.conn,
          `insert or replace into ${STATE_TABLE} values (${[table, runId, signature, JSON.stringify(found.columns)].map(quoteLiteral).join(', ')})`,
        );
      }
      for (const column of found.columns) {
        if (!seen.has(column)) {
          seen.add(column);
          columns.push(column);
        }
      }
    }
    const gone = [...known.keys()].filter((runId) => !partitions.has(runId));
    if (gone.length) {
      await execSql(
        this.conn,
        `delete from ${STATE_TABLE} where table_name = ${quoteLiteral(table)} and run_id in (${gone.map(quoteLiteral).join(', ')})`,
      );
    }
    const declared = columns.map((c) => `${quoteLiteral(assertIdentifier(c))}: 'VARCHAR'`);
    return (
      `read_json(${glob}, format = 'newline_delimited', columns = {${declared.join(', ')}}, ` +
      `records = 'true', maximum_object_size = ${RAW_MAX_OBJECT_BYTES}, hive_partitioning = true, hive_types = {'run_id': 'VARCHAR'})`
    );
  }

  /** Forgets the remembered raw partitions of tables that no longer have files. */
  private async forgetTablesExcept(tables: string[]): Promise<void> {
    const present = await queryRows(
      this.conn,
      `select count(*) as n from duckdb_tables() where schema_name = ${quoteLiteral(STATE_SCHEMA)} and table_name = 'raw_partitions'`,
    );
    if (!Number(present[0]?.n)) return;
    await execSql(
      this.conn,
      `delete from ${STATE_TABLE}${tables.length ? ` where table_name not in (${tables.map(quoteLiteral).join(', ')})` : ''}`,
    );
  }

  private async viewNames(zone: Zone): Promise<string[]> {
    const rows = await queryRows(
      this.conn,
      `select view_name from duckdb_views() where schema_name = ${quoteLiteral(zone)} and not internal order by view_name`,
    );
    // Zone tables only: bookkeeping views such as `cleaned._rejects` are not named like a table.
    return rows.map((r) => String(r.view_name)).filter((name) => TABLE_NAME.test(name));
  }

  private async columnsOf(zone: Zone, table: string): Promise<{ name: string; type: string }[]> {
    const rows = await queryRows(this.conn, `describe ${quoteIdent(zone)}.${quoteIdent(table)}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }
}
