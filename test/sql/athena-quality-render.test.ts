/**
 * Every declared data-quality test (sql/<zone>/*.tests.yaml and sql/tests/*.sql),
 * as the Athena engine would run it: rendered for engine athena through the
 * models' placeholders, then parsed by the Trino grammar of dt-sql-parser
 * (bundled with esbuild, as in athena-render.test.ts), so the AWS runtime's
 * quality queries are valid Trino SQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { loadDeclarations } from '../../jobs/lib/core/quality/declarations';
import { batchSql, failingRowsSql, singularSummarySql, summarySql } from '../../jobs/lib/core/quality/test-sql';
import { renderModel, type RenderContext } from '../../jobs/lib/core/sql/render';

interface TrinoParser {
  validate(sql: string): { message: string; startLine: number; startColumn: number }[];
}

const athena: RenderContext = {
  engine: 'athena',
  runId: '20250225t132609z',
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

const zones = ['cleaned', 'transformed'] as const;
const declared = zones.flatMap((zone) => {
  const d = loadDeclarations(zone);
  return d.tests
    .filter((t) => t.test.kind !== 'row_count')
    .map((t) => {
      const spec = t.test;
      const sql =
        spec.kind === 'singular'
          ? singularSummarySql(spec.sql)
          : spec.kind === 'row_count'
            ? ''
            : summarySql(failingRowsSql(t.zone, t.model, spec, d.keys[t.model]));
      return [`${t.zone}.${t.model} ${t.name}`, sql] as const;
    });
});

it('declares tests on every cleaned and star table', () => {
  expect(declared.length).toBeGreaterThan(60);
});

it('the grammar rejects a broken test query (the check can fail)', () => {
  const broken = renderModel(summarySql('select failing_key from {{ transformed.dim_currency }} m where'), athena);
  expect(trino.validate(broken)).not.toEqual([]);
});

it.each(declared)('%s renders for Athena as valid Trino SQL', (_name, sql) => {
  const rendered = renderModel(sql, athena);
  expect(rendered).not.toMatch(/\{\{|\}\}/);
  expect(rendered).toContain('"lakehouse_');
  expect(trino.validate(rendered)).toEqual([]);
});

it.each(zones)("the %s zone's tests batched in one query (as the runner sends them) are valid Trino SQL", (zone) => {
  const d = loadDeclarations(zone);
  const generic = d.tests.filter((t) => t.test.kind !== 'singular' && t.test.kind !== 'row_count');
  const rendered = renderModel(batchSql(generic, d.keys), athena);
  expect(rendered.match(/union all/g)).toHaveLength(generic.length - 1);
  expect(trino.validate(rendered)).toEqual([]);
});
