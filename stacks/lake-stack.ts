/**
 * The stateful stack: everything that holds data and must outlive a
 * redeploy of the jobs. Zone buckets (raw, cleaned, transformed) replicating
 * into 1-year archive buckets, lifecycle rules from lifecycle/, one Glue
 * database and crawler per zone from crawlers/ (on `crawlerSchedule` for
 * the zones no route of the chain mode crawls: `scheduledCrawlZones`), the
 * Athena workgroups (ad-hoc and transform) and their results bucket, the
 * Redshift Serverless warehouse, the source database secret, and (when
 * configured) the lake's KMS key.
 *
 * A thin reader of data: names from names.ts, rules from lifecycle/,
 * crawler settings from crawlers/, sizes from the config.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { scheduledCrawlZones, ZONE_CRAWLERS } from '../crawlers/zone-crawlers';
import { ZONES, type Zone } from '../jobs/lib/definition/zones';
import type { StackConfig } from './config';
import { AwsContext } from './constructs/aws-context';
import { EncryptionKey } from './constructs/encryption-key';
import { archiveLifecycleRules, queryResultsLifecycleRules, zoneLifecycleRules } from './constructs/lifecycle-rules';
import { QualityResultsTable } from './constructs/quality-results-table';
import { QueryWorkgroup, type QueryWorkgroupProps } from './constructs/query-workgroup';
import { SecureBucket, type BucketEncryption } from './constructs/secure-bucket';
import { Warehouse } from './constructs/warehouse';
import { ZoneCatalog } from './constructs/zone-catalog';
import { RejectsTable } from './constructs/rejects-table';
import { ZoneReplication } from './constructs/zone-replication';
import { QUERY_RESULTS_PREFIXES, resourceNames, type ResourceNames } from './names';

/** What the pipeline stack needs from the lake beyond the names it can compute itself. */
export interface LakeExports {
  names: ResourceNames;
  /** The lake key's ARN when encryption is `kms`. */
  kmsKeyArn?: string;
  redshiftWorkgroupArn: string;
  /** Secret holding the Redshift admin credentials (created and rotated by Redshift). */
  redshiftAdminSecretArn: string;
  redshiftCopyRoleArn: string;
  sourceSecretArn: string;
}

/** The AWS provider every stack uses: the config's region and default tags on every resource. */
export function configureProvider(scope: Construct, config: StackConfig): AwsProvider {
  return new AwsProvider(scope, 'aws', {
    region: config.region,
    defaultTags: [{ tags: { ...config.tags, project: 'lakehouse', environment: config.environment } }],
  });
}

/** The stateful stack of one environment; `exports` is what the pipeline stack needs. */
export class LakeStack extends TerraformStack {
  readonly exports: LakeExports;
  readonly zoneBuckets: Record<Zone, SecureBucket>;
  readonly archiveBuckets: Record<Zone, SecureBucket>;

