/**
 * The reconcile Lambda: the source is the real PostgreSQL server
 * (TEST_DATABASE_URL), S3 the in-memory fake, Glue and Athena SDK mocks.
 * Athena cannot run here, so its answers are given per query (the comparison
 * and the deleted rows); what is checked is what the handler sends it
 * (Trino SQL that parses, the key table's DDL over the scratch folder, the
 * drop after) and what it does with the answers (re-reads the differing keys
 * from the real source and writes them as a run). That the comparison SQL
 * finds the right keys is checked on DuckDB by test/integration/reconcile.test.ts.
 */
import '../handler-env';
import { AthenaClient, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTableCommand, GetTablesCommand, GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { gunzipSync } from 'node:zlib';
import { handler, logger } from '../../../../jobs/reconcile/handler';
import { fakeAthena } from '../athena-fake';
import { BUCKETS, DATABASES } from '../handler-env';
import { awsError, runAt } from '../helpers';
import { fakeS3 } from '../s3-fake';
import { trinoParser } from '../trino-parser';
import { fixture, lambdaContext, withLogLines } from './fixtures';
import { UNSET_SERVER_URL } from '../../../support/pg-test-db';
import { currencySource } from './currency-source';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const glue = mockClient(GlueClient);
const athena = mockClient(AthenaClient);
const serverUrl = process.env.TEST_DATABASE_URL;

beforeEach(() => {
  s3.reset();
  secrets.reset();
  glue.reset();
  athena.reset();
  glue.on(GetTableCommand).rejects(awsError('EntityNotFoundException', 400));
  glue.on(GetTablesCommand).resolves({ TableList: [{ Name: 'currency' }] });
});

type Cell = string | number | boolean | null;
/** An Athena result set: the header row, then the rows, cells typed by `types`. */
function resultSet(types: Record<string, string>, rows: Record<string, Cell>[]) {
  const names = Object.keys(types);
  return {
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: names.map((Name) => ({ Name, Type: types[Name] })) },
      Rows: [
        { Data: names.map((n) => ({ VarCharValue: n })) },
        ...rows.map((r) => ({ Data: names.map((n) => (r[n] === null ? {} : { VarCharValue: String(r[n]) })) })),
      ],
    },
  };
}

describe('reconcile handler (no source needed)', () => {
  it('rejects the sweep tick before reading the secret', async () => {
    expect(await handler(fixture('scheduled-tick-sweep'), lambdaContext('reconcile'))).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/starts no reconcile route/) },
    });
    expect(secrets.calls()).toHaveLength(0);
  });
});

