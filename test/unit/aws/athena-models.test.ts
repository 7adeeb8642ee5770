/**
 * Every SQL model in sql/ as Athena receives it: rendered for Athena (no
 * placeholder left), wrapped in the engine's CTAS, and parsed with a Trino
 * grammar (dt-sql-parser). The same model files are run on DuckDB by the SQL
 * tests in test/sql/.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { SOURCE_TABLES, STAR_TABLES } from '../../../jobs/lib/definition/tables';
import { ZONES } from '../../../jobs/lib/definition/zones';
import { loadModels } from '../../../jobs/lib/core/sql/models';
import { emptyRelation } from '../../../jobs/lib/core/sql/render';
import { RUN, athenaEngine, fakeAthena } from './athena-fake';
import { trinoParser } from './trino-parser';

const athena = mockClient(AthenaClient);

const models = [...loadModels('cleaned'), ...loadModels('transformed')];

beforeEach(() => athena.reset());

describe('every model as Athena runs it', () => {
  it('covers every table of both zones', () => {
    expect(models.filter((m) => m.zone === 'cleaned')).toHaveLength(11);
    expect(models.filter((m) => m.zone === 'transformed')).toHaveLength(11);
  });

  it('rejects SQL that is not Trino (the parser can fail, also on DuckDB-only syntax)', () => {
    expect(trinoParser().validate('create table x as selec 1 frm').length).toBeGreaterThan(0);
    expect(trinoParser().validate("select '1'::int from t").length).toBeGreaterThan(0);
    expect(trinoParser().validate('select * from generate_series(1, 2)').length).toBeGreaterThan(0);
  });

  it.each(models.map((m) => [`${m.zone}.${m.table}`, m] as const))(
    '%s renders, and every statement sent parses as Trino',
    async (_name, model) => {
      const fake = fakeAthena(athena);
      const { engine } = athenaEngine();
      await engine.materialize({ zone: model.zone, table: model.table, sql: model.sql, runId: RUN });
      const sqls = fake.sqls();
      expect(sqls).toHaveLength(model.zone === 'cleaned' ? 8 : 4);
      const ctas = sqls.filter((s) => s.startsWith('create table'));
      expect(ctas[0]).toContain(`external_location = 's3://lake-${model.zone}/${model.table}/run_id=${RUN}/'`);
      if (model.zone === 'cleaned')
        expect(ctas[1]).toContain(`external_location = 's3://lake-cleaned/_rejects/${model.table}/run_id=${RUN}/cleaned/'`);
      for (const sql of sqls) {
        expect(sql).not.toMatch(/\{\{|\}\}/);
        expect(sql).not.toMatch(/partitioned_by|bucketed_by/);
        const errors = trinoParser().validate(sql);
        expect(errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`)).toEqual([]);
      }
      // Relations point at the zone databases, never at DuckDB's schema names.
      expect(ctas[0]).toMatch(/"lakehouse_(raw|cleaned)"\."[a-z_]+"/);
      expect(ctas[0]).not.toMatch(/\bfrom (raw|cleaned)\.[a-z_]+/);
    },
  );
});

describe('tables not crawled yet, as Athena reads them', () => {
  const everyTable = ZONES.flatMap((zone) =>
    (zone === 'transformed' ? STAR_TABLES : SOURCE_TABLES).map((t) => [`${zone}.${t.name}`, zone, t.name] as const),
  );

  it.each(everyTable)('the empty relation of %s parses as Trino and names every column', (_name, zone, table) => {
    const relation = emptyRelation(zone, table);
    expect(relation).toMatch(/ where 1 = 0\)$/);
    expect(trinoParser().validate(`select * from ${relation} t`)).toEqual([]);
    const columns = (zone === 'transformed' ? STAR_TABLES : SOURCE_TABLES).find((t) => t.name === table)!.columns;
    for (const c of columns) expect(relation).toContain(` as ${c.name}`);
    expect(relation).toContain('cast(null as varchar) as run_id');
  });

  it.each(models.map((m) => [`${m.zone}.${m.table}`, m] as const))(
    '%s with none of its input tables in the catalog sends only Trino, reading no zone table',
    async (_name, model) => {
      const fake = fakeAthena(athena);
      const { engine } = athenaEngine({ tables: async () => new Set<string>() });
      await engine.materialize({ zone: model.zone, table: model.table, sql: model.sql, runId: RUN });
      const ctas = fake.sqls().filter((s) => s.startsWith('create table'));
      expect(ctas).toHaveLength(model.zone === 'cleaned' ? 2 : 1);
      for (const sql of fake.sqls()) expect(trinoParser().validate(sql)).toEqual([]);
      for (const sql of ctas) {
        expect(sql).not.toMatch(/"lakehouse_(raw|cleaned)"\."[a-z_]+" where run_id/);
        expect(sql).toContain('where 1 = 0)');
      }
    },
  );
});
