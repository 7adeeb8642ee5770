/**
 * Catalog over AWS Glue: one Glue database and one crawler per zone
 * (DESIGN.md §1). `crawl` only starts the crawler; its completion arrives
 * later as a "Glue Crawler State Change" event.
 */
import { GetPartitionsCommand, GetTablesCommand, StartCrawlerCommand, type GlueClient, type Table } from '@aws-sdk/client-glue';
import { TerminalError } from '../../core/errors';
import type { Zone } from '../../definition/zones';
import type { Catalog, CatalogTable } from '../../core/ports';
import { awsCall, awsErrorName, classifyAwsError } from './classify-aws-error';

/** Glue names per zone (from the handler's environment). */
export interface GlueNames {
  crawlers: Record<Zone, string>;
  /** Needed by `tables()` and `tableNames()` only (the crawl Lambda does not get them). */
  databases?: Record<Zone, string>;
}

/** A Glue table as GetTables returns it, with its name present. */
type NamedTable = Table & { Name: string };

/** Catalog over Glue: starts zone crawlers, lists zone tables (with or without their run partitions). */
export class GlueCatalog implements Catalog {
  constructor(
    private readonly client: GlueClient,
    private readonly names: GlueNames,
  ) {}

  /**
   * StartCrawler for the zone's crawler. Returns `started`, or
   * `already-running` when Glue answers CrawlerRunningException (not an
   * error: data that landed after that crawl began is picked up by the next
   * crawl or by the sweep). Other failures: classified TransientError /
   * TerminalError (e.g. EntityNotFoundException → terminal).
   */
  async crawl(zone: Zone): Promise<'started' | 'already-running' | 'completed'> {
    const name = this.names.crawlers[zone];
    try {
      await this.client.send(new StartCrawlerCommand({ Name: name }));
      return 'started';
    } catch (error) {
      if (awsErrorName(error) === 'CrawlerRunningException') return 'already-running';
      throw classifyAwsError(error, `glue StartCrawler ${name}`);
    }
  }

  /**
   * Tables of the zone's Glue database (GetTables, every page), each with its
   * columns (storage columns, then partition keys, as Athena shows them) and
   * its `run_id` partition values (GetPartitions, every page), sorted by name.
   * Throws TerminalError when built without databases; classified SDK errors.
   */
  async tables(zone: Zone): Promise<CatalogTable[]> {
    const database = this.database(zone);
    const out: CatalogTable[] = [];
    for await (const t of this.listTables(database)) {
      const partitionKeys = t.PartitionKeys ?? [];
      const columns = [...(t.StorageDescriptor?.Columns ?? []), ...partitionKeys].map((c) => ({
        name: c.Name ?? '',
        type: c.Type ?? '',
      }));
      const runIndex = partitionKeys.findIndex((k) => k.Name === 'run_id');
      const partitions = runIndex >= 0 ? await this.partitionValues(database, t.Name, runIndex) : [];
      out.push({ zone, name: t.Name, columns, partitions });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Names of the tables in the zone's Glue database now (GetTables, every
   * page; no partition calls). Glue keeps table names in lower case, as the
   * pipeline names them. For the Athena engine's `tables` option: which model
   * inputs have been crawled yet.
   * Throws TerminalError when built without databases; classified SDK errors
   * (throttling, 5xx → TransientError; EntityNotFoundException → TerminalError).
   */
  async tableNames(zone: Zone): Promise<Set<string>> {
    const names = new Set<string>();
    for await (const t of this.listTables(this.database(zone))) names.add(t.Name);
    return names;
  }

  private database(zone: Zone): string {
    if (!this.names.databases) throw new TerminalError('GlueCatalog was built without the zone databases: tables() and tableNames() need them');
    return this.names.databases[zone];
  }

  /** Every table of a Glue database that has a name, over every GetTables page. */
  private async *listTables(database: string): AsyncGenerator<NamedTable> {
    let token: string | undefined;
    do {
      const page = await awsCall(`glue GetTables ${database}`, () =>
        this.client.send(new GetTablesCommand({ DatabaseName: database, NextToken: token })),
      );
      yield* (page.TableList ?? []).filter((t): t is NamedTable => !!t.Name);
      token = page.NextToken;
    } while (token);
  }

  private async partitionValues(database: string, table: string, index: number): Promise<string[]> {
    const values: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(`glue GetPartitions ${database}.${table}`, () =>
        this.client.send(new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: token })),
      );
      for (const p of page.Partitions ?? []) {
        const value = p.Values?.[index];
        if (value !== undefined) values.push(value);
      }
      token = page.NextToken;
    } while (token);
    return values.sort();
  }
}
