import '../handler-env';
import { AthenaClient } from '@aws-sdk/client-athena';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { SOURCE_TABLES } from '../../../../jobs/lib/definition/tables';
import type { RunRecord } from '../../../../jobs/lib/core/ports';
import { handler, logger } from '../../../../jobs/transform/handler';
import { fakeAthena } from '../athena-fake';
import { BUCKETS } from '../handler-env';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const athena = mockClient(AthenaClient);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
const glue = mockClient(GlueClient);

/** Glue databases holding every source table (raw, cleaned), on two GetTables pages. */
function everyTableCrawled() {
  const tables = SOURCE_TABLES.map((t) => ({ Name: t.name }));
  glue
    .on(GetTablesCommand)
    .callsFake(({ NextToken }: { NextToken?: string }) =>
      NextToken === undefined ? { NextToken: 'p2', TableList: tables.slice(0, 5) } : { TableList: tables.slice(5) },
    );
}

const run = (runId: string, stage: RunRecord['stage']): RunRecord => ({
  runId,
  origin: 'extract',
  stage,
  createdAt: '2025-02-25T13:26:10.000Z',
  updatedAt: '2025-02-25T13:26:10.000Z',
  history: { extracted: '2025-02-25T13:26:10.000Z' },
  counts: {},
});

beforeEach(() => {
  athena.reset();
  s3.reset();
  eventBridge.reset();
  glue.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('transform handler', () => {
  it('on the raw crawler succeeding, writes every cleaned model for each waiting run and announces ZoneWritten', async () => {
    const lake = fakeS3(s3);
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t132609z.json', JSON.stringify(run('20250225t132609z', 'extracted')));
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t120000z.json', JSON.stringify(run('20250225t120000z', 'loaded')));
    const queries = fakeAthena(athena);
    everyTableCrawled();
    const out = await handler(fixture('glue-crawler-succeeded-raw'), lambdaContext('transform'));
    expect(out).toMatchObject({ status: 'ok', result: { target: 'cleaned' } });
    const ctas = queries.sqls().filter((s) => s.startsWith('create table'));
    expect(ctas).toHaveLength(22); // 11 cleaned tables: rows and rejects
    expect(ctas.filter((s) => s.includes('run_id=20250225t132609z/')).length).toBe(22);
    expect(ctas.some((s) => s.includes('20250225t120000z'))).toBe(false);
    expect(
      ctas.every((s) => /from \(select \* from "lakehouse_raw"\."[a-z_]+" where run_id = '20250225t132609z'\)/.test(s)),
    ).toBe(true);
    expect(queries.started.every((q) => q.input.WorkGroup === 'lakehouse')).toBe(true);
    expect(JSON.parse(lake.get(BUCKETS.raw, '_ledger/runs/20250225t132609z.json')!).stage).toBe('cleaned');
    const entries = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries![0]);
    expect(entries).toEqual([
      {
        EventBusName: 'lakehouse',
        Source: 'lakehouse',
        DetailType: 'ZoneWritten',
        Detail: JSON.stringify({ zone: 'cleaned', runs: ['20250225t132609z'] }),
      },
    ]);
  });

  it('on the cleaned crawler succeeding, writes the transformed models into the transformed bucket', async () => {
    const lake = fakeS3(s3);
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t132609z.json', JSON.stringify(run('20250225t132609z', 'cleaned')));
    const queries = fakeAthena(athena);
    everyTableCrawled();
    expect(await handler(fixture('glue-crawler-succeeded-cleaned'), lambdaContext('transform'))).toMatchObject({
      status: 'ok',
      result: { target: 'transformed' },
    });
    const ctas = queries.sqls().filter((s) => s.startsWith('create table'));
    expect(ctas).toHaveLength(11);
    expect(ctas.every((s) => s.includes(`external_location = 's3://${BUCKETS.transformed}/`))).toBe(true);
  });

  it('reads raw tables the crawler has not created as empty relations (a run holding only some tables)', async () => {
    const lake = fakeS3(s3);
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t132609z.json', JSON.stringify(run('20250225t132609z', 'extracted')));
    const queries = fakeAthena(athena);
    glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'currency' }] });
    expect(await handler(fixture('glue-crawler-succeeded-raw'), lambdaContext('transform'))).toMatchObject({
      status: 'ok',
      result: { target: 'cleaned' },
    });
    const ctas = queries.sqls().filter((s) => s.startsWith('create table'));
    expect(ctas).toHaveLength(22);
    const reading = ctas.filter((s) => s.includes('"lakehouse_raw".'));
    expect(reading).toHaveLength(2); // currency: rows and rejects
    expect(reading.every((s) => s.includes(`(select * from "lakehouse_raw"."currency" where run_id = '20250225t132609z')`))).toBe(
      true,
    );
    expect(ctas.filter((s) => s.includes('where 1 = 0)'))).toHaveLength(20);
    // One lookup of the raw database per model (11 cleaned models), none cached across them; then one of
    // the cleaned database per data-quality test of the zone (sql/cleaned/*.tests.yaml), run as Athena queries.
    const lookups = glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input.DatabaseName);
    expect(lookups.slice(0, 11)).toEqual(Array(11).fill('lakehouse_raw'));
    const tests = queries.sqls().filter((s) => s.includes('count(*) over () as failing_rows'));
    expect(tests.length).toBeGreaterThan(0);
    expect(lookups.slice(11)).toEqual(Array(tests.length).fill('lakehouse_cleaned'));
    expect(lake.get(BUCKETS.transformed, 'quality/results/run_id=20250225t132609z/cleaned.jsonl')).toContain('"status":"pass"');
    expect(JSON.parse(lake.get(BUCKETS.raw, '_ledger/runs/20250225t132609z.json')!).stage).toBe('cleaned');
  });

  it('rejects the transformed crawler (that starts load), a Started event and an unknown crawler', async () => {
    fakeS3(s3);
    fakeAthena(athena);
    for (const event of [
      fixture('glue-crawler-succeeded-transformed'),
      fixture('glue-crawler-started'),
      { ...fixture('glue-crawler-succeeded-raw'), detail: { crawlerName: 'other', state: 'Succeeded' } },
    ]) {
      expect(await handler(event, lambdaContext('transform'))).toMatchObject({
        status: 'failed',
        error: { name: 'TerminalError' },
      });
    }
    expect(athena.calls()).toHaveLength(0);
  });

  it('logs the terminal error with the Lambda context', async () => {
    fakeS3(s3);
    const context = lambdaContext('transform');
    const { lines } = await withLogLines(logger, () => handler(fixture('glue-crawler-started'), context));
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'transform failed', service: 'transform', ...contextFields(context) }),
    ]);
  });
});
