import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type BatchExecuteStatementCommandInput,
  type DescribeStatementResponse,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { starTable } from '../../../jobs/lib/definition/tables';
import { openPg } from '../../../jobs/lib/runtimes/local/open-database';
import { tableLoadStatements } from '../../../jobs/lib/core/warehouse/table-load-statements';
import { warehouseSchema } from '../../../jobs/lib/core/warehouse/warehouse-schema';
import { RedshiftStatementError, RedshiftWarehouse, toNamedParameters } from '../../../jobs/lib/adapters/aws/redshift-warehouse';
import { awsError, fakeSleep } from './helpers';

const rs = mockClient(RedshiftDataClient);
const RUN = '20250225t132609z';
const NOW = new Date('2025-02-25T14:00:00Z');
const ROLE = 'arn:aws:iam::123456789012:role/lakehouse-redshift-copy';

function warehouse(extra: { maxAttempts?: number } = {}) {
  const { sleep, delays } = fakeSleep();
  const w = new RedshiftWarehouse(new RedshiftDataClient({ region: 'eu-west-2' }), {
    target: { workgroupName: 'lakehouse', database: 'dev' },
    iamRoleArn: ROLE,
    transformedUri: (key) => `s3://lake-transformed/${key}`,
    poll: { initialDelayMs: 250, maxDelayMs: 2000, timeoutMs: 60_000, sleep },
    now: () => NOW,
    ...extra,
  });
  return { w, delays };
}

const tables = [
  { table: starTable('fact_sales_order'), files: [`fact_sales_order/run_id=${RUN}/part-0.parquet`] },
  { table: starTable('dim_currency'), files: [`dim_currency/run_id=${RUN}/part-0.parquet`] },
  { table: starTable('dim_date'), files: [] },
];

/**
 * A fake Data API: the history lookup returns `loaded` rows; a batch answers
 * with `batchOutcome` (default FINISHED), its sub-statements numbered `<id>:<n>`,
 * and each count sub-statement returns `counts[n]`. Tokens are idempotent.
 */
function fakeDataApi(options: {
  loaded?: boolean;
  batchOutcome?: (id: string, input: BatchExecuteStatementCommandInput) => Partial<DescribeStatementResponse> | undefined;
  polls?: number;
  counts?: (index: number) => number;
} = {}) {
  const batches: { id: string; input: BatchExecuteStatementCommandInput }[] = [];
  const byToken = new Map<string, string>();
  const polled = new Map<string, number>();
  rs.on(ExecuteStatementCommand).resolves({ Id: 'lookup-1' });
  rs.on(BatchExecuteStatementCommand).callsFake((input: BatchExecuteStatementCommandInput) => {
    let id = byToken.get(input.ClientToken!);
    if (!id) byToken.set(input.ClientToken!, (id = `batch-${byToken.size + 1}`));
    batches.push({ id, input });
    return { Id: id };
  });
  rs.on(DescribeStatementCommand).callsFake(({ Id }: { Id: string }) => {
    if (Id === 'lookup-1') return { Id, Status: 'FINISHED', HasResultSet: true };
    const n = (polled.get(Id) ?? 0) + 1;
    polled.set(Id, n);
    if (n <= (options.polls ?? 0)) return { Id, Status: n === 1 ? 'SUBMITTED' : 'STARTED' };
    const input = batches.find((b) => b.id === Id)!.input;
    const subs = input.Sqls!.map((sql, i) => ({ Id: `${Id}:${i + 1}`, Status: 'FINISHED', QueryString: sql, HasResultSet: sql.startsWith('select') }));
    return { Id, Status: 'FINISHED', CreatedAt: NOW, SubStatements: subs, ...options.batchOutcome?.(Id, input) };
  });
  rs.on(GetStatementResultCommand).callsFake(({ Id }: { Id: string }) => {
    if (Id === 'lookup-1') {
      return { ColumnMetadata: [{ name: 'run_id' }], Records: options.loaded ? [[{ stringValue: RUN }]] : [], TotalNumRows: options.loaded ? 1 : 0 };
    }
    const index = Number(Id.split(':')[1]);
    return { ColumnMetadata: [{ name: 'row_count' }], Records: [[{ longValue: options.counts?.(index) ?? index }]] };
  });
  return { batches };
}

