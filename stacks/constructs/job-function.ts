/**
 * One job's Lambda: its own role (the job's statements plus writes to its own
 * log group and sends to its own on-failure queue), a log group with
 * retention, an SQS dead-letter queue as the on-failure destination of
 * asynchronous invocations (EventBridge, Scheduler, CloudWatch Logs all
 * invoke asynchronously), and the code from an asset path (a `.zip` file,
 * or a folder cdktf zips at synth).
 */
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { Step } from '../../jobs/lib/definition/run-stages';
import type { JobSizing, NetworkPlacement } from '../config';
import type { AwsContext } from './aws-context';
import { JOB_RUNTIME } from './lambda-runtime';
import type { Statement } from './policy';
import { ServiceRole } from './service-role';

/** Handler export of every bundle (`index.js` exporting `handler`). */
export const JOB_HANDLER = 'index.handler';
/** Retries of a failed asynchronous invocation before it goes to the dead-letter queue (Lambda's maximum). */
export const ASYNC_RETRIES = 2;
/** Oldest event Lambda still retries, in seconds. */
export const MAX_EVENT_AGE_SECONDS = 6 * 3600;
/** How long a failed event waits in the dead-letter queue (SQS maximum, 14 days). */
export const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

export interface JobFunctionProps {
  aws: AwsContext;
  step: Step;
  functionName: string;
  roleName: string;
  queueName: string;
  logGroupName: string;
  logRetentionDays: number;
  sizing: JobSizing;
  /** The bundle: a `.zip` file, or a folder holding `index.js`. */
  assetPath: string;
  environment: Record<string, string>;
  statements: Statement[];
  vpc?: NetworkPlacement;
}

/** One job's Lambda with its role, log group, dead-letter queue and async invoke config. */
export class JobFunction extends Construct {
  readonly fn: LambdaFunction;
  readonly role: ServiceRole;
  readonly deadLetterQueue: SqsQueue;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: JobFunctionProps) {
    super(scope, id);
    const { aws } = props;
    this.deadLetterQueue = new SqsQueue(this, 'dead-letter-queue', {
      name: props.queueName,
      messageRetentionSeconds: DLQ_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
    });
    this.logGroup = new CloudwatchLogGroup(this, 'log-group', {
      name: props.logGroupName,
      retentionInDays: props.logRetentionDays,
    });
    this.role = new ServiceRole(this, 'role', {
      roleName: props.roleName,
      description: `lakehouse ${props.step} job`,
      services: ['lambda.amazonaws.com'],
      statements: [
        ...props.statements,
        {
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [aws.logStreamsArn(props.logGroupName)],
        },
        { sid: 'SendOwnFailures', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.arn] },
      ],
    });
    const code = new TerraformAsset(this, 'code', {
      path: props.assetPath,
      type: props.assetPath.endsWith('.zip') ? AssetType.FILE : AssetType.ARCHIVE,
    });
    this.fn = new LambdaFunction(this, 'function', {
      functionName: props.functionName,
      description: `lakehouse ${props.step} job`,
      role: this.role.arn,
      runtime: JOB_RUNTIME,
      handler: JOB_HANDLER,
      filename: code.path,
      sourceCodeHash: code.assetHash,
      timeout: props.sizing.timeoutSeconds,
      memorySize: props.sizing.memoryMb,
      ...(props.sizing.reservedConcurrency ? { reservedConcurrentExecutions: props.sizing.reservedConcurrency } : {}),
      environment: { variables: props.environment },
      loggingConfig: { logFormat: 'Text', logGroup: props.logGroupName },
      ...(props.vpc ? { vpcConfig: { subnetIds: props.vpc.subnetIds, securityGroupIds: props.vpc.securityGroupIds } } : {}),
      // Logs and permissions exist before the first invocation.
      dependsOn: [this.logGroup, this.role.policy],
    });
    new LambdaFunctionEventInvokeConfig(this, 'async', {
      functionName: this.fn.functionName,
      maximumRetryAttempts: ASYNC_RETRIES,
      maximumEventAgeInSeconds: MAX_EVENT_AGE_SECONDS,
      destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
    });
  }
}
