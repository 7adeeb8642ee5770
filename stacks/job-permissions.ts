/**
 * What each job's Lambda may do, as data: the IAM statements of every step,
 * naming exact buckets, prefixes, databases, crawlers, workgroups, secrets,
 * the event bus and the alert topic. The only `*` resources are for actions
 * AWS authorizes on no narrower resource (Redshift Data API statement reads,
 * and EC2 describe calls of a VPC-attached Lambda); the stack security tests
 * enforce that list.
 *
 * Sources: the Service Authorization Reference pages of each service, and
 * what the job code calls (jobs/<step>/, jobs/lib/adapters/aws/), listed per
 * step with what Athena and the Redshift Data API do with the caller's
 * permissions in test/stacks/support/job-calls.ts, which the
 * permissions-coverage test checks against the synthesized roles.
 */
import { LEDGER_PREFIX } from '../jobs/lib/definition/lambda-environment';
import { keys, LANDING_PREFIX, QUALITY_RESULTS_PREFIX } from '../jobs/lib/definition/object-keys';
import type { Step } from '../jobs/lib/definition/run-stages';
import { SOURCE_TABLES } from '../jobs/lib/definition/tables';
import { RECONCILE_KEY_TABLE_PREFIX, RECONCILE_SCRATCH_PREFIX } from '../jobs/lib/definition/object-keys';
import type { NetworkPlacement } from './config';
import type { AwsContext } from './constructs/aws-context';
import { lakeKeyStatements, type Statement } from './constructs/policy';
import type { LakeExports } from './lake-stack';
import { QUERY_RESULTS_PREFIXES } from './names';

/** The resources job statements refer to. */
export interface JobResources {
  aws: AwsContext;
  lake: LakeExports;
  eventBusArn: string;
  alertTopicArn: string;
  /** Present when the extract Lambda runs inside a VPC. */
  sourceNetwork?: NetworkPlacement;
}

/** Catalog reads a CTAS needs on its source tables. */
const CATALOG_READ = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
];

/** Catalog writes of a CTAS (its temporary table) and of the following DROP TABLE. */
const CATALOG_WRITE = ['glue:CreateTable', 'glue:DeleteTable'];

/**
 * Partition registration by the transform, which writes the cleaned and
 * transformed runs (docs/architecture.md, "Events"): read the table (its
 * storage descriptor), look a partition up, create partitions in batches.
 * Raw partitions are registered by extract and ingest once the raw table
 * exists (`RegisterRawPartitions`); the raw crawler makes the table, since
 * the raw zone's JSON columns are inferred by the crawl.
 */
const PARTITION_REGISTRATION = ['glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchCreatePartition'];

/** Athena calls of the query engine adapter. */
const ATHENA_QUERY = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
  // Finding a CTAS an earlier invocation left running on a run location (athena-query-engine.ts stopWritersOfRun).
  'athena:ListQueryExecutions',
  'athena:BatchGetQueryExecution',
];

/** Athena calls of an ad-hoc SELECT (athena-query-engine.ts `query`): start, wait, read the rows. */
const FRESHNESS_QUERY = ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults'];

/** The transformed zone's data-quality prefix: results, the freshness state, the seed snapshot (definition/object-keys.ts). */
const QUALITY_PREFIX = QUALITY_RESULTS_PREFIX.slice(0, QUALITY_RESULTS_PREFIX.indexOf('/') + 1);

/**
 * The IAM statements of `step`'s role (besides its own log group and
 * on-failure queue, which the job function construct adds).
 */
