import '../handler-env';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type BatchExecuteStatementCommandInput,
} from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { RunRecord } from '../../../../jobs/lib/core/ports';
import { handler, logger } from '../../../../jobs/load/handler';
import { ACCOUNT, BUCKETS } from '../handler-env';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

/** Statement ids shaped as the Data API returns them (UUIDs; `:n` marks a sub-statement), so requests pass the constraint check. */
const statementId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const LOOKUP_ID = statementId(1);
const batchId = (n: number) => statementId(100 + n);
const redshift = mockClient(RedshiftDataClient);
const s3 = mockClient(S3Client);
const RUN = '20250225t132609z';

const run: RunRecord = {
  runId: RUN,
  origin: 'extract',
  stage: 'transformed',
  createdAt: '2025-02-25T13:26:10.000Z',
  updatedAt: '2025-02-25T13:40:00.000Z',
  history: {
    extracted: '2025-02-25T13:26:10.000Z',
    cleaned: '2025-02-25T13:33:00.000Z',
    transformed: '2025-02-25T13:40:00.000Z',
  },
  counts: {},
};

beforeEach(() => {
  redshift.reset();
  s3.reset();
});

describe('load handler', () => {
  it('on the transformed crawler succeeding, loads each waiting run in one Data API session and marks it loaded', async () => {
    const lake = fakeS3(s3);
    lake.put(BUCKETS.raw, `_ledger/runs/${RUN}.json`, JSON.stringify(run));
    lake.put(BUCKETS.transformed, `dim_currency/run_id=${RUN}/20250225_133955_00021_abcde_1.parquet`, 'PAR1');
    lake.put(BUCKETS.transformed, `fact_sales_order/run_id=${RUN}/20250225_133958_00022_abcde_1.parquet`, 'PAR1');
    const batches: BatchExecuteStatementCommandInput[] = [];
    redshift.on(ExecuteStatementCommand).resolves({ Id: LOOKUP_ID });
    redshift.on(BatchExecuteStatementCommand).callsFake((input: BatchExecuteStatementCommandInput) => {
      batches.push(input);
      const opensSession = input.SessionKeepAliveSeconds !== undefined || input.SessionId !== undefined;
      return { Id: batchId(batches.length), ...(opensSession ? { SessionId: '0a1b2c3d-0000-4000-8000-00000000abcd' } : {}) };
    });
    redshift.on(DescribeStatementCommand).callsFake(({ Id }: { Id: string }) => {
      if (Id === LOOKUP_ID) return { Id, Status: 'FINISHED', HasResultSet: true };
      const sqls = batches[Number(Id.split('-').at(-1)) - 101].Sqls!;
      return {
        Id,
        Status: 'FINISHED',
        SubStatements: sqls.map((sql, i) => ({ Id: `${Id}:${i + 1}`, Status: 'FINISHED', QueryString: sql })),
      };
    });
    redshift
      .on(GetStatementResultCommand)
      .callsFake(({ Id }: { Id: string }) =>
        Id === LOOKUP_ID
          ? { ColumnMetadata: [{ name: 'run_id' }], Records: [] }
          : { ColumnMetadata: [{ name: 'row_count' }], Records: [[{ longValue: 3 }]] },
      );

    const out = await handler(fixture('glue-crawler-succeeded-transformed'), lambdaContext('load'));
    expect(out).toMatchObject({ status: 'ok', step: 'load' });
    // ensureSchema, then the run: staging in calls of at most 40 statements, then the transaction
    expect(batches.map((b) => b.Sqls!.length)).toEqual([12, 40, expect.any(Number), expect.any(Number)]);
    expect(batches[0].Sqls!.every((s) => s.startsWith('create table if not exists'))).toBe(true);
    const copies = batches.flatMap((b) => b.Sqls!).filter((s) => s.startsWith('copy '));
    expect(copies).toEqual([
      `copy "stage_dim_currency" from 's3://${BUCKETS.transformed}/dim_currency/run_id=${RUN}/' iam_role 'arn:aws:iam::${ACCOUNT}:role/lakehouse-redshift-copy' format as parquet`,
      `copy "stage_fact_sales_order" from 's3://${BUCKETS.transformed}/fact_sales_order/run_id=${RUN}/' iam_role 'arn:aws:iam::${ACCOUNT}:role/lakehouse-redshift-copy' format as parquet`,
    ]);
    expect(batches[1]).toMatchObject({
      WorkgroupName: 'lakehouse',
      Database: 'dev',
      SecretArn: expect.stringContaining('lakehouse/redshift-admin'),
      SessionKeepAliveSeconds: 300,
    });
    for (const later of batches.slice(2)) expect(later.SessionId).toBe('0a1b2c3d-0000-4000-8000-00000000abcd');
    const record = JSON.parse(lake.get(BUCKETS.raw, `_ledger/runs/${RUN}.json`)!) as RunRecord;
    expect(record.stage).toBe('loaded');
    expect(record.counts.loaded).toMatchObject({ dim_currency: 3, fact_sales_order: 3 });
  });

  it('rejects the raw crawler event (that starts transform)', async () => {
    fakeS3(s3);
    expect(await handler(fixture('glue-crawler-succeeded-raw'), lambdaContext('load'))).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/starts no load route/) },
    });
    expect(redshift.calls()).toHaveLength(0);
  });

  it('logs the terminal error with the Lambda context', async () => {
    const context = lambdaContext('load');
    const { lines } = await withLogLines(logger, () => handler(fixture('glue-crawler-succeeded-raw'), context));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'load failed', service: 'load', ...contextFields(context) }),
    ]);
    expect(redshift.calls()).toHaveLength(0);
  });
});
