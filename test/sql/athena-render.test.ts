/**
 * Every model rendered for Athena (engine v3, Trino): no placeholder is left,
 * tables resolve to the Glue databases, and the SQL the Athena adapter would
 * run (the model wrapped by goodRowsSql / rejectRowsSql) parses as Trino SQL.
 * There is no AWS account here, so the Trino grammar of dt-sql-parser stands
 * in for Athena's parser (syntax only).
 *
 * dt-sql-parser ships ES modules with directory imports, which neither jest
 * nor Node's CommonJS loader can load as they are; the test bundles its Trino
 * parser with esbuild into a temporary CommonJS file first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { goodRowsSql, rejectRowsSql } from '../../jobs/lib/core/sql/materialize';
import { loadModels } from '../../jobs/lib/core/sql/models';
import { renderModel, type RenderContext } from '../../jobs/lib/core/sql/render';

interface TrinoParser {
  validate(sql: string): { message: string; startLine: number; startColumn: number }[];
}

const RUN = '20250225t132609z';
const athena: RenderContext = {
  engine: 'athena',
  runId: RUN,
  relation: (zone, table) => `"lakehouse_${zone}"."${table}"`,
};

let bundleDir: string;
let trino: TrinoParser;
beforeAll(() => {
  bundleDir = mkdtempSync(join(tmpdir(), 'lakehouse-trino-parser-'));
  const outfile = join(bundleDir, 'trino-parser.cjs');
  buildSync({
    entryPoints: [require.resolve('dt-sql-parser/dist/parser/trino/index.js')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    outfile,
    logLevel: 'error',
  });
  const { TrinoSQL } = require(outfile) as { TrinoSQL: new () => TrinoParser };
  trino = new TrinoSQL();
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

const models = [...loadModels('cleaned'), ...loadModels('transformed')];

it('the Trino grammar catches the mistakes the house style guards against', () => {
  expect(trino.validate('select a, b, from t')).not.toEqual([]);
  expect(trino.validate('select a from t where')).not.toEqual([]);
  expect(
    trino.validate(
      "select a from t cross join unnest(sequence(date '2022-01-01', date '2022-01-02', interval '1' day)) as s (d)",
    ),
  ).toEqual([]);
});

describe.each(models.map((m) => [`${m.zone}.${m.table}`, m] as const))('athena render of %s', (_name, model) => {
  const rendered = renderModel(model.sql, athena);

  it('leaves no placeholder and reads only the Glue databases, filtered to the run', () => {
    expect(rendered).not.toMatch(/\{\{|\}\}/);
    const relations = [...rendered.matchAll(/from ("[a-z_]+"\."[a-z_]+") where run_id (=|<=) '([^']+)'/g)];
    expect(relations.length).toBeGreaterThan(0);
    for (const [, relation, , runId] of relations) {
      expect(relation).toMatch(model.zone === 'cleaned' ? /^"lakehouse_raw"\./ : /^"lakehouse_cleaned"\./);
      expect(runId).toBe(RUN);
    }
    expect(rendered).not.toMatch(/regexp_matches|strftime|isodow|generate_series/);
  });

  it('parses as Trino SQL, alone and wrapped for materialisation', () => {
    const statements = [rendered, goodRowsSql(model.zone, model.table, rendered)];
    if (model.zone === 'cleaned') statements.push(rejectRowsSql(model.table, rendered, RUN));
    for (const sql of statements) expect(trino.validate(sql)).toEqual([]);
  });
});
