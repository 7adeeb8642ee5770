/**
 * Test support: the reference data, star tables as a later extract of the
 * live ToteSys database holds them (test/fixtures/reference/), and the silent
 * updates it shows (issue 15): it differs from the dump in 8 sales orders and
 * 5 designs whose values changed while `last_updated` did not move. The CDC
 * and reconcile tests find those against a warehouse loaded from the dump,
 * apply them to the source without touching `last_updated`, and check the
 * warehouse ends with them; the pipeline test compares every table with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A row as the reference files and the tests' queries give it: column → text or null. */
export type Row = Record<string, string | null>;

/** The reference rows of one star table (`fact_sales_order`, `dim_design`, …), from its gzipped JSON Lines file. */
export function reference(table: string): Row[] {
  return gunzipSync(readFileSync(join(__dirname, '../fixtures/reference', `${table}.jsonl.gz`)))
    .toString()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Row);
}

/** A value compared as text: the reference (from psql) printed NULL and '' alike and escaped slashes (`\/usr`). */
export function norm(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value).replace(/\\\//g, '/');
}

/** The fact_sales_order columns the reference orders may differ in. */
export const ORDER_VALUES = [
  'sales_staff_id',
  'counterparty_id',
  'units_sold',
  'unit_price',
  'currency_id',
  'design_id',
  'agreed_payment_date',
  'agreed_delivery_date',
  'agreed_delivery_location_id',
];
/** The dim_design columns the reference designs may differ in (the same names in the source). */
export const DESIGN_VALUES = ['design_name', 'file_location', 'file_name'];
/** Source column of each fact column whose name differs. */
const ORDER_SOURCE: Record<string, string> = { sales_staff_id: 'staff_id' };

/** The reference orders and designs whose values differ from the warehouse's under the same version. */
export interface SilentUpdates {
  orders: Row[];
  designs: Row[];
}

/**
 * Reads `fact_sales_order` and `dim_design` through `query` and returns the
 * reference rows that hold other values under the same key and version
 * (8 orders and 5 designs after a load of the ToteSys dump).
 */
export async function findSilentUpdates(query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<SilentUpdates> {
  const ours = new Map(
    (
      await query(
        `select sales_order_id::text || '|' || last_updated_date::text || '|' || last_updated_time::text as k,
           ${ORDER_VALUES.map((c) => `${c}::text as ${c}`).join(', ')} from fact_sales_order`,
      )
    ).map((r) => [String(r.k), r]),
  );
  const orders = reference('fact_sales_order').filter((r) => {
    const mine = ours.get(`${r.sales_order_id}|${r.last_updated_date}|${r.last_updated_time}`);
    return mine && ORDER_VALUES.some((c) => norm(mine[c]) !== norm(r[c]));
  });
  const designs = new Map(
    (await query('select design_id::text as design_id, design_name, file_location, file_name from dim_design')).map((r) => [
      String(r.design_id),
      r,
    ]),
  );
  return {
    orders,
    designs: reference('dim_design').filter((r) => {
      const mine = designs.get(String(r.design_id));
      return mine && DESIGN_VALUES.some((c) => norm(mine[c]) !== norm(r[c]));
    }),
  };
}

/**
 * Writes the reference values of `silent` to the source's `sales_order` and
 * `design` rows through `query` (a parameterised statement runner), leaving
 * `last_updated` as it is: the change a `last_updated` watermark cannot see.
 */
export async function applySilentUpdates(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  silent: SilentUpdates,
): Promise<void> {
  for (const r of silent.orders) {
    const sets = ORDER_VALUES.map((c, i) => `${ORDER_SOURCE[c] ?? c} = $${i + 2}`);
    await query(`update sales_order set ${sets.join(', ')} where sales_order_id = $1`, [
      r.sales_order_id,
      ...ORDER_VALUES.map((c) => norm(r[c])),
    ]);
  }
  for (const r of silent.designs) {
    await query('update design set design_name = $2, file_location = $3, file_name = $4 where design_id = $1', [
      r.design_id,
      ...DESIGN_VALUES.map((c) => norm(r[c])),
    ]);
  }
}
