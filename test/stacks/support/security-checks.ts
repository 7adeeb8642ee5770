/**
 * Security checks over synthesized Terraform JSON. Each check walks every
 * policy document, bucket or queue of a stack and returns the violations it
 * finds as readable strings (empty = compliant), so a failing test names
 * exactly what is wrong. The checks are tested on deliberately bad input too.
 */
import { parseRef, resourcesOf, type TfJson } from './synth';

/**
 * Actions allowed on resource `*`: AWS authorizes them on no narrower
 * resource (the Service Authorization Reference lists no resource type for
 * them). Anything else on `*` is a violation.
 */
export const RESOURCELESS_ACTIONS: Record<string, string> = {
  // load polls its Data API statements; limited by condition to statements the role itself ran.
  'redshift-data:DescribeStatement': 'no resource type; conditioned on statement-owner-iam-userid',
  // load reads the result of its load-history check; same condition.
  'redshift-data:GetStatementResult': 'no resource type; conditioned on statement-owner-iam-userid',
  // extract, only when attached to a VPC: Lambda describes the ENIs it manages.
  'ec2:DescribeNetworkInterfaces': 'no resource type',
  // extract, only when attached to a VPC: Lambda validates the subnets it is given.
  'ec2:DescribeSubnets': 'no resource type',
};

/** How a policy document is used: which resource type and attribute refer to it. */
export interface PolicyUse {
  type: string;
  name: string;
  attr: string;
}

type Statement = Record<string, any>;

/** Policy documents (data.aws_iam_policy_document) with the resources that use them. */
export function policyDocuments(tf: TfJson): { name: string; statements: Statement[]; uses: PolicyUse[] }[] {
  const docs = tf.data?.aws_iam_policy_document ?? {};
  const uses = new Map<string, PolicyUse[]>();
  for (const [type, byName] of Object.entries(tf.resource)) {
    for (const [name, body] of Object.entries(byName)) {
      for (const attr of ['policy', 'assume_role_policy']) {
        const r = parseRef(body[attr]);
        if (r?.data && r.type === 'aws_iam_policy_document') {
          uses.set(r.name, [...(uses.get(r.name) ?? []), { type, name, attr }]);
        }
      }
    }
  }
  return Object.entries(docs).map(([name, doc]) => ({ name, statements: doc.statement ?? [], uses: uses.get(name) ?? [] }));
}

const isWildcardAction = (action: string) => action.includes('*');
/** `*`, or every resource of a service (`arn:aws:s3:::*`, `arn:…:<service>:<region>:<account>:*`). */
const isWildcardResource = (resource: string) =>
  resource === '*' || /^arn:[^:]*:s3:::\*$/.test(resource) || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(resource);
const isPublicPrincipal = (p: { type: string; identifiers: string[] }) => p.type === '*' || p.identifiers.includes('*');

/**
 * Violations of least privilege and of "no public access" in every policy
 * document: Allow statements with wildcard actions or NotAction; `*`
 * resources except for RESOURCELESS_ACTIONS (and in key policies, where `*`
 * is the key itself); identity policies with principals or without
 * resources; trust policies other than a service assuming the role; resource
 * policies that allow a public principal; documents nothing uses.
 */
export function policyViolations(tf: TfJson): string[] {
  const problems: string[] = [];
  for (const doc of policyDocuments(tf)) {
    if (!doc.uses.length) problems.push(`${doc.name}: policy document used by nothing`);
    const keyPolicy = doc.uses.every((u) => u.type === 'aws_kms_key');
    const trust = doc.uses.every((u) => u.attr === 'assume_role_policy');
    const identity = doc.uses.every((u) => u.type === 'aws_iam_role_policy');
    doc.statements.forEach((s, i) => {
      const where = `${doc.name}[${s.sid ?? i}]`;
      const effect = s.effect ?? 'Allow';
      const actions: string[] = s.actions ?? [];
      const resources: string[] = s.resources ?? [];
      const principals: { type: string; identifiers: string[] }[] = s.principals ?? [];
      if (effect !== 'Allow') return;
      if (s.not_actions?.length) problems.push(`${where}: Allow with NotAction`);
      if (s.not_resources?.length) problems.push(`${where}: Allow with NotResource`);
      for (const a of actions.filter(isWildcardAction)) problems.push(`${where}: wildcard action ${a}`);
      if (trust) {
        if (actions.join() !== 'sts:AssumeRole') problems.push(`${where}: trust policy allows ${actions.join(', ')}`);
        if (!principals.length || principals.some((p) => p.type !== 'Service'))
          problems.push(`${where}: trust policy for a non-service principal`);
        return;
      }
      if (identity) {
        if (principals.length) problems.push(`${where}: identity policy names principals`);
        if (!resources.length) problems.push(`${where}: identity policy statement without resources`);
      } else if (principals.some(isPublicPrincipal)) {
        problems.push(`${where}: resource policy allows a public principal`);
      }
      if (!keyPolicy) {
        for (const r of resources.filter(isWildcardResource)) {
          const unlisted = actions.filter((a) => !(a in RESOURCELESS_ACTIONS));
          if (unlisted.length) problems.push(`${where}: resource ${r} for ${unlisted.join(', ')}`);
        }
      }
    });
  }
  return problems;
}

