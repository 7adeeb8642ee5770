/**
 * The Athena workgroup users and the transform job query the zones in: its
 * own results location, configuration enforced on every query (clients
 * cannot redirect results or skip encryption) and a bytes-scanned limit per
 * query, so an ad-hoc query cannot scan the whole lake by mistake.
 */
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { Construct } from 'constructs';
import type { BucketEncryption } from './secure-bucket';

export interface QueryWorkgroupProps {
  name: string;
  resultsBucketName: string;
  encryption: BucketEncryption;
  bytesScannedCutoffPerQuery: number;
  forceDestroy: boolean;
}

/** The Athena workgroup with enforced results location, encryption and scan limit. */
export class QueryWorkgroup extends Construct {
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: props.name,
      description: 'lakehouse: transforms (CTAS) and ad-hoc queries over the zones',
      forceDestroy: props.forceDestroy,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucketName}/results/`,
          encryptionConfiguration:
            props.encryption.kind === 'kms'
              ? { encryptionOption: 'SSE_KMS', kmsKeyArn: props.encryption.keyArn }
              : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
