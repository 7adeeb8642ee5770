/**
 * Each generic data-quality test kind, a singular test and source freshness,
 * run by the real runner on a real DuckDB (core/quality): passes on good rows,
 * and fails on one injected violation with the right failing count and keys.
 */
import { execSql } from '../../jobs/lib/adapters/duckdb/duckdb';
import {
  grainColumns,
  loadDeclarations,
  parseDeclarationFile,
  parseSingularTest,
  type ZoneDeclarations,
} from '../../jobs/lib/core/quality/declarations';
import type { QualityResult } from '../../jobs/lib/core/quality/results';
import { runQualityTests } from '../../jobs/lib/core/quality/run-tests';
import { zoneTables } from '../../jobs/lib/definition/tables';
import { givenCleaned, openSqlTestLake, type SqlTestLake } from './sql-test-lake';

const R1 = '20250101t000000z';
const R2 = '20250102t000000z';
const R3 = '20250103t000000z';
const clock = { now: () => new Date('2025-02-26T12:00:00Z') };

let lake: SqlTestLake;
beforeAll(async () => {
  lake = await openSqlTestLake();
});
afterAll(() => lake.close());

/** Declarations of one model from YAML text, with the default sample keys. */
function declared(zone: 'cleaned' | 'transformed', model: string, yaml: string): ZoneDeclarations {
  const file = parseDeclarationFile(zone, model, yaml, `${model}.tests.yaml`);
  const keys = Object.fromEntries(zoneTables(zone).map((t) => [t, grainColumns(zone, t)]));
  return { zone, tests: file.tests, keys, freshness: file.freshness ? [file.freshness] : [] };
}

async function run(zone: 'cleaned' | 'transformed', model: string, yaml: string, runId = R2): Promise<QualityResult[]> {
  return runQualityTests({ runId, declarations: declared(zone, model, yaml) }, { engine: lake.engine, clock });
}

const only = (results: QualityResult[]) => {
  expect(results).toHaveLength(1);
  return results[0];
};

async function table(name: string, ddl: string, rows: string[]): Promise<void> {
  await execSql(lake.conn, `create or replace table transformed.${name} (${ddl}, run_id varchar)`);
  if (rows.length) await execSql(lake.conn, `insert into transformed.${name} values ${rows.join(', ')}`);
}

const currencies = (extra: string[] = []) =>
  table('dim_currency', 'currency_id integer, currency_code varchar, currency_name varchar', [
    `(1, 'GBP', 'British Pound', '${R2}')`,
    `(2, 'USD', 'US Dollar', '${R2}')`,
    `(3, 'EUR', 'Euro', '${R2}')`,
    // The snapshot of an earlier run is not this run's partition.
    `(3, 'EUR', 'Euro', '${R1}')`,
    ...extra,
  ]);

describe('unique', () => {
  const yaml = 'tests:\n  - unique: [currency_code]\n';
  it('passes on distinct values in the run', async () => {
    await currencies();
    expect(only(await run('transformed', 'dim_currency', yaml))).toMatchObject({
      status: 'pass',
      failing_rows: 0,
      sample_keys: [],
    });
  });
  it('fails on one duplicated value, naming it', async () => {
    await currencies([`(4, 'GBP', 'British Pound', '${R2}')`]);
    expect(only(await run('transformed', 'dim_currency', yaml))).toMatchObject({
      test: 'unique_currency_code',
      kind: 'unique',
      severity: 'error',
      status: 'fail',
      failing_rows: 1,
      sample_keys: ['GBP'],
    });
  });
});

describe('not_null', () => {
  const yaml = 'tests:\n  - not_null: [currency_code]\n    severity: warn\n';
  it('passes when every row has the column', async () => {
    await currencies();
    expect(only(await run('transformed', 'dim_currency', yaml)).status).toBe('pass');
  });
  it('fails on one NULL, keyed by the grain; a warn test warns', async () => {
    await currencies([`(7, null, null, '${R2}')`]);
    expect(only(await run('transformed', 'dim_currency', yaml))).toMatchObject({
      status: 'warn',
      severity: 'warn',
      failing_rows: 1,
      sample_keys: ['7'],
    });
  });
});

