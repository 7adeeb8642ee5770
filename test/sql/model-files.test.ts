/**
 * The model files themselves: one per zone table (definition/tables.ts), found by
 * loadModels, and written to the house style of docs/architecture.md "SQL models".
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalError } from '../../jobs/lib/core/errors';
import { zoneTables } from '../../jobs/lib/definition/tables';
import { loadModel, loadModels, sqlDir, type ModelFile } from '../../jobs/lib/core/sql/models';

const all: ModelFile[] = [...loadModels('cleaned'), ...loadModels('transformed')];

/** The model text without `--` comments and string literals, for keyword checks (no model has `--` inside a string). */
const code = (sql: string) => sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");

describe('loadModels', () => {
  it('finds one model per zone table, in definition/tables.ts order', () => {
    for (const zone of ['cleaned', 'transformed'] as const) {
      const models = loadModels(zone);
      expect(models.map((m) => m.table)).toEqual(zoneTables(zone));
      for (const m of models) {
        expect(m.zone).toBe(zone);
        expect(m.path).toBe(join(sqlDir(), zone, `${m.table}.sql`));
      }
    }
  });

  it('reads LAKEHOUSE_SQL_DIR and throws TerminalError when a model file is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakehouse-sql-dir-'));
    try {
      mkdirSync(join(dir, 'cleaned'));
      writeFileSync(join(dir, 'cleaned', 'address.sql'), '  select 1 as address_id\n');
      expect(sqlDir({ LAKEHOUSE_SQL_DIR: dir })).toBe(dir);
      expect(loadModel('cleaned', 'address', dir).sql).toBe('select 1 as address_id');
      expect(() => loadModels('cleaned', dir)).toThrow(TerminalError);
      expect(() => loadModels('cleaned', dir)).toThrow(/model cleaned\.counterparty not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(all.map((m) => [`${m.zone}.${m.table}`, m] as const))('model %s', (_name, model) => {
  it('opens with a header comment naming what it is, its grain and its upstream tables', () => {
    expect(model.sql.startsWith(`-- ${model.zone}.${model.table}:`)).toBe(true);
    expect(model.sql).toMatch(/^-- grain: /m);
    expect(model.sql).toMatch(/^-- upstream: /m);
  });

  it('is a single SELECT of import CTEs ending in select * from final, no trailing semicolon', () => {
    expect(code(model.sql)).toMatch(/^\s*with\s/);
    expect(model.sql.endsWith('select * from final')).toBe(true);
    expect(code(model.sql)).not.toContain(';');
  });

  it('uses lowercase keywords, trailing commas, explicit join types, no comma before from', () => {
    const body = code(model.sql);
    expect(body).not.toMatch(/\b(SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY|UNION|CASE|WHEN|AS|WITH)\b/);
    expect(body).not.toMatch(/^\s*,/m);
    expect(body).not.toMatch(/,\s*from\b/);
    expect(body).not.toMatch(/(^|[^a-z_])(?<!(left|right|inner|cross|full) )join\b/m);
  });
});

describe('models read the table contract instead of repeating it', () => {
  it.each(loadModels('cleaned').map((m) => [m.table, m] as const))(
    'cleaned.%s types its columns through typed() and casts nothing by hand',
    (table, model) => {
      expect(model.sql).toContain(`{{ typed(raw.${table}) }}`);
      expect(code(model.sql)).not.toMatch(/text_to_|\bcast\(|_text\b/);
    },
  );

  it.each(
    loadModels('transformed')
      .filter((m) => m.sql.includes(':latest'))
      .map((m) => [m.table, m] as const),
  )('transformed.%s takes latest versions from :latest, with no window of its own', (_table, model) => {
    expect(code(model.sql)).not.toMatch(/row_number|recency/);
  });

  it('uses :latest in the seven dimensions that hold the latest version of every key', () => {
    const users = loadModels('transformed')
      .filter((m) => m.sql.includes(':latest }}'))
      .map((m) => m.table);
    expect(users.sort()).toEqual([
      'dim_counterparty',
      'dim_currency',
      'dim_design',
      'dim_location',
      'dim_payment_type',
      'dim_staff',
      'dim_transaction',
    ]);
  });
});
