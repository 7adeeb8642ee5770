/**
 * An IAM role an AWS service assumes, with one inline policy built from
 * statements (no managed policies, so everything the role may do is visible
 * in the synthesized Terraform and checked by the security tests).
 */
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { policyDocument, trustPolicy, type Statement } from './policy';

export interface ServiceRoleProps {
  roleName: string;
  description: string;
  /** Service principals allowed to assume the role (e.g. `lambda.amazonaws.com`). */
  services: string[];
  /** Restrict assumption to requests on behalf of this account (`aws:SourceAccount`), where the service sets it. */
  sourceAccount?: string;
  statements: Statement[];
}

/** An IAM role for AWS service principals, with one inline least-privilege policy. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trustPolicy(this, 'trust', props.services, props.sourceAccount).json,
    });
    this.policy = new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.id,
      policy: policyDocument(this, 'permissions', props.statements).json,
    });
  }

  /** The role's ARN. */
  get arn(): string {
    return this.role.arn;
  }
}
