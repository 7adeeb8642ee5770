/**
 * The local catalog's `cleaned._rejects` view (DuckDbCatalog.refreshRejectsView):
 * one relation over the reject records of every stage, the cleaned
 * transform's (written by the real engine) and ingest's JSON Lines, with the
 * original text of each row; empty, with its columns, before any reject; kept
 * across crawls.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbCatalog } from '../../jobs/lib/adapters/duckdb/duckdb-catalog';
import { queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { keys } from '../../jobs/lib/definition/object-keys';
import { givenRaw, openSqlTestLake, type SqlTestLake } from './sql-test-lake';

const RUN = '20250225t132609z';
const T = '2022-11-03T14:20:49.962';

let lake: SqlTestLake;
let catalog: DuckDbCatalog;
beforeAll(async () => {
  lake = await openSqlTestLake();
  catalog = new DuckDbCatalog(lake.conn, lake.zoneRoot);
});
afterAll(() => lake.close());

const rejects = () =>
  queryRows(
    lake.conn,
    'select run_id, table_name, stage, file, line, reason, original from cleaned._rejects order by stage, reason',
  );

it('is an empty relation with the record columns before any reject', async () => {
  await catalog.crawl('cleaned');
  expect(await rejects()).toEqual([]);
  const columns = await queryRows(lake.conn, 'describe cleaned._rejects');
  expect(columns.map((c) => [c.column_name, c.column_type])).toEqual([
    ['run_id', 'VARCHAR'],
    ['table_name', 'VARCHAR'],
    ['stage', 'VARCHAR'],
    ['file', 'VARCHAR'],
    ['line', 'INTEGER'],
    ['reason', 'VARCHAR'],
    ['original', 'VARCHAR'],
  ]);
});

it('reads cleaned and ingest rejects together, with the original text, and survives a crawl', async () => {
  await givenRaw(lake.conn, 'currency', [
    { currency_id: '1', currency_code: 'GBP', created_at: T, last_updated: T, run_id: RUN },
    { currency_id: '2', currency_code: 'GBP', created_at: 'soon', last_updated: T, run_id: RUN },
  ]);
  expect(await lake.run('cleaned', 'currency', RUN)).toMatchObject({ rows: 1, rejects: 1 });
  const folder = join(lake.zoneRoot('cleaned'), keys.rejectsFolder('currency', RUN));
  mkdirSync(folder, { recursive: true });
  const line = '{"currency_id": 3, "currency_code": ';
  writeFileSync(
    join(folder, 'ingest-currencies.jsonl'),
    `${JSON.stringify({ run_id: RUN, table: 'currency', stage: 'ingest', file: 'landing/currency/c.jsonl', line: 2, reason: 'not JSON', original: line })}\n`,
  );
  await catalog.registerPartitions('cleaned', 'currency', [RUN]);
  const expected = [
    {
      run_id: RUN,
      table_name: 'currency',
      stage: 'cleaned',
      file: null,
      line: null,
      reason: "created_at is not a timestamp: 'soon'",
      original: JSON.stringify({ currency_id: '2', currency_code: 'GBP', created_at: 'soon', last_updated: T }),
    },
    {
      run_id: RUN,
      table_name: 'currency',
      stage: 'ingest',
      file: 'landing/currency/c.jsonl',
      line: 2,
      reason: 'not JSON',
      original: line,
    },
  ];
  expect(await rejects()).toEqual(expected);
  await catalog.crawl('cleaned');
  expect(await rejects()).toEqual(expected);
  // The view survives the crawl (above), and the catalog's tables are only the zone's data tables.
  expect((await catalog.tables('cleaned')).map((t) => t.name)).not.toContain('_rejects');
});
