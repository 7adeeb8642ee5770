/**
 * IAM policy documents as data: statements are plain objects, rendered into
 * `aws_iam_policy_document` data sources so the synthesized Terraform shows
 * every action and resource (which the stack security tests walk).
 */
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import type { Construct } from 'constructs';

/** One policy statement. `effect` defaults to Allow. */
export interface Statement {
  sid?: string;
  effect?: 'Allow' | 'Deny';
  actions: string[];
  /** Omitted only in trust policies (which name no resource). */
  resources?: string[];
  /** Resource policies only: who the statement applies to. */
  principals?: { type: 'AWS' | 'Service' | '*'; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** Renders `statements` as a policy document data source named `id`; use `.json` as the policy text. */
export function policyDocument(scope: Construct, id: string, statements: Statement[]): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, {
    statement: statements.map((s) => ({
      sid: s.sid,
      effect: s.effect ?? 'Allow',
      actions: s.actions,
      resources: s.resources,
      principals: s.principals,
      condition: s.conditions,
    })),
  });
}

/** A trust policy letting AWS service `service` (e.g. `lambda.amazonaws.com`) assume a role, optionally only for `sourceAccount`. */
export function trustPolicy(scope: Construct, id: string, services: string[], sourceAccount?: string): DataAwsIamPolicyDocument {
  return policyDocument(scope, id, [
    {
      actions: ['sts:AssumeRole'],
      principals: [{ type: 'Service', identifiers: services }],
      conditions: sourceAccount ? [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [sourceAccount] }] : undefined,
    },
  ]);
}

/**
 * Read-only access to one bucket: list and locate it (sid `List<label>`) and
 * get its objects (sid `Read<label>`). `bucketArn` is the bucket's ARN
 * (`arn:<partition>:s3:::<bucket>`); objects are `<bucketArn>/*`.
 */
export function bucketReadStatements(bucketArn: string, label: string): Statement[] {
  return [
    { sid: `List${label}`, actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [bucketArn] },
    { sid: `Read${label}`, actions: ['s3:GetObject'], resources: [`${bucketArn}/*`] },
  ];
}

/**
 * Use of the lake's KMS key: one statement allowing `actions` on `kmsKeyArn`
 * (optionally under `conditions`), or none when the lake has no key (SSE-S3).
 */
export function lakeKeyStatements(
  kmsKeyArn: string | undefined,
  sid: string,
  actions: string[],
  conditions?: Statement['conditions'],
): Statement[] {
  return kmsKeyArn ? [{ sid, actions, resources: [kmsKeyArn], ...(conditions ? { conditions } : {}) }] : [];
}
