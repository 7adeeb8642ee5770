/**
 * Lambda: extract. Started by the extract schedule; reads the source
 * connection from Secrets Manager (cached in the container), streams the
 * changed rows to the raw bucket, writes the manifest and advances the
 * watermarks with a conditional write. Error policy: handler-kit.ts.
 *
 * With `LAKEHOUSE_CAPTURE=cdc` it reads the source's logical replication slot
 * instead (change-extract.ts, over PgChangeCapture: SQL functions only, so no
 * connection outlives the invocation) and, after the run, checks the slot's
 * lag against `LAKEHOUSE_CDC_MAX_LAG` (core/slot-lag.ts): an error line, which
 * the log scan turns into an alert email, when the slot is over it, missing or
 * lost WAL. The slot and publication are made once by `lakehouse cdc setup`
 * from a machine that reaches the database (docs/architecture.md, "Change
 * capture on AWS").
 *
 * Rows are rendered on the handler's own thread (no render workers): at the
 * default 1,024 MB a function has about half a vCPU, so a second thread
 * would have no CPU to run on.
 */
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../lib/definition/lambda-environment';
import { deployedNamesFromEnv, requireEnv, zoneDatabasesFromEnv } from '../lib/runtimes/lambda/environment';
import { routeFor, toPipelineEvent } from '../lib/runtimes/lambda/event-schemas';
import { ledgerFromEnv, zoneStore } from '../lib/runtimes/lambda/from-env';
import { clientConfig, lambdaHandler, systemClock } from '../lib/runtimes/lambda/handler-kit';
import { GlueCatalog } from '../lib/adapters/aws/glue-catalog';
import { SourceSecret } from '../lib/adapters/aws/source-secret';
import { openPgServer } from '../lib/adapters/postgres/pg-client';
import { PgChangeCapture } from '../lib/adapters/postgres/pg-change-capture';
import { PgSourceDb } from '../lib/adapters/postgres/pg-source-db';
import { errorMessage } from '../lib/core/errors';
import { checkSlotLag } from '../lib/core/slot-lag';
import { lambdaLogger } from '../lib/adapters/powertools/lambda-logger';
import { changeExtract } from './change-extract';
import { extract } from './extract';
import { readExtractSettings } from './extract-settings';

const s3 = new S3Client(clientConfig());
const secrets = new SecretsManagerClient(clientConfig());
const glue = new GlueClient(clientConfig());
/** The function's logger (exported for tests: its level, its lines). */
export const logger = lambdaLogger('extract');
let sourceSecret: SourceSecret | undefined; // one per container, so its cache survives warm invocations

/** Event: the Scheduler's `{ source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } }`. */
export const handler = lambdaHandler('extract', logger, async (event) => {
  const names = deployedNamesFromEnv();
  routeFor(toPipelineEvent(event, names), 'extract');
  const settings = readExtractSettings(process.env);
  const url = await (sourceSecret ??= new SourceSecret(secrets, requireEnv(ENV.sourceSecretArn))).url();
  const source = new PgSourceDb(await openPgServer(url), { closeClient: true, connect: () => openPgServer(url) });
  try {
    const input = { include: settings.include, exclude: settings.exclude, lookbackMs: settings.lookbackMs };
    const common = {
      raw: zoneStore('raw', s3, names),
      // Registers the run's raw partitions once the raw tables exist (the first crawl makes them).
      catalog: new GlueCatalog(glue, { crawlers: names.crawlers, databases: zoneDatabasesFromEnv() }),
      ledger: ledgerFromEnv(s3),
      clock: systemClock,
      logger,
    };
    if (settings.capture === 'watermark') return await extract(input, { ...common, source });
    // A connection of its own: the slot reads run in transactions of their own (pg-change-capture.ts).
    const captureClient = await openPgServer(url);
    const capture = new PgChangeCapture(captureClient, settings.cdc);
    try {
      return await changeExtract(input, {
        ...common,
        capture,
        describe: (table) => source.describe(table),
        listTables: () => source.listTables(),
      });
    } finally {
      // Checked after every pass, failed ones too: a pipeline that keeps failing has stopped consuming.
      await checkSlotLag(capture, settings.cdc.maxLagBytes, logger).catch((error: unknown) =>
        logger.error('change capture slot unreadable', { step: 'extract', error: errorMessage(error) }),
      );
      await captureClient.close();
    }
  } finally {
    await source.close();
  }
});
