/**
 * Lambda: reconcile (issue 15, part 3). Started by the reconcile schedule
 * (daily by default); compares every source key's row hash with the cleaned
 * zone's latest version of that key and writes the differences (deletes,
 * updates that left `last_updated` unchanged) as a run of origin
 * `reconcile`, which the chain carries to the warehouse like any other
 * (reconcile.ts).
 *
 * - the source: the extract's Secrets Manager secret (cached in the
 *   container); keys and hashes stream with one `COPY … TO STDOUT` per table
 *   into a scratch file `_reconcile/<run>/<table>/keys.tsv` in the raw bucket;
 * - the comparison: Athena in the pipeline's workgroup over the cleaned zone,
 *   the scratch file read through a temporary external table in the cleaned
 *   database (adapters/aws/athena-key-table.ts), dropped afterwards;
 * - the run: parts and manifest in the raw bucket, the ledger record, the raw
 *   partitions registered once the raw tables exist.
 *
 * It refuses (terminal, one alert) while runs are still in the chain: their
 * rows are not in the cleaned zone's latest versions yet. Error policy:
 * handler-kit.ts.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../lib/definition/lambda-environment';
import { deployedNamesFromEnv, requireEnv, zoneDatabasesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { AthenaReconcileComparison } from '../lib/adapters/aws/athena-key-table';
import { AthenaQueryEngine } from '../lib/adapters/aws/athena-query-engine';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { SourceSecret } from '../lib/adapters/aws/source-secret';
import { openPgServer } from '../lib/adapters/postgres/pg-client';
import { PgReconcileSource } from '../lib/adapters/postgres/pg-reconcile-source';
import { PgSourceDb } from '../lib/adapters/postgres/pg-source-db';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { readExtractSettings } from '../extract/extract-settings';
import { reconcile } from './reconcile';

const s3 = new S3Client(clientConfig());
const secrets = new SecretsManagerClient(clientConfig());
const athena = new AthenaClient(clientConfig());
const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('reconcile');
let sourceSecret: SourceSecret | undefined; // one per container, so its cache survives warm invocations

/** Event: the Scheduler's `{ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'reconcile' } }`. */
export const handler = lambdaHandler('reconcile', logger, async (event) => {
  const names = deployedNamesFromEnv();
  routeFor(toPipelineEvent(event, names), 'reconcile');
  // The tables are the extract's (LAKEHOUSE_TABLES_INCLUDE / _EXCLUDE, same meaning).
  const { include, exclude } = readExtractSettings(process.env);
  const databases = zoneDatabasesFromEnv();
  const raw = zoneStore('raw', s3, names);
  const stores = { cleaned: zoneStore('cleaned', s3, names), transformed: zoneStore('transformed', s3, names) };
  const catalog = new GlueCatalog(glue, { crawlers: names.crawlers, databases, buckets: names.buckets });
  // The comparison reads the cleaned zone: its database is the queries' default schema.
  const engine = new AthenaQueryEngine(athena, stores, {
    workgroup: names.athenaWorkgroup,
    databases,
    queryZone: 'cleaned',
  });
  const url = await (sourceSecret ??= new SourceSecret(secrets, requireEnv(ENV.sourceSecretArn))).url();
  const client = await openPgServer(url);
  const source = new PgSourceDb(client);
  try {
    return await reconcile(
      { include, exclude },
      {
        source: new PgReconcileSource(client),
        listTables: () => source.listTables(),
        raw,
        engine,
        comparison: new AthenaReconcileComparison(engine, (key) => raw.uri(key), databases.cleaned),
        cleanedTables: async () => [...(await catalog.tableNames('cleaned'))],
        catalog,
        ledger: ledgerFromEnv(s3),
        clock: systemClock,
        logger,
      },
    );
  } finally {
    await client.close();
  }
});
