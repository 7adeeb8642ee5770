import '../handler-env';
import { AthenaClient, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { FRESHNESS_STATE_KEY } from '../../../../jobs/lib/core/quality/source-freshness';
import { runStamp } from '../../../../jobs/lib/core/run-id';
import { keys } from '../../../../jobs/lib/definition/object-keys';
import { handler, logger } from '../../../../jobs/sweep/handler';
import { findError } from '../../../../jobs/scan-logs/scan-logs';
import { fakeAthena } from '../athena-fake';
import { BUCKETS, DATABASES } from '../handler-env';
import { runAt } from '../helpers';
import { trinoParser } from '../trino-parser';
import { fakeS3 } from '../s3-fake';
import { contextFields, fixture, lambdaContext, withLogLines } from './fixtures';

const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);
const athena = mockClient(AthenaClient);
const glue = mockClient(GlueClient);

const HOUR = 3_600_000;
/** A `last_updated` as Athena's `cast(… as varchar)` prints a timestamp: `2025-02-25 13:26:09.000`. */
const athenaTimestamp = (at: Date) => at.toISOString().replace('T', ' ').replace('Z', '');

/**
 * Athena answers each freshness SELECT with the newest last_updated of the cleaned table it names
 * (`newest[table]`); a table rendered as an empty relation (not crawled) answers null.
 */
function freshnessAnswers(newest: Record<string, Date>) {
  const queries = fakeAthena(athena);
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
    const sql = queries.started.find((s) => s.id === QueryExecutionId)!.input.QueryString!;
    const table = new RegExp(`"${DATABASES.cleaned}"\\."([a-z_]+)"`).exec(sql)?.[1];
    const value = table && newest[table] ? { VarCharValue: athenaTimestamp(newest[table]) } : {};
    return {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'newest', Type: 'varchar' }] },
        Rows: [{ Data: [{ VarCharValue: 'newest' }] }, { Data: [value] }],
      },
    };
  });
  return queries;
}

