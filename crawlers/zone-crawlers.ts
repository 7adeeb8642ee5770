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
 * table's schema; objects that disappear are only logged (lifecycle expiry
 * must not drop tables).
 *
 * Crawls are incremental (AWS Glue developer guide, "Scheduling incremental
 * crawls for adding new partitions",
 * https://docs.aws.amazon.com/glue/latest/dg/incremental-crawls.html): after
 * the first full crawl a crawler reads only folders added since its last run
 * (each run writes a new `run_id=` folder), so a crawl costs the size of one
 * run instead of the whole history. Glue allows that recrawl behaviour only
 * with a schema change policy of LOG for both updates and deletes. Schema
 * discovery stays: a new table folder still becomes a new table with its
 * inferred schema, and a new partition is still added (new tables and
 * partitions are created whatever the schema change policy says). What is
 * only logged is a changed schema of an existing table; after such a change
 * (a source column added), run the crawler once with CRAWL_EVERYTHING /
 * UPDATE_IN_DATABASE, as that page advises, then switch back.
 */
import { LEDGER_PREFIX } from '../jobs/lib/definition/lambda-environment';
import {
  LANDING_PREFIX,
  MANIFEST_PREFIX,
  REJECTS_PREFIX,
  RECONCILE_SCRATCH_PREFIX,
  SCHEMA_DRIFT_PREFIX,
  PROCESSED_LANDING_PREFIX,
  QUARANTINE_PREFIX,
  QUALITY_RESULTS_PREFIX,
} from '../jobs/lib/definition/object-keys';
import { chainRoutes, type ChainMode } from '../jobs/lib/definition/routes';
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
  /** Glue RecrawlPolicy: only folders added since the last crawl (see the module comment). */
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
  // runs by ingest: none of them is a table. Nor are the lines ingest and extract rejected.
  raw: [
    under(MANIFEST_PREFIX),
    under(LANDING_PREFIX),
    under(PROCESSED_LANDING_PREFIX),
    under(QUARANTINE_PREFIX),
    under(REJECTS_PREFIX),
    // Reconcile's scratch key files, present while a reconcile compares (jobs/reconcile/reconcile.ts).
    under(RECONCILE_SCRATCH_PREFIX),
  ],
  // Rejected rows are read by the `_rejects` table the lake stack declares (stacks/constructs/rejects-table.ts),
  // never crawled into their tables; schema drift records are bookkeeping (jobs/lib/core/schema-drift.ts).
  cleaned: [under(REJECTS_PREFIX), under(SCHEMA_DRIFT_PREFIX)],
  // Data-quality results have their own table (the lake stack's quality_results), not a star table.
  transformed: [`${QUALITY_RESULTS_PREFIX.split('/')[0]}/**`],
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

/** The only schema change policy Glue accepts with CRAWL_NEW_FOLDERS_ONLY. */
export const INCREMENTAL_SCHEMA_CHANGE_POLICY = { updateBehavior: 'LOG', deleteBehavior: 'LOG' } as const;

/** The crawler definition of every zone. */
export const ZONE_CRAWLERS: Record<Zone, CrawlerDefinition> = Object.fromEntries(
  ZONES.map((zone): [Zone, CrawlerDefinition] => [
    zone,
    {
      zone,
      description: DESCRIPTIONS[zone],
      exclusions: [...ZONE_EXCLUSIONS[zone], ...COMMON_EXCLUSIONS],
      schemaChangePolicy: INCREMENTAL_SCHEMA_CHANGE_POLICY,
      recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY',
      configuration: CONFIGURATION,
    },
  ]),
) as Record<Zone, CrawlerDefinition>;

/** The crawler's `Configuration` as the JSON string Glue expects. */
export function crawlerConfigurationJson(definition: CrawlerDefinition): string {
  return JSON.stringify(definition.configuration);
}

/**
 * Problems Glue would refuse a crawler definition for (empty when none):
 * CRAWL_NEW_FOLDERS_ONLY needs update and delete behaviour LOG (see the
 * module comment), and tables must sit at a level below the bucket.
 */
export function crawlerProblems(definition: CrawlerDefinition): string[] {
  const problems: string[] = [];
  const policy = definition.schemaChangePolicy;
  if (
    definition.recrawlBehavior === 'CRAWL_NEW_FOLDERS_ONLY' &&
    (policy.updateBehavior !== INCREMENTAL_SCHEMA_CHANGE_POLICY.updateBehavior ||
      policy.deleteBehavior !== INCREMENTAL_SCHEMA_CHANGE_POLICY.deleteBehavior)
  ) {
    problems.push(
      `${definition.zone}: CRAWL_NEW_FOLDERS_ONLY needs schemaChangePolicy LOG/LOG (got ${policy.updateBehavior}/${policy.deleteBehavior})`,
    );
  }
  if (definition.configuration.Grouping.TableLevelConfiguration < 2) {
    problems.push(`${definition.zone}: tables must sit below the bucket (TableLevelConfiguration >= 2)`);
  }
  return problems;
}

/**
 * The zones whose crawler no route of chain mode `mode` starts: in direct
 * mode the cleaned and transformed zones, whose partitions the transform
 * registers itself. Their crawlers run on a schedule instead, for schema
 * discovery only; taking the answer from the routes keeps the schedules and
 * the deployed rules from disagreeing.
 */
export function scheduledCrawlZones(mode: ChainMode): Zone[] {
  const crawled = new Set(chainRoutes(mode).flatMap((r) => (r.step === 'crawl' && r.input.zone ? [r.input.zone] : [])));
  return ZONES.filter((zone) => !crawled.has(zone));
}