  constructor(scope: Construct, id: string, config: StackConfig) {
    super(scope, id);
    configureProvider(this, config);
    const names = resourceNames(config);
    const aws = new AwsContext(this, 'context', config.region);

    const key =
      config.encryption === 'kms'
        ? new EncryptionKey(this, 'lake-key', { aws, alias: names.kmsAlias, deletionWindowDays: config.forceDestroy ? 7 : 30 })
        : undefined;
    const kmsKeyArn = key?.key.arn;
    const encryption: BucketEncryption = kmsKeyArn ? { kind: 'kms', keyArn: kmsKeyArn } : { kind: 's3' };
    const bucket = (id: string, bucketName: string, opts: Partial<ConstructorParameters<typeof SecureBucket>[2]>) =>
      new SecureBucket(this, id, {
        bucketName,
        encryption,
        versioned: false,
        eventBridge: false,
        forceDestroy: config.forceDestroy,
        ...opts,
      });

    const zoneBuckets = {} as Record<Zone, SecureBucket>;
    const archiveBuckets = {} as Record<Zone, SecureBucket>;
    for (const zone of ZONES) {
      zoneBuckets[zone] = bucket(`${zone}-zone`, names.zoneBuckets[zone], {
        versioned: true,
        eventBridge: true,
        lifecycleRules: zoneLifecycleRules(config.lifecycle.zones[zone]),
      });
      archiveBuckets[zone] = bucket(`${zone}-archive`, names.archiveBuckets[zone], {
        versioned: true,
        lifecycleRules: archiveLifecycleRules(config.lifecycle.archive),
      });
      new ZoneReplication(this, `${zone}-replication`, {
        aws,
        roleName: names.replicationRoles[zone],
        zone: zoneBuckets[zone],
        archive: archiveBuckets[zone],
        kmsKeyArn,
      });
      const catalog = new ZoneCatalog(this, `${zone}-catalog`, {
        aws,
        definition: ZONE_CRAWLERS[zone],
        databaseName: names.databases[zone],
        crawlerName: names.crawlers[zone],
        roleName: names.crawlerRoles[zone],
        bucket: zoneBuckets[zone],
        bucketName: names.zoneBuckets[zone],
        kmsKeyArn,
        schedule: scheduledCrawlZones(config.chainMode).includes(zone) ? config.crawlerSchedule : undefined,
      });
      if (zone === 'cleaned') {
        new RejectsTable(this, 'rejects-table', { databaseName: catalog.database.name, bucketName: names.zoneBuckets.cleaned });
      }
      if (zone === 'transformed') {
        new QualityResultsTable(this, 'quality-results', {
          databaseName: catalog.database.name,
          bucketName: names.zoneBuckets[zone],
        });
      }
    }
    this.zoneBuckets = zoneBuckets;
    this.archiveBuckets = archiveBuckets;

    const results = bucket('query-results', names.queryResultsBucket, {
      lifecycleRules: queryResultsLifecycleRules(config.lifecycle.queryResultsExpiryDays),
    });
    const workgroup = (
      id: string,
      props: Pick<QueryWorkgroupProps, 'name' | 'description' | 'resultsPrefix' | 'enforceConfiguration'>,
    ) => {
      const wg = new QueryWorkgroup(this, id, {
        ...props,
        resultsBucketName: names.queryResultsBucket,
        encryption,
        bytesScannedCutoffPerQuery: config.athena.bytesScannedCutoffPerQuery,
        forceDestroy: config.forceDestroy,
      });
      wg.node.addDependency(results);
      return wg;
    };
    // People's ad-hoc queries: the workgroup's settings override the client's.
    workgroup('queries', {
      name: names.athenaWorkgroup,
      description: 'lakehouse: ad-hoc queries over the zones (settings enforced)',
      resultsPrefix: QUERY_RESULTS_PREFIXES.adHoc,
      enforceConfiguration: true,
    });
    // The transform's CTAS statements set external_location, which an enforcing workgroup refuses.
    workgroup('transform-queries', {
      name: names.transformWorkgroup,
      description: "lakehouse: the transform job's CTAS statements (external_location allowed)",
      resultsPrefix: QUERY_RESULTS_PREFIXES.transform,
      enforceConfiguration: false,
    });

    const warehouse = new Warehouse(this, 'warehouse', {
      aws,
      namespaceName: names.redshiftNamespace,
      workgroupName: names.redshiftWorkgroup,
      copyRoleName: names.redshiftCopyRole,
      databaseName: config.warehouse.databaseName,
      adminUsername: config.warehouse.adminUsername,
      baseCapacityRpu: config.warehouse.baseCapacityRpu,
      maxCapacityRpu: config.warehouse.maxCapacityRpu,
      network: config.warehouse.network,
      transformedBucketArn: zoneBuckets.transformed.arn,
      kmsKeyArn,
    });

    const sourceSecret = new SecretsmanagerSecret(this, 'source-secret', {
      name: names.sourceSecret,
      description:
        'Source PostgreSQL connection for the extract job: JSON {"url":"postgresql://..."} or {"host","port","username","password","dbname"} (set with put-secret-value)',
      recoveryWindowInDays: config.forceDestroy ? 0 : 7,
      ...(kmsKeyArn ? { kmsKeyId: kmsKeyArn } : {}),
    });

    this.exports = {
      names,
      kmsKeyArn,
      redshiftWorkgroupArn: warehouse.workgroup.arn,
      redshiftAdminSecretArn: warehouse.namespace.adminPasswordSecretArn,
      redshiftCopyRoleArn: warehouse.copyRole.arn,
      sourceSecretArn: sourceSecret.arn,
    };

    for (const zone of ZONES) new TerraformOutput(this, `${zone}-bucket-name`, { value: names.zoneBuckets[zone] });
    new TerraformOutput(this, 'athena-workgroup-name', { value: names.athenaWorkgroup });
    new TerraformOutput(this, 'transform-workgroup-name', { value: names.transformWorkgroup });
    new TerraformOutput(this, 'redshift-workgroup-name', { value: names.redshiftWorkgroup });
    new TerraformOutput(this, 'source-secret-name', { value: names.sourceSecret });
  }
}