(serverUrl ? describe : describe.skip)('reconcile handler against postgres', () => {
  const url = serverUrl ?? UNSET_SERVER_URL;
  const { url: dbUrl } = currencySource(url, 'reconcile_handler', ['GBP', 'CHF', 'EUR']);

  it('refuses while a failed run is in the chain (its rows are not in the cleaned zone; it needs a person), before any query', async () => {
    const lake = fakeS3(s3);
    const run = '20250225t132609z';
    const at = new Date().toISOString();
    const failed = runAt(run, 'extracted', at, { failed: { step: 'transform', at, error: 'bad SQL' } });
    lake.put(BUCKETS.raw, `_ledger/runs/${run}.json`, JSON.stringify(failed));
    lake.put(BUCKETS.raw, `_ledger/open/${run}.json`, '{}');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
    const out = await handler(fixture('scheduled-tick-reconcile'), lambdaContext('reconcile'));
    expect(out).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/still in the chain/) } });
    expect(athena.calls()).toHaveLength(0);
  });
  it('compares on Athena over a key table of the scratch file, then writes the differences as a run', async () => {
    const lake = fakeS3(s3);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: dbUrl }) });
    const queries = fakeAthena(athena);
    let scratch: { key: string; text: string } | undefined;
    athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }: { QueryExecutionId: string }) => {
      const sql = queries.started.find((s) => s.id === QueryExecutionId)!.input.QueryString!;
      if (sql.includes('full outer join')) {
        // The scratch key file is in place while Athena compares.
        const key = lake.keys(BUCKETS.raw, '_reconcile/').find((k) => k.endsWith('/currency/keys.tsv'))!;
        scratch = { key, text: lake.get(BUCKETS.raw, key)! };
        // Lake says: key 2 differs (USD then, CHF now, last_updated unchanged); key 9 is gone from the source.
        return resultSet(
          { k: 'varchar', op: 'varchar', version: 'varchar', in_source: 'boolean', live_in_lake: 'boolean', differs: 'boolean' },
          [
            { k: '2', op: 'update', version: '2022-11-03T14:20:49.962', in_source: true, live_in_lake: true, differs: true },
            { k: '9', op: 'delete', version: '2022-11-03T14:20:49.962', in_source: false, live_in_lake: true, differs: true },
          ],
        );
      }
      if (sql.includes('not in (select k from')) {
        return resultSet({ currency_id: 'integer', currency_code: 'varchar', created_at: 'varchar', last_updated: 'varchar' }, [
          {
            currency_id: 9,
            currency_code: 'JPY',
            created_at: '2022-11-03T14:20:49.962',
            last_updated: '2022-11-03T14:20:49.962',
          },
        ]);
      }
      return { ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } }; // DDL
    });

    const { result: out, lines } = await withLogLines(logger, () =>
      handler(fixture('scheduled-tick-reconcile'), lambdaContext('reconcile')),
    );
    expect(lines.filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(out).toMatchObject({
      status: 'ok',
      result: { tables: { currency: { compared: 3, lakeKeys: 4, inserted: 0, changed: 1, deleted: 1 } } },
    });
    const runId = (out as { result: { runId: string } }).result.runId;

    // The source's keys and row texts went to the scratch folder, one `<key>\t<row text>` line per row
    // (core/row-text.ts: the columns but last_updated, joined by the unit separator).
    expect(scratch!.key).toBe(`_reconcile/${runId}/currency/keys.tsv`);
    expect(
      scratch!.text
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0])
        .sort(),
    ).toEqual(['1', '2', '3']);
    // Row text: id, code and created_at joined by the unit separator (chr 31).
    for (const line of scratch!.text.trim().split('\n')) {
      const [key, text] = line.split('\t');
      const [id, code, createdAt] = text.split(String.fromCharCode(31));
      expect(id).toBe(key);
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(createdAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?$/);
    }

    // Athena: drop a leftover, create the key table over the scratch folder, compare, drop it.
    const sqls = queries.sqls();
    const table = `tmp_reconcile_currency_${runId}`;
    expect(sqls[0]).toBe(`drop table if exists \`${DATABASES.cleaned}\`.\`${table}\``);
    expect(sqls[1]).toBe(
      [
        `create external table \`${DATABASES.cleaned}\`.\`${table}\` (k string, row_text string)`,
        "row format delimited fields terminated by '\\t'",
        'stored as textfile',
        `location 's3://${BUCKETS.raw}/_reconcile/${runId}/currency/'`,
      ].join('\n'),
    );
    expect(sqls.at(-1)).toBe(sqls[0]);
    const selects = sqls.filter((s) => !/^(drop|create) /.test(s));
    expect(selects).toHaveLength(2);
    for (const sql of selects) {
      expect(sql).toContain(`"${DATABASES.cleaned}"."${table}"`);
      expect(sql).toContain(`"${DATABASES.cleaned}"."currency"`);
      expect({ sql, errors: trinoParser().validate(sql) }).toEqual({ sql, errors: [] });
    }
    for (const { input } of athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0])) {
      expect(input).toMatchObject({ WorkGroup: 'lakehouse', QueryExecutionContext: { Database: DATABASES.cleaned } });
    }

    // The run: key 2 re-read from the source (its new value, versioned after the lake's), key 9 a delete.
    const part = gunzipSync(lake.objects.get(`${BUCKETS.raw}/currency/run_id=${runId}/part-00000.jsonl.gz`)!.body)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(part.map((r) => [r.currency_id, r.currency_code, r._op])).toEqual([
      [2, 'CHF', 'update'],
      [9, 'JPY', 'delete'],
    ]);
    for (const row of part) expect(String(row.last_updated) > '2022-11-03T14:20:49.962').toBe(true);
    const manifest = JSON.parse(lake.get(BUCKETS.raw, `_manifests/${runId}.json`)!);
    expect(manifest).toMatchObject({ runId, origin: 'reconcile', tables: { currency: { rows: 2 } } });
    expect(JSON.parse(lake.get(BUCKETS.raw, `_ledger/runs/${runId}.json`)!)).toMatchObject({
      origin: 'reconcile',
      stage: 'extracted',
    });
    // The scratch file is gone.
    expect(lake.keys(BUCKETS.raw, '_reconcile/')).toEqual([]);
  });
});
