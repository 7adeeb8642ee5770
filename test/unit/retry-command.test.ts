/**
 * `lakehouse retry --ledger s3://…`: clears failures in the AWS run ledger
 * (here the in-memory S3) through the run lifecycle, says what it did, and
 * exits 1 when a named run does not exist.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { S3RunLedger } from '../../jobs/lib/adapters/aws/s3-run-ledger';
import { registerRetry } from '../../scripts/cli/commands/retry';
import { parseLedgerUri } from '../../scripts/cli/ledger-uri';
import { fakeS3 } from './aws/s3-fake';
import { runAt } from './aws/helpers';

const s3 = mockClient(S3Client);
const FAILED = '20250225t120000z';
const WAITING = '20250225t130000z';
const failure = { step: 'transform:cleaned', at: '2025-02-25T12:05:00.000Z', error: 'bad SQL' };

/** Runs `lakehouse retry <args>`; returns the exit code set and what was printed. */
async function retry(args: string[]): Promise<{ code: number | undefined; out: string }> {
  let code: number | undefined;
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    const program = new Command().exitOverride();
    registerRetry(program, (c) => (code = c));
    await program.parseAsync(['node', 'lakehouse', 'retry', ...args]);
  } finally {
    log.mockRestore();
  }
  return { code, out: lines.join('\n') };
}

async function ledgerAt(prefix: string): Promise<S3RunLedger> {
  const ledger = new S3RunLedger(new S3Client({ region: 'eu-west-2' }), 'lake-raw', prefix);
  const at = '2025-02-25T12:00:00.000Z';
  await ledger.createRun(runAt(FAILED, 'extracted', at, { failed: failure }));
  await ledger.createRun(runAt(WAITING, 'cleaned', at));
  return ledger;
}

beforeEach(() => {
  s3.reset();
  fakeS3(s3);
});

describe('lakehouse retry --ledger', () => {
  it('clears every failed run in the S3 ledger and leaves the re-announcing to the scheduled sweep', async () => {
    const ledger = await ledgerAt('_ledger/');
    const { code, out } = await retry(['--ledger', 's3://lake-raw', '--region', 'eu-west-2']);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`retrying ${FAILED}: cleared "transform:cleaned: bad SQL"; it resumes at stage extracted`));
    expect(out).toMatch(/next scheduled sweep re-announces it/);
    expect((await ledger.getRun(FAILED))!.failed).toBeUndefined();
    expect((await ledger.runsAt('extracted')).map((r) => r.runId)).toEqual([FAILED]);
  });

  it('changes nothing for a named run that is not failed, and says so', async () => {
    await ledgerAt('lake/ledger/');
    s3.resetHistory();
    const { code, out } = await retry(['--ledger', 's3://lake-raw/lake/ledger', '--region', 'eu-west-2', WAITING]);
    expect(code).toBe(0);
    expect(out).toBe(`${WAITING} is not failed (stage cleaned): nothing to clear`);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('exits 1 and clears nothing when a named run does not exist', async () => {
    const ledger = await ledgerAt('_ledger/');
    const { code, out } = await retry([
      '--ledger',
      's3://lake-raw/_ledger/',
      '--region',
      'eu-west-2',
      FAILED,
      '20250225t140000z',
    ]);
    expect(code).toBe(1);
    expect(out).toMatch(/no such run in the ledger: 20250225t140000z; nothing retried/);
    expect((await ledger.getRun(FAILED))!.failed).toEqual(failure);
  });
});

describe('parseLedgerUri', () => {
  it('reads the bucket and prefix, defaulting the prefix to the deployed one', () => {
    expect(parseLedgerUri('s3://lake-raw')).toEqual({ bucket: 'lake-raw', prefix: '_ledger/' });
    expect(parseLedgerUri('s3://lake-raw/')).toEqual({ bucket: 'lake-raw', prefix: '_ledger/' });
    expect(parseLedgerUri('s3://lake-raw/a/b')).toEqual({ bucket: 'lake-raw', prefix: 'a/b/' });
    expect(() => parseLedgerUri('/tmp/ledger')).toThrow(TypeError);
    expect(() => parseLedgerUri('s3://Bad_Bucket/x')).toThrow(TypeError);
  });
});
