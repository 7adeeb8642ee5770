/**
 * Replication of a zone bucket into its archive bucket: every object written
 * to the zone is copied to the archive (deletes are not, so the archive keeps
 * what the zone's lifecycle or a user removes). Both buckets must be versioned.
 */
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { Construct } from 'constructs';
import type { AwsContext } from './aws-context';
import { lakeKeyStatements, type Statement } from './policy';
import type { SecureBucket } from './secure-bucket';
import { ServiceRole } from './service-role';

export interface ZoneReplicationProps {
  aws: AwsContext;
  roleName: string;
  zone: SecureBucket;
  archive: SecureBucket;
  /** The lake key when buckets use SSE-KMS. */
  kmsKeyArn?: string;
}

/** Replication of one zone bucket into its archive; throws Error when either bucket is not versioned. */
export class ZoneReplication extends Construct {
  readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: ZoneReplicationProps) {
    super(scope, id);
    const { zone, archive, kmsKeyArn } = props;
    if (!zone.versioning || !archive.versioning) throw new Error('replication needs versioning on both buckets');
    const statements: Statement[] = [
      {
        sid: 'ReadReplicationConfiguration',
        actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        resources: [zone.arn],
      },
      {
        sid: 'ReadSourceVersions',
        actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
        resources: [`${zone.arn}/*`],
      },
      {
        sid: 'WriteReplicas',
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
        resources: [`${archive.arn}/*`],
      },
      ...lakeKeyStatements(
        kmsKeyArn,
        'UseLakeKeyThroughS3',
        ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        [{ test: 'StringEquals', variable: 'kms:ViaService', values: [`s3.${props.aws.region}.amazonaws.com`] }],
      ),
    ];
    this.role = new ServiceRole(this, 'role', {
      roleName: props.roleName,
      description: 'S3 replication of a lake zone into its archive',
      services: ['s3.amazonaws.com'],
      statements,
    });
    new S3BucketReplicationConfigurationA(this, 'replication', {
      bucket: zone.bucket.id,
      role: this.role.arn,
      rule: [
        {
          id: 'archive-every-object',
          status: 'Enabled',
          priority: 1,
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Disabled' },
          destination: {
            bucket: archive.arn,
            storageClass: 'STANDARD',
            ...(kmsKeyArn ? { encryptionConfiguration: { replicaKmsKeyId: kmsKeyArn } } : {}),
          },
          ...(kmsKeyArn ? { sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } } } : {}),
        },
      ],
      dependsOn: [zone.versioning, archive.versioning],
    });
  }
}
