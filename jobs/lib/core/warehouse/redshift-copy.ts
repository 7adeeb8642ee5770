/**
 * The Redshift COPY that stages one run's transformed Parquet files for a load.
 */
import { TerminalError } from '../errors';
import { quoteIdent, quoteLiteral } from '../identifiers';
import type { TableLoadStatements } from './table-load-statements';

/**
 * Redshift: `copy "<staging>" from '<s3 prefix>' iam_role '<arn>' format as parquet`.
 * Parquet columns map by position, so the files must hold the lake columns in
 * STAR_TABLES order (docs/architecture.md "Data contracts"). Throws TerminalError unless `s3Prefix`
 * starts with `s3://` and `iamRoleArn` with `arn:`.
 */
export function copyFromS3Parquet(statements: TableLoadStatements, s3Prefix: string, iamRoleArn: string): string {
  if (!s3Prefix.startsWith('s3://')) throw new TerminalError(`not an S3 prefix: ${JSON.stringify(s3Prefix)}`);
  if (!iamRoleArn.startsWith('arn:')) throw new TerminalError(`not an IAM role ARN: ${JSON.stringify(iamRoleArn)}`);
  return `copy ${quoteIdent(statements.staging)} from ${quoteLiteral(s3Prefix)} iam_role ${quoteLiteral(iamRoleArn)} format as parquet`;
}
