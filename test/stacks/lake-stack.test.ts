/**
 * The lake stack (stateful), synthesized offline from a dev configuration
 * with a non-default landing expiry: zone and archive buckets, replication,
 * lifecycle, EventBridge notifications, Glue databases and crawlers, the
 * Athena workgroup, the Redshift Serverless warehouse and the secrets.
 */
import { ZONE_CRAWLERS } from '../../crawlers/zone-crawlers';
import { PROCESSED_LANDING_PREFIX } from '../../jobs/lib/definition/object-keys';
import { ZONES } from '../../jobs/lib/definition/zones';
import { lakeLifecycle } from '../../lifecycle/rules';
import { resourceNames } from '../../stacks/names';
import {
  fixtureConfig,
  nameOf,
  only,
  parseRef,
  ref,
  resourcesOf,
  statementsOf,
  synthesize,
  type Synthesized,
} from './support/synth';

const config = fixtureConfig({ lifecycle: lakeLifecycle(45) });
const names = resourceNames(config);
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

const lake = () => synth.lake;
/** Terraform name of the bucket called `bucketName`. */
const bucket = (bucketName: string) => nameOf(lake(), 'aws_s3_bucket', (b) => b.bucket === bucketName);
/** The resource of `type` attached to bucket `bucketName`. */
const onBucket = (type: string, bucketName: string) =>
  only(lake(), type, (b) => b.bucket === ref('aws_s3_bucket', bucket(bucketName), 'id'));

