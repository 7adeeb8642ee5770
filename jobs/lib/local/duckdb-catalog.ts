/**
 * The local catalog and crawler: one DuckDB schema per zone (`raw`, `cleaned`,
 * `transformed`) holding one view per zone table over that table's files.
 * Like a Glue crawler it infers each table's columns from the files, takes
 * partitions from `run_id=` folders, merges compatible schemas across runs
 * (new columns appear, missing ones read as null) and skips manifests,
 * rejects, landing files and temporary files.
 *
 * Raw tables expose every column as VARCHAR (text exactly as landed); the
 * cleaned models do the typing. Parquet zones keep their Parquet types.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Zone } from '../pipeline';
import type { Catalog, CatalogTable } from '../ports';
import { assertIdentifier, quoteIdent } from '../identifiers';
import { execSql, queryRows, sqlString, type DuckDBConnection } from './duckdb';

/** What one crawl of a zone found. */
export interface CrawlReport {
  zone: Zone;
  tables: { name: string; files: number; partitions: number; columns: number }[];
  /** Tables whose view was dropped because their files are gone. */
  dropped: string[];
}

const FILE_SUFFIX: Record<Zone, string> = { raw: '.jsonl.gz', cleaned: '.parquet', transformed: '.parquet' };
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
      const glob = sqlString(join(root, table, 'run_id=*', `*${FILE_SUFFIX[zone]}`));
      const source =
        zone === 'raw'
          ? await this.rawSource(glob)
          : `read_parquet(${glob}, hive_partitioning = true, union_by_name = true, hive_types = {'run_id': 'VARCHAR'})`;
      await execSql(this.conn, `create or replace view ${schema}.${quoteIdent(table)} as select * from ${source}`);
      const columns = await this.columnsOf(zone, table);
      report.tables.push({ name: table, files, partitions: partitions.size, columns: columns.length });
    }

    for (const existing of await this.viewNames(zone)) {
      if (!found.has(existing)) {
        await execSql(this.conn, `drop view if exists ${schema}.${quoteIdent(existing)}`);
        report.dropped.push(existing);
      }
    }
    return report;
  }

  async tables(zone: Zone): Promise<CatalogTable[]> {
    const out: CatalogTable[] = [];
    for (const name of await this.viewNames(zone)) {
      const columns = await this.columnsOf(zone, name);
      const partitions = (
        await queryRows(
          this.conn,
          `select distinct run_id from ${quoteIdent(zone)}.${quoteIdent(name)} order by run_id`,
        )
      ).map((r) => String(r.run_id));
      out.push({ zone, name, columns, partitions });
    }
    return out;
  }

  /** Table folders holding at least one data file, with their file and partition counts. */
  private async scan(zone: Zone, root: string): Promise<Map<string, { files: number; partitions: Set<string> }>> {
    const found = new Map<string, { files: number; partitions: Set<string> }>();
    let tables: string[];
    try {
      tables = (await fs.readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found;
      throw error;
    }
    for (const table of tables.sort()) {
      // `_manifests`, `_rejects`, `landing` and anything odd are not tables.
      if (!TABLE_NAME.test(table) || table === 'landing') continue;
      const partitions = new Set<string>();
      let files = 0;
      for (const part of await fs.readdir(join(root, table), { withFileTypes: true })) {
        const m = part.isDirectory() ? PARTITION.exec(part.name) : null;
        if (!m) continue;
        const data = (await fs.readdir(join(root, table, part.name))).filter(
          (f) => f.endsWith(FILE_SUFFIX[zone]) && !f.includes('.tmp-'),
        );
        if (data.length) {
          files += data.length;
          partitions.add(m[1]);
        }
      }
      if (files) found.set(table, { files, partitions });
    }
    return found;
  }

  /** read_json over the raw files with every inferred column declared VARCHAR. */
  private async rawSource(glob: string): Promise<string> {
    const detected = await queryRows(
      this.conn,
      `describe select * from read_json(${glob}, format = 'newline_delimited', union_by_name = true, hive_partitioning = false)`,
    );
    const columns = detected
      .map((r) => String(r.column_name))
      .filter((c) => c !== 'run_id')
      .map((c) => `${sqlString(assertIdentifier(c))}: 'VARCHAR'`);
    return (
      `read_json(${glob}, format = 'newline_delimited', columns = {${columns.join(', ')}}, ` +
      `hive_partitioning = true, hive_types = {'run_id': 'VARCHAR'})`
    );
  }

  private async viewNames(zone: Zone): Promise<string[]> {
    const rows = await queryRows(
      this.conn,
      `select view_name from duckdb_views() where schema_name = ${sqlString(zone)} and not internal order by view_name`,
    );
    return rows.map((r) => String(r.view_name));
  }

  private async columnsOf(zone: Zone, table: string): Promise<{ name: string; type: string }[]> {
    const rows = await queryRows(this.conn, `describe ${quoteIdent(zone)}.${quoteIdent(table)}`);
    return rows.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  }
}
