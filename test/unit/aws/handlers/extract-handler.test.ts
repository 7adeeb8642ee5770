import '../handler-env';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../../jobs/lib/core/errors';
import { handler, logger } from '../../../../jobs/extract/handler';
import { BUCKETS } from '../handler-env';
import { awsError } from '../helpers';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';
import { UNSET_SERVER_URL } from '../../../support/pg-test-db';
import { currencySource } from './currency-source';
import { withEnv } from '../../../support/with-env';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const glue = mockClient(GlueClient);
const serverUrl = process.env.TEST_DATABASE_URL;

beforeEach(() => {
  s3.reset();
  secrets.reset();
  glue.reset();
  glue.on(GetTableCommand).rejects(awsError('EntityNotFoundException', 400));
});

describe('extract handler settings (no source needed)', () => {
  it.each([
    [{ LAKEHOUSE_CAPTURE: 'logical' }, /LAKEHOUSE_CAPTURE must be watermark or cdc: "logical"/],
    [{ LAKEHOUSE_CAPTURE: 'cdc', LAKEHOUSE_CDC_SLOT: 'Lakehouse-Slot' }, /LAKEHOUSE_CDC_SLOT must be a lower-case identifier/],
    [{ LAKEHOUSE_CAPTURE: 'cdc', LAKEHOUSE_CDC_PUBLICATION: 'pub; drop' }, /LAKEHOUSE_CDC_PUBLICATION must be a lower-case/],
    [{ LAKEHOUSE_CAPTURE: 'cdc', LAKEHOUSE_CDC_MAX_LAG: 'lots' }, /LAKEHOUSE_CDC_MAX_LAG must be a positive size/],
    [{ LAKEHOUSE_CAPTURE: 'cdc', LAKEHOUSE_CDC_MAX_LAG: '0' }, /LAKEHOUSE_CDC_MAX_LAG must be a positive size/],
  ])('fails terminally on %j before reading the secret', async (vars, message) => {
    const out = await withEnv(vars, () => handler(fixture('scheduled-tick-extract'), lambdaContext('extract')));
    expect(out).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(message) } });
    expect(secrets.calls()).toHaveLength(0);
  });
});

describe('extract handler (no source needed)', () => {
  it('rejects a secret without connection fields, naming the fields and not the values', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'u', password: 'hunter2' }) });
    const out = await handler(fixture('scheduled-tick-extract'), lambdaContext('extract'));
    expect(out).toMatchObject({
      status: 'failed',
      error: { name: 'TerminalError', message: expect.stringMatching(/check: host/) },
    });
    expect(JSON.stringify(out)).not.toContain('hunter2');
  });

  it('rethrows a throttled secret read so Lambda retries', async () => {
    secrets.on(GetSecretValueCommand).rejects(awsError('ThrottlingException', 400));
    await expect(handler(fixture('scheduled-tick-extract'), lambdaContext('extract'))).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects the sweep tick', async () => {
    expect(await handler(fixture('scheduled-tick-sweep'), lambdaContext('extract'))).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/starts no extract route/) },
    });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('logs the terminal error with the Lambda context, and no secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'u', password: 'hunter2' }) });
    const context = lambdaContext('extract');
    const { lines } = await withLogLines(logger, () => handler(fixture('scheduled-tick-extract'), context));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'extract failed', service: 'extract', ...contextFields(context) }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});

// Runs against the real PostgreSQL server when TEST_DATABASE_URL is set (house rule: no stand-in for a database that runs here).
// Without it the suite is declared with a stand-in URL it never connects to, and reported as skipped.
for (const { name, url } of [{ name: 'postgres', url: serverUrl ?? UNSET_SERVER_URL }])
  (serverUrl ? describe : describe.skip)(`extract handler against ${name}`, () => {
    const { url: dbUrl } = currencySource(url, 'extract_handler', ['GBP', 'USD', 'EUR']);

    it('extracts changed rows to the raw bucket, then the manifest, then advances the watermarks; a second tick finds nothing new', async () => {
      const lake = fakeS3(s3);
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
      const first = (await handler(fixture('scheduled-tick-extract'), lambdaContext('extract'))) as {
        status: string;
        result: { runId: string; tables: Record<string, number> };
      };
      expect(first).toMatchObject({ status: 'ok', result: { tables: { currency: 3 } } });
      const runId = first.result.runId;
      const keys = lake.keys(BUCKETS.raw);
      expect(keys).toEqual(
        expect.arrayContaining([
          `currency/run_id=${runId}/part-00000.jsonl.gz`,
          `_manifests/${runId}.json`,
          `_ledger/runs/${runId}.json`,
          '_ledger/watermarks.json',
        ]),
      );
      expect(JSON.parse(lake.get(BUCKETS.raw, '_ledger/watermarks.json')!).currency.lastUpdated).toBe('2022-11-03T14:20:49.962');
      // The secret is cached in the container: the second tick does not read it again.
      const second = await handler(fixture('scheduled-tick-extract'), lambdaContext('extract'));
      expect(second).toMatchObject({ status: 'ok', result: { runId: null } });
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });
  });
