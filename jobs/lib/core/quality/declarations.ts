/**
 * Data-quality declarations (docs/architecture.md "Data quality"): the tests
 * declared beside each model in `sql/<zone>/<model>.tests.yaml`, and the
 * singular tests, `sql/tests/<name>.sql`, each a SELECT returning failing rows.
 *
 * A declaration file looks like:
 *
 * ```yaml
 * key: [sales_order_id, last_updated]     # optional: columns shown as sample keys (default: the grain)
 * freshness: { warn_after: 1d, error_after: 7d }   # cleaned models only: age of the newest last_updated
 * tests:
 *   - unique: [sales_order_id, last_updated]
 *   - not_null: [sales_order_id, last_updated]
 *   - relationships: { column: counterparty_id, to: dim_counterparty, field: counterparty_id }
 *   - accepted_values: { column: currency_code, values: [GBP, USD, EUR] }
 *     severity: warn
 *   - expression: unit_price >= 0
 *     name: unit_price_non_negative
 *   - row_count: { runs: 7, tolerance: 0.9 }
 * ```
 *
 * Every test has a `severity`, `error` (default: a failure stops the run
 * before load) or `warn` (a failure alerts and the run loads). The shapes are
 * validated with zod; a wrong file is a TerminalError naming the file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../duration';
import { TerminalError, errorMessage } from '../errors';
import { sourceTable, starTable, zoneTables } from '../../definition/tables';
import { sqlDir } from '../sql/models';
import { zoneColumns } from '../sql/materialize';

/** What a failing test does to the run: `error` stops it before load, `warn` alerts and loads. */
export type Severity = 'error' | 'warn';

const severity = z.enum(['error', 'warn']).default('error');
const column = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lowercase column name');
const common = {
  severity,
  name: z
    .string()
    .regex(/^[a-z0-9_]+$/)
    .optional(),
};

const testSchema = z.union([
  z.object({ unique: z.array(column).min(1), ...common }).strict(),
  z.object({ not_null: z.array(column).min(1), ...common }).strict(),
  z
    .object({
      relationships: z.object({ column, to: z.string(), field: column }).strict(),
      ...common,
    })
    .strict(),
  z
    .object({
      accepted_values: z.object({ column, values: z.array(z.union([z.string(), z.number()])).min(1) }).strict(),
      ...common,
    })
    .strict(),
  z.object({ expression: z.string().min(1), ...common }).strict(),
  z
    .object({
      row_count: z
        .object({
          /** Earlier runs the median is taken over (those that wrote the table). */
          runs: z.number().int().min(1).default(7),
          /** Allowed relative distance from the median, e.g. 0.5: between half and one and a half times it. */
          tolerance: z.number().positive().default(0.5),
        })
        .strict(),
      ...common,
    })
    .strict(),
]);

const durationText = z.string().transform((text, ctx) => {
  try {
    return parseDuration(text, { name: 'freshness' });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: errorMessage(error) });
    return z.NEVER;
  }
});

const fileSchema = z
  .object({
    key: z.array(column).min(1).optional(),
    freshness: z.object({ warn_after: durationText.optional(), error_after: durationText.optional() }).strict().optional(),
    tests: z.array(testSchema).default([]),
  })
  .strict();

/** The kinds of generic test. */
export type GenericKind = 'unique' | 'not_null' | 'relationships' | 'accepted_values' | 'expression' | 'row_count';

/** One declared generic test of a model, normalised. */
export type GenericTest =
  | { kind: 'unique'; columns: string[] }
  | { kind: 'not_null'; columns: string[] }
  | { kind: 'relationships'; column: string; to: string; field: string }
  | { kind: 'accepted_values'; column: string; values: (string | number)[] }
  | { kind: 'expression'; expression: string }
  | { kind: 'row_count'; runs: number; tolerance: number };

/** A test to run: generic (on a model) or singular (a SQL file). */
export interface DeclaredTest {
  /** Unique within the zone: `<kind>_<columns…>` unless named, e.g. `unique_sales_order_id_last_updated`. */
  name: string;
  zone: 'cleaned' | 'transformed';
  /** The model (table) the test is about. */
  model: string;
  severity: Severity;
  test: GenericTest | { kind: 'singular'; sql: string; path: string };
}

