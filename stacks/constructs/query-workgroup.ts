/**
 * An Athena workgroup over the zones: engine v3, encrypted results in the
 * results bucket under its own prefix, a bytes-scanned limit per query and
 * CloudWatch metrics.
 *
 * Whether it enforces its configuration is the caller's choice, because the
 * two uses conflict (Athena user guide, "Troubleshoot workgroups" and
 * "Override client-side settings",
 * https://docs.aws.amazon.com/athena/latest/ug/workgroups-troubleshooting.html,
 * https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html):
 * - people's ad-hoc queries run in an enforcing workgroup, so no client can
 *   redirect results or skip encryption;
 * - the transform's CTAS statements set `external_location`, which Athena
 *   fails in a workgroup that enforces its results location. The transform
 *   workgroup therefore does not enforce; a query that sets no result
 *   configuration of its own still gets the workgroup's encrypted location,
 *   and the scan limit applies either way.
 */
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { Construct } from 'constructs';
import type { BucketEncryption } from './secure-bucket';

export interface QueryWorkgroupProps {
  name: string;
  description: string;
  resultsBucketName: string;
  /** Key prefix of this workgroup's results in the results bucket, ending in `/`. */
  resultsPrefix: string;
  encryption: BucketEncryption;
  bytesScannedCutoffPerQuery: number;
  /** Override client-side settings (results location, encryption). False lets CTAS set `external_location`. */
  enforceConfiguration: boolean;
  forceDestroy: boolean;
}

/** Engine version of every workgroup. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** An Athena workgroup with encrypted default results, engine v3 and a scan limit; enforcement per `enforceConfiguration`. */
export class QueryWorkgroup extends Construct {
  readonly workgroup: AthenaWorkgroup;

  constructor(scope: Construct, id: string, props: QueryWorkgroupProps) {
    super(scope, id);
    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: props.name,
      description: props.description,
      forceDestroy: props.forceDestroy,
      configuration: {
        enforceWorkgroupConfiguration: props.enforceConfiguration,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucketName}/${props.resultsPrefix}`,
          encryptionConfiguration:
            props.encryption.kind === 'kms'
              ? { encryptionOption: 'SSE_KMS', kmsKeyArn: props.encryption.keyArn }
              : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }
}
