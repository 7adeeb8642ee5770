/**
 * Adapters the handlers build from their environment (variable names and the
 * plain value readers are in environment.ts), so each handler stays a short
 * composition root.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DeployedNames } from '../../definition/event-patterns';
import type { Zone } from '../../definition/zones';
import { ENV, LEDGER_PREFIX } from '../../definition/lambda-environment';
import { requireEnv } from './environment';
import { S3ObjectStore } from '../../adapters/aws/s3-object-store';
import { S3RunLedger } from '../../adapters/aws/s3-run-ledger';

/** The run ledger: `LAKEHOUSE_LEDGER_BUCKET`, prefix `LAKEHOUSE_LEDGER_PREFIX` (default `_ledger/`). Throws TerminalError when the bucket is unset. */
export function ledgerFromEnv(s3: S3Client, env: NodeJS.ProcessEnv = process.env): S3RunLedger {
  return new S3RunLedger(s3, requireEnv(ENV.ledgerBucket, env), env[ENV.ledgerPrefix] || LEDGER_PREFIX);
}

/** The object store of `zone`: its bucket from the deployed names. */
export function zoneStore(zone: Zone, s3: S3Client, names: DeployedNames): S3ObjectStore {
  return new S3ObjectStore(zone, s3, names.buckets[zone]);
}