/** The resources of `type` whose `bucket` attribute refers to bucket `name`. */
function forBucket(tf: TfJson, type: string, bucketName: string): Record<string, any>[] {
  return resourcesOf(tf, type)
    .map((r) => r.body)
    .filter((b) => {
      const r = parseRef(b.bucket);
      return r?.type === 'aws_s3_bucket' && r.name === bucketName;
    });
}

/**
 * Violations of the bucket baseline for every aws_s3_bucket: all four public
 * access blocks on, owner-enforced object ownership (no ACLs), default
 * encryption (SSE-KMS with a key, or SSE-S3), a policy denying requests
 * without TLS on the bucket and its objects, versioning on both ends of every
 * replication.
 */
export function bucketViolations(tf: TfJson): string[] {
  const problems: string[] = [];
  const docs = new Map(policyDocuments(tf).map((d) => [d.name, d.statements]));
  if (resourcesOf(tf, 'aws_s3_bucket_acl').length) problems.push('bucket ACL resources present');
  for (const { name, body } of resourcesOf(tf, 'aws_s3_bucket')) {
    if (body.acl || body.policy) problems.push(`${name}: inline acl/policy on the bucket`);
    const blocks = forBucket(tf, 'aws_s3_bucket_public_access_block', name);
    const fullyBlocked = blocks.some(
      (b) => b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets,
    );
    if (!fullyBlocked) problems.push(`${name}: public access not fully blocked`);
    if (
      !forBucket(tf, 'aws_s3_bucket_ownership_controls', name).some((o) => o.rule?.object_ownership === 'BucketOwnerEnforced')
    ) {
      problems.push(`${name}: object ownership is not BucketOwnerEnforced`);
    }
    const sse = forBucket(tf, 'aws_s3_bucket_server_side_encryption_configuration', name)
      .flatMap((c) => c.rule ?? [])
      .map((r) => r.apply_server_side_encryption_by_default ?? {});
    const encrypted = sse.some((d) => d.sse_algorithm === 'AES256' || (d.sse_algorithm === 'aws:kms' && d.kms_master_key_id));
    if (!encrypted) problems.push(`${name}: no default encryption`);
    const arn = `\${aws_s3_bucket.${name}.arn}`;
    const tlsOnly = forBucket(tf, 'aws_s3_bucket_policy', name).some((p) => {
      const doc = parseRef(p.policy);
      return (docs.get(doc?.name ?? '') ?? []).some(
        (s) =>
          s.effect === 'Deny' &&
          (s.actions ?? []).includes('s3:*') &&
          (s.principals ?? []).some(isPublicPrincipal) &&
          (s.resources ?? []).includes(arn) &&
          (s.resources ?? []).includes(`${arn}/*`) &&
          (s.condition ?? []).some(
            (c: any) => c.test === 'Bool' && c.variable === 'aws:SecureTransport' && c.values?.join() === 'false',
          ),
      );
    });
    if (!tlsOnly) problems.push(`${name}: no TLS-only bucket policy`);
  }
  const versioned = (bucketRef: unknown) => {
    const r = parseRef(bucketRef);
    return !!r && forBucket(tf, 'aws_s3_bucket_versioning', r.name).some((v) => v.versioning_configuration?.status === 'Enabled');
  };
  for (const { name, body } of resourcesOf(tf, 'aws_s3_bucket_replication_configuration')) {
    if (!versioned(body.bucket)) problems.push(`${name}: replication source not versioned`);
    for (const rule of body.rule ?? []) {
      if (!versioned(String(rule.destination?.bucket).replace(/\.arn\}$/, '.id}'))) {
        problems.push(`${name}: replication destination not versioned`);
      }
    }
  }
  return problems;
}

/** Encryption at rest beyond buckets: every SQS queue is encrypted (SSE-SQS or KMS). */
export function encryptionViolations(tf: TfJson): string[] {
  return resourcesOf(tf, 'aws_sqs_queue')
    .filter(({ body }) => !body.sqs_managed_sse_enabled && !body.kms_master_key_id)
    .map(({ name }) => `${name}: queue not encrypted`);
}