beforeEach(() => {
  s3.reset();
  eventBridge.reset();
  athena.reset();
  glue.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('sweep handler', () => {
  it('re-emits ZoneWritten for runs stuck longer than the threshold', async () => {
    const lake = fakeS3(s3);
    // No cleaned table crawled yet: the freshness SELECTs read empty relations, and nothing is judged stale.
    glue.on(GetTablesCommand).resolves({ TableList: [] });
    freshnessAnswers({});
    const long = new Date(Date.now() - 2 * HOUR).toISOString();
    const recent = new Date(Date.now() - 60_000).toISOString();
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t132609z.json', JSON.stringify(runAt('20250225t132609z', 'cleaned', long)));
    lake.put(BUCKETS.raw, '_ledger/runs/20250225t140000z.json', JSON.stringify(runAt('20250225t140000z', 'extracted', recent)));
    const context = lambdaContext('sweep');
    const { result: out, lines } = await withLogLines(logger, () => handler(fixture('scheduled-tick-sweep'), context));
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['WARN', 'stuck runs nudged'],
      ['INFO', 'sweep done'],
    ]);
    for (const line of lines) expect(line).toMatchObject(contextFields(context));
    expect(out).toEqual({
      status: 'ok',
      step: 'sweep',
      result: { pending: 2, nudged: [{ stage: 'cleaned', zone: 'cleaned', runs: ['20250225t132609z'] }], unrecorded: [] },
    });
    expect(eventBridge.commandCalls(PutEventsCommand)[0].args[0].input.Entries).toEqual([
      {
        EventBusName: 'lakehouse',
        Source: 'lakehouse',
        DetailType: 'ZoneWritten',
        Detail: '{"zone":"cleaned","runs":["20250225t132609z"]}',
      },
    ]);
    // Nothing was stale, so nothing was written to quality/.
    expect(lake.keys(BUCKETS.transformed)).toEqual([]);
  });

  it('checks source freshness on every sweep with Athena, alerting once per change of state', async () => {
    const lake = fakeS3(s3);
    glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'sales_order' }, { Name: 'purchase_order' }] });
    // sql/cleaned/*.tests.yaml: sales_order, purchase_order and payment warn after 1d, error after 7d.
    const queries = freshnessAnswers({
      sales_order: new Date(Date.now() - 8 * 24 * HOUR), // past error_after
      purchase_order: new Date(Date.now() - 2 * 24 * HOUR), // past warn_after only
    });

    const first = await withLogLines(logger, () => handler(fixture('scheduled-tick-sweep'), lambdaContext('sweep')));
    expect(first.result.status).toBe('ok');
    // One SELECT per declared table, in the pipeline's workgroup, the cleaned database as the default schema;
    // payment, not crawled yet, reads as an empty relation.
    const started = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(started).toHaveLength(3);
    for (const input of started) {
      expect(input).toMatchObject({ WorkGroup: 'lakehouse', QueryExecutionContext: { Database: DATABASES.cleaned } });
    }
    expect(queries.sqls().filter((sql) => sql.includes(`"${DATABASES.cleaned}"."payment"`))).toEqual([]);
    expect(queries.sqls().filter((sql) => sql.includes(`"${DATABASES.cleaned}"."sales_order"`))).toHaveLength(1);
    // What was sent is Trino SQL, as Athena engine v3 parses it (the empty relation of payment included).
    for (const sql of queries.sqls()) expect({ sql, errors: trinoParser().validate(sql) }).toEqual({ sql, errors: [] });
    // Glue is asked once per invocation which cleaned tables exist.
    expect(glue.commandCalls(GetTablesCommand).map((c) => c.args[0].input.DatabaseName)).toEqual([DATABASES.cleaned]);

    const changes = first.lines.filter((l) => l.step === 'freshness');
    // In the tables' declared order (definition/tables.ts).
    expect(changes.map((l) => [l.level, l.message, l.table, l.state])).toEqual([
      ['ERROR', 'source freshness changed', 'cleaned.purchase_order', 'warn'],
      ['ERROR', 'source freshness changed', 'cleaned.sales_order', 'error'],
    ]);
    // The error-level lines are what the log subscription's scan-logs turns into one alert email (grouped
    // under their `step`, freshness, as locally).
    for (const line of changes) {
      const found = findError({ timestamp: Date.now(), message: JSON.stringify(line), logGroup: '/aws/lambda/lakehouse-sweep' });
      expect(found).toMatchObject({ job: 'freshness', text: expect.stringContaining(line.table) });
    }
    expect(changes[0].error).toMatch(/^warn test freshness on cleaned\.purchase_order: 1 failing row .*warn after 24\.0 h/);
    expect(changes[1].error).toMatch(/^error test freshness on cleaned\.sales_order: 1 failing row .*error after 168\.0 h/);

    // Results in quality.results (transformed zone), and the state per table for the next sweep.
    const runId = (first.result as { result: { freshness: { runId: string } } }).result.freshness.runId;
    expect(runId).toMatch(/^freshness-\d{8}t\d{6}z$/);
    const results = lake
      .get(BUCKETS.transformed, keys.qualityResults(runId, 'cleaned'))!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => [r.model, r.kind, r.severity, r.status, r.failing_rows])).toEqual([
      ['purchase_order', 'freshness', 'warn', 'warn', 1],
      ['sales_order', 'freshness', 'error', 'fail', 1],
    ]);
    expect(JSON.parse(lake.get(BUCKETS.transformed, FRESHNESS_STATE_KEY)!)).toEqual({
      sales_order: 'error',
      purchase_order: 'warn',
    });

    // The next sweep finds the same states: no new alert, only info lines.
    const second = await withLogLines(logger, () => handler(fixture('scheduled-tick-sweep'), lambdaContext('sweep')));
    expect(second.result.status).toBe('ok');
    expect(second.lines.filter((l) => l.step === 'freshness').map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'source freshness unchanged'],
      ['INFO', 'source freshness unchanged'],
    ]);
    expect(second.lines.filter((l) => l.level === 'ERROR')).toEqual([]);
  });

  it('removes the raw parts of runs the ledger never recorded, and nothing else', async () => {
    let clock = Date.now() - 10 * 24 * HOUR;
    // Two keys a page, so every listing is followed over several pages.
    const lake = fakeS3(s3, 2, () => new Date(clock));
    glue.on(GetTablesCommand).resolves({ TableList: [] });
    freshnessAnswers({});
    const stampAt = (ago: number) => runStamp(new Date(Date.now() - ago));
    const put = (ago: number, key: string, body = '{}') => {
      clock = Date.now() - ago;
      lake.put(BUCKETS.raw, key, body);
    };

    // Ten days old: before the sweep's look-back, left for a person (docs/architecture.md "Crash recovery").
    const ancient = stampAt(10 * 24 * HOUR);
    put(10 * 24 * HOUR, keys.rawPart('address', ancient, 0));
    // A killed extract three hours ago: parts of two tables (1,001 in one: two DeleteObjects), its claim, no record.
    const ghost = stampAt(3 * HOUR);
    put(3 * HOUR, `_ledger/open/${ghost}.json`, JSON.stringify({ runId: ghost }));
    for (let i = 0; i < 1001; i++) put(3 * HOUR, keys.rawPart('sales_order', ghost, i));
    put(3 * HOUR, keys.rawPart('address', ghost, 0));
    // A run recorded (failed before its manifest): kept for `lakehouse retry`.
    const recorded = stampAt(2 * HOUR);
    put(2 * HOUR, keys.rawPart('currency', recorded, 0));
    put(
      2 * HOUR,
      `_ledger/runs/${recorded}.json`,
      JSON.stringify(runAt(recorded, 'extracted', new Date(Date.now() - 2 * HOUR).toISOString())),
    );
    // A run with its manifest (recorded as loaded long ago, its record since archived): kept.
    const manifested = stampAt(5 * HOUR);
    put(5 * HOUR, keys.rawPart('design', manifested, 0));
    put(5 * HOUR, keys.manifest(manifested));
    // An extract still writing: its first part ten minutes ago.
    const writing = stampAt(10 * 60_000);
    put(10 * 60_000, `_ledger/open/${writing}.json`, JSON.stringify({ runId: writing }));
    put(10 * 60_000, keys.rawPart('staff', writing, 0));
    // An old folder whose claim is recent (an id claimed again): the claim is live, so kept.
    const reclaimed = stampAt(4 * HOUR);
    put(4 * HOUR, keys.rawPart('payment', reclaimed, 0));
    put(20 * 60_000, `_ledger/open/${reclaimed}.json`, JSON.stringify({ runId: reclaimed }));
    // Not a run folder of the pipeline (not a run id), and line rejects of the ghost (not a table's run folder).
    put(3 * HOUR, 'address/run_id=manual-copy/part-00000.jsonl.gz');
    put(3 * HOUR, keys.lineRejects('sales_order', ghost, 'extract'));
    clock = Date.now();

    const { result: out, lines } = await withLogLines(logger, () =>
      handler(fixture('scheduled-tick-sweep'), lambdaContext('sweep')),
    );
    expect(out).toMatchObject({
      status: 'ok',
      result: {
        unrecorded: [
          { runId: ghost, table: 'address', folder: keys.runFolder('address', ghost), objects: 1 },
          { runId: ghost, table: 'sales_order', folder: keys.runFolder('sales_order', ghost), objects: 1001 },
        ],
      },
    });
    const removal = lines.find((l) => l.message === 'removed the parts of runs the ledger never recorded');
    expect(removal).toMatchObject({ level: 'WARN', unrecordedRuns: [ghost], objects: 1002 });
    const raw = lake.keys(BUCKETS.raw);
    expect(raw.filter((k) => k.includes(`run_id=${ghost}/part-`))).toEqual([]);
    for (const kept of [
      keys.rawPart('address', ancient, 0),
      keys.rawPart('currency', recorded, 0),
      keys.rawPart('design', manifested, 0),
      keys.rawPart('staff', writing, 0),
      keys.rawPart('payment', reclaimed, 0),
      'address/run_id=manual-copy/part-00000.jsonl.gz',
      keys.lineRejects('sales_order', ghost, 'extract'),
      `_ledger/open/${ghost}.json`, // the sweep reads the ledger only; its readers drop the abandoned claim
    ]) {
      expect({ kept, present: raw.includes(kept) }).toEqual({ kept, present: true });
    }
    // DeleteObjects: at most 1,000 keys a request, only keys of the ghost's run folders.
    const deletes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.map((o) => o.Key!));
    expect(deletes.map((d) => d.length)).toEqual([1, 1000, 1]);
    for (const key of deletes.flat()) expect(key).toMatch(new RegExp(`^(address|sales_order)/run_id=${ghost}/part-`));
    // The run folders were listed from the look-back on (StartAfter), not from the zone's first run.
    const listed = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    const sales = listed.filter((i) => i.Prefix === 'sales_order/run_id=');
    expect(sales.length).toBeGreaterThan(1);
    for (const input of sales) expect(input.StartAfter).toMatch(/^sales_order\/run_id=\d{8}t\d{6}z$/);
    expect(sales[0].StartAfter! > `sales_order/run_id=${ancient}`).toBe(true);

    // The next sweep finds nothing left to remove.
    const again = await handler(fixture('scheduled-tick-sweep'), lambdaContext('sweep'));
    expect(again).toMatchObject({ status: 'ok', result: { unrecorded: [] } });
  });

  it('still checks freshness when the removal fails, then fails the invocation with the removal’s error', async () => {
    let clock = Date.now() - 3 * HOUR;
    const lake = fakeS3(s3, 1000, () => new Date(clock));
    const ghost = runStamp(new Date(clock));
    lake.put(BUCKETS.raw, keys.rawPart('address', ghost, 0), 'x');
    clock = Date.now();
    glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'sales_order' }] });
    freshnessAnswers({ sales_order: new Date(Date.now() - 8 * 24 * HOUR) });
    // S3 answers DeleteObjects with 200 and per-key errors (Amazon S3 API Reference, "DeleteObjects").
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: keys.rawPart('address', ghost, 0), Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    const { result: out, lines } = await withLogLines(logger, () =>
      handler(fixture('scheduled-tick-sweep'), lambdaContext('sweep')),
    );
    expect(out).toMatchObject({
      status: 'failed',
      error: { name: 'TerminalError', message: expect.stringMatching(/AccessDenied/) },
    });
    expect(lines.filter((l) => l.level === 'ERROR').map((l) => l.message)).toEqual(['source freshness changed', 'sweep failed']);
    expect(lake.get(BUCKETS.transformed, FRESHNESS_STATE_KEY)).toBeDefined();
    expect(lake.keys(BUCKETS.raw, 'address/')).toEqual([keys.rawPart('address', ghost, 0)]);
  });

  it('rejects the extract tick', async () => {
    fakeS3(s3);
    expect(await handler(fixture('scheduled-tick-extract'), lambdaContext('sweep'))).toMatchObject({
      status: 'failed',
      error: { name: 'TerminalError' },
    });
    expect(eventBridge.calls()).toHaveLength(0);
    expect(athena.calls()).toHaveLength(0);
  });
});
