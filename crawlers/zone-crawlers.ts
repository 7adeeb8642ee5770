/**
 * The Glue crawler of each zone, as data. The lake stack deploys one crawler
 * per zone from these definitions (stacks/constructs/zone-catalog.ts); the
 * local catalog applies the same intent (one table per top-level folder,
 * partitions by `run_id`, bookkeeping paths ignored).
 *
 * What the settings mean (AWS Glue documentation, "Customizing crawler
 * behavior"): the target is the zone bucket's root and tables sit at level 2
 * (`s3://<bucket>/<table>/`, the bucket being level 1), so every top-level
 * folder is one table whose `run_id=` folders are partitions; compatible
 * schemas under a table path combine into one table; partitions inherit the
 * table's schema; a schema change updates the table; objects that disappear
 * are only logged (lifecycle expiry must not drop tables).
 */
import { LEDGER_PREFIX } from '../jobs/lib/definition/lambda-environment';
import { LANDING_PREFIX, MANIFEST_PREFIX, REJECTS_PREFIX, PROCESSED_LANDING_PREFIX, QUARANTINE_PREFIX } from '../jobs/lib/definition/object-keys';
import { ZONES, type Zone } from '../jobs/lib/definition/zones';

/** The crawler `Configuration` JSON document (Glue's versioned crawler configuration). */
export interface CrawlerConfiguration {
  Version: 1;
  CrawlerOutput: {
    /** Partitions take the table's schema instead of keeping their own. */
    Partitions: { AddOrUpdateBehavior: 'InheritFromTable' };
  };
  Grouping: {
    /** One table per include path when schemas are compatible. */
    TableGroupingPolicy: 'CombineCompatibleSchemas';
    /** Absolute path level of tables (the bucket is level 1). */
    TableLevelConfiguration: number;
  };
}

/** A zone crawler, as data. */
export interface CrawlerDefinition {
  zone: Zone;
  description: string;
  /** Glob patterns (relative to the bucket root) the crawler skips: manifests, rejects, temporary and bookkeeping paths. */
  exclusions: string[];
  /** Glue SchemaChangePolicy. */
  schemaChangePolicy: {
    updateBehavior: 'UPDATE_IN_DATABASE' | 'LOG';
    deleteBehavior: 'LOG' | 'DEPRECATE_IN_DATABASE' | 'DELETE_FROM_DATABASE';
  };
  /** Glue RecrawlPolicy: everything, since schema changes must reach existing tables. */
  recrawlBehavior: 'CRAWL_EVERYTHING' | 'CRAWL_NEW_FOLDERS_ONLY';
  configuration: CrawlerConfiguration;
}

/** `prefix/` → `prefix/**` (a Glue exclude glob for everything under a top-level folder). */
const under = (prefix: string) => `${prefix.replace(/\/$/, '')}/**`;

/** Paths no zone crawls: the run ledger, Spark/Hadoop-style temporary folders and folder markers. */
const COMMON_EXCLUSIONS = [under(LEDGER_PREFIX), '**/_temporary/**', '_tmp/**', '*_$folder$', '**/*_$folder$'];

/** Paths each zone skips besides the common ones. */
const ZONE_EXCLUSIONS: Record<Zone, string[]> = {
  // Manifests describe runs, and landed files (waiting, processed or quarantined) are turned into
  // runs by ingest: none of them is a table.
  raw: [under(MANIFEST_PREFIX), under(LANDING_PREFIX), under(PROCESSED_LANDING_PREFIX), under(QUARANTINE_PREFIX)],
  // Rejected rows are alerted and inspected, never queried as the table.
  cleaned: [under(REJECTS_PREFIX)],
  transformed: [],
};

const CONFIGURATION: CrawlerConfiguration = {
  Version: 1,
  CrawlerOutput: { Partitions: { AddOrUpdateBehavior: 'InheritFromTable' } },
  Grouping: { TableGroupingPolicy: 'CombineCompatibleSchemas', TableLevelConfiguration: 2 },
};

const DESCRIPTIONS: Record<Zone, string> = {
  raw: 'Raw zone: JSON Lines parts as landed, one table per source table, partitioned by run_id',
  cleaned: 'Cleaned zone: typed, deduplicated Parquet, one table per source table, partitioned by run_id',
  transformed: 'Transformed zone: the star schema as Parquet, partitioned by run_id',
};

/** The crawler definition of every zone. */
export const ZONE_CRAWLERS: Record<Zone, CrawlerDefinition> = Object.fromEntries(
  ZONES.map((zone): [Zone, CrawlerDefinition] => [
    zone,
    {
      zone,
      description: DESCRIPTIONS[zone],
      exclusions: [...ZONE_EXCLUSIONS[zone], ...COMMON_EXCLUSIONS],
      schemaChangePolicy: { updateBehavior: 'UPDATE_IN_DATABASE', deleteBehavior: 'LOG' },
      recrawlBehavior: 'CRAWL_EVERYTHING',
      configuration: CONFIGURATION,
    },
  ]),
) as Record<Zone, CrawlerDefinition>;

/** The crawler's `Configuration` as the JSON string Glue expects. */
export function crawlerConfigurationJson(definition: CrawlerDefinition): string {
  return JSON.stringify(definition.configuration);
}
