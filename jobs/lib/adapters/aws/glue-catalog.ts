/**
 * Catalog over AWS Glue: one Glue database and one crawler per zone
 * (docs/architecture.md "The chain and its two runtimes"). `crawl` only starts the crawler; its completion arrives
 * later as a "Glue Crawler State Change" event.
 */
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  GetPartitionCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  StartCrawlerCommand,
  type GlueClient,
  type StorageDescriptor,
  type Table,
} from '@aws-sdk/client-glue';
import { TerminalError, TransientError } from '../../core/errors';
import { assertRunId } from '../../core/run-id';
import { zoneColumns } from '../../core/sql/materialize';
import { keys } from '../../definition/object-keys';
import type { ColumnType } from '../../definition/tables';
import type { Zone } from '../../definition/zones';
import type { Catalog, CatalogTable } from '../../core/ports';
import { awsCall, awsErrorName, classifyAwsError } from './classify-aws-error';

/** Glue names per zone (from the handler's environment). */
export interface GlueNames {
  crawlers: Record<Zone, string>;
  /** Needed by `tables()`, `tableNames()` and the partition calls (the crawl Lambda does not get them). */
  databases?: Record<Zone, string>;
  /** S3 bucket of each zone: where `registerPartitions` points a table it has to create. */
  buckets?: Record<Zone, string>;
}

/**
 * Glue (Hive) column type of each contract type, as Athena reads Parquet
 * written by CTAS: `time` is text in the lake, `timestamp` millisecond
 * precision. Source: Athena user guide, "Data types in Amazon Athena".
 */
const GLUE_TYPE: Record<ColumnType, string> = {
  int: 'int',
  bigint: 'bigint',
  varchar: 'string',
  boolean: 'boolean',
  date: 'date',
  time: 'string',
  timestamp: 'timestamp',
  'decimal(10,2)': 'decimal(10,2)',
};

/** Partitions per BatchCreatePartition call (Glue API: PartitionInputList holds at most 100). */
const PARTITIONS_PER_BATCH = 100;

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

  /**
   * GetPartition of `run_id=<run>` on the zone table: true when Glue has it,
   * false when the table or the partition is absent (EntityNotFoundException).
   * Other failures: classified TransientError / TerminalError.
   */
  async hasPartition(zone: Zone, table: string, runId: string): Promise<boolean> {
    const database = this.database(zone);
    try {
      await this.client.send(
        new GetPartitionCommand({ DatabaseName: database, TableName: table, PartitionValues: [assertRunId(runId)] }),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return false;
      throw classifyAwsError(error, `glue GetPartition ${database}.${table} run_id=${runId}`);
    }
  }

  /**
   * Registers `run_id=<run>` partitions of a zone table (BatchCreatePartition,
   * up to 100 a call), each with the table's storage descriptor and its own
   * folder `s3://<bucket>/<table>/run_id=<run>/`. A raw table is registered
   * into only when Glue has it (its crawler infers the JSON columns): returns
   * false otherwise, having called nothing but GetTable. When the database
   * has no cleaned or transformed table yet, it is created first from its contract: Parquet, the contract's columns
   * in order, partitioned by `run_id` (string), located at
   * `s3://<bucket>/<table>/` as the crawler would make it; a crawler that
   * creates it in between (AlreadyExistsException) is fine. Partitions that
   * already exist are skipped. Sources: AWS Glue API, "BatchCreatePartition",
   * "CreateTable"; Athena user guide, "Partitioning data in Athena".
   *
   * @throws TerminalError when built without databases or buckets, or on a bad run id;
   *   TransientError / TerminalError as classified for SDK failures, and for
   *   per-partition errors other than AlreadyExistsException
   */
  async registerPartitions(zone: Zone, table: string, runIds: readonly string[]): Promise<boolean> {
    if (runIds.length === 0) return true;
    const database = this.database(zone);
    const descriptor =
      zone === 'raw'
        ? (await this.getTable(database, table))?.StorageDescriptor
        : await this.tableDescriptor(zone, database, table);
    if (!descriptor) return false; // a raw table its crawler has not made yet: the first crawl registers it
    const base = (descriptor.Location ?? '').replace(/\/?$/, '/');
    for (let i = 0; i < runIds.length; i += PARTITIONS_PER_BATCH) {
      const batch = runIds.slice(i, i + PARTITIONS_PER_BATCH).map(assertRunId);
      const out = await awsCall(`glue BatchCreatePartition ${database}.${table}`, () =>
        this.client.send(
          new BatchCreatePartitionCommand({
            DatabaseName: database,
            TableName: table,
            PartitionInputList: batch.map((runId) => ({
              Values: [runId],
              StorageDescriptor: { ...descriptor, Location: `${base}run_id=${runId}/` },
            })),
          }),
        ),
      );
      const failures = (out.Errors ?? []).filter((e) => e.ErrorDetail?.ErrorCode !== 'AlreadyExistsException');
      if (failures.length > 0) {
        const detail = failures.map(
          (e) => `${e.PartitionValues?.join('/')}: ${e.ErrorDetail?.ErrorCode} ${e.ErrorDetail?.ErrorMessage ?? ''}`,
        );
        const busy = failures.every((e) =>
          /Concurrent|Throttl|InternalService|OperationTimeout/.test(e.ErrorDetail?.ErrorCode ?? ''),
        );
        const message = `glue BatchCreatePartition ${database}.${table}: ${detail.join('; ')}`;
        throw busy ? new TransientError(message) : new TerminalError(message);
      }
    }
    return true;
  }

  /** The table's storage descriptor, creating the table from its contract when Glue has none. */
  private async tableDescriptor(zone: 'cleaned' | 'transformed', database: string, table: string): Promise<StorageDescriptor> {
    const existing = await this.getTable(database, table);
    if (existing?.StorageDescriptor) return existing.StorageDescriptor;
    if (!this.names.buckets)
      throw new TerminalError('GlueCatalog was built without the zone buckets: it cannot create a missing table');
    const descriptor: StorageDescriptor = {
      Columns: zoneColumns(zone, table).map((c) => ({ Name: c.name, Type: GLUE_TYPE[c.type] })),
      Location: `s3://${this.names.buckets[zone]}/${keys.tableFolder(table)}`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    };
    try {
      await this.client.send(
        new CreateTableCommand({
          DatabaseName: database,
          TableInput: {
            Name: table,
            TableType: 'EXTERNAL_TABLE',
            Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
            PartitionKeys: [{ Name: 'run_id', Type: 'string' }],
            StorageDescriptor: descriptor,
          },
        }),
      );
      return descriptor;
    } catch (error) {
      if (awsErrorName(error) !== 'AlreadyExistsException')
        throw classifyAwsError(error, `glue CreateTable ${database}.${table}`);
      const created = await this.getTable(database, table);
      if (!created?.StorageDescriptor)
        throw new TransientError(`glue table ${database}.${table} exists but has no storage descriptor yet`);
      return created.StorageDescriptor;
    }
  }

  /** GetTable, or undefined when Glue has no such table. */
  private async getTable(database: string, table: string): Promise<Table | undefined> {
    try {
      return (await this.client.send(new GetTableCommand({ DatabaseName: database, Name: table }))).Table;
    } catch (error) {
      if (awsErrorName(error) === 'EntityNotFoundException') return undefined;
      throw classifyAwsError(error, `glue GetTable ${database}.${table}`);
    }
  }

  private database(zone: Zone): string {
    if (!this.names.databases)
      throw new TerminalError('GlueCatalog was built without the zone databases: tables() and tableNames() need them');
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
