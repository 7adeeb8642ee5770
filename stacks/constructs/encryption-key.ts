/**
 * The lake's customer-managed KMS key (only when the config chooses `kms`),
 * with an explicit key policy: the account administers and uses the key
 * through IAM policies, action by action (no `kms:*`). In a key policy the
 * resource `*` means "this key" (the only form AWS accepts there).
 */
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import type { AwsContext } from './aws-context';
import { policyDocument } from './policy';

/** Key management actions the account keeps (what Terraform and key administrators call). */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

/** Cryptographic and grant actions, available to principals whose IAM policies name the key. */
export const KEY_USE_ACTIONS = [
  'kms:CreateGrant',
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ListGrants',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:RetireGrant',
  'kms:RevokeGrant',
];

export interface EncryptionKeyProps {
  aws: AwsContext;
  alias: string;
  /** Days a scheduled deletion waits (7–30). */
  deletionWindowDays: number;
}

/** A rotating customer-managed KMS key with an explicit key policy, and its alias. */
export class EncryptionKey extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const root = [{ type: 'AWS' as const, identifiers: [props.aws.rootArn] }];
    const policy = policyDocument(this, 'policy', [
      { sid: 'AccountAdministersKey', actions: KEY_ADMIN_ACTIONS, resources: ['*'], principals: root },
      { sid: 'IamPoliciesGrantUse', actions: KEY_USE_ACTIONS, resources: ['*'], principals: root },
    ]);
    this.key = new KmsKey(this, 'key', {
      description: `lakehouse data at rest (${props.alias})`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays,
      policy: policy.json,
    });
    new KmsAlias(this, 'alias', { name: props.alias, targetKeyId: this.key.keyId });
  }
}
