/**
 * Security family: walks every IAM policy document, bucket and queue of both
 * stacks, in the dev configuration (SSE-S3) and in a hardened one (customer
 * KMS key, extract Lambda and warehouse in a VPC, state in S3), and fails on
 * wildcard actions, `*` resources outside the allow-list, public access,
 * missing encryption or a missing TLS-only policy.
 */
import { bucketViolations, encryptionViolations, policyViolations, RESOURCELESS_ACTIONS } from './support/security-checks';
import { dataOf, fixtureConfig, parseRef, resourcesOf, synthesize, type Synthesized, type TfJson } from './support/synth';

const hardenedConfig = fixtureConfig({
  encryption: 'kms',
  forceDestroy: false,
  sourceNetwork: { subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'] },
  warehouse: {
    ...fixtureConfig().warehouse,
    network: { subnetIds: ['subnet-0a1b2c3d', 'subnet-4e5f6a7b', 'subnet-8c9d0e1f'], securityGroupIds: ['sg-0a1b2c3d'] },
  },
  stateBackend: { bucket: 'acme-terraform-state', keyPrefix: 'lakehouse/prod' },
});

let dev: Synthesized;
let hardened: Synthesized;
beforeAll(() => {
  dev = synthesize(fixtureConfig());
  hardened = synthesize(hardenedConfig);
});
afterAll(() => {
  dev?.cleanup();
  hardened?.cleanup();
});

const variants = [
  ['dev', () => dev],
  ['hardened', () => hardened],
] as const;

describe.each(variants)('%s configuration', (_variant, get) => {
  const stacks = () =>
    [
      ['lake', get().lake],
      ['pipeline', get().pipeline],
    ] as [string, TfJson][];

  it('grants no wildcard action and no `*` resource outside the allow-list, to no public principal', () => {
    for (const [stack, tf] of stacks()) expect({ stack, violations: policyViolations(tf) }).toEqual({ stack, violations: [] });
  });

  it('blocks public access, encrypts, and refuses non-TLS requests on every bucket', () => {
    const { lake, pipeline } = get();
    expect(resourcesOf(lake, 'aws_s3_bucket')).toHaveLength(7);
    expect(bucketViolations(lake)).toEqual([]);
    expect(resourcesOf(pipeline, 'aws_s3_bucket')).toHaveLength(0);
  });

  it('encrypts every queue', () => {
    for (const [stack, tf] of stacks())
      expect({ stack, violations: encryptionViolations(tf) }).toEqual({ stack, violations: [] });
    expect(resourcesOf(get().pipeline, 'aws_sqs_queue')).toHaveLength(8);
  });

  it('keeps the warehouse private and its password out of the configuration', () => {
    const { lake } = get();
    for (const { body } of resourcesOf(lake, 'aws_redshiftserverless_workgroup')) expect(body.publicly_accessible).toBe(false);
    for (const { body } of resourcesOf(lake, 'aws_redshiftserverless_namespace')) {
      expect(body.manage_admin_password).toBe(true);
      expect(body.admin_user_password).toBeUndefined();
    }
  });
});

describe('hardened configuration', () => {
  const keyArn = () => `\${${['aws_kms_key', Object.keys(hardened.lake.resource.aws_kms_key)[0], 'arn'].join('.')}}`;

  it('has one rotating customer key whose policy enumerates its actions', () => {
    const keys = resourcesOf(hardened.lake, 'aws_kms_key');
    expect(keys).toHaveLength(1);
    expect(keys[0].body.enable_key_rotation).toBe(true);
    expect(parseRef(keys[0].body.policy)?.type).toBe('aws_iam_policy_document');
    expect(resourcesOf(dev.lake, 'aws_kms_key')).toHaveLength(0);
  });

  it('encrypts buckets, query results, replicas, secrets and the warehouse with that key', () => {
    const lake = hardened.lake;
    for (const { body } of resourcesOf(lake, 'aws_s3_bucket_server_side_encryption_configuration')) {
      expect(body.rule[0]).toEqual({
        apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: keyArn() },
        bucket_key_enabled: true,
      });
    }
    for (const { body } of resourcesOf(lake, 'aws_s3_bucket_replication_configuration')) {
      expect(body.rule[0].destination.encryption_configuration).toEqual({ replica_kms_key_id: keyArn() });
      expect(body.rule[0].source_selection_criteria).toEqual({ sse_kms_encrypted_objects: { status: 'Enabled' } });
    }
    const wg = resourcesOf(lake, 'aws_athena_workgroup')[0].body;
    expect(wg.configuration.result_configuration.encryption_configuration).toEqual({
      encryption_option: 'SSE_KMS',
      kms_key_arn: keyArn(),
    });
    expect(resourcesOf(lake, 'aws_secretsmanager_secret')[0].body.kms_key_id).toBe(keyArn());
    const ns = resourcesOf(lake, 'aws_redshiftserverless_namespace')[0].body;
    expect(ns.kms_key_id).toBe(keyArn());
    expect(ns.admin_password_secret_kms_key_id).toBe(keyArn());
  });

  it('lets exactly the jobs that touch encrypted data use the key', () => {
    const pipeline = hardened.pipeline;
    const docs = pipeline.data!.aws_iam_policy_document;
    const roleWithKey = new Set<string>();
    for (const { body } of resourcesOf(pipeline, 'aws_iam_role_policy')) {
      const statements = docs[parseRef(body.policy)!.name].statement as Record<string, any>[];
      if (statements.some((s) => s.sid === 'UseLakeKey')) roleWithKey.add(parseRef(body.role)!.name);
    }
    const jobsWithKey = resourcesOf(pipeline, 'aws_lambda_function')
      .filter(({ body }) => roleWithKey.has(parseRef(body.role)!.name))
      .map(({ body }) => body.function_name)
      .sort();
    expect(jobsWithKey).toEqual(
      ['extract', 'ingest', 'load', 'reconcile', 'sweep', 'transform'].map((s) => `lakehouse-dev-${s}`),
    );
  });

  it('attaches the Lambdas that read the source (extract, reconcile) to its network, managing only their own interfaces', () => {
    const fns = resourcesOf(hardened.pipeline, 'aws_lambda_function').map((f) => f.body);
    for (const step of ['extract', 'reconcile']) {
      const fn = fns.find((f) => f.function_name.endsWith(`-${step}`))!;
      expect(fn.vpc_config).toEqual({ subnet_ids: ['subnet-0a1b2c3d'], security_group_ids: ['sg-0a1b2c3d'] });
    }
    expect(fns.filter((f) => f.vpc_config)).toHaveLength(2);
    const statements = Object.values(hardened.pipeline.data!.aws_iam_policy_document).flatMap((d) => d.statement);
    const describe = statements.find((s) => s.sid === 'DescribeNetwork')!;
    expect(describe.resources).toEqual(['*']);
    for (const action of describe.actions) expect(RESOURCELESS_ACTIONS).toHaveProperty([action]);
    const create = statements.find((s) => s.sid === 'CreateInterfacesInSourceSubnets')!;
    expect(create.resources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/:subnet\/subnet-0a1b2c3d$/),
        expect.stringMatching(/:security-group\/sg-0a1b2c3d$/),
      ]),
    );
    expect(resourcesOf(hardened.lake, 'aws_redshiftserverless_workgroup')[0].body.subnet_ids).toHaveLength(3);
  });

  it('keeps Terraform state encrypted in S3 with lock files', () => {
    for (const tf of [hardened.lake, hardened.pipeline]) {
      const s3 = tf.terraform!.backend.s3;
      expect(s3).toMatchObject({ bucket: 'acme-terraform-state', encrypt: true, use_lockfile: true });
      expect(s3.key).toMatch(/^lakehouse\/prod\/lakehouse-dev-(lake|pipeline)\.tfstate$/);
    }
    expect(dataOf(hardened.pipeline, 'terraform_remote_state')[0].body.backend).toBe('s3');
  });
});

