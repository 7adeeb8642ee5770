/**
 * The Redshift Serverless warehouse: a namespace whose admin credentials are
 * generated and kept by Secrets Manager, a workgroup that is not publicly
 * accessible, and the IAM role Redshift assumes for `COPY … IAM_ROLE` from
 * the transformed zone (read only, that bucket only).
 */
import { RedshiftserverlessNamespace } from '@cdktf/provider-aws/lib/redshiftserverless-namespace';
import { RedshiftserverlessWorkgroup } from '@cdktf/provider-aws/lib/redshiftserverless-workgroup';
import { Construct } from 'constructs';
import type { NetworkPlacement } from '../config';
import type { AwsContext } from './aws-context';
import { bucketReadStatements, lakeKeyStatements, type Statement } from './policy';
import { ServiceRole } from './service-role';

export interface WarehouseProps {
  aws: AwsContext;
  namespaceName: string;
  workgroupName: string;
  copyRoleName: string;
  databaseName: string;
  adminUsername: string;
  baseCapacityRpu: number;
  maxCapacityRpu: number;
  network?: NetworkPlacement;
  /** ARN of the transformed zone bucket COPY reads. */
  transformedBucketArn: string;
  kmsKeyArn?: string;
}

/** Redshift Serverless namespace + private workgroup and the COPY role. */
export class Warehouse extends Construct {
  readonly namespace: RedshiftserverlessNamespace;
  readonly workgroup: RedshiftserverlessWorkgroup;
  readonly copyRole: ServiceRole;

  constructor(scope: Construct, id: string, props: WarehouseProps) {
    super(scope, id);
    const statements: Statement[] = [
      ...bucketReadStatements(props.transformedBucketArn, 'TransformedZone'),
      ...lakeKeyStatements(props.kmsKeyArn, 'DecryptZone', ['kms:Decrypt']),
    ];
    this.copyRole = new ServiceRole(this, 'copy-role', {
      roleName: props.copyRoleName,
      description: 'Redshift COPY from the transformed zone',
      services: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'],
      statements,
    });
    this.namespace = new RedshiftserverlessNamespace(this, 'namespace', {
      namespaceName: props.namespaceName,
      dbName: props.databaseName,
      adminUsername: props.adminUsername,
      manageAdminPassword: true,
      ...(props.kmsKeyArn ? { kmsKeyId: props.kmsKeyArn, adminPasswordSecretKmsKeyId: props.kmsKeyArn } : {}),
      iamRoles: [this.copyRole.arn],
      defaultIamRoleArn: this.copyRole.arn,
      logExports: ['userlog', 'connectionlog', 'useractivitylog'],
    });
    this.workgroup = new RedshiftserverlessWorkgroup(this, 'workgroup', {
      workgroupName: props.workgroupName,
      namespaceName: this.namespace.namespaceName,
      publiclyAccessible: false,
      baseCapacity: props.baseCapacityRpu,
      maxCapacity: props.maxCapacityRpu,
      ...(props.network ? { subnetIds: props.network.subnetIds, securityGroupIds: props.network.securityGroupIds } : {}),
    });
  }
}
