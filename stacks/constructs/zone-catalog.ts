/**
 * A zone's Glue database and crawler (from crawlers/zone-crawlers.ts), with a
 * crawler role that may read only that zone's bucket and write only that
 * zone's database.
 */
import { GlueCatalogDatabase } from '@cdktf/provider-aws/lib/glue-catalog-database';
import { GlueCrawler } from '@cdktf/provider-aws/lib/glue-crawler';
import { Construct } from 'constructs';
import { crawlerConfigurationJson, crawlerProblems, type CrawlerDefinition } from '../../crawlers/zone-crawlers';
import type { AwsContext } from './aws-context';
import { bucketReadStatements, lakeKeyStatements, type Statement } from './policy';
import type { SecureBucket } from './secure-bucket';
import { ServiceRole } from './service-role';

/** Glue log group crawlers write to (created by Glue on first use). */
export const CRAWLER_LOG_GROUP = '/aws-glue/crawlers';

/** Catalog actions a crawler performs on its database's tables and partitions. */
export const CRAWLER_CATALOG_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetTable',
  'glue:GetTables',
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:BatchUpdatePartition',
];

export interface ZoneCatalogProps {
  aws: AwsContext;
  definition: CrawlerDefinition;
  databaseName: string;
  crawlerName: string;
  roleName: string;
  bucket: SecureBucket;
  bucketName: string;
  kmsKeyArn?: string;
  /** Glue cron expression the crawler runs on; absent: it runs only when started (the crawl job). */
  schedule?: string;
}

/** One zone's Glue database, crawler and crawler role. */
export class ZoneCatalog extends Construct {
  readonly database: GlueCatalogDatabase;
  readonly crawler: GlueCrawler;
  readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: ZoneCatalogProps) {
    super(scope, id);
    const { aws, definition } = props;
    const problems = crawlerProblems(definition);
    if (problems.length) throw new Error(`crawler definition Glue would refuse:\n  ${problems.join('\n  ')}`);
    this.database = new GlueCatalogDatabase(this, 'database', {
      name: props.databaseName,
      description: `lakehouse ${definition.zone} zone`,
    });
    const statements: Statement[] = [
      ...bucketReadStatements(props.bucket.arn, 'Zone'),
      { sid: 'WriteZoneCatalog', actions: CRAWLER_CATALOG_ACTIONS, resources: aws.glueTableArns([props.databaseName]) },
      {
        sid: 'WriteCrawlerLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [aws.arn('logs', `log-group:${CRAWLER_LOG_GROUP}`), aws.logStreamsArn(CRAWLER_LOG_GROUP)],
      },
      ...lakeKeyStatements(props.kmsKeyArn, 'DecryptZone', ['kms:Decrypt']),
    ];
    this.role = new ServiceRole(this, 'role', {
      roleName: props.roleName,
      description: `Glue crawler of the ${definition.zone} zone`,
      services: ['glue.amazonaws.com'],
      statements,
    });
    this.crawler = new GlueCrawler(this, 'crawler', {
      name: props.crawlerName,
      description: definition.description,
      role: this.role.arn,
      databaseName: this.database.name,
      s3Target: [{ path: `s3://${props.bucketName}/`, exclusions: definition.exclusions }],
      schemaChangePolicy: definition.schemaChangePolicy,
      recrawlPolicy: { recrawlBehavior: definition.recrawlBehavior },
      configuration: crawlerConfigurationJson(definition),
      ...(props.schedule ? { schedule: props.schedule } : {}),
      // The role's policy must be in place before Glue validates the crawler.
      dependsOn: [this.role.policy],
    });
  }
}