beforeEach(() => rs.reset());

describe('RedshiftWarehouse.loadRun', () => {
  it('checks the load history first and skips a loaded run', async () => {
    const fake = fakeDataApi({ loaded: true });
    const { w } = warehouse();
    expect(await w.loadRun(RUN, tables)).toEqual({ runId: RUN, loaded: false, tables: {} });
    expect(rs.commandCalls(ExecuteStatementCommand)[0].args[0].input).toEqual({
      WorkgroupName: 'lakehouse',
      Database: 'dev',
      Sql: 'select "run_id" from "load_history" where "run_id" = :run_id',
      Parameters: [{ name: 'run_id', value: RUN }],
    });
    expect(fake.batches).toHaveLength(0);
  });

  it('sends one batch: per table (dimensions first) staging, COPY, dedupe, changes, counts, apply; then history; then drops', async () => {
    const fake = fakeDataApi();
    const { w } = warehouse();
    await w.loadRun(RUN, tables);
    expect(fake.batches).toHaveLength(1);
    const input = fake.batches[0].input;
    const [currency, date, sales] = ['dim_currency', 'dim_date', 'fact_sales_order'].map((t) => tableLoadStatements(starTable(t)));
    const part = (s: ReturnType<typeof tableLoadStatements>, copy: string | undefined) => [
      ...s.createStaging,
      ...(copy ? [copy] : []),
      s.dedupe,
      s.collectChanges,
      s.countStaged,
      s.countChanges,
      s.apply,
    ];
    const expected = [
      ...part(currency, `copy "stage_dim_currency" from 's3://lake-transformed/dim_currency/run_id=${RUN}/' iam_role '${ROLE}' format as parquet`),
      ...part(date, undefined),
      ...part(sales, `copy "stage_fact_sales_order" from 's3://lake-transformed/fact_sales_order/run_id=${RUN}/' iam_role '${ROLE}' format as parquet`),
      [
        'insert into "load_history" ("run_id", "loaded_at", "table_counts")',
        "select :run_id, sysdate, '{' || " +
          `'"dim_currency":{"staged":' || cast(s0.n as varchar) || ',"changed":' || cast(c0.n as varchar) || '}'` +
          " || ',' || " +
          `'"dim_date":{"staged":' || cast(s1.n as varchar) || ',"changed":' || cast(c1.n as varchar) || '}'` +
          " || ',' || " +
          `'"fact_sales_order":{"staged":' || cast(s2.n as varchar) || ',"changed":' || cast(c2.n as varchar) || '}'` +
          " || '}'",
        'from (select count(*) as n from "stage_dim_currency") s0',
        'cross join (select count(*) as n from "change_dim_currency") c0',
        'cross join (select count(*) as n from "stage_dim_date") s1',
        'cross join (select count(*) as n from "change_dim_date") c1',
        'cross join (select count(*) as n from "stage_fact_sales_order") s2',
        'cross join (select count(*) as n from "change_fact_sales_order") c2',
      ].join('\n'),
      ...currency.dropTemp,
      ...date.dropTemp,
      ...sales.dropTemp,
    ];
    expect(input.Sqls).toEqual(expected);
    expect(input.Parameters).toEqual([{ name: 'run_id', value: RUN }]);
    expect(input.WorkgroupName).toBe('lakehouse');
    expect(input.Database).toBe('dev');
    expect(input.ClientToken).toMatch(/^[0-9a-f]{64}$/);
    expect(input.Sqls!.every((s) => !s.trim().endsWith(';'))).toBe(true);
  });

  it('uses the same ClientToken for the same run (a retry attaches to the running batch)', async () => {
    const fake = fakeDataApi();
    await warehouse().w.loadRun(RUN, tables);
    await warehouse().w.loadRun(RUN, tables);
    expect(fake.batches.map((b) => b.id)).toEqual(['batch-1', 'batch-1']);
    await warehouse().w.loadRun('20250225t140000z', tables);
    expect(fake.batches[2].id).toBe('batch-2');
  });

  it('reads staged and changed counts from the count sub-statements, waiting with backoff', async () => {
    fakeDataApi({ polls: 2, counts: (i) => i * 10 });
    const { w, delays } = warehouse();
    const result = await w.loadRun(RUN, [tables[1]]);
    const s = tableLoadStatements(starTable('dim_currency'));
    // createStaging (4) + copy (1) + dedupe + changes → countStaged is statement 8, countChanges 9.
    expect(s.createStaging).toHaveLength(4);
    expect(result).toEqual({ runId: RUN, loaded: true, tables: { dim_currency: { staged: 80, changed: 90 } } });
    expect(delays).toEqual([250, 500]);
    const ids = rs.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input.Id);
    expect(ids).toEqual(['lookup-1', 'batch-1:8', 'batch-1:9']);
  });

  it('reports the failing statement and its error, as a terminal error', async () => {
    fakeDataApi({
      batchOutcome: (id, input) => ({
        Status: 'FAILED',
        Error: 'ERROR: Spectrum Scan Error',
        SubStatements: input.Sqls!.map((sql, i) => ({
          Id: `${id}:${i + 1}`,
          QueryString: sql,
          Status: i < 4 ? 'FINISHED' : i === 4 ? 'FAILED' : 'ABORTED',
          Error: i === 4 ? "ERROR: S3 prefix 's3://lake-transformed/dim_currency/run_id=x/' has no files" : undefined,
        })),
      }),
    });
    const failure = warehouse().w.loadRun(RUN, [tables[1]]);
    await expect(failure).rejects.toBeInstanceOf(RedshiftStatementError);
    await expect(failure).rejects.toBeInstanceOf(TerminalError);
    await expect(failure).rejects.toThrow(/FAILED: statement 5 of \d+: ERROR: S3 prefix .* has no files\n--- failing statement ---\ncopy "stage_dim_currency" from/);
  });

  it('retries a serialization conflict with a new token, and gives up as transient', async () => {
    let failures = 1;
    const serialization = (id: string, input: BatchExecuteStatementCommandInput): Partial<DescribeStatementResponse> | undefined =>
      failures-- > 0
        ? {
            Status: 'FAILED',
            Error: 'ERROR: 1023 Serializable isolation violation on table',
            SubStatements: input.Sqls!.map((sql, i) => ({
              Id: `${id}:${i + 1}`,
              QueryString: sql,
              Status: i === 0 ? ('FAILED' as const) : ('ABORTED' as const),
              Error: i === 0 ? 'ERROR: 1023 Serializable isolation violation on table' : undefined,
            })),
          }
        : undefined;
    const fake = fakeDataApi({ batchOutcome: serialization });
    await warehouse().w.loadRun(RUN, [tables[1]]);
    expect(fake.batches.map((b) => b.id)).toEqual(['batch-1', 'batch-2']);
    expect(fake.batches[0].input.ClientToken).not.toBe(fake.batches[1].input.ClientToken);

    rs.reset();
    fakeDataApi({ batchOutcome: () => ({ Status: 'FAILED', Error: 'ERROR: could not serialize access' }) });
    await expect(warehouse({ maxAttempts: 2 }).w.loadRun(RUN, [tables[1]])).rejects.toBeInstanceOf(TransientError);
  });

  it('follows a failure cached from an earlier invocation with a fresh batch', async () => {
    const fake = fakeDataApi({
      batchOutcome: (id) => (id === 'batch-1' ? { Status: 'FAILED', Error: 'ERROR: relation "dim_currency" does not exist', CreatedAt: new Date(NOW.getTime() - 86_400_000) } : undefined),
    });
    const result = await warehouse().w.loadRun(RUN, [tables[1]]);
    expect(result.loaded).toBe(true);
    expect(fake.batches.map((b) => b.id)).toEqual(['batch-1', 'batch-2']);
  });

  it('makes a throttled BatchExecuteStatement transient', async () => {
    fakeDataApi();
    rs.on(BatchExecuteStatementCommand).rejects(awsError('ActiveStatementsExceededException', 400));
    await expect(warehouse().w.loadRun(RUN, [tables[1]])).rejects.toBeInstanceOf(TransientError);
  });
});

