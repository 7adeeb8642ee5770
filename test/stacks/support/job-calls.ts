/**
 * Test data: what each job's Lambda asks AWS to do, as IAM actions on sample
 * resources, so the permissions-coverage test can check the synthesized role
 * of every job grants each one (test/stacks/job-permissions-coverage.test.ts).
 *
 * Three kinds of entry per step:
 * - `calls`: SDK commands the step's code sends (a `new XxxCommand(`, lib-storage's
 *   `new Upload(` or Powertools' `new SecretsProvider(` in a file the step's
 *   handler reaches through its imports), with the IAM actions each needs
 *   (Service Authorization Reference) on the resources this step sends it to.
 *   `planned` marks a call the job side is adding (partition registration):
 *   granted ahead, and not yet expected in the source.
 * - `unused`: commands a file the handler imports can send, but this step never
 *   reaches (e.g. the sweep builds S3ObjectStore-based helpers it does not use).
 * - `onBehalf`: what Athena and the Redshift Data API do with the CALLER's
 *   permissions (Athena user guide, "Access to Amazon S3" and "Configure access
 *   to databases and tables in the AWS Glue Data Catalog",
 *   https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html;
 *   Redshift Data API "Authorizing access": with a SecretArn the caller needs
 *   secretsmanager:GetSecretValue on it).
 *
 * The test checks that `calls` + `unused` equal the commands found in the
 * source, so a job that starts sending a new command fails the test until it
 * is listed here, with the permission it needs.
 */
import { LEDGER_PREFIX } from '../../../jobs/lib/definition/lambda-environment';
import {
  keys,
  LANDING_PREFIX,
  PROCESSED_LANDING_PREFIX,
  QUARANTINE_PREFIX,
  RECONCILE_SCRATCH_PREFIX,
} from '../../../jobs/lib/definition/object-keys';
import type { Step } from '../../../jobs/lib/definition/run-stages';
import { FRESHNESS_STATE_KEY, SEED_SNAPSHOT_KEY } from '../../../jobs/lib/core/quality/source-freshness';
import type { ResourceNames } from '../../../stacks/names';
import { QUERY_RESULTS_PREFIXES } from '../../../stacks/names';

/** Account and region the sample ARNs use (the test maps the stack's account and partition references to these). */
export const SAMPLE_ACCOUNT = '111122223333';
export const SAMPLE_REGION = 'eu-west-2';

/** A resource a call must reach: a concrete sample ARN (covered by a granted ARN pattern), or a reference the grant must name. */
export type Target = string | RegExp;

/** IAM actions that must all be allowed on every one of `on`. */
export interface Need {
  actions: string[];
  on: Target[];
  why: string;
}

/** An SDK command the code sends. */
export interface Call {
  /** `PutObjectCommand`, `Upload`, `SecretsProvider`. */
  command: string;
  /** The file that sends it, relative to the repository root. */
  source: string;
  needs: Need[];
  /** Not in the source yet: the job side is adding it. */
  planned?: true;
}

/** What one step's Lambda does, as data. */
export interface StepCalls {
  calls: Call[];
  unused: { command: string; source: string; why: string }[];
  onBehalf: Need[];
}

const S3_STORE = 'jobs/lib/adapters/aws/s3-object-store.ts';
const LEDGER = 'jobs/lib/adapters/aws/s3-run-ledger.ts';
const GLUE = 'jobs/lib/adapters/aws/glue-catalog.ts';
const ATHENA = 'jobs/lib/adapters/aws/athena-query-engine.ts';
const EVENTS = 'jobs/lib/adapters/aws/eventbridge-publisher.ts';
const REDSHIFT = 'jobs/lib/adapters/aws/redshift-warehouse.ts';
const SNS = 'jobs/lib/adapters/aws/sns-notifier.ts';
const SECRET = 'jobs/lib/adapters/aws/source-secret.ts';
const S3_RAW_FOLDERS = 'jobs/lib/adapters/aws/s3-raw-run-folders.ts';

/** Every S3ObjectStore command, for steps that reach the file without using (some of) them. */
const STORE_COMMANDS = [
  'PutObjectCommand',
  'Upload',
  'GetObjectCommand',
  'ListObjectsV2Command',
  'HeadObjectCommand',
  'DeleteObjectCommand',
  'DeleteObjectsCommand',
];

