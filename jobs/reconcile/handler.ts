/**
 * Lambda: reconcile (issue 15, part 3). Started by the reconcile schedule
 * (daily by default); compares every source key's row text with the cleaned
 * zone's latest version of that key and writes the differences (deletes,
 * updates that left `last_updated` unchanged) as a run of origin
 * `reconcile`, which the chain carries to the warehouse like any other
 * (reconcile.ts).
 *
 * - the source: the extract's Secrets Manager secret (cached in the
 *   container); keys and row texts stream with one `COPY … TO STDOUT` per table
 *   into a scratch file `_reconcile/<run>/<table>/keys.tsv` in the raw bucket;
 * - the comparison: Athena in the pipeline's workgroup over the cleaned zone,
 *   the scratch file read through a temporary external table in the cleaned
 *   database (adapters/aws/athena-key-table.ts), dropped afterwards;
 * - the run: parts and manifest in the raw bucket, the ledger record, the raw
 *   partitions registered once the raw tables exist.
 *
 * Runs still in the chain (their rows not in the cleaned zone's latest
 * versions yet) are waited for, up to {@link IDLE_WAIT_MS}
 * (core/idle-chain.ts); still moving after that: TransientError, so Lambda
 * retries the invocation later. A failed run makes reconcile refuse
 * (terminal, one alert: it needs `lakehouse retry`). Error policy:
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
import { sleep } from '../lib/adapters/aws/retry';
import { TransientError } from '../lib/core/errors';
import { waitForIdleChain } from '../lib/core/idle-chain';
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

/**
 * How long an invocation waits for runs in flight: a run reaches the warehouse
 * in 5–13 minutes on AWS (README "Deploy to AWS"); 8 minutes leaves 7 of the
 * function's 15 for the comparison itself.
 */
export const IDLE_WAIT_MS = 8 * 60_000;
const IDLE_POLL_MS = 20_000;

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
  const ledger = ledgerFromEnv(s3);
  const moving = (await waitForIdleChain(ledger, { maxWaitMs: IDLE_WAIT_MS, pollMs: IDLE_POLL_MS, clock: systemClock, sleep }))
    .filter((run) => !run.failed)
    .map((run) => `${run.runId} at ${run.stage}`);
  if (moving.length > 0) {
    throw new TransientError(
      `${moving.length} run(s) still in the chain after ${IDLE_WAIT_MS / 60_000} minutes (${moving.slice(0, 3).join('; ')}): Lambda retries the reconcile`,
    );
  }
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
        ledger,
        clock: systemClock,
        logger,
      },
    );
  } finally {
    await client.close();
  }
});