/** Source freshness of a cleaned table: thresholds in milliseconds on the age of its newest `last_updated`. */
export interface FreshnessDeclaration {
  table: string;
  warnAfterMs?: number;
  errorAfterMs?: number;
}

/** Everything declared for one zone. */
export interface ZoneDeclarations {
  zone: 'cleaned' | 'transformed';
  tests: DeclaredTest[];
  /** Per model: the columns shown as sample keys of failing rows. */
  keys: Record<string, string[]>;
  freshness: FreshnessDeclaration[];
}

/** The grain columns of a model, the default sample key: a cleaned table's (pk, last_updated), a fact's key and version, a dimension's key. */
export function grainColumns(zone: 'cleaned' | 'transformed', model: string): string[] {
  if (zone === 'cleaned') return [sourceTable(model).primaryKey, 'last_updated'];
  const def = starTable(model);
  return def.kind === 'fact' ? [...def.key, 'last_updated_date', 'last_updated_time'] : def.key;
}

function defaultName(test: GenericTest): string {
  switch (test.kind) {
    case 'unique':
    case 'not_null':
      return `${test.kind}_${test.columns.join('_')}`;
    case 'relationships':
      return `relationships_${test.column}_${test.to}`;
    case 'accepted_values':
      return `accepted_values_${test.column}`;
    case 'expression':
      return `expression_${test.expression
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_|_$/g, '')}`.slice(0, 80);
    case 'row_count':
      return 'row_count';
  }
}

function normalise(raw: z.infer<typeof testSchema>): GenericTest {
  if ('unique' in raw) return { kind: 'unique', columns: raw.unique };
  if ('not_null' in raw) return { kind: 'not_null', columns: raw.not_null };
  if ('relationships' in raw) return { kind: 'relationships', ...raw.relationships };
  if ('accepted_values' in raw) return { kind: 'accepted_values', ...raw.accepted_values };
  if ('expression' in raw) return { kind: 'expression', expression: raw.expression };
  return { kind: 'row_count', ...raw.row_count };
}

/**
 * Checks a generic test against the table contracts: every column it names
 * is a column of the model, a relationship points at a dimension of the star
 * schema and one of its columns.
 *
 * @throws TerminalError naming the file and the problem
 */
function checkColumns(zone: 'cleaned' | 'transformed', model: string, test: GenericTest, where: string): void {
  const names = new Set(zoneColumns(zone, model).map((c) => c.name));
  const need = (columns: string[]) => {
    for (const c of columns) if (!names.has(c)) throw new TerminalError(`${where}: ${zone}.${model} has no column ${c}`);
  };
  if (test.kind === 'unique' || test.kind === 'not_null') need(test.columns);
  if (test.kind === 'accepted_values') need([test.column]);
  if (test.kind === 'relationships') {
    need([test.column]);
    if (zone !== 'transformed' || !zoneTables('transformed').includes(test.to) || starTable(test.to).kind !== 'dimension') {
      throw new TerminalError(`${where}: relationships must point at a dimension of the star schema, got ${test.to}`);
    }
    if (!zoneColumns('transformed', test.to).some((c) => c.name === test.field)) {
      throw new TerminalError(`${where}: transformed.${test.to} has no column ${test.field}`);
    }
  }
}

