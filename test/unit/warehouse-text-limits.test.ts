/**
 * The text length limits of the table contracts (tables.ts `maxLength`) agree
 * with the warehouse DDL: every source column that a star model copies into a
 * `varchar(n)` warehouse column has `maxLength` n, so the cleaned zone rejects
 * a longer value instead of the warehouse load failing on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SOURCE_TABLES, sourceTable } from '../../jobs/lib/definition/tables';

const ROOT = resolve(__dirname, '../..');

/** warehouse table → column → n, for every `<column> varchar(n)` of sql/warehouse/*.sql. */
function warehouseVarchars(): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const file of readdirSync(join(ROOT, 'sql', 'warehouse')).filter((f) => f.endsWith('.sql'))) {
    const columns = new Map<string, number>();
    for (const m of readFileSync(join(ROOT, 'sql', 'warehouse', file), 'utf8').matchAll(/^\s*([a-z_0-9]+)\s+varchar\((\d+)\)/gm))
      columns.set(m[1], Number(m[2]));
    out.set(file.replace(/\.sql$/, ''), columns);
  }
  return out;
}

/**
 * Which source column each varchar(n) warehouse column is copied from, read off
 * the star models (sql/transformed/*.sql): every copy is 1:1 (address feeds
 * both dim_location and dim_counterparty, at varchar(1024) in both).
 */
const FEEDS: [warehouse: string, column: string, source: string, sourceColumn: string][] = [
  ['dim_counterparty', 'counterparty_legal_name', 'counterparty', 'counterparty_legal_name'],
  ['dim_counterparty', 'counterparty_legal_address_line_1', 'address', 'address_line_1'],
  ['dim_counterparty', 'counterparty_legal_address_line_2', 'address', 'address_line_2'],
  ['dim_counterparty', 'counterparty_legal_district', 'address', 'district'],
  ['dim_counterparty', 'counterparty_legal_city', 'address', 'city'],
  ['dim_counterparty', 'counterparty_legal_postal_code', 'address', 'postal_code'],
  ['dim_counterparty', 'counterparty_legal_country', 'address', 'country'],
  ['dim_counterparty', 'counterparty_legal_phone_number', 'address', 'phone'],
  ['dim_currency', 'currency_code', 'currency', 'currency_code'],
  ['dim_design', 'design_name', 'design', 'design_name'],
  ['dim_design', 'file_location', 'design', 'file_location'],
  ['dim_design', 'file_name', 'design', 'file_name'],
  ['dim_location', 'address_line_1', 'address', 'address_line_1'],
  ['dim_location', 'address_line_2', 'address', 'address_line_2'],
  ['dim_location', 'district', 'address', 'district'],
  ['dim_location', 'city', 'address', 'city'],
  ['dim_location', 'postal_code', 'address', 'postal_code'],
  ['dim_location', 'country', 'address', 'country'],
  ['dim_location', 'phone', 'address', 'phone'],
  ['dim_payment_type', 'payment_type_name', 'payment_type', 'payment_type_name'],
  ['dim_staff', 'first_name', 'staff', 'first_name'],
  ['dim_staff', 'last_name', 'staff', 'last_name'],
  ['dim_staff', 'department_name', 'department', 'department_name'],
  ['dim_staff', 'location', 'department', 'location'],
  ['dim_staff', 'email_address', 'staff', 'email_address'],
  ['dim_transaction', 'transaction_type', 'transaction', 'transaction_type'],
  ['fact_purchase_order', 'item_code', 'purchase_order', 'item_code'],
];

/** varchar(n) warehouse columns no source text is copied into (computed by the models, or the load's own). */
const NOT_FROM_SOURCE = [
  'dim_currency.currency_name',
  'dim_date.day_name',
  'dim_date.month_name',
  'load_history.run_id',
  'load_history.table_counts',
];

describe('table contract text limits', () => {
  const ddl = warehouseVarchars();

  it.each(FEEDS)(
    '%s.%s varchar(n) = maxLength of %s.%s, and the star model copies it',
    (warehouse, column, source, sourceColumn) => {
      const n = ddl.get(warehouse)?.get(column);
      expect(n).toBeGreaterThan(0);
      expect(sourceTable(source).columns.find((c) => c.name === sourceColumn)?.maxLength).toBe(n);
      const model = readFileSync(join(ROOT, 'sql', 'transformed', `${warehouse}.sql`), 'utf8');
      const copied =
        column === sourceColumn ? new RegExp(`\\b${sourceColumn},`) : new RegExp(`\\.${sourceColumn} as ${column}\\b`);
      expect(model).toMatch(copied);
    },
  );

  it('every varchar(n) warehouse column is fed by a limited source column or is not source text', () => {
    const fed = new Set(FEEDS.map(([w, c]) => `${w}.${c}`));
    const all = [...ddl].flatMap(([table, columns]) => [...columns.keys()].map((c) => `${table}.${c}`));
    expect(all.filter((c) => !fed.has(c)).sort()).toEqual([...NOT_FROM_SOURCE].sort());
  });

  it('no source column has a limit no warehouse column explains', () => {
    const limited = SOURCE_TABLES.flatMap((t) =>
      t.columns.filter((c) => c.maxLength !== undefined).map((c) => `${t.name}.${c.name}`),
    );
    expect(limited.sort()).toEqual([...new Set(FEEDS.map(([, , s, c]) => `${s}.${c}`))].sort());
  });
});
