/**
 * An S3 bucket with the lake's baseline: public access blocked, bucket-owner
 * object ownership (no ACLs), default encryption (SSE-KMS with a bucket key,
 * or SSE-S3), a TLS-only bucket policy, and optionally versioning, lifecycle
 * rules and EventBridge notifications.
 */
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import {
  S3BucketLifecycleConfiguration,
  type S3BucketLifecycleConfigurationRule,
} from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { TRANSITION_MINIMUM_OBJECT_SIZE } from '../../lifecycle/rules';
import { policyDocument, type Statement } from './policy';

/** Encryption at rest of a bucket: SSE-S3, or SSE-KMS with the given key. */
export type BucketEncryption = { kind: 's3' } | { kind: 'kms'; keyArn: string };

export interface SecureBucketProps {
  bucketName: string;
  encryption: BucketEncryption;
  /** Keep object versions (required on both ends of replication). */
  versioned: boolean;
  /** Send every object event to EventBridge (the default bus). */
  eventBridge: boolean;
  /** Lifecycle rules, if any. */
  lifecycleRules?: S3BucketLifecycleConfigurationRule[];
  /** Allow `destroy` to delete a non-empty bucket. */
  forceDestroy: boolean;
}

/** `aws:SecureTransport = false` deny on the bucket and its objects: requests without TLS are refused. */
export function tlsOnlyStatement(bucketArn: string): Statement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    actions: ['s3:*'],
    resources: [bucketArn, `${bucketArn}/*`],
    principals: [{ type: '*', identifiers: ['*'] }],
    conditions: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
  };
}

/** A bucket with the lake baseline (see the file header); throws nothing at synth. */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /** The versioning resource, when versioned (replication must depend on it). */
  readonly versioning?: S3BucketVersioningA;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy });
    const bucket = this.bucket.id;

    const publicAccess = new S3BucketPublicAccessBlock(this, 'public-access', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        props.encryption.kind === 'kms'
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryption.keyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: policyDocument(this, 'policy-document', [tlsOnlyStatement(this.bucket.arn)]).json,
      // The public access block must exist first, or S3 may evaluate the policy before it.
      dependsOn: [publicAccess],
    });

    const lifecycleAfter: ITerraformDependable[] = [];
    if (props.versioned) {
      this.versioning = new S3BucketVersioningA(this, 'versioning', {
        bucket,
        versioningConfiguration: { status: 'Enabled' },
      });
      lifecycleAfter.push(this.versioning);
    }
    if (props.lifecycleRules?.length) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket,
        transitionDefaultMinimumObjectSize: TRANSITION_MINIMUM_OBJECT_SIZE,
        rule: props.lifecycleRules,
        dependsOn: lifecycleAfter,
      });
    }
    if (props.eventBridge) new S3BucketNotification(this, 'notifications', { bucket, eventbridge: true });
  }

  /** The bucket's ARN. */
  get arn(): string {
    return this.bucket.arn;
  }

  /** The bucket's name. */
  get name(): string {
    return this.bucket.bucket;
  }
}