describe('RedshiftWarehouse.ensureSchema / query', () => {
  it('creates the star schema and load history in one batch with Redshift identity columns', async () => {
    const fake = fakeDataApi();
    await warehouse().w.ensureSchema();
    const sqls = fake.batches[0].input.Sqls!;
    expect(sqls).toHaveLength(12);
    expect(sqls.every((s) => s.startsWith('create table if not exists'))).toBe(true);
    expect(sqls.find((s) => s.includes('fact_sales_order'))).toContain('sales_record_id bigint identity(1, 1)');
    expect(sqls[11]).toContain('load_history');
  });

  it('binds $n parameters as named Data API parameters and reads every page', async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: 'q-1' });
    rs.on(DescribeStatementCommand).resolves({ Id: 'q-1', Status: 'FINISHED', HasResultSet: true });
    rs.on(GetStatementResultCommand)
      .resolvesOnce({
        NextToken: 'next',
        ColumnMetadata: [{ name: 'currency_id' }, { name: 'currency_code' }, { name: 'rate' }, { name: 'active' }, { name: 'note' }],
        Records: [[{ longValue: 1 }, { stringValue: 'GBP' }, { doubleValue: 1.5 }, { booleanValue: true }, { isNull: true }]],
      })
      .resolvesOnce({ Records: [[{ longValue: 2 }, { stringValue: 'USD' }, { doubleValue: 2 }, { booleanValue: false }, { stringValue: 'x' }]] });
    const rows = await warehouse().w.query('select * from dim_currency where currency_id >= $1 and $2 is null and currency_code <> $3', [1, null, 'EUR']);
    expect(rows).toEqual([
      { currency_id: 1, currency_code: 'GBP', rate: 1.5, active: true, note: null },
      { currency_id: 2, currency_code: 'USD', rate: 2, active: false, note: 'x' },
    ]);
    expect(rs.commandCalls(ExecuteStatementCommand)[0].args[0].input).toEqual({
      WorkgroupName: 'lakehouse',
      Database: 'dev',
      Sql: 'select * from dim_currency where currency_id >= :p1 and null is null and currency_code <> :p3',
      Parameters: [
        { name: 'p1', value: '1' },
        { name: 'p3', value: 'EUR' },
      ],
    });
    expect(() => toNamedParameters('select $2', [1])).toThrow(/only 1 parameter/);
  });

  it('reports a failed query with the Data API error', async () => {
    rs.on(ExecuteStatementCommand).resolves({ Id: 'q-2' });
    rs.on(DescribeStatementCommand).resolves({ Id: 'q-2', Status: 'FAILED', Error: 'ERROR: relation "nope" does not exist', QueryString: 'select * from nope' });
    await expect(warehouse().w.query('select * from nope')).rejects.toThrow(/FAILED: ERROR: relation "nope" does not exist/);
  });
});

