import '../handler-env';
import { BatchCreatePartitionCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, logger } from '../../../../jobs/ingest/handler';
import { BUCKETS, DATABASES } from '../handler-env';
import { awsError } from '../helpers';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);
beforeEach(() => {
  s3.reset();
  glue.reset();
  glue.on(GetTableCommand).rejects(awsError('EntityNotFoundException', 400));
});

describe('ingest handler', () => {
  it('turns a landed CSV into a run: parts, ledger record, manifest; the file moves to _processed/', async () => {
    const lake = fakeS3(s3);
    const csv = 'sales_order_id,created_at,last_updated,units_sold\n1,2025-03-01T10:00:00.000,2025-03-01T10:00:00.000,5\n';
    lake.put(BUCKETS.raw, 'landing/sales_order/march-orders.csv', csv);
    const out = (await handler(fixture('s3-object-created-landing'), lambdaContext('ingest'))) as {
      status: string;
      result: { status: string; runId: string; rows: number };
    };
    expect(out).toMatchObject({ status: 'ok' });
    expect(out.result).toMatchObject({ status: 'ingested', rows: 1 });
    const runId = out.result.runId;
    const keys = lake.keys(BUCKETS.raw);
    expect(keys).toContain(`_manifests/${runId}.json`);
    expect(keys).toContain(`_ledger/runs/${runId}.json`);
    expect(keys.some((k) => k.startsWith(`sales_order/run_id=${runId}/part-`))).toBe(true);
    expect(keys).toContain('_processed/landing/sales_order/march-orders.csv');
    expect(keys).not.toContain('landing/sales_order/march-orders.csv');
    // The raw table is not crawled yet: its partition is left to the first crawl.
    expect(glue.commandCalls(GetTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: DATABASES.raw, Name: 'sales_order' },
    ]);
    expect(glue.commandCalls(BatchCreatePartitionCommand)).toHaveLength(0);
  });

  it('registers the run’s raw partition once the raw table exists, with the table’s storage descriptor', async () => {
    const lake = fakeS3(s3);
    lake.put(BUCKETS.raw, 'landing/sales_order/march-orders.csv', 'sales_order_id,last_updated\n1,2025-03-01T10:00:00.000\n');
    const descriptor = { Location: `s3://${BUCKETS.raw}/sales_order/`, Columns: [{ Name: 'sales_order_id', Type: 'int' }] };
    glue.on(GetTableCommand).resolves({ Table: { Name: 'sales_order', StorageDescriptor: descriptor } });
    glue.on(BatchCreatePartitionCommand).resolves({ Errors: [] });
    const out = (await handler(fixture('s3-object-created-landing'), lambdaContext('ingest'))) as { result: { runId: string } };
    const runId = out.result.runId;
    expect(glue.commandCalls(BatchCreatePartitionCommand).map((c) => c.args[0].input)).toEqual([
      {
        DatabaseName: DATABASES.raw,
        TableName: 'sales_order',
        PartitionInputList: [
          { Values: [runId], StorageDescriptor: { ...descriptor, Location: `s3://${BUCKETS.raw}/sales_order/run_id=${runId}/` } },
        ],
      },
    ]);
  });

  it('rejects a manifest event (that starts crawl, not ingest)', async () => {
    fakeS3(s3);
    expect(await handler(fixture('s3-object-created-manifest'), lambdaContext('ingest'))).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/starts no ingest route/) },
    });
  });

  it('logs the terminal error with the Lambda context', async () => {
    const context = lambdaContext('ingest');
    const { lines } = await withLogLines(logger, () => handler(fixture('s3-object-created-manifest'), context));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'ingest failed', service: 'ingest', ...contextFields(context) }),
    ]);
  });
});