export function jobStatements(step: Step, r: JobResources): Statement[] {
  const { aws, lake } = r;
  const n = lake.names;
  const bucket = (name: string) => aws.bucketArn(name);
  const objects = (name: string, pattern = '*') => aws.objectsArn(name, pattern);
  const raw = n.zoneBuckets.raw;
  const cleaned = n.zoneBuckets.cleaned;
  const transformed = n.zoneBuckets.transformed;

  /** The run ledger (`_ledger/` in the raw bucket): read, and write unless `readOnly`. */
  const ledger = (readOnly = false): Statement[] => [
    // ListBucket lists the runs, and makes a missing ledger record a 404 (not a 403) for GetObject.
    { sid: 'ListLedgerBucket', actions: ['s3:ListBucket'], resources: [bucket(raw)] },
    {
      // DeleteObject removes open-runs index markers (a run loaded, a run id claim released; s3-run-ledger.ts).
      sid: readOnly ? 'ReadRunLedger' : 'ReadWriteRunLedger',
      actions: readOnly ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [objects(raw, `${LEDGER_PREFIX}*`)],
    },
  ];
  const kms = lakeKeyStatements(lake.kmsKeyArn, 'UseLakeKey', ['kms:Decrypt', 'kms:GenerateDataKey']);
  // Extract and ingest register the raw partitions they wrote once the raw table exists (core/raw-partitions.ts).
  const registerRawPartitions: Statement = {
    sid: 'RegisterRawPartitions',
    actions: ['glue:GetTable', 'glue:BatchCreatePartition'],
    resources: aws.glueTableArns([n.databases.raw]),
  };
  const putEvents: Statement = { sid: 'PublishPipelineEvents', actions: ['events:PutEvents'], resources: [r.eventBusArn] };
  /** Athena writes a query's results to the workgroup's results location as the caller, and GetQueryResults reads them. */
  const queryResults: Statement[] = [
    {
      sid: 'QueryResultsBucket',
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
      resources: [bucket(n.queryResultsBucket)],
    },
    {
      // Only the pipeline workgroup's results location (the workgroup's default, which the engine uses).
      sid: 'QueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [objects(n.queryResultsBucket, `${QUERY_RESULTS_PREFIXES.transform}*`)],
    },
  ];

  switch (step) {
    case 'extract':
      return [
        ...ledger(),
        {
          // Parts, then the manifest; DeleteObject removes the parts of a run that failed before its manifest.
          sid: 'WriteRawRuns',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
          resources: [objects(raw)],
        },
        { sid: 'ReadSourceSecret', actions: ['secretsmanager:GetSecretValue'], resources: [lake.sourceSecretArn] },
        registerRawPartitions,
        ...kms,
        ...(r.sourceNetwork ? vpcStatements(aws, r.sourceNetwork) : []),
      ];
    case 'ingest':
      return [
        ...ledger(),
        {
          // Read a landed file, then move it away (to _processed/ or _quarantine/) once handled.
          sid: 'TakeLandedFiles',
          actions: ['s3:GetObject', 's3:DeleteObject'],
          resources: [objects(raw, `${LANDING_PREFIX}*`)],
        },
        {
          sid: 'WriteRawRuns',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [objects(raw)],
        },
        {
          // A run that fails before its record is discarded: its parts (`<table>/run_id=<run>/…`) are removed, as extract does.
          sid: 'DiscardRawRunParts',
          actions: ['s3:DeleteObject'],
          resources: [objects(raw, '*/run_id=*')],
        },
        registerRawPartitions,
        ...kms,
      ];
    case 'crawl':
      return [
        {
          sid: 'StartZoneCrawlers',
          actions: ['glue:StartCrawler', 'glue:GetCrawler'],
          resources: Object.values(n.crawlers).map((c) => aws.glueArn(`crawler/${c}`)),
        },
      ];
    case 'transform':
      return [
        ...ledger(),
        { sid: 'RunQueries', actions: ATHENA_QUERY, resources: [aws.arn('athena', `workgroup/${n.transformWorkgroup}`)] },
        { sid: 'ReadSourceTables', actions: CATALOG_READ, resources: aws.glueTableArns([n.databases.raw, n.databases.cleaned]) },
        {
          sid: 'WriteTargetTables',
          actions: [...CATALOG_READ, ...CATALOG_WRITE],
          resources: aws.glueTableArns([n.databases.cleaned, n.databases.transformed]),
        },
        {
          sid: 'ListZones',
          actions: ['s3:ListBucket', 's3:GetBucketLocation'],
          resources: [bucket(raw), bucket(cleaned), bucket(transformed)],
        },
        {
          // The reads are in WriteTargetTables already.
          sid: 'RegisterTargetPartitions',
          actions: PARTITION_REGISTRATION.filter((a) => !CATALOG_READ.includes(a)),
          resources: aws.glueTableArns([n.databases.cleaned, n.databases.transformed]),
        },
        {
          // Athena reads with the caller's permissions: the source tables' files, and the files a CTAS
          // just wrote when the row count queries its temporary table (cleaned and transformed).
          sid: 'ReadZones',
          actions: ['s3:GetObject'],
          resources: [objects(raw), objects(cleaned), objects(transformed)],
        },
        {
          sid: 'WriteTargetZones',
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [objects(cleaned), objects(transformed)],
        },
        ...queryResults,
        putEvents,
        ...kms,
      ];
    case 'load':
      return [
        ...ledger(),
        { sid: 'ListTransformedZone', actions: ['s3:ListBucket'], resources: [bucket(transformed)] },
        {
          sid: 'RunWarehouseStatements',
          actions: ['redshift-data:BatchExecuteStatement', 'redshift-data:ExecuteStatement'],
          resources: [lake.redshiftWorkgroupArn],
        },
        {
          // DescribeStatement / GetStatementResult authorize on no resource type; the condition limits
          // them to statements this role ran (AWS's own Data API policies use the same condition).
          sid: 'ReadOwnStatements',
          actions: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
          resources: ['*'],
          conditions: [
            { test: 'StringEquals', variable: 'redshift-data:statement-owner-iam-userid', values: ['$${aws:userid}'] },
          ],
        },
        { sid: 'ReadWarehouseSecret', actions: ['secretsmanager:GetSecretValue'], resources: [lake.redshiftAdminSecretArn] },
        // One run per invocation: the runs still waiting are announced again (ZoneWritten transformed).
        putEvents,
        ...kms,
      ];
    case 'scan-logs':
      return [{ sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [r.alertTopicArn] }];
    case 'sweep':
      return [
        ...ledger(true),
        putEvents,
        // Source freshness on every sweep (core/quality/source-freshness.ts): one SELECT per declared
        // cleaned table, in the pipeline's workgroup, read back from its results location.
        {
          sid: 'RunFreshnessQueries',
          actions: FRESHNESS_QUERY,
          resources: [aws.arn('athena', `workgroup/${n.transformWorkgroup}`)],
        },
        {
          // GetTables: which cleaned tables are crawled yet; the rest is Athena planning the SELECT as the caller.
          sid: 'ReadCleanedCatalog',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          resources: aws.glueTableArns([n.databases.cleaned]),
        },
        // Athena lists and reads the cleaned tables' files with the caller's permissions.
        { sid: 'ListCleanedZone', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucket(cleaned)] },
        { sid: 'ReadCleanedZone', actions: ['s3:GetObject'], resources: [objects(cleaned)] },
        // HeadObject of a state file not written yet answers 404 (not 403) only with ListBucket on the bucket
        // (Amazon S3 API Reference, "HeadObject", Permissions).
        { sid: 'ListTransformedZone', actions: ['s3:ListBucket'], resources: [bucket(transformed)] },
        {
          // quality/results/run_id=freshness-<stamp>/cleaned.jsonl, quality/freshness-state.json, quality/seed-snapshot.json.
          sid: 'ReadWriteFreshnessResults',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [objects(transformed, `${QUALITY_PREFIX}*`)],
        },
        ...queryResults,
        {
          // Parts of runs the ledger never recorded (core/unrecorded-runs.ts): DeleteObjects needs
          // s3:DeleteObject on each key (Amazon S3 API Reference, "DeleteObjects", Permissions); only the
          // source tables' run folders. Listing them is ListLedgerBucket's (the whole raw bucket already).
          sid: 'RemoveUnrecordedRunParts',
          actions: ['s3:DeleteObject'],
          resources: SOURCE_TABLES.map((t) => objects(raw, `${keys.runFolder(t.name, '*')}*`)),
        },
        ...kms,
      ];
    case 'reconcile':
      return [
        ...ledger(),
        { sid: 'ReadSourceSecret', actions: ['secretsmanager:GetSecretValue'], resources: [lake.sourceSecretArn] },
        {
          // The scratch key files (`_reconcile/<run>/<table>/keys.tsv`, multipart when large), the run's parts
          // (`<table>/run_id=<run>/…`) and its manifest.
          sid: 'WriteReconcileRuns',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [objects(raw, `${RECONCILE_SCRATCH_PREFIX}*`), objects(raw, '*/run_id=*'), objects(raw, keys.manifest('*'))],
        },
        {
          // A scratch file once compared; the parts of a run discarded before its record (run-lifecycle.ts).
          sid: 'RemoveScratchAndDiscardedParts',
          actions: ['s3:DeleteObject'],
          resources: [objects(raw, `${RECONCILE_SCRATCH_PREFIX}*`), objects(raw, '*/run_id=*')],
        },
        registerRawPartitions,
        // The comparison: SELECTs and the key table's DDL in the pipeline's workgroup (athena-key-table.ts).
        {
          sid: 'RunComparisonQueries',
          actions: FRESHNESS_QUERY,
          resources: [aws.arn('athena', `workgroup/${n.transformWorkgroup}`)],
        },
        {
          // GetTables: which cleaned tables exist; the rest is Athena planning the comparison as the caller.
          sid: 'ReadCleanedCatalog',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          resources: aws.glueTableArns([n.databases.cleaned]),
        },
        {
          // CREATE EXTERNAL TABLE / DROP TABLE of the temporary key tables, only those (Athena runs the DDL as the caller).
          sid: 'ScratchKeyTables',
          actions: ['glue:CreateTable', 'glue:DeleteTable'],
          resources: [
            aws.glueArn('catalog'),
            aws.glueArn(`database/${n.databases.cleaned}`),
            aws.glueArn(`table/${n.databases.cleaned}/${RECONCILE_KEY_TABLE_PREFIX}*`),
          ],
        },
        // Athena lists and reads the cleaned tables' files and the key files with the caller's permissions
        // (ListBucket on the raw bucket is ListLedgerBucket's).
        { sid: 'ListCleanedZone', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucket(cleaned)] },
        { sid: 'LocateRawBucket', actions: ['s3:GetBucketLocation'], resources: [bucket(raw)] },
        {
          sid: 'ReadComparedFiles',
          actions: ['s3:GetObject'],
          resources: [objects(cleaned), objects(raw, `${RECONCILE_SCRATCH_PREFIX}*`)],
        },
        ...queryResults,
        ...kms,
        ...(r.sourceNetwork ? vpcStatements(aws, r.sourceNetwork) : []),
      ];
  }
}

/**
 * What a Lambda attached to a VPC needs to manage its network interfaces:
 * create them only in the given subnets and security groups, delete and
 * re-address only network interfaces; the two describe calls authorize on `*` only.
 */
function vpcStatements(aws: AwsContext, network: NetworkPlacement): Statement[] {
  const eni = aws.arn('ec2', 'network-interface/*');
  return [
    {
      sid: 'CreateInterfacesInSourceSubnets',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [
        eni,
        ...network.subnetIds.map((s) => aws.arn('ec2', `subnet/${s}`)),
        ...network.securityGroupIds.map((g) => aws.arn('ec2', `security-group/${g}`)),
      ],
    },
    {
      sid: 'ManageOwnInterfaces',
      actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      resources: [eni],
    },
    { sid: 'DescribeNetwork', actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] },
  ];
}