describe('the security checks themselves', () => {
  const policyTf = (statement: Record<string, any>, type = 'aws_iam_role_policy'): TfJson => ({
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform interpolation, as synthesized JSON holds it
    resource: { [type]: { r: { policy: '${data.aws_iam_policy_document.d.json}' } } },
    data: { aws_iam_policy_document: { d: { statement: [statement] } } },
  });

  it('catch wildcard actions, `*` resources and public principals', () => {
    expect(policyViolations(policyTf({ effect: 'Allow', actions: ['s3:*'], resources: ['arn:aws:s3:::b/*'] }))).toEqual([
      'd[0]: wildcard action s3:*',
    ]);
    expect(policyViolations(policyTf({ actions: ['kms:Get*'], resources: ['arn:aws:kms:eu-west-2:1:key/k'] }))).toHaveLength(1);
    expect(policyViolations(policyTf({ actions: ['s3:GetObject'], resources: ['*'] }))).toEqual([
      'd[0]: resource * for s3:GetObject',
    ]);
    expect(policyViolations(policyTf({ actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::*'] }))).toHaveLength(1);
    expect(policyViolations(policyTf({ actions: ['redshift-data:DescribeStatement'], resources: ['*'] }))).toEqual([]);
    expect(
      policyViolations(
        policyTf(
          { actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'], principals: [{ type: '*', identifiers: ['*'] }] },
          'aws_s3_bucket_policy',
        ),
      ),
    ).toEqual(['d[0]: resource policy allows a public principal']);
    expect(policyViolations(policyTf({ effect: 'Deny', actions: ['s3:*'], resources: ['*'] }))).toEqual([]);
  });

  it('catch a bucket without encryption, public access block or TLS-only policy', () => {
    const tf: TfJson = { resource: { aws_s3_bucket: { naked: { bucket: 'naked' } } } };
    expect(bucketViolations(tf)).toEqual([
      'naked: public access not fully blocked',
      'naked: object ownership is not BucketOwnerEnforced',
      'naked: no default encryption',
      'naked: no TLS-only bucket policy',
    ]);
    expect(encryptionViolations({ resource: { aws_sqs_queue: { q: { name: 'q' } } } })).toEqual(['q: queue not encrypted']);
  });
});
