/**
 * The run ledger a CLI command is pointed at with `--ledger s3://bucket[/prefix/]`:
 * the AWS deployment's S3RunLedger, with an S3 client on the SDK's default
 * credential chain (environment, shared config/SSO profile, instance or
 * container role) and region (`AWS_REGION` / the profile) unless one is given.
 */
import type { S3RunLedger as S3RunLedgerType } from '../../jobs/lib/adapters/aws/s3-run-ledger';
import { LEDGER_PREFIX } from '../../jobs/lib/definition/lambda-environment';

/** Where an S3 ledger lives. */
export interface S3LedgerLocation {
  bucket: string;
  /** Key prefix ending in `/`; LEDGER_PREFIX (`_ledger/`) when the URI names only the bucket. */
  prefix: string;
}

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * Parses `s3://bucket` or `s3://bucket/prefix[/]` (bucket names as S3 allows:
 * lowercase letters, digits, dots, hyphens, 3–63 characters).
 * @throws TypeError when `uri` is not such a URI
 */
export function parseLedgerUri(uri: string): S3LedgerLocation {
  const m = S3_URI.exec(uri.trim());
  if (!m) throw new TypeError(`not an S3 ledger location (s3://bucket[/prefix/]): ${JSON.stringify(uri)}`);
  const rest = (m[2] ?? '').replace(/^\/+/, '');
  return { bucket: m[1], prefix: rest === '' ? LEDGER_PREFIX : rest.endsWith('/') ? rest : `${rest}/` };
}

/**
 * An S3RunLedger at `uri` (see {@link parseLedgerUri}); `region` overrides the SDK's default.
 * The AWS SDK is loaded only here, when a command is pointed at S3: every other
 * command, `npm start` included, does without its tens of MB.
 * @throws TypeError when `uri` is not an S3 ledger location
 */
export async function s3LedgerAt(uri: string, region?: string): Promise<S3RunLedgerType> {
  const { bucket, prefix } = parseLedgerUri(uri);
  const { S3Client } = await import('@aws-sdk/client-s3');
  // A CommonJS require, so the adapter (which loads the SDK) is read only now.
  const { S3RunLedger } =
    require('../../jobs/lib/adapters/aws/s3-run-ledger') as typeof import('../../jobs/lib/adapters/aws/s3-run-ledger');
  return new S3RunLedger(new S3Client(region ? { region } : {}), bucket, prefix);
}