const RUN = '20260101t000000z';

/** Builds every step's calls from the deployed names. */
export function jobCalls(n: ResourceNames): Record<Step, StepCalls> {
  const s3 = (bucket: string, key?: string) => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);
  const arn = (service: string, resource: string) => `arn:aws:${service}:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:${resource}`;
  const glueTable = (db: string, table: string) => [
    arn('glue', 'catalog'),
    arn('glue', `database/${db}`),
    arn('glue', `table/${db}/${table}`),
  ];
  const raw = n.zoneBuckets.raw;
  const cleaned = n.zoneBuckets.cleaned;
  const transformed = n.zoneBuckets.transformed;
  const rawPart = s3(raw, keys.rawPart('sales_order', RUN, 0));
  const cleanedPart = s3(cleaned, `${keys.runFolder('sales_order', RUN)}part-0.parquet`);
  const rejectPart = s3(cleaned, `${keys.rejectsFolder('sales_order', RUN)}part-0.parquet`);
  const transformedPart = s3(transformed, `${keys.runFolder('fact_sales_order', RUN)}part-0.parquet`);
  const runRecord = s3(raw, `${LEDGER_PREFIX}runs/${RUN}.json`);
  const openMarker = s3(raw, `${LEDGER_PREFIX}open/${RUN}.json`);
  const watermarks = s3(raw, `${LEDGER_PREFIX}watermarks.json`);
  const landed = `${LANDING_PREFIX}sales_order/new.csv`;
  const reconcileKeys = s3(raw, `${RECONCILE_SCRATCH_PREFIX}${RUN}/sales_order/keys.tsv`);
  const freshnessState = s3(transformed, FRESHNESS_STATE_KEY);
  const seedSnapshot = s3(transformed, SEED_SNAPSHOT_KEY);
  const eventBus = /^\$\{aws_cloudwatch_event_bus\.[^.]+\.arn\}$/;

  /** The run ledger: list runs and open-run markers, read records, write them with conditions, drop markers of loaded runs. */
  const ledger = (write: boolean, watermarksToo = false): Call[] => [
    {
      command: 'ListObjectsV2Command',
      source: LEDGER,
      needs: [{ actions: ['s3:ListBucket'], on: [s3(raw)], why: 'list run records and open-run markers' }],
    },
    {
      command: 'GetObjectCommand',
      source: LEDGER,
      needs: [
        {
          actions: ['s3:GetObject'],
          on: [runRecord, ...(watermarksToo ? [watermarks] : [])],
          why: 'read a run record (and the watermarks)',
        },
      ],
    },
    ...(write
      ? [
          {
            command: 'PutObjectCommand',
            source: LEDGER,
            needs: [
              {
                actions: ['s3:PutObject'],
                on: [runRecord, openMarker, ...(watermarksToo ? [watermarks] : [])],
                why: 'conditional writes of run records and markers (and watermarks)',
              },
            ],
          },
          {
            command: 'DeleteObjectCommand',
            source: LEDGER,
            needs: [
              {
                actions: ['s3:DeleteObject'],
                on: [openMarker],
                why: 'drop the open-run marker of a loaded run or a released run id',
              },
            ],
          },
        ]
      : []),
  ];
  const unusedStore = (used: string[], why: string) =>
    STORE_COMMANDS.filter((c) => !used.includes(c)).map((command) => ({ command, source: S3_STORE, why }));
  /**
   * Partition registration the job side is adding, on the zone's database and tables. `sent`: the
   * commands among them the step's code already sends (GlueCatalog.tables uses GetPartitions).
   */
  const registerPartitions = (db: string, table: string, sent: string[] = []): Call[] =>
    ['BatchCreatePartitionCommand', 'GetPartitionCommand', 'GetPartitionsCommand', 'GetTableCommand', 'CreateTableCommand'].map(
      (command) => ({
        command,
        source: GLUE,
        ...(sent.includes(command) ? {} : { planned: true as const }),
        needs: [
          {
            actions: [`glue:${command.replace(/Command$/, '')}`],
            on: glueTable(db, table),
            why: 'register the run_id partitions this step wrote (creating the table from its contract before its first crawl)',
          },
        ],
      }),
    );
  /** Registering a run's raw partitions once the raw table exists (raw-partitions.ts); the rest of the Glue adapter is unused. */
  const rawRegistration = (why: string): { calls: Call[]; unused: { command: string; source: string; why: string }[] } => ({
    calls: ['GetTableCommand', 'BatchCreatePartitionCommand'].map((command) => ({
      command,
      source: GLUE,
      needs: [{ actions: [`glue:${command.replace(/Command$/, '')}`], on: glueTable(n.databases.raw, 'sales_order'), why }],
    })),
    unused: ['GetTablesCommand', 'GetPartitionsCommand', 'GetPartitionCommand', 'CreateTableCommand', 'StartCrawlerCommand'].map(
      (command) => ({ command, source: GLUE, why: 'raw tables are made and crawled by the raw crawler' }),
    ),
  });
  const upload = (on: string[], why: string): Call => ({
    command: 'Upload',
    source: S3_STORE,
    needs: [{ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], on, why }],
  });

  return {
    extract: {
      calls: [
        ...ledger(true, true),
        upload([rawPart], 'stream part files into the run folder (multipart when large)'),
        {
          command: 'PutObjectCommand',
          source: S3_STORE,
          needs: [{ actions: ['s3:PutObject'], on: [s3(raw, keys.manifest(RUN))], why: 'the manifest' }],
        },
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [{ actions: ['s3:ListBucket'], on: [s3(raw)], why: 'find the parts of a discarded run (run-lifecycle.ts)' }],
        },
        {
          command: 'DeleteObjectCommand',
          source: S3_STORE,
          needs: [{ actions: ['s3:DeleteObject'], on: [rawPart], why: 'remove the parts of a failed run' }],
        },
        {
          command: 'SecretsProvider',
          source: SECRET,
          needs: [
            {
              actions: ['secretsmanager:GetSecretValue'],
              on: [/terraform_remote_state\..+source-secret/],
              why: 'the source connection',
            },
          ],
        },
        ...rawRegistration('register the run’s raw partitions once the raw table exists').calls,
      ],
      unused: [
        ...unusedStore(
          ['Upload', 'PutObjectCommand', 'ListObjectsV2Command', 'DeleteObjectCommand'],
          'extract never reads raw objects back nor deletes in bulk',
        ),
        ...rawRegistration('').unused,
      ],
      onBehalf: [],
    },
    ingest: {
      calls: [
        ...ledger(true),
        {
          command: 'HeadObjectCommand',
          source: S3_STORE,
          needs: [{ actions: ['s3:GetObject'], on: [s3(raw, landed)], why: 'is the landed file still there' }],
        },
        {
          command: 'GetObjectCommand',
          source: S3_STORE,
          needs: [{ actions: ['s3:GetObject'], on: [s3(raw, landed)], why: 'read the landed file' }],
        },
        {
          command: 'PutObjectCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:PutObject'],
              on: [
                s3(raw, keys.manifest(RUN)),
                s3(raw, `${PROCESSED_LANDING_PREFIX}${landed}`),
                s3(raw, `${QUARANTINE_PREFIX}${landed}`),
                s3(raw, `${QUARANTINE_PREFIX}${landed}.error.txt`),
                s3(raw, keys.lineRejects('sales_order', RUN, 'ingest')),
              ],
              why: 'the manifest, the rejected lines, and the landed file moved to _processed/ or _quarantine/',
            },
          ],
        },
        upload([rawPart], 'the run’s part files'),
        {
          command: 'DeleteObjectCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:DeleteObject'],
              on: [s3(raw, landed), rawPart],
              why: 'remove the landed file once moved, and the parts of a run it discards',
            },
          ],
        },
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [{ actions: ['s3:ListBucket'], on: [s3(raw)], why: 'find the parts of a discarded run' }],
        },
        ...rawRegistration('register the run’s raw partition once the raw table exists').calls,
      ],
      unused: [
        ...unusedStore(
          ['HeadObjectCommand', 'GetObjectCommand', 'PutObjectCommand', 'Upload', 'DeleteObjectCommand', 'ListObjectsV2Command'],
          'ingest deletes one key at a time',
        ),
        ...rawRegistration('').unused,
      ],
      onBehalf: [],
    },
    crawl: {
      calls: [
        {
          command: 'StartCrawlerCommand',
          source: GLUE,
          needs: [
            {
              actions: ['glue:StartCrawler'],
              on: Object.values(n.crawlers).map((c) => arn('glue', `crawler/${c}`)),
              why: 'start a zone crawler',
            },
          ],
        },
      ],
      unused: [
        ...[
          'GetTablesCommand',
          'GetPartitionsCommand',
          'GetPartitionCommand',
          'GetTableCommand',
          'CreateTableCommand',
          'BatchCreatePartitionCommand',
        ].map((command) => ({ command, source: GLUE, why: 'crawl only starts crawlers' })),
      ],
      onBehalf: [],
    },
    transform: {
      calls: [
        ...ledger(true),
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [
            { actions: ['s3:ListBucket'], on: [s3(cleaned), s3(transformed)], why: 'what a run location holds before its CTAS' },
          ],
        },
        {
          command: 'DeleteObjectsCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:DeleteObject'],
              on: [cleanedPart, rejectPart, transformedPart],
              why: 'clear a run location before its CTAS',
            },
          ],
        },
        {
          command: 'PutObjectCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:PutObject'],
              on: [s3(transformed, keys.qualityResults(RUN, 'transformed'))],
              why: 'the quality gate writes each run’s data-quality results (quality/results/run_id=<run>/<zone>.jsonl)',
            },
          ],
        },
        {
          command: 'GetTablesCommand',
          source: GLUE,
          needs: [
            {
              actions: ['glue:GetTables'],
              on: [
                arn('glue', 'catalog'),
                arn('glue', `database/${n.databases.raw}`),
                arn('glue', `database/${n.databases.cleaned}`),
              ],
              why: 'which source tables are crawled yet',
            },
          ],
        },
        ...[
          'StartQueryExecutionCommand',
          'GetQueryExecutionCommand',
          'GetQueryResultsCommand',
          'ListQueryExecutionsCommand',
          'BatchGetQueryExecutionCommand',
          'StopQueryExecutionCommand',
        ].map((command) => ({
          command,
          source: ATHENA,
          needs: [
            {
              actions: [`athena:${command.replace(/Command$/, '')}`],
              on: [arn('athena', `workgroup/${n.transformWorkgroup}`)],
              why: 'CTAS, count and drop in the transform workgroup; find and stop a CTAS an earlier invocation left running',
            },
          ],
        })),
        {
          command: 'PutEventsCommand',
          source: EVENTS,
          needs: [{ actions: ['events:PutEvents'], on: [eventBus], why: 'ZoneWritten' }],
        },
        ...registerPartitions(n.databases.cleaned, 'sales_order', [
          'BatchCreatePartitionCommand',
          'GetPartitionCommand',
          'GetPartitionsCommand',
          'GetTableCommand',
          'CreateTableCommand',
        ]),
        ...registerPartitions(n.databases.transformed, 'fact_sales_order', [
          'BatchCreatePartitionCommand',
          'GetPartitionCommand',
          'GetPartitionsCommand',
          'GetTableCommand',
          'CreateTableCommand',
        ]),
        {
          command: 'GetPartitionCommand',
          source: GLUE,
          needs: [
            {
              actions: ['glue:GetPartition'],
              on: glueTable(n.databases.raw, 'sales_order'),
              why: 'a run waits until the catalog shows the raw partitions it reads',
            },
          ],
        },
      ],
      unused: [
        ...unusedStore(
          ['ListObjectsV2Command', 'DeleteObjectsCommand', 'PutObjectCommand'],
          'the engine only lists and clears run locations; Athena writes the files',
        ),
        { command: 'StartCrawlerCommand', source: GLUE, why: 'the transform reads the catalog; crawl starts crawlers' },
      ],
      onBehalf: [
        {
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
          on: [...glueTable(n.databases.raw, 'sales_order'), ...glueTable(n.databases.cleaned, 'sales_order')],
          why: 'Athena plans the SELECT over the source tables with the caller’s catalog permissions',
        },
        {
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable'],
          on: [
            ...glueTable(n.databases.cleaned, `tmp_sales_order_${RUN}`),
            ...glueTable(n.databases.transformed, `tmp_fact_sales_order_${RUN}`),
          ],
          why: 'CTAS creates the temporary table; DROP TABLE deletes it',
        },
        {
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          on: [s3(raw), s3(cleaned), s3(transformed)],
          why: 'Athena lists the source locations and checks the target location',
        },
        { actions: ['s3:GetObject'], on: [rawPart, cleanedPart], why: 'Athena reads the source tables’ files as the caller' },
        {
          actions: ['s3:GetObject'],
          on: [cleanedPart, rejectPart, transformedPart],
          why: 'the row count after each CTAS reads the files it wrote, as the caller',
        },
        {
          actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          on: [cleanedPart, rejectPart, transformedPart],
          why: 'CTAS writes the run’s Parquet files to external_location as the caller',
        },
        {
          actions: ['s3:GetBucketLocation', 's3:ListBucket'],
          on: [s3(n.queryResultsBucket)],
          why: 'Athena checks the results location',
        },
        {
          actions: ['s3:PutObject', 's3:GetObject'],
          on: [
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv`),
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv.metadata`),
          ],
          why: 'results and metadata in the workgroup’s results location; GetQueryResults reads them',
        },
      ],
    },
    load: {
      calls: [
        ...ledger(true),
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [{ actions: ['s3:ListBucket'], on: [s3(transformed)], why: 'which tables a run wrote' }],
        },
        {
          command: 'PutEventsCommand',
          source: EVENTS,
          needs: [{ actions: ['events:PutEvents'], on: [eventBus], why: 'ZoneWritten for the runs left to the next invocation' }],
        },
        {
          command: 'ExecuteStatementCommand',
          source: REDSHIFT,
          needs: [
            {
              actions: ['redshift-data:ExecuteStatement'],
              on: [/terraform_remote_state\..+redshift_workgroup_arn|aws_redshiftserverless_workgroup/],
              why: 'load-history check',
            },
          ],
        },
        {
          command: 'BatchExecuteStatementCommand',
          source: REDSHIFT,
          needs: [
            {
              actions: ['redshift-data:BatchExecuteStatement'],
              on: [/terraform_remote_state\..+redshift_workgroup_arn|aws_redshiftserverless_workgroup/],
              why: 'one transaction per run',
            },
          ],
        },
        {
          command: 'DescribeStatementCommand',
          source: REDSHIFT,
          needs: [{ actions: ['redshift-data:DescribeStatement'], on: ['*'], why: 'poll a statement (no resource type)' }],
        },
        {
          command: 'GetStatementResultCommand',
          source: REDSHIFT,
          needs: [{ actions: ['redshift-data:GetStatementResult'], on: ['*'], why: 'read the history check (no resource type)' }],
        },
      ],
      unused: unusedStore(
        ['ListObjectsV2Command'],
        'load only lists the transformed zone; Redshift COPY reads the files with its own role',
      ),
      onBehalf: [
        {
          actions: ['secretsmanager:GetSecretValue'],
          on: [/terraform_remote_state\..+admin_password_secret_arn/],
          why: 'the Data API reads the admin secret given as SecretArn with the caller’s permissions',
        },
      ],
    },
    'scan-logs': {
      calls: [
        {
          command: 'PublishCommand',
          source: SNS,
          needs: [{ actions: ['sns:Publish'], on: [/^\$\{aws_sns_topic\.[^.]+\.arn\}$/], why: 'the alert' }],
        },
      ],
      unused: [],
      onBehalf: [],
    },
    sweep: {
      calls: [
        ...ledger(false),
        {
          command: 'PutEventsCommand',
          source: EVENTS,
          needs: [{ actions: ['events:PutEvents'], on: [eventBus], why: 're-emit a stuck run’s event' }],
        },
        ...['StartQueryExecutionCommand', 'GetQueryExecutionCommand', 'GetQueryResultsCommand'].map((command) => ({
          command,
          source: ATHENA,
          needs: [
            {
              actions: [`athena:${command.replace(/Command$/, '')}`],
              on: [arn('athena', `workgroup/${n.transformWorkgroup}`)],
              why: 'source freshness: one SELECT per declared cleaned table in the pipeline’s workgroup',
            },
          ],
        })),
        {
          command: 'GetTablesCommand',
          source: GLUE,
          needs: [
            {
              actions: ['glue:GetTables'],
              on: [arn('glue', 'catalog'), arn('glue', `database/${n.databases.cleaned}`)],
              why: 'which cleaned tables are crawled yet (one not crawled reads as empty, not stale)',
            },
          ],
        },
        {
          command: 'HeadObjectCommand',
          source: S3_STORE,
          needs: [
            { actions: ['s3:GetObject'], on: [freshnessState, seedSnapshot], why: 'is there a freshness state / seed snapshot' },
            {
              actions: ['s3:ListBucket'],
              on: [s3(transformed)],
              why: 'HeadObject of a key not written yet answers 404 only with ListBucket (403 without)',
            },
          ],
        },
        {
          command: 'GetObjectCommand',
          source: S3_STORE,
          needs: [
            { actions: ['s3:GetObject'], on: [freshnessState, seedSnapshot], why: 'read the last freshness state per table' },
          ],
        },
        {
          command: 'PutObjectCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:PutObject'],
              on: [s3(transformed, keys.qualityResults(`freshness-${RUN}`, 'cleaned')), freshnessState],
              why: 'the freshness results (quality.results) and the state per table',
            },
          ],
        },
        {
          command: 'ListObjectsV2Command',
          source: S3_RAW_FOLDERS,
          needs: [
            {
              actions: ['s3:ListBucket'],
              on: [s3(raw)],
              why: 'list the raw tables’ run folders and the manifests, from the look-back on (StartAfter)',
            },
          ],
        },
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [{ actions: ['s3:ListBucket'], on: [s3(raw)], why: 'list an unrecorded run’s folder before deleting it' }],
        },
        {
          command: 'DeleteObjectsCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:DeleteObject'],
              on: [rawPart, s3(raw, keys.rawPart('address', RUN, 3))],
              why: 'remove the parts of a run the ledger never recorded (DeleteObjects needs DeleteObject on each key)',
            },
          ],
        },
      ],
      unused: [
        ...unusedStore(
          ['HeadObjectCommand', 'GetObjectCommand', 'PutObjectCommand', 'ListObjectsV2Command', 'DeleteObjectsCommand'],
          'the sweep writes small result files and deletes folders in bulk',
        ),
        { command: 'PutObjectCommand', source: LEDGER, why: 'index upkeep is best effort; the sweep reads the ledger only' },
        { command: 'DeleteObjectCommand', source: LEDGER, why: 'index upkeep is best effort; the sweep reads the ledger only' },
        ...['ListQueryExecutionsCommand', 'BatchGetQueryExecutionCommand', 'StopQueryExecutionCommand'].map((command) => ({
          command,
          source: ATHENA,
          why: 'the sweep runs SELECTs only; these find a CTAS left running, which only a model write needs',
        })),
        ...[
          'GetPartitionsCommand',
          'GetPartitionCommand',
          'GetTableCommand',
          'CreateTableCommand',
          'BatchCreatePartitionCommand',
          'StartCrawlerCommand',
        ].map((command) => ({ command, source: GLUE, why: 'the sweep only asks which cleaned tables exist' })),
      ],
      onBehalf: [
        {
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
          on: glueTable(n.databases.cleaned, 'sales_order'),
          why: 'Athena plans the freshness SELECT over the cleaned table (and checks the default database) as the caller',
        },
        {
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          on: [s3(cleaned)],
          why: 'Athena lists the cleaned table’s location',
        },
        { actions: ['s3:GetObject'], on: [cleanedPart], why: 'Athena reads the cleaned table’s files as the caller' },
        {
          actions: ['s3:GetBucketLocation', 's3:ListBucket'],
          on: [s3(n.queryResultsBucket)],
          why: 'Athena checks the results location',
        },
        {
          actions: ['s3:PutObject', 's3:GetObject'],
          on: [
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv`),
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv.metadata`),
          ],
          why: 'results and metadata in the workgroup’s results location; GetQueryResults reads them',
        },
      ],
    },
    reconcile: {
      calls: [
        ...ledger(true),
        {
          command: 'SecretsProvider',
          source: SECRET,
          needs: [
            {
              actions: ['secretsmanager:GetSecretValue'],
              on: [/terraform_remote_state\..+source-secret/],
              why: 'the source connection',
            },
          ],
        },
        upload([reconcileKeys, rawPart], 'the scratch key file of a table, then the run’s part files (multipart when large)'),
        {
          command: 'PutObjectCommand',
          source: S3_STORE,
          needs: [{ actions: ['s3:PutObject'], on: [s3(raw, keys.manifest(RUN))], why: 'the manifest' }],
        },
        {
          command: 'DeleteObjectCommand',
          source: S3_STORE,
          needs: [
            {
              actions: ['s3:DeleteObject'],
              on: [reconcileKeys, rawPart],
              why: 'remove a scratch key file once compared, and the parts of a discarded run',
            },
          ],
        },
        {
          command: 'ListObjectsV2Command',
          source: S3_STORE,
          needs: [{ actions: ['s3:ListBucket'], on: [s3(raw)], why: 'find the parts of a discarded run (run-lifecycle.ts)' }],
        },
        {
          command: 'GetTablesCommand',
          source: GLUE,
          needs: [
            {
              actions: ['glue:GetTables'],
              on: [arn('glue', 'catalog'), arn('glue', `database/${n.databases.cleaned}`)],
              why: 'which source tables the cleaned zone holds (a table never cleaned is skipped)',
            },
          ],
        },
        ...['GetTableCommand', 'BatchCreatePartitionCommand'].map((command) => ({
          command,
          source: GLUE,
          needs: [
            {
              actions: [`glue:${command.replace(/Command$/, '')}`],
              on: glueTable(n.databases.raw, 'sales_order'),
              why: 'register the run’s raw partitions once the raw table exists',
            },
          ],
        })),
        ...['StartQueryExecutionCommand', 'GetQueryExecutionCommand', 'GetQueryResultsCommand'].map((command) => ({
          command,
          source: ATHENA,
          needs: [
            {
              actions: [`athena:${command.replace(/Command$/, '')}`],
              on: [arn('athena', `workgroup/${n.transformWorkgroup}`)],
              why: 'the comparison SELECTs and the key table DDL in the pipeline’s workgroup',
            },
          ],
        })),
      ],
      unused: [
        ...unusedStore(
          ['Upload', 'PutObjectCommand', 'DeleteObjectCommand', 'ListObjectsV2Command'],
          'reconcile writes its run and scratch files; Athena reads the lake',
        ),
        ...['ListQueryExecutionsCommand', 'BatchGetQueryExecutionCommand', 'StopQueryExecutionCommand'].map((command) => ({
          command,
          source: ATHENA,
          why: 'reconcile runs ad-hoc statements only; these find a CTAS left running, which only a model write needs',
        })),
        ...['GetPartitionsCommand', 'GetPartitionCommand', 'CreateTableCommand', 'StartCrawlerCommand'].map((command) => ({
          command,
          source: GLUE,
          why: 'reconcile lists cleaned tables and registers raw partitions; Athena DDL makes the key tables',
        })),
      ],
      onBehalf: [
        {
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
          on: glueTable(n.databases.cleaned, 'sales_order'),
          why: 'Athena plans the comparison over the cleaned table (and checks the default database) as the caller',
        },
        {
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:DeleteTable'],
          on: glueTable(n.databases.cleaned, `tmp_reconcile_sales_order_${RUN}`),
          why: 'CREATE EXTERNAL TABLE / DROP TABLE of the temporary key table, and reading it',
        },
        {
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          on: [s3(raw), s3(cleaned)],
          why: 'Athena lists the cleaned table’s and the key table’s locations',
        },
        {
          actions: ['s3:GetObject'],
          on: [cleanedPart, reconcileKeys],
          why: 'Athena reads the cleaned table’s files and the scratch key file as the caller',
        },
        {
          actions: ['s3:GetBucketLocation', 's3:ListBucket'],
          on: [s3(n.queryResultsBucket)],
          why: 'Athena checks the results location',
        },
        {
          actions: ['s3:PutObject', 's3:GetObject'],
          on: [
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv`),
            s3(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}0000-query.csv.metadata`),
          ],
          why: 'results and metadata in the workgroup’s results location; GetQueryResults reads them',
        },
      ],
    },
  };
}
