/**
 * The account, partition and region a stack deploys into, and ARN builders
 * over them, so policies name exact resources instead of wildcards.
 */
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { Construct } from 'constructs';

/** Account, partition and region of a stack, with ARN builders for exact resources. */
export class AwsContext extends Construct {
  /** Account id (a Terraform reference, known at plan time). */
  readonly accountId: string;
  /** Partition (`aws`, `aws-cn`, `aws-us-gov`). */
  readonly partition: string;

  /** @param region the region every resource of the stack lives in (from the config) */
  constructor(
    scope: Construct,
    id: string,
    readonly region: string,
  ) {
    super(scope, id);
    this.accountId = new DataAwsCallerIdentity(this, 'account').accountId;
    this.partition = new DataAwsPartition(this, 'partition').partition;
  }

  /** `arn:<partition>:<service>:<region>:<account>:<resource>` (regional, account-scoped). */
  arn(service: string, resource: string): string {
    return `arn:${this.partition}:${service}:${this.region}:${this.accountId}:${resource}`;
  }

  /** ARN of a bucket (`arn:<partition>:s3:::<bucket>`). */
  bucketArn(bucket: string): string {
    return `arn:${this.partition}:s3:::${bucket}`;
  }

  /** ARN of objects in a bucket under `keyPattern` (default: every object). */
  objectsArn(bucket: string, keyPattern = '*'): string {
    return `arn:${this.partition}:s3:::${bucket}/${keyPattern}`;
  }

  /** ARN of an IAM role in this account. */
  roleArn(roleName: string): string {
    return `arn:${this.partition}:iam::${this.accountId}:role/${roleName}`;
  }

  /** ARN of a log group's streams (`…:log-group:<name>:*`), what CreateLogStream / PutLogEvents authorize on. */
  logStreamsArn(logGroupName: string): string {
    return this.arn('logs', `log-group:${logGroupName}:*`);
  }

  /** ARN of a Glue catalog, database or table (`catalog`, `database/<db>`, `table/<db>/<table>`). */
  glueArn(resource: string): string {
    return this.arn('glue', resource);
  }

  /**
   * ARNs a Glue catalog action needs to reach the tables of `databases`: the
   * catalog, then each database and its tables (`database/<db>`, `table/<db>/*`).
   */
  glueTableArns(databases: string[]): string[] {
    return [
      this.glueArn('catalog'),
      ...databases.flatMap((db) => [this.glueArn(`database/${db}`), this.glueArn(`table/${db}/*`)]),
    ];
  }

  /** The account root principal ARN (used in key policies to delegate to IAM). */
  get rootArn(): string {
    return `arn:${this.partition}:iam::${this.accountId}:root`;
  }
}
