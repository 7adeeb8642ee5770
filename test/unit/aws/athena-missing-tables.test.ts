/**
 * The Athena engine with the catalog's table names (`tables` option): a model
 * reading a table the zone database does not hold yet reads an empty relation
 * instead, and a table that is there still reads its run's partition.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { TransientError } from '../../../jobs/lib/core/errors';
import type { Zone } from '../../../jobs/lib/definition/zones';
import { loadModels } from '../../../jobs/lib/core/sql/models';
import { CURRENCY_MODEL, RAW_CURRENCY, RUN, athenaEngine, currencyCtas, fakeAthena } from './athena-fake';
import { trinoParser } from './trino-parser';

const athena = mockClient(AthenaClient);

/** An engine whose catalog holds `present` (zone → table names); records each lookup. */
function engine(present?: Partial<Record<Zone, string[]>>, lookup?: (zone: Zone) => Promise<ReadonlySet<string>>) {
  const asked: Zone[] = [];
  const tables =
    lookup ??
    (present
      ? async (zone: Zone) => {
          asked.push(zone);
          return new Set(present[zone] ?? []);
        }
      : undefined);
  return { e: athenaEngine(tables ? { tables } : {}).engine, asked };
}

/** Raw currency as landed text, with no rows. */
const EMPTY_RAW_CURRENCY =
  '(select cast(null as varchar) as currency_id, cast(null as varchar) as currency_code, ' +
  'cast(null as varchar) as created_at, cast(null as varchar) as last_updated, cast(null as varchar) as run_id where 1 = 0)';

beforeEach(() => athena.reset());

describe('AthenaQueryEngine with the catalog tables', () => {
  it('reads a raw table never crawled as an empty relation, the CTAS otherwise unchanged', async () => {
    const fake = fakeAthena(athena);
    const { e, asked } = engine({ raw: ['address', 'sales_order'] });
    expect(await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN })).toEqual({
      table: 'currency',
      runId: RUN,
      rows: 0,
      rejects: 0,
    });
    const ctas = fake.sqls().filter((s) => s.startsWith('create table'));
    expect(ctas).toHaveLength(2);
    expect(ctas[0]).toBe(currencyCtas(EMPTY_RAW_CURRENCY));
    expect(ctas[1]).toContain(`from ${EMPTY_RAW_CURRENCY}\n) m\nwhere m."reject_reason" is not null`);
    for (const sql of fake.sqls()) {
      expect(sql).not.toContain('"lakehouse_raw"');
      expect(trinoParser().validate(sql)).toEqual([]);
    }
    expect(asked).toEqual(['raw']);
  });

  it('still reads a crawled table as its run partition, exactly as without the option', async () => {
    const withCatalog = fakeAthena(athena);
    const { asked, e } = engine({ raw: ['currency'] });
    await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(withCatalog.sqls()[1]).toBe(currencyCtas(RAW_CURRENCY));
    expect(asked).toEqual(['raw']);

    athena.reset();
    const without = fakeAthena(athena);
    await engine().e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(without.sqls()).toEqual(withCatalog.sqls());
    expect(without.started.map((s) => s.input.ClientRequestToken)).toEqual(
      withCatalog.started.map((s) => s.input.ClientRequestToken),
    );
  });

  it('gives the empty-relation CTAS its own token, so a cached TABLE_NOT_FOUND is never reused', async () => {
    const present = fakeAthena(athena);
    await engine({ raw: ['currency'] }).e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    athena.reset();
    const missing = fakeAthena(athena);
    await engine({ raw: [] }).e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    expect(missing.started[1].input.ClientRequestToken).not.toBe(present.started[1].input.ClientRequestToken);
  });

  it('mixes present and missing cleaned tables in a transformed model', async () => {
    // dim_date reads every run of cleaned sales_order, purchase_order and payment.
    const model = loadModels('transformed').find((m) => m.table === 'dim_date')!;
    const fake = fakeAthena(athena);
    const { e, asked } = engine({ cleaned: ['sales_order', 'purchase_order', 'currency'] });
    await e.materialize({ zone: 'transformed', table: model.table, sql: model.sql, runId: RUN });
    const ctas = fake.sqls().find((s) => s.startsWith('create table'))!;
    expect(ctas).toContain(`(select * from "lakehouse_cleaned"."sales_order" where run_id <= '${RUN}')`);
    expect(ctas).toContain(`(select * from "lakehouse_cleaned"."purchase_order" where run_id <= '${RUN}')`);
    expect(ctas).not.toContain('"lakehouse_cleaned"."payment"');
    expect(ctas).toContain(
      '(select cast(null as integer) as payment_id, cast(null as timestamp) as created_at, cast(null as timestamp) as last_updated, ',
    );
    expect(trinoParser().validate(ctas)).toEqual([]);
    expect(asked).toEqual(['cleaned']);
  });

  it('asks the catalog afresh on every materialize call, and not at all for a model reading no table', async () => {
    fakeAthena(athena);
    const { e, asked } = engine({ raw: ['currency'] });
    await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN });
    await e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: '20250225t140000z' });
    expect(asked).toEqual(['raw', 'raw']);
    await e.materialize({ zone: 'transformed', table: 'dim_currency', sql: 'select 1 as currency_id', runId: RUN });
    expect(asked).toEqual(['raw', 'raw']);
  });

  it('fails before any query when the catalog lookup fails, and renders before asking', async () => {
    const failing = engine(undefined, async () => {
      throw new TransientError('glue GetTables lakehouse_raw: throttled');
    });
    await expect(
      failing.e.materialize({ zone: 'cleaned', table: 'currency', sql: CURRENCY_MODEL, runId: RUN }),
    ).rejects.toBeInstanceOf(TransientError);
    const { e, asked } = engine({ raw: ['currency'] });
    await expect(
      e.materialize({ zone: 'cleaned', table: 'currency', sql: 'select * from {{ raw.nope }}', runId: RUN }),
    ).rejects.toThrow(/unknown table/);
    expect(asked).toEqual([]);
    expect(athena.calls()).toHaveLength(0);
  });
});