/** Parses one declaration file's text for `zone.model`; `where` names it in errors. */
export function parseDeclarationFile(
  zone: 'cleaned' | 'transformed',
  model: string,
  text: string,
  where: string,
): { tests: DeclaredTest[]; key?: string[]; freshness?: FreshnessDeclaration } {
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    throw new TerminalError(`${where}: not valid YAML: ${errorMessage(error)}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new TerminalError(`${where}: not a valid test declaration: ${issues}`);
  }
  const tests = parsed.data.tests.map((raw): DeclaredTest => {
    const test = normalise(raw);
    checkColumns(zone, model, test, where);
    return { name: raw.name ?? defaultName(test), zone, model, severity: raw.severity, test };
  });
  if (parsed.data.key) checkColumns(zone, model, { kind: 'not_null', columns: parsed.data.key }, where);
  const f = parsed.data.freshness;
  if (f && zone !== 'cleaned') throw new TerminalError(`${where}: freshness is declared on cleaned (source) tables only`);
  if (f && f.warn_after === undefined && f.error_after === undefined) {
    throw new TerminalError(`${where}: freshness needs warn_after, error_after or both`);
  }
  const freshness = f ? { table: model, warnAfterMs: f.warn_after, errorAfterMs: f.error_after } : undefined;
  return { tests, key: parsed.data.key, freshness };
}

const SINGULAR_HEADER = /^--\s*(model|severity|zone):\s*([a-z_]+)\s*$/gm;

/**
 * Parses a singular test, a SELECT returning failing rows with a header
 * naming its model and, optionally, its severity:
 * `-- model: fact_sales_order` and `-- severity: warn` (default error). The
 * zone is the model's. Its rows may carry a `failing_key` column shown as the sample.
 *
 * @throws TerminalError when the header is missing or names an unknown model
 */
export function parseSingularTest(name: string, sql: string, path: string): DeclaredTest {
  const header: Record<string, string> = {};
  for (const m of sql.matchAll(SINGULAR_HEADER)) header[m[1]] = m[2];
  const model = header.model;
  if (!model) throw new TerminalError(`singular test ${path}: needs a "-- model: <table>" header line`);
  const zone = zoneTables('transformed').includes(model)
    ? 'transformed'
    : zoneTables('cleaned').includes(model)
      ? 'cleaned'
      : undefined;
  if (!zone) throw new TerminalError(`singular test ${path}: ${model} is not a cleaned or transformed table`);
  const sev = header.severity ?? 'error';
  if (sev !== 'error' && sev !== 'warn') throw new TerminalError(`singular test ${path}: severity must be error or warn`);
  const body = sql.trim().replace(/;\s*$/, '');
  if (!body) throw new TerminalError(`singular test ${path} is empty`);
  return { name, zone, model, severity: sev, test: { kind: 'singular', sql: body, path } };
}

/**
 * Reads every declaration of a zone: `<dir>/<zone>/<model>.tests.yaml` for
 * each model that has one, and the singular tests under `<dir>/tests/` whose
 * model is in the zone. Test names are unique per model.
 *
 * @param dir  the SQL folder (default `sqlDir()`, which honours LAKEHOUSE_SQL_DIR)
 * @throws TerminalError on an invalid file or a duplicate test name
 */
export function loadDeclarations(zone: 'cleaned' | 'transformed', dir: string = sqlDir()): ZoneDeclarations {
  const out: ZoneDeclarations = { zone, tests: [], keys: {}, freshness: [] };
  for (const model of zoneTables(zone)) {
    out.keys[model] = grainColumns(zone, model);
    const path = join(dir, zone, `${model}.tests.yaml`);
    if (!existsSync(path)) continue;
    const file = parseDeclarationFile(zone, model, readFileSync(path, 'utf8'), path);
    out.tests.push(...file.tests);
    if (file.key) out.keys[model] = file.key;
    if (file.freshness) out.freshness.push(file.freshness);
  }
  const singularDir = join(dir, 'tests');
  if (existsSync(singularDir)) {
    for (const file of readdirSync(singularDir)
      .filter((f) => f.endsWith('.sql'))
      .sort()) {
      const test = parseSingularTest(
        file.replace(/\.sql$/, ''),
        readFileSync(join(singularDir, file), 'utf8'),
        join(singularDir, file),
      );
      if (test.zone === zone) out.tests.push(test);
    }
  }
  const seen = new Set<string>();
  for (const t of out.tests) {
    const id = `${t.model}.${t.name}`;
    if (seen.has(id)) throw new TerminalError(`two data-quality tests named ${id}: give one a distinct "name"`);
    seen.add(id);
  }
  return out;
}