describe('lake stack', () => {
  it('pins the AWS provider exactly and deploys to the configured region with default tags', () => {
    expect(lake().terraform!.required_providers.aws.version).toMatch(/^\d+\.\d+\.\d+$/);
    const provider = lake().provider!.aws[0];
    expect(provider.region).toBe(config.region);
    expect(provider.default_tags[0].tags).toMatchObject({ project: 'lakehouse', environment: 'dev' });
  });

  it('has three zone buckets and three archive buckets, all versioned', () => {
    for (const zone of ZONES) {
      for (const name of [names.zoneBuckets[zone], names.archiveBuckets[zone]]) {
        expect(onBucket('aws_s3_bucket_versioning', name).versioning_configuration).toEqual({ status: 'Enabled' });
      }
    }
    expect(
      resourcesOf(lake(), 'aws_s3_bucket')
        .map((b) => b.body.bucket)
        .sort(),
    ).toEqual([...Object.values(names.zoneBuckets), ...Object.values(names.archiveBuckets), names.queryResultsBucket].sort());
  });

  it('replicates every object written to a zone into its archive, deletes excluded', () => {
    for (const zone of ZONES) {
      const replication = onBucket('aws_s3_bucket_replication_configuration', names.zoneBuckets[zone]);
      expect(replication.rule).toHaveLength(1);
      const [rule] = replication.rule;
      expect(rule).toMatchObject({
        status: 'Enabled',
        filter: { prefix: '' },
        delete_marker_replication: { status: 'Disabled' },
        destination: { bucket: ref('aws_s3_bucket', bucket(names.archiveBuckets[zone]), 'arn') },
      });
      const role = lake().resource.aws_iam_role[parseRef(replication.role)!.name];
      expect(statementsOf(lake(), role.assume_role_policy)[0].principals).toEqual([
        { type: 'Service', identifiers: ['s3.amazonaws.com'] },
      ]);
    }
  });

  it('moves archives to Glacier after 365 days (small objects too), expires them at 455, aborts stale uploads', () => {
    for (const zone of ZONES) {
      const lifecycle = onBucket('aws_s3_bucket_lifecycle_configuration', names.archiveBuckets[zone]);
      expect(lifecycle.transition_default_minimum_object_size).toBe('varies_by_storage_class');
      const archive = lifecycle.rule.find((r: any) => r.transition);
      expect(archive.transition).toEqual([{ days: 365, storage_class: 'GLACIER' }]);
      expect(archive.expiration[0].days).toBeGreaterThanOrEqual(455);
      expect(archive.filter).toEqual([{ prefix: '' }]);
      const abort = lifecycle.rule.find((r: any) => r.abort_incomplete_multipart_upload);
      expect(abort.abort_incomplete_multipart_upload[0].days_after_initiation).toBeGreaterThan(0);
    }
  });

  it('on every versioned bucket, expires noncurrent versions and removes expired delete markers in a rule without days', () => {
    const buckets = [...ZONES.map((z) => names.zoneBuckets[z]), ...ZONES.map((z) => names.archiveBuckets[z])];
    for (const bucketName of buckets) {
      const rules: any[] = onBucket('aws_s3_bucket_lifecycle_configuration', bucketName).rule;
      const noncurrent = rules.filter((r) => r.noncurrent_version_expiration && r.filter?.[0]?.prefix === '');
      expect({ bucketName, noncurrent: noncurrent.length }).toEqual({ bucketName, noncurrent: 1 });
      const markers = rules.filter(
        (r) => r.expiration?.[0]?.expired_object_delete_marker === true && r.filter?.[0]?.prefix === '',
      );
      expect({ bucketName, markers: markers.length }).toEqual({ bucketName, markers: 1 });
      // S3 refuses ExpiredObjectDeleteMarker next to Days or Date in one Expiration.
      for (const r of rules.filter((r) => r.expiration?.[0]?.expired_object_delete_marker)) {
        expect({ bucketName, id: r.id, days: r.expiration[0].days, date: r.expiration[0].date }).toEqual({
          bucketName,
          id: r.id,
          days: undefined,
          date: undefined,
        });
      }
    }
    for (const zone of ZONES) {
      const rules: any[] = onBucket('aws_s3_bucket_lifecycle_configuration', names.archiveBuckets[zone]).rule;
      expect(rules.find((r) => r.noncurrent_version_expiration).noncurrent_version_expiration).toEqual([
        { noncurrent_days: config.lifecycle.archive.noncurrentVersionExpiryDays },
      ]);
    }
  });

  it('expires processed landing data in the raw zone after the configured period', () => {
    const raw = onBucket('aws_s3_bucket_lifecycle_configuration', names.zoneBuckets.raw);
    expect(raw.rule.find((r: any) => r.id === 'landing-expiry')).toMatchObject({
      status: 'Enabled',
      filter: [{ prefix: PROCESSED_LANDING_PREFIX }],
      expiration: [{ days: 45 }],
    });
    for (const zone of ['cleaned', 'transformed'] as const) {
      const rules = onBucket('aws_s3_bucket_lifecycle_configuration', names.zoneBuckets[zone]).rule;
      expect(rules.map((r: any) => r.id)).not.toContain('landing-expiry');
      expect(rules.find((r: any) => r.noncurrent_version_expiration)).toBeDefined();
    }
  });

  it('sends zone bucket events to EventBridge, and only those', () => {
    const notified = resourcesOf(lake(), 'aws_s3_bucket_notification').map((n) => {
      expect(n.body.eventbridge).toBe(true);
      return lake().resource.aws_s3_bucket[parseRef(n.body.bucket)!.name].bucket;
    });
    expect(notified.sort()).toEqual(Object.values(names.zoneBuckets).sort());
  });

  it('has one Glue database and one crawler per zone, defined by crawlers/', () => {
    for (const zone of ZONES) {
      const db = nameOf(lake(), 'aws_glue_catalog_database', (d) => d.name === names.databases[zone]);
      const crawler = only(lake(), 'aws_glue_crawler', (c) => c.name === names.crawlers[zone]);
      const definition = ZONE_CRAWLERS[zone];
      expect(crawler.database_name).toBe(ref('aws_glue_catalog_database', db, 'name'));
      expect(crawler.s3_target).toEqual([{ path: `s3://${names.zoneBuckets[zone]}/`, exclusions: definition.exclusions }]);
      // Incremental crawls: only new run folders are read, so a crawl's cost does not grow with history.
      expect(crawler.recrawl_policy).toEqual({ recrawl_behavior: 'CRAWL_NEW_FOLDERS_ONLY' });
      expect(crawler.schema_change_policy).toEqual({ update_behavior: 'LOG', delete_behavior: 'LOG' });
      expect(JSON.parse(crawler.configuration)).toEqual(definition.configuration);
      expect(crawler.schedule).toBeUndefined();
    }
  });

  it('declares the cleaned `_rejects` Glue table over every reject record, which the cleaned crawler leaves alone', () => {
    const db = nameOf(lake(), 'aws_glue_catalog_database', (d) => d.name === names.databases.cleaned);
    const table = only(lake(), 'aws_glue_catalog_table', (t) => t.name === '_rejects');
    expect(table.database_name).toBe(ref('aws_glue_catalog_database', db, 'name'));
    expect(table.partition_keys).toBeUndefined();
    const sd = table.storage_descriptor;
    expect(sd.location).toBe(`s3://${names.zoneBuckets.cleaned}/_rejects/`);
    expect(sd.ser_de_info.serialization_library).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(sd.ser_de_info.parameters).toMatchObject({ 'mapping.table_name': 'table' });
    expect(sd.columns).toEqual([
      { name: 'run_id', type: 'string' },
      { name: 'table_name', type: 'string' },
      { name: 'stage', type: 'string' },
      { name: 'file', type: 'string' },
      { name: 'line', type: 'int' },
      { name: 'reason', type: 'string' },
      { name: 'original', type: 'string' },
    ]);
    expect(ZONE_CRAWLERS.cleaned.exclusions).toEqual(expect.arrayContaining(['_rejects/**', '_schema_drift/**']));
  });

  it('lets each crawler read only its zone bucket and write only its zone database', () => {
    for (const zone of ZONES) {
      const crawler = only(lake(), 'aws_glue_crawler', (c) => c.name === names.crawlers[zone]);
      const roleName = parseRef(crawler.role)!.name;
      const policy = only(lake(), 'aws_iam_role_policy', (p) => p.role === ref('aws_iam_role', roleName, 'id'));
      const resources = statementsOf(lake(), policy.policy).flatMap((s) => s.resources);
      const zoneArn = ref('aws_s3_bucket', bucket(names.zoneBuckets[zone]), 'arn');
      expect(resources.filter((r: string) => r.includes('aws_s3_bucket'))).toEqual([zoneArn, `${zoneArn}/*`]);
      const glue = resources.filter((r: string) => r.includes(':glue:'));
      expect(glue.filter((r: string) => !r.endsWith(':catalog'))).toEqual([
        expect.stringMatching(new RegExp(`:database/${names.databases[zone]}$`)),
        expect.stringMatching(new RegExp(`:table/${names.databases[zone]}/\\*$`)),
      ]);
    }
  });

  it('has an ad-hoc Athena workgroup with its own results location, enforced settings and a scan limit', () => {
    const wg = only(lake(), 'aws_athena_workgroup', (w) => w.name === names.athenaWorkgroup);
    expect(wg.configuration).toMatchObject({
      enforce_workgroup_configuration: true,
      bytes_scanned_cutoff_per_query: config.athena.bytesScannedCutoffPerQuery,
      engine_version: { selected_engine_version: 'Athena engine version 3' },
      result_configuration: {
        output_location: `s3://${names.queryResultsBucket}/results/`,
        encryption_configuration: { encryption_option: 'SSE_S3' },
      },
    });
  });

  it('runs the transform in a workgroup that lets CTAS set external_location, still encrypted, limited and on engine v3', () => {
    // Athena fails a CTAS with external_location in a workgroup that enforces its results location.
    const wg = only(lake(), 'aws_athena_workgroup', (w) => w.name === names.transformWorkgroup);
    expect(names.transformWorkgroup).not.toBe(names.athenaWorkgroup);
    expect(wg.configuration).toMatchObject({
      enforce_workgroup_configuration: false,
      bytes_scanned_cutoff_per_query: config.athena.bytesScannedCutoffPerQuery,
      engine_version: { selected_engine_version: 'Athena engine version 3' },
      result_configuration: {
        output_location: `s3://${names.queryResultsBucket}/transform-results/`,
        encryption_configuration: { encryption_option: 'SSE_S3' },
      },
    });
    const results = onBucket('aws_s3_bucket_lifecycle_configuration', names.queryResultsBucket);
    expect(results.rule.find((r: any) => r.id === 'results-expiry').expiration).toEqual([
      { days: config.lifecycle.queryResultsExpiryDays },
    ]);
  });

  it('has a private Redshift Serverless warehouse with managed admin credentials and a COPY role on the transformed zone', () => {
    const ns = only(lake(), 'aws_redshiftserverless_namespace', (n) => n.namespace_name === names.redshiftNamespace);
    expect(ns).toMatchObject({ manage_admin_password: true, db_name: 'warehouse', admin_username: 'lakehouse_admin' });
    const wg = only(lake(), 'aws_redshiftserverless_workgroup', (w) => w.workgroup_name === names.redshiftWorkgroup);
    expect(wg).toMatchObject({ publicly_accessible: false, base_capacity: 8 });
    const copyRole = parseRef(ns.default_iam_role_arn)!.name;
    expect(ns.iam_roles).toEqual([ref('aws_iam_role', copyRole, 'arn')]);
    const role = lake().resource.aws_iam_role[copyRole];
    expect(role.name).toBe(names.redshiftCopyRole);
    expect(statementsOf(lake(), role.assume_role_policy)[0].principals[0].identifiers).toContain('redshift.amazonaws.com');
    const policy = only(lake(), 'aws_iam_role_policy', (p) => p.role === ref('aws_iam_role', copyRole, 'id'));
    const statements = statementsOf(lake(), policy.policy);
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    const transformed = ref('aws_s3_bucket', bucket(names.zoneBuckets.transformed), 'arn');
    expect(statements.flatMap((s) => s.resources).sort()).toEqual([transformed, `${transformed}/*`]);
  });

  it('has a secret for the source database connection', () => {
    const secret = only(lake(), 'aws_secretsmanager_secret', (s) => s.name === names.sourceSecret);
    expect(secret.description).toMatch(/host/);
    expect(resourcesOf(lake(), 'aws_secretsmanager_secret_version')).toHaveLength(0);
  });

  it('exports what the pipeline stack refers to as cross-stack outputs', () => {
    const outputs = Object.keys(lake().output ?? {}).filter((o) => o.startsWith('cross-stack-output-'));
    for (const attribute of [
      'admin_password_secret_arn',
      'aws_redshiftserverless_workgroup',
      'aws_secretsmanager_secretsource-secretarn',
    ]) {
      expect(outputs.some((o) => o.includes(attribute))).toBe(true);
    }
  });
});