describe('relationships', () => {
  const yaml = 'tests:\n  - relationships: { column: counterparty_id, to: dim_counterparty, field: counterparty_id }\n';
  const facts = (extra: string[] = []) =>
    table(
      'fact_sales_order',
      'sales_order_id integer, last_updated_date date, last_updated_time varchar, counterparty_id integer',
      [
        `(10, '2025-01-02', '10:00:00.000', 1, '${R2}')`,
        `(11, '2025-01-02', '10:00:00.000', 2, '${R2}')`,
        `(12, '2025-01-02', '10:00:00.000', null, '${R2}')`,
        ...extra,
      ],
    );
  beforeEach(async () => {
    // dim_transaction-style accumulation: key 1 arrived in run 1, key 2 in this run, key 3 only in a later run.
    await table('dim_counterparty', 'counterparty_id integer', [`(1, '${R1}')`, `(2, '${R2}')`, `(3, '${R3}')`]);
  });
  it('passes when every key is in the dimension of this or an earlier run', async () => {
    await facts();
    expect(only(await run('transformed', 'fact_sales_order', yaml))).toMatchObject({ status: 'pass', failing_rows: 0 });
  });
  it('fails on a key missing from the dimension, also one only a later run has', async () => {
    await facts([`(13, '2025-01-02', '11:00:00.000', 3, '${R2}')`]);
    expect(only(await run('transformed', 'fact_sales_order', yaml))).toMatchObject({
      test: 'relationships_counterparty_id_dim_counterparty',
      status: 'fail',
      failing_rows: 1,
      sample_keys: ['13|2025-01-02|11:00:00.000 (counterparty_id=3)'],
    });
  });
});

describe('accepted_values', () => {
  const yaml = 'tests:\n  - accepted_values: { column: transaction_type, values: [SALE, PURCHASE] }\n';
  const rows = (extra: string[] = []) =>
    table('dim_transaction', 'transaction_id integer, transaction_type varchar', [
      `(1, 'SALE', '${R2}')`,
      `(2, 'PURCHASE', '${R2}')`,
      `(3, 'REFUND', '${R1}')`,
      ...extra,
    ]);
  it('passes when every value is listed', async () => {
    await rows();
    expect(only(await run('transformed', 'dim_transaction', yaml)).status).toBe('pass');
  });
  it('fails on one value not listed', async () => {
    await rows([`(4, 'REFUND', '${R2}')`]);
    expect(only(await run('transformed', 'dim_transaction', yaml))).toMatchObject({
      status: 'fail',
      failing_rows: 1,
      sample_keys: ['4 (transaction_type=REFUND)'],
    });
  });
});

describe('expression', () => {
  const yaml = 'tests:\n  - expression: unit_price >= 0\n    name: unit_price_non_negative\n';
  const rows = (extra: string[] = []) =>
    table(
      'fact_sales_order',
      'sales_order_id integer, last_updated_date date, last_updated_time varchar, unit_price decimal(10,2)',
      [`(10, '2025-01-02', '10:00:00.000', 3.94, '${R2}')`, `(11, '2025-01-02', '10:00:00.000', 0, '${R2}')`, ...extra],
    );
  it('passes when the predicate holds on every row', async () => {
    await rows();
    expect(only(await run('transformed', 'fact_sales_order', yaml)).status).toBe('pass');
  });
  it('fails on one row where it is false', async () => {
    await rows([`(12, '2025-01-02', '09:00:00.000', -0.01, '${R2}')`]);
    expect(only(await run('transformed', 'fact_sales_order', yaml))).toMatchObject({
      test: 'unit_price_non_negative',
      status: 'fail',
      failing_rows: 1,
      sample_keys: ['12|2025-01-02|09:00:00.000'],
    });
  });
});

describe('row_count', () => {
  const yaml = 'tests:\n  - row_count: { runs: 3, tolerance: 0.5 }\n    severity: warn\n';
  const declarations = declared('transformed', 'fact_payment', yaml);
  const history = [{ fact_payment: 1000 }, { fact_payment: 100 }, { fact_payment: 120 }, { fact_payment: 80 }];
  const check = (rows: number) =>
    runQualityTests({ runId: R2, declarations, counts: { fact_payment: rows }, history }, { engine: lake.engine, clock });
  it('passes within the tolerance of the median of the last runs', async () => {
    expect(only(await check(60))).toMatchObject({ status: 'pass' });
    expect(only(await check(150))).toMatchObject({ status: 'pass' });
  });
  it('warns on a run far from the median, saying what it compared', async () => {
    const result = only(await check(10));
    expect(result).toMatchObject({ status: 'warn', failing_rows: 1 });
    expect(result.detail).toBe('10 rows against a median of 100 over the last 3 run(s) (allowed 50–150)');
  });
  it('passes the first run (no history), saying there was nothing to compare with', async () => {
    const first = await runQualityTests(
      { runId: R1, declarations, counts: { fact_payment: 5 }, history: [] },
      { engine: lake.engine, clock },
    );
    expect(only(first)).toMatchObject({
      status: 'pass',
      failing_rows: 0,
      detail: '5 rows; no earlier run wrote fact_payment, so there is no median to compare with yet',
    });
  });
  it('leaves runs that wrote no rows of the table out of the median', async () => {
    const withEmpty: Record<string, number>[] = [{ fact_payment: 100 }, { fact_payment: 0 }, { other: 5 }, { fact_payment: 0 }];
    const result = only(
      await runQualityTests(
        { runId: R2, declarations, counts: { fact_payment: 90 }, history: withEmpty },
        { engine: lake.engine, clock },
      ),
    );
    expect(result).toMatchObject({ status: 'pass', detail: '' });
    const onlyEmpty = only(
      await runQualityTests(
        { runId: R2, declarations, counts: { fact_payment: 90 }, history: [{ fact_payment: 0 }] },
        { engine: lake.engine, clock },
      ),
    );
    expect(onlyEmpty).toMatchObject({ status: 'pass' });
    expect(onlyEmpty.detail).toContain('no median to compare with yet');
  });
});

