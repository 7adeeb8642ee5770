/**
 * `{{ cleaned.<table>:latest }}`: the latest version of every key (primary key
 * from tables.ts) among the runs up to the one rendered, on DuckDB over given
 * rows, and its rendering and errors.
 */
import { queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { TerminalError } from '../../jobs/lib/core/errors';
import { renderModel, type RenderContext } from '../../jobs/lib/core/sql/render';
import { givenCleaned, openSqlTestLake, type GivenRow, type SqlTestLake } from './sql-test-lake';

const RUN_1 = '20250101t000000z';
const RUN_2 = '20250201t000000z';
const RUN_3 = '20250301t000000z';

let lake: SqlTestLake;
beforeAll(async () => {
  lake = await openSqlTestLake();
});
afterAll(() => lake.close());

// The given cleaned tables have no change_op column (as files written before it): they read as upserts.
const context = (runId: string): RenderContext => ({
  engine: 'duckdb',
  runId,
  relation: (z, t) => `${z}.${t}`,
  hasColumn: () => false,
});

/** Rows of `{{ cleaned.staff:latest }}` rendered for `runId`, as [staff_id, first_name, last_updated, run_id]. */
async function latestStaff(runId: string) {
  const sql = renderModel('select * from {{ cleaned.staff:latest }} order by staff_id', context(runId));
  const rows = await queryRows(lake.conn, sql);
  return rows.map((r) => [r.staff_id, r.first_name, r.last_updated, r.run_id]);
}

const staff = (over: GivenRow): GivenRow => ({
  staff_id: '1',
  first_name: 'Jeremie',
  last_name: 'Franey',
  department_id: '2',
  email_address: 'jeremie.franey@terrifictotes.com',
  created_at: '2022-11-03 14:20:51.563',
  last_updated: '2022-11-03 14:20:51.563',
  run_id: RUN_1,
  ...over,
});

describe('{{ cleaned.<table>:latest }}', () => {
  beforeAll(async () => {
    await givenCleaned(lake.conn, 'staff', [
      staff({}),
      staff({ staff_id: '2', first_name: 'Deron' }),
      // Key 1 changes in run 2; run 3 re-reads the same version (a lookback) with other text.
      staff({ first_name: 'Jem', last_updated: '2023-01-01 09:00:00', run_id: RUN_2 }),
      staff({ first_name: 'Jem (re-read)', last_updated: '2023-01-01 09:00:00', run_id: RUN_3 }),
      // Run 3 brings an older version of key 2 (late arrival): the newer last_updated still wins.
      staff({ staff_id: '2', first_name: 'Old Deron', last_updated: '2020-01-01 00:00:00', run_id: RUN_3 }),
      // Key 3 first appears in run 3.
      staff({ staff_id: '3', first_name: 'Ana', run_id: RUN_3 }),
    ]);
  });

  it('keeps one row per key: the greatest last_updated, a tie going to the later run', async () => {
    expect(await latestStaff(RUN_3)).toEqual([
      [1, 'Jem (re-read)', '2023-01-01 09:00:00', RUN_3],
      [2, 'Deron', '2022-11-03 14:20:51.563', RUN_1],
      [3, 'Ana', '2022-11-03 14:20:51.563', RUN_3],
    ]);
  });

  it('never sees a run later than the one rendered', async () => {
    expect(await latestStaff(RUN_2)).toEqual([
      [1, 'Jem', '2023-01-01 09:00:00', RUN_2],
      [2, 'Deron', '2022-11-03 14:20:51.563', RUN_1],
    ]);
    expect(await latestStaff(RUN_1)).toEqual([
      [1, 'Jeremie', '2022-11-03 14:20:51.563', RUN_1],
      [2, 'Deron', '2022-11-03 14:20:51.563', RUN_1],
    ]);
  });

  it('has the contract columns and run_id, like :all', async () => {
    const [row] = await queryRows(lake.conn, renderModel('select * from {{ cleaned.staff:latest }} limit 1', context(RUN_3)));
    expect(Object.keys(row)).toEqual([
      'staff_id',
      'first_name',
      'last_name',
      'department_id',
      'email_address',
      'created_at',
      'last_updated',
      'change_op',
      'run_id',
    ]);
    expect(row.change_op).toBeNull();
  });

  it('renders as the empty relation when the table was never written', () => {
    const sql = renderModel('{{ cleaned.staff:latest }}', { ...context(RUN_1), exists: () => false });
    expect(sql).toMatch(/^\(select cast\(null as integer\) as staff_id, .* where 1 = 0\)$/);
  });

  it.each([
    ['a raw table', '{{ raw.staff:latest }}'],
    ['a transformed table', '{{ transformed.dim_staff:latest }}'],
  ])('throws TerminalError on %s (no typed versions)', (_what, sql) => {
    expect(() => renderModel(sql, context(RUN_1))).toThrow(TerminalError);
    expect(() => renderModel(sql, context(RUN_1))).toThrow(/only cleaned tables/);
  });
});
