/**
 * The DuckDB rendering of every shim, evaluated on real DuckDB over the edge
 * cases the source exports produce (docs/architecture.md "Data contracts").
 */
import { openDuckDb, queryRows, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { renderModel } from '../../jobs/lib/core/sql/render';
import { SHIMS } from '../../jobs/lib/core/sql/shims';

let conn: DuckDBConnection;
let close: () => void;
beforeAll(async () => {
  ({ conn, close } = await openDuckDb());
});
afterAll(() => close());

/** Evaluates `{{ shim(<literal>) }}` for each input on DuckDB and returns the results. */
async function evaluate(shim: string, inputs: (string | null)[]): Promise<unknown[]> {
  const values = inputs.map((v) => (v === null ? '(cast(null as varchar))' : `('${v.replace(/'/g, "''")}')`)).join(', ');
  const sql = renderModel(`select {{ ${shim}(input) }} as result from (values ${values}) as given (input)`, {
    engine: 'duckdb',
    runId: '20250101t000000z',
    relation: () => 'unused',
  });
  const rows = await queryRows(conn, `select result from (select row_number() over () as n, * from (${sql})) order by n`);
  return rows.map((r) => r.result);
}

describe('DuckDB shims', () => {
  it('text_to_int accepts whole numbers, float-ified included, and nothing else', async () => {
    expect(
      await evaluate('text_to_int', ['12', '2.0', '7.00', ' 3 ', '-4', '2.5', 'abc', '', '99999999999', '1e3', null]),
    ).toEqual([12, 2, 7, 3, -4, null, null, null, null, null, null]);
  });

  it('text_to_decimal parses plain decimals to decimal(10,2), rounding extra digits, and rejects overflow', async () => {
    expect(
      await evaluate('text_to_decimal', [
        '552548.62',
        '3.94',
        '3.9',
        '12',
        '3.945',
        '-1.5',
        '12345678.99',
        '123456789.12',
        'abc',
        '1e3',
        null,
      ]),
    ).toEqual(['552548.62', '3.94', '3.90', '12.00', '3.95', '-1.50', '12345678.99', null, null, null, null]);
  });

  it('text_to_timestamp reads both source forms at millisecond precision and rejects anything else', async () => {
    expect(
      await evaluate('text_to_timestamp', [
        '2022-11-03T14:20:52.186',
        '2022-11-03 14:20:52.187000',
        '2022-11-03 14:20:52.187999',
        '2022-11-03T14:20:52',
        '2022-11-03',
        '2022-13-03T14:20:52.186',
        'now',
        null,
      ]),
    ).toEqual([
      '2022-11-03 14:20:52.186',
      '2022-11-03 14:20:52.187',
      '2022-11-03 14:20:52.187',
      '2022-11-03 14:20:52',
      null,
      null,
      null,
      null,
    ]);
  });

  it('text_to_date reads yyyy-mm-dd real calendar days only', async () => {
    expect(
      await evaluate('text_to_date', ['2022-11-04', '2024-02-29', '2023-02-29', '04/11/2022', '2022-11-04T00:00:00', null]),
    ).toEqual(['2022-11-04', '2024-02-29', null, null, null, null]);
  });

  it('time_of_day_text always prints three decimals', async () => {
    const rows = await queryRows(
      conn,
      renderModel(
        "select {{ time_of_day_text(timestamp '2022-11-03 14:20:52.186') }} as a, {{ time_of_day_text(timestamp '2022-11-03 04:05:06') }} as b",
        { engine: 'duckdb', runId: '20250101t000000z', relation: () => 'unused' },
      ),
    );
    expect(rows).toEqual([{ a: '14:20:52.186', b: '04:05:06.000' }]);
  });

  it('iso_day_of_week is Monday 1 … Sunday 7', async () => {
    const rows = await queryRows(
      conn,
      renderModel(
        "select {{ iso_day_of_week(date '2022-10-31') }} as monday, {{ iso_day_of_week(date '2022-11-03') }} as thursday, {{ iso_day_of_week(date '2022-11-06') }} as sunday",
        { engine: 'duckdb', runId: '20250101t000000z', relation: () => 'unused' },
      ),
    );
    expect(rows).toEqual([{ monday: 1, thursday: 4, sunday: 7 }]);
  });

  it('date_spine yields every day inclusive, and nothing for null bounds', async () => {
    const spine = (a: string, b: string) =>
      renderModel(
        `select cast(spine.d as date) as d from (select ${a} as a, ${b} as b) bounds cross join {{ date_spine(bounds.a, bounds.b) }} as spine (d) order by 1`,
        { engine: 'duckdb', runId: '20250101t000000z', relation: () => 'unused' },
      );
    expect((await queryRows(conn, spine("date '2024-02-27'", "date '2024-03-01'"))).map((r) => r.d)).toEqual([
      '2024-02-27',
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
    expect(await queryRows(conn, spine('cast(null as date)', 'cast(null as date)'))).toEqual([]);
  });

  it('utf8_bytes counts the bytes of the UTF-8 encoding, not the characters', async () => {
    // 'Zł€' is 3 characters of 1, 2 and 3 bytes; '😀' one character of 4 bytes.
    expect(await evaluate('utf8_bytes', ['abc', 'Zł€', '😀', '', null])).toEqual([3, 6, 4, 0, null]);
  });

  it('every shim has an Athena rendering and a description', () => {
    for (const [name, shim] of Object.entries(SHIMS)) {
      const args = shim.params.map((p) => `(${p})`);
      expect([name, shim.render.athena(args).length > 0, shim.description.length > 0]).toEqual([name, true, true]);
      expect(shim.render.athena(args)).not.toEqual(shim.render.duckdb(args));
    }
  });
});
