/**
 * The environment the pipeline stack gives the Lambdas (names from
 * lambda-environment.ts), set before the handler modules load. Import first.
 */
import { ENV } from '../../../jobs/lib/definition/lambda-environment';

export const ACCOUNT = '111122223333';
export const BUCKETS = {
  raw: `lakehouse-raw-${ACCOUNT}`,
  cleaned: `lakehouse-cleaned-${ACCOUNT}`,
  transformed: `lakehouse-transformed-${ACCOUNT}`,
};

export const DATABASES = { raw: 'lakehouse_raw', cleaned: 'lakehouse_cleaned', transformed: 'lakehouse_transformed' };

const values: Record<string, string> = {
  [ENV.rawBucket]: BUCKETS.raw,
  [ENV.cleanedBucket]: BUCKETS.cleaned,
  [ENV.transformedBucket]: BUCKETS.transformed,
  [ENV.ledgerBucket]: BUCKETS.raw,
  [ENV.ledgerPrefix]: '_ledger/',
  [ENV.rawCrawler]: 'lakehouse-raw',
  [ENV.cleanedCrawler]: 'lakehouse-cleaned',
  [ENV.transformedCrawler]: 'lakehouse-transformed',
  [ENV.rawDatabase]: DATABASES.raw,
  [ENV.cleanedDatabase]: DATABASES.cleaned,
  [ENV.transformedDatabase]: DATABASES.transformed,
  [ENV.athenaWorkgroup]: 'lakehouse',
  [ENV.eventBusName]: 'lakehouse',
  [ENV.redshiftWorkgroup]: 'lakehouse',
  [ENV.redshiftDatabase]: 'dev',
  [ENV.redshiftSecretArn]: `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:lakehouse/redshift-admin-AbCdEf`,
  [ENV.redshiftCopyRoleArn]: `arn:aws:iam::${ACCOUNT}:role/lakehouse-redshift-copy`,
  [ENV.alertTopicArn]: `arn:aws:sns:eu-west-2:${ACCOUNT}:lakehouse-alerts`,
  [ENV.sourceSecretArn]: `arn:aws:secretsmanager:eu-west-2:${ACCOUNT}:secret:lakehouse/source-db-XyZ123`,
  [ENV.sweepThreshold]: '30m',
  [ENV.logLevel]: 'SILENT',
  AWS_REGION: 'eu-west-2',
  // What Lambda sets for on-demand functions; Powertools reads it for `cold_start`.
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
};
Object.assign(process.env, values);