describe('the shipped row_count declarations (warn)', () => {
  const shipped = (zone: 'cleaned' | 'transformed', model: string): ZoneDeclarations => {
    const all = loadDeclarations(zone);
    return { ...all, tests: all.tests.filter((t) => t.model === model && t.test.kind === 'row_count'), freshness: [] };
  };
  const check = (zone: 'cleaned' | 'transformed', model: string, rows: number, history: number[]) =>
    runQualityTests(
      { runId: R3, declarations: shipped(zone, model), counts: { [model]: rows }, history: history.map((n) => ({ [model]: n })) },
      { engine: lake.engine, clock },
    );

  it('are declared on the facts and the order tables', () => {
    const declaredOn = (zone: 'cleaned' | 'transformed') =>
      loadDeclarations(zone)
        .tests.filter((t) => t.test.kind === 'row_count' && t.severity === 'warn')
        .map((t) => t.model)
        .sort();
    expect(declaredOn('transformed')).toEqual(['fact_payment', 'fact_purchase_order', 'fact_sales_order']);
    expect(declaredOn('cleaned')).toEqual(['purchase_order', 'sales_order']);
  });

  it('pass the normal runs of the real data: the full first run, then small incremental ones', async () => {
    // The ToteSys sales_order: 12,836 rows on the first run (the pipeline test's), then runs of the changed orders.
    for (const [rows, history] of [
      [12836, []],
      [2, [12836]],
      [1, [12836, 2]],
      // Daily runs: the source averages about 15 new sales orders a day (12,836 over 2022-11 to 2025-02).
      [35, [12836, 14, 17, 12, 20, 15, 9]],
    ] as const) {
      const [result] = await check('transformed', 'fact_sales_order', rows, [...history]);
      expect([rows, history, result.status]).toEqual([rows, history, 'pass']);
    }
  });

  it('warn on a run of over ten times the usual rows (everything re-extracted)', async () => {
    const [result] = await check('cleaned', 'sales_order', 12836, [12836, 2, 1, 3, 5, 4, 2, 3]);
    expect(result).toMatchObject({ status: 'warn', severity: 'warn', failing_rows: 1 });
    expect(result.detail).toBe('12836 rows against a median of 3 over the last 7 run(s) (allowed 0–30)');
  });
});

describe('singular tests', () => {
  const sql = [
    '-- model: fact_sales_order',
    '-- severity: error',
    'select cast(sales_order_id as varchar) as failing_key',
    'from {{ transformed.fact_sales_order }}',
    'where unit_price > 100',
  ].join('\n');
  it('returns its failing rows through the same placeholders', async () => {
    await table('fact_sales_order', 'sales_order_id integer, unit_price decimal(10,2)', [
      `(10, 3.94, '${R2}')`,
      `(11, 101, '${R2}')`,
      `(12, 500, '${R1}')`,
    ]);
    const test = parseSingularTest('no_huge_prices', sql, 'sql/tests/no_huge_prices.sql');
    const declarations: ZoneDeclarations = { zone: 'transformed', tests: [test], keys: {}, freshness: [] };
    const [result] = await runQualityTests({ runId: R2, declarations }, { engine: lake.engine, clock });
    expect(result).toMatchObject({
      test: 'no_huge_prices',
      kind: 'singular',
      status: 'fail',
      failing_rows: 1,
      sample_keys: ['11'],
    });
  });
  it('needs a model header', () => {
    expect(() => parseSingularTest('x', 'select 1', 'x.sql')).toThrow('needs a "-- model: <table>" header');
  });
});

