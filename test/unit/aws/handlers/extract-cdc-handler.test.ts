/**
 * The extract Lambda in capture mode `cdc` (LAKEHOUSE_CAPTURE=cdc) against the
 * real server's logical decoding (TEST_DATABASE_URL; the server runs with
 * wal_level = logical): a slot and publication of this file's own, created
 * and dropped here. A file of its own because the handler caches the source
 * secret per container (module), and this suite's source is its own database.
 * Without TEST_DATABASE_URL the suite is reported as skipped.
 */
import '../handler-env';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { gunzipSync } from 'node:zlib';
import { handler, logger } from '../../../../jobs/extract/handler';
import { BUCKETS } from '../handler-env';
import { awsError } from '../helpers';
import { fakeS3 } from '../s3-fake';
import { fixture, lambdaContext, withLogLines } from './fixtures';
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

(serverUrl ? describe : describe.skip)('extract handler in capture mode cdc against postgres', () => {
  const url = serverUrl ?? UNSET_SERVER_URL;
  const slot = `lakehouse_test_xh_${process.pid}`;
  const publication = `lakehouse_test_xh_${process.pid}`;
  const { url: dbUrl, sql } = currencySource(url, 'extract_cdc', ['GBP', 'USD']);
  const cdcEnv = { LAKEHOUSE_CAPTURE: 'cdc', LAKEHOUSE_CDC_SLOT: slot, LAKEHOUSE_CDC_PUBLICATION: publication };

  beforeAll(async () => {
    await sql('alter table currency replica identity full');
    await sql(`create publication ${publication} for table currency`);
    await sql(`select pg_create_logical_replication_slot('${slot}', 'pgoutput')`);
  });

  it('writes the committed changes as a run, confirms the slot after the manifest, and finds nothing on the next tick', async () => {
    const lake = fakeS3(s3);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
    // Rows present before the slot are the initial load's (lakehouse cdc setup), not the slot's.
    await sql(`insert into currency (currency_code, created_at, last_updated)
      values ('EUR', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962')`);
    await sql(`update currency set currency_code = 'CHF' where currency_code = 'USD'`); // last_updated unchanged
    await sql(`delete from currency where currency_code = 'GBP'`);
    const before = await sql(`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = '${slot}'`);

    const { result: first, lines } = await withLogLines(logger, () =>
      withEnv(cdcEnv, () => handler(fixture('scheduled-tick-extract'), lambdaContext('extract'))),
    );
    expect(first).toMatchObject({ status: 'ok', result: { tables: { currency: 3 }, changes: 3 } });
    const { runId, confirmedLsn } = (first as unknown as { result: { runId: string; confirmedLsn: string } }).result;
    const part = lake.objects.get(`${BUCKETS.raw}/currency/run_id=${runId}/part-00000.jsonl.gz`)!.body;
    const rows = gunzipSync(part)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r._op, r.currency_code])).toEqual([
      ['insert', 'EUR'],
      ['update', 'CHF'],
      ['delete', 'GBP'],
    ]);
    expect(lake.keys(BUCKETS.raw)).toEqual(expect.arrayContaining([`_manifests/${runId}.json`, `_ledger/runs/${runId}.json`]));
    // The slot moved past the run's changes; a healthy slot logs no error line.
    const after = await sql(`select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = '${slot}'`);
    expect(after[0].lsn).not.toBe(before[0].lsn);
    expect(confirmedLsn).toBeTruthy();
    expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);

    const second = await withEnv(cdcEnv, () => handler(fixture('scheduled-tick-extract'), lambdaContext('extract')));
    expect(second).toMatchObject({ status: 'ok', result: { runId: null, changes: 0 } });
  });

  it('logs the slot alert line when the slot does not exist (the log scan emails it)', async () => {
    fakeS3(s3);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
    const { result, lines } = await withLogLines(logger, () =>
      withEnv({ ...cdcEnv, LAKEHOUSE_CDC_SLOT: `${slot}_missing` }, () =>
        handler(fixture('scheduled-tick-extract'), lambdaContext('extract')),
      ),
    );
    expect(result).toMatchObject({ status: 'failed' });
    // The read itself says what to do, from the peek's own error (no status query before it).
    expect(JSON.stringify(result)).toMatch(/no replication slot \S+_missing on the source: run `lakehouse cdc setup` first/);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'ERROR',
          message: 'change capture slot lag',
          error: expect.stringMatching(/replication slot does not exist: run `lakehouse cdc setup`/),
        }),
      ]),
    );
  });

  it('logs the slot alert line when the pipeline stops consuming and the lag passes LAKEHOUSE_CDC_MAX_LAG', async () => {
    // The lake refuses every write, so no run completes and the slot is never confirmed.
    s3.onAnyCommand().rejects(awsError('AccessDenied', 403));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
    await sql(`insert into currency (currency_code) values ('JPY')`);
    await sql(`insert into currency (currency_code) select 'X' || (g % 100) from generate_series(1, 500) g`);
    const lag = await sql(
      `select pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint as lag from pg_replication_slots where slot_name = '${slot}'`,
    );
    expect(Number(lag[0].lag)).toBeGreaterThan(16 * 1024);
    const { result, lines } = await withLogLines(logger, () =>
      withEnv({ ...cdcEnv, LAKEHOUSE_CDC_MAX_LAG: '16KB' }, () =>
        handler(fixture('scheduled-tick-extract'), lambdaContext('extract')),
      ),
    );
    expect(result).toMatchObject({ status: 'failed' });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'ERROR',
          message: 'change capture slot lag',
          slot,
          error: expect.stringMatching(/behind the source, over LAKEHOUSE_CDC_MAX_LAG \(16KB\)/),
        }),
      ]),
    );
  });
});
