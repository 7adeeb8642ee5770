import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { TerminalError, TransientError } from '../../../jobs/lib/core/errors';
import { AthenaQueryFailedError, requestToken } from '../../../jobs/lib/adapters/aws/athena-query-engine';
import { CURRENCY_MODEL, NOW, RAW_CURRENCY, RUN, athenaEngine, currencyCtas, fakeAthena as fakeAthenaOn } from './athena-fake';
import { awsError, fakeSleep } from './helpers';

const athena = mockClient(AthenaClient);
const fakeAthena = (options: Parameters<typeof fakeAthenaOn>[1] = {}) => fakeAthenaOn(athena, options);

function engine(extra: { maxAttempts?: number } = {}) {
  const { sleep, delays } = fakeSleep();
  const { engine: e, stores } = athenaEngine({
    outputLocation: 's3://lake-athena-results/',
    poll: { initialDelayMs: 200, maxDelayMs: 1000, timeoutMs: 60_000, sleep },
    ...extra,
  });
  return { e, stores, delays };
}

beforeEach(() => athena.reset());

describe('AthenaQueryEngine.materialize', () => {
  it('sends exactly: drop, CTAS, count, drop, for the rows and then the rejects of a cleaned model', async () => {
    const fake = fakeAthena({ counts: { tmp_currency: 3, tmp_currency_rejects: 1 } });
    const { e } = engine();
    const result = await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(result).toEqual({ table: 'currency', runId: RUN, rows: 3, rejects: 1 });
    const sqls = fake.sqls();
    expect(sqls).toHaveLength(8);
    expect(sqls[0]).toBe(`drop table if exists "lakehouse_cleaned"."tmp_currency_${RUN}"`);
    expect(sqls[1]).toBe(currencyCtas(RAW_CURRENCY));
    expect(sqls[2]).toBe(`select count(*) as "rows" from "lakehouse_cleaned"."tmp_currency_${RUN}"`);
    expect(sqls[3]).toBe(`drop table if exists "lakehouse_cleaned"."tmp_currency_${RUN}"`);
    expect(sqls[4]).toBe(`drop table if exists "lakehouse_cleaned"."tmp_currency_rejects_${RUN}"`);
    expect(sqls[5]).toContain(`create table "lakehouse_cleaned"."tmp_currency_rejects_${RUN}"`);
    expect(sqls[5]).toContain(`    external_location = 's3://lake-cleaned/_rejects/currency/run_id=${RUN}/cleaned/'`);
    expect(sqls[5]).toContain("    format = 'JSON',\n    write_compression = 'GZIP',");
    expect(sqls[5]).toContain('  cast(m."reject_original" as varchar) as "original"\nfrom (');
    expect(sqls[5].endsWith('where m."reject_reason" is not null')).toBe(true);
    expect(sqls[6]).toBe(`select count(*) as "rows" from "lakehouse_cleaned"."tmp_currency_rejects_${RUN}"`);
    expect(sqls[7]).toBe(`drop table if exists "lakehouse_cleaned"."tmp_currency_rejects_${RUN}"`);
    for (const s of fake.started) {
      expect(s.input.WorkGroup).toBe('lakehouse');
      expect(s.input.QueryExecutionContext).toEqual({ Database: 'lakehouse_cleaned' });
      expect(s.input.ResultConfiguration).toEqual({ OutputLocation: 's3://lake-athena-results/' });
      expect(s.input.ClientRequestToken).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(new Set(fake.started.map((s) => s.input.ClientRequestToken)).size).toBe(8);
  });

  it('writes a transformed model once, with no rejects query and no partitioning', async () => {
    const fake = fakeAthena({ counts: { tmp_dim_currency: 3 } });
    const { e } = engine();
    const sql = `select currency_id, currency_code, 'x' as currency_name from {{ cleaned.currency:all }}`;
    expect(await e.materialize({ zone: 'transformed', table: 'dim_currency', sql, runId: RUN })).toEqual({
      table: 'dim_currency',
      runId: RUN,
      rows: 3,
      rejects: 0,
    });
    expect(fake.sqls()).toHaveLength(4);
    expect(fake.sqls()[1]).toContain(`external_location = 's3://lake-transformed/dim_currency/run_id=${RUN}/'`);
    expect(fake.sqls()[1]).toContain(`from (select * from "lakehouse_cleaned"."currency" where run_id <= '${RUN}')`);
    expect(fake.sqls()[1]).not.toMatch(/partitioned_by|bucketed_by/);
    expect(fake.started[1].input.QueryExecutionContext).toEqual({ Database: 'lakehouse_transformed' });
  });

  it('uses the same tokens for the same run and location state, and new ones for another run', async () => {
    const first = fakeAthena();
    await engine().e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    const tokens = first.started.map((s) => s.input.ClientRequestToken);
    athena.reset();
    const second = fakeAthena();
    await engine().e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(second.started.map((s) => s.input.ClientRequestToken)).toEqual(tokens);
    athena.reset();
    const other = fakeAthena();
    await engine().e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: '20250225t140000z' });
    expect(other.started.map((s) => s.input.ClientRequestToken).some((t) => tokens.includes(t))).toBe(false);
    expect(requestToken(['a', 'b'])).not.toBe(requestToken(['ab']));
  });

  it('clears files already at the run location before the CTAS, under a new token', async () => {
    const fake = fakeAthena();
    const { e, stores } = engine();
    stores.cleaned.objects.add(`currency/run_id=${RUN}/old-file.parquet`);
    stores.cleaned.objects.add(`currency/run_id=${RUN}_2/other-run.parquet`);
    await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(stores.cleaned.cleared).toEqual([`currency/run_id=${RUN}/`]);
    expect([...stores.cleaned.objects]).toEqual([`currency/run_id=${RUN}_2/other-run.parquet`]);
    athena.reset();
    const clean = fakeAthena();
    await engine().e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(clean.started[1].input.ClientRequestToken).not.toBe(fake.started[1].input.ClientRequestToken);
  });

  it('waits with bounded exponential backoff', async () => {
    fakeAthena({ polls: 3 });
    const { e, delays } = engine();
    await e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    // 4 queries, each RUNNING three times: 200, 400, 800 ms between checks.
    expect(delays).toEqual([200, 400, 800, 200, 400, 800, 200, 400, 800, 200, 400, 800]);
  });

  it('reports a failed CTAS as a terminal error with Athena reason and the query', async () => {
    fakeAthena({
      outcome: (sql) =>
        sql.startsWith('create table')
          ? {
              State: 'FAILED',
              StateChangeReason: 'x',
              AthenaError: {
                ErrorCategory: 2,
                ErrorType: 1301,
                Retryable: false,
                ErrorMessage: "COLUMN_NOT_FOUND: line 3:5: Column 'nope' cannot be resolved",
              },
            }
          : undefined,
    });
    const { e } = engine();
    const failure = e.materialize({
      zone: 'transformed',
      table: 'dim_currency',
      sql: 'select nope from {{ cleaned.currency }}',
      runId: RUN,
    });
    await expect(failure).rejects.toBeInstanceOf(AthenaQueryFailedError);
    await expect(failure).rejects.toThrow(
      /COLUMN_NOT_FOUND.*cannot be resolved \(error type 1301\)[\s\S]*--- query ---\ncreate table/,
    );
  });

  it('retries a failure Athena marks retryable with a new token, then gives up as transient', async () => {
    let failures = 1;
    const fake = fakeAthena({
      outcome: (sql) =>
        sql.startsWith('create table') && failures-- > 0
          ? { State: 'FAILED', AthenaError: { ErrorCategory: 1, Retryable: true, ErrorMessage: 'Slow down' } }
          : undefined,
    });
    await engine().e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    const ctas = fake.started.filter((s) => s.input.QueryString!.startsWith('create table'));
    expect(ctas).toHaveLength(2);
    expect(ctas[0].input.ClientRequestToken).not.toBe(ctas[1].input.ClientRequestToken);

    athena.reset();
    fakeAthena({
      outcome: (sql) =>
        sql.startsWith('create table')
          ? { State: 'FAILED', AthenaError: { Retryable: true, ErrorMessage: 'Slow down' } }
          : undefined,
    });
    await expect(
      engine({ maxAttempts: 3 }).e.materialize({
        zone: 'transformed',
        table: 'dim_currency',
        sql: 'select 1 as currency_id',
        runId: RUN,
      }),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('follows a cached failure from an earlier invocation with a fresh execution', async () => {
    const fake = fakeAthena({
      outcome: (sql, id) =>
        sql.startsWith('create table') && id === 'q-2'
          ? {
              State: 'FAILED',
              SubmissionDateTime: new Date(NOW.getTime() - 3_600_000),
              AthenaError: { ErrorMessage: "TABLE_NOT_FOUND: Table 'lakehouse_cleaned.currency' does not exist" },
            }
          : undefined,
    });
    await engine().e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    expect(fake.started.filter((s) => s.input.QueryString!.startsWith('create table')).map((s) => s.id)).toEqual(['q-2', 'q-3']);
  });

  it('clears and retries once when Athena finds the location or table already there', async () => {
    let first = true;
    const fake = fakeAthena({
      outcome: (sql) => {
        if (!sql.startsWith('create table') || !first) return undefined;
        first = false;
        return {
          State: 'FAILED',
          AthenaError: { ErrorMessage: 'HIVE_PATH_ALREADY_EXISTS: Target directory for table already exists' },
        };
      },
    });
    await engine().e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    expect(fake.sqls().filter((s) => s.startsWith('drop table'))).toHaveLength(3);
    expect(fake.sqls().filter((s) => s.startsWith('create table'))).toHaveLength(2);
  });

  it('after an invocation timed out on a running CTAS, a retry stops that query before it clears the location, and writes it once', async () => {
    // The first CTAS never finishes by itself: the first invocation gives up waiting (transient).
    let firstCtas: string | undefined;
    const fake = fakeAthena({
      outcome: (sql, id) => {
        if (!sql.startsWith('create table')) return undefined;
        firstCtas ??= id;
        return id === firstCtas ? { State: 'RUNNING' } : undefined;
      },
    });
    const shortWait = { initialDelayMs: 200, maxDelayMs: 1000, timeoutMs: 5_000, sleep: fakeSleep().sleep };
    const first = athenaEngine({ poll: shortWait });
    await expect(
      first.engine.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(fake.stopped).toEqual([]);

    // The retry (a new invocation, minutes later, the first CTAS's files now partly there) stops it first.
    const retry = athenaEngine({ poll: shortWait, now: () => new Date(NOW.getTime() + 16 * 60_000) });
    retry.stores.transformed.objects.add(`dim_currency/run_id=${RUN}/partial-file`);
    const calls: string[] = [];
    const clear = retry.stores.transformed.deletePrefix.bind(retry.stores.transformed);
    retry.stores.transformed.deletePrefix = async (prefix: string) => {
      calls.push(`clear after stopping ${fake.stopped.join(',')}`);
      return clear(prefix);
    };
    await retry.engine.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    expect(fake.stopped).toEqual([firstCtas]);
    expect(calls).toEqual([`clear after stopping ${firstCtas}`]);
    const ctasIds = fake.started.filter((s) => s.input.QueryString!.startsWith('create table')).map((s) => s.id);
    expect(new Set(ctasIds).size).toBe(2); // the stopped one, and the one that wrote the location
  });

  it('makes throttling of StartQueryExecution transient and refuses bad names before calling Athena', async () => {
    athena.on(StartQueryExecutionCommand).rejects(awsError('TooManyRequestsException', 400));
    const { e } = engine();
    await expect(
      e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1', runId: RUN }),
    ).rejects.toBeInstanceOf(TransientError);
    athena.reset();
    await expect(
      e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1', runId: 'not-a-run' }),
    ).rejects.toThrow(/run id/);
    await expect(e.materialize({ zone: 'transformed', table: 'Bad-Name', sql: 'select 1', runId: RUN })).rejects.toThrow(
      /identifier/,
    );
    await expect(
      e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select * from {{ cleaned.nope }}', runId: RUN }),
    ).rejects.toBeInstanceOf(TerminalError);
    expect(athena.calls()).toHaveLength(0);
  });
});

describe('AthenaQueryEngine.query', () => {
  it('returns every page of rows, typed by column type, with a fresh token each time', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-adhoc' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED', SubmissionDateTime: NOW } } });
    const columns = [
      { Name: 'sales_order_id', Type: 'integer' },
      { Name: 'unit_price', Type: 'decimal' },
      { Name: 'paid', Type: 'boolean' },
      { Name: 'note', Type: 'varchar' },
    ];
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        NextToken: 'n2',
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [
            {
              Data: [
                { VarCharValue: 'sales_order_id' },
                { VarCharValue: 'unit_price' },
                { VarCharValue: 'paid' },
                { VarCharValue: 'note' },
              ],
            },
            { Data: [{ VarCharValue: '1' }, { VarCharValue: '3.50' }, { VarCharValue: 'true' }, {}] },
          ],
        },
      })
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [{ Data: [{ VarCharValue: '2' }, { VarCharValue: '4.00' }, { VarCharValue: 'false' }, { VarCharValue: 'x' }] }],
        },
      })
      .resolves({ ResultSet: { Rows: [] } });
    const { e } = engine();
    const rows = await e.query('select * from cleaned.sales_order');
    expect(rows).toEqual([
      { sales_order_id: 1, unit_price: '3.50', paid: true, note: null },
      { sales_order_id: 2, unit_price: '4.00', paid: false, note: 'x' },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'n2']);
    await e.query('select 1');
    const tokens = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});