describe('freshness (frozen clock)', () => {
  const yaml = 'freshness: { warn_after: 1d, error_after: 7d }\n';
  const declarations = declared('cleaned', 'sales_order', yaml);
  const at = (iso: string) =>
    runQualityTests({ runId: R2, declarations }, { engine: lake.engine, clock: { now: () => new Date(iso) } });
  beforeAll(async () => {
    await givenCleaned(lake.conn, 'sales_order', [
      { sales_order_id: '1', last_updated: '2025-02-25 13:26:09.875', run_id: R1 },
      { sales_order_id: '2', last_updated: '2025-02-20 00:00:00', run_id: R2 },
      // A later run is not seen by this run's check.
      { sales_order_id: '3', last_updated: '2025-03-30 00:00:00', run_id: R3 },
    ]);
  });
  it('passes while the newest last_updated is younger than warn_after', async () => {
    expect(only(await at('2025-02-26T13:00:00Z'))).toMatchObject({
      test: 'freshness',
      status: 'pass',
      sample_keys: ['2025-02-25 13:26:09.875'],
    });
  });
  it('warns after warn_after and fails after error_after', async () => {
    expect(only(await at('2025-02-27T13:26:10Z'))).toMatchObject({ status: 'warn', severity: 'warn', failing_rows: 1 });
    const stale = only(await at('2025-03-05T00:00:00Z'));
    expect(stale).toMatchObject({ status: 'fail', severity: 'error' });
    expect(stale.detail).toContain(
      'newest last_updated 2025-02-25 13:26:09.875 is 178.6 h old at 2025-03-05T00:00:00.000Z (error after 168.0 h)',
    );
  });
});

describe('several tests of a zone', () => {
  const fourTests = [
    'tests:',
    '  - unique: [currency_id]',
    '  - unique: [currency_code]',
    '  - not_null: [currency_name]',
    '    severity: warn',
    '  - expression: currency_id < 5',
  ];

  it('run in one query and give each test its own count and keys', async () => {
    await currencies([`(4, 'GBP', null, '${R2}')`, `(5, 'GBP', null, '${R2}')`]);
    const results = await run('transformed', 'dim_currency', fourTests.join('\n'));
    expect(results.map((r) => [r.test, r.status, r.failing_rows, r.sample_keys])).toEqual([
      ['unique_currency_id', 'pass', 0, []],
      ['unique_currency_code', 'fail', 1, ['GBP']],
      ['not_null_currency_name', 'warn', 2, ['4', '5']],
      ['expression_currency_id_5', 'fail', 1, ['5']],
    ]);
  });

  it("run in batches of the engine's testsPerQuery, with the same results as one query", async () => {
    await currencies([`(4, 'GBP', null, '${R2}')`, `(5, 'GBP', null, '${R2}')`]);
    const yaml = [...fourTests, '  - expression: currency_id < 4'].join('\n');
    const declarations = declared('transformed', 'dim_currency', yaml);
    const queried: string[] = [];
    const counting = (testsPerQuery: number | undefined) => ({
      testsPerQuery,
      render: (sql: string, runId: string) => lake.engine.render(sql, runId),
      query: (sql: string) => {
        queried.push(sql);
        return lake.engine.query(sql);
      },
    });
    const summary = (results: QualityResult[]) => results.map((r) => [r.test, r.status, r.failing_rows, r.sample_keys]);

    const whole = await runQualityTests({ runId: R2, declarations }, { engine: counting(undefined), clock });
    expect(queried).toHaveLength(1);
    queried.length = 0;
    const batched = await runQualityTests({ runId: R2, declarations }, { engine: counting(2), clock });
    // 2 + 2 in a query each; the fifth runs alone.
    expect(queried).toHaveLength(3);
    expect(summary(batched)).toEqual(summary(whole));
    expect(summary(batched)[4]).toEqual(['expression_currency_id_4', 'fail', 2, ['4', '5']]);
  });

  it('are bounded per query on DuckDB (memory of the embedded default)', () => {
    expect(lake.engine.testsPerQuery).toBeGreaterThan(1);
    expect(lake.engine.testsPerQuery).toBeLessThanOrEqual(16);
  });

  it('name the test whose SQL fails, when one does', async () => {
    await currencies();
    const yaml = 'tests:\n  - unique: [currency_id]\n  - expression: no_such_column > 0\n    name: broken\n';
    await expect(run('transformed', 'dim_currency', yaml)).rejects.toThrow(
      'data-quality test broken on transformed.dim_currency cannot run',
    );
  });
});

describe('declarations', () => {
  it('refuses a column the model does not have and an unknown test', () => {
    expect(() => declared('transformed', 'dim_currency', 'tests:\n  - unique: [currency]\n')).toThrow(
      'transformed.dim_currency has no column currency',
    );
    expect(() => declared('transformed', 'dim_currency', 'tests:\n  - uniq: [currency_id]\n')).toThrow(
      'not a valid test declaration',
    );
    expect(() =>
      declared(
        'transformed',
        'fact_payment',
        'tests:\n  - relationships: { column: currency_id, to: fact_sales_order, field: currency_id }\n',
      ),
    ).toThrow('must point at a dimension');
  });
});