describe('the load-history insert (run on PGlite with Redshift-only tokens swapped)', () => {
  it('records the per-table counts as the JSON the load history holds', async () => {
    const pg = await openPg({ memory: true });
    try {
      const ddl = await warehouseSchema('postgres');
      await pg.exec(ddl.find((s) => s.table === 'load_history')!.sql);
      await pg.exec('create temp table stage_dim_currency (id int); create temp table change_dim_currency (id int);');
      await pg.exec('create temp table stage_dim_date (id int); create temp table change_dim_date (id int);');
      await pg.exec('insert into stage_dim_currency values (1), (2), (3); insert into change_dim_currency values (1);');
      const { w } = warehouse();
      const batch = w.loadBatch(RUN, [
        { table: starTable('dim_currency'), files: ['x'] },
        { table: starTable('dim_date'), files: [] },
      ]);
      const insert = batch.find((b) => b.sql.startsWith('insert into "load_history"'))!.sql;
      await pg.exec(insert.replace(':run_id', `'${RUN}'`).replace('sysdate', 'localtimestamp'));
      const rows = await pg.query<{ run_id: string; table_counts: string }>('select run_id, table_counts from load_history');
      expect(rows).toHaveLength(1);
      expect(rows[0].run_id).toBe(RUN);
      expect(JSON.parse(rows[0].table_counts)).toEqual({ dim_currency: { staged: 3, changed: 1 }, dim_date: { staged: 0, changed: 0 } });
    } finally {
      await pg.close();
    }
  }, 60_000); // PGlite starts in seconds, more on a busy machine
});
