/**
 * The benchmark's incremental change: 100 rows updated in the source after
 * the full load, spread over the whole id range (real rows and scale copies
 * alike), touching facts and dimensions the way daily business does.
 */
import { Client } from 'pg';

/** How many rows of each table the change updates (100 in all), and what it changes. */
export const CHANGES: { table: string; key: string; rows: number; set: string }[] = [
  { table: 'sales_order', key: 'sales_order_id', rows: 60, set: 'units_sold = units_sold + 1' },
  { table: 'purchase_order', key: 'purchase_order_id', rows: 25, set: 'item_quantity = item_quantity + 1' },
  { table: 'payment', key: 'payment_id', rows: 13, set: 'paid = not paid' },
  { table: 'design', key: 'design_id', rows: 1, set: "design_name = design_name || ' v2'" },
  { table: 'address', key: 'address_id', rows: 1, set: "phone = '0113 496 0000'" },
];

/** Rows {@link changeRows} updates. */
export const CHANGED_ROWS = CHANGES.reduce((n, c) => n + c.rows, 0);

/**
 * Updates {@link CHANGES} in one transaction: per table, rows evenly spaced
 * over the key order, each with `last_updated` set to one stamp one second
 * after the latest `last_updated` of any source table (or now, if later), so
 * the next extract sees exactly these rows. Returns the stamp (source-local
 * `yyyy-mm-dd hh:mm:ss.mmm`) and the number of rows updated.
 * @throws Error when fewer rows than planned could be updated.
 */
export async function changeRows(sourceUrl: string): Promise<{ stamp: string; rows: number }> {
  const client = new Client({ connectionString: sourceUrl });
  await client.connect();
  try {
    await client.query('begin');
    const latest = CHANGES.map((c) => `(select max(last_updated) from public.${c.table})`).join(', ');
    const { rows: stampRows } = await client.query<{ stamp: string }>(
      `select to_char(greatest(localtimestamp(3), greatest(${latest}) + interval '1 second'), 'YYYY-MM-DD HH24:MI:SS.MS') as stamp`,
    );
    const stamp = stampRows[0].stamp;
    let updated = 0;
    for (const change of CHANGES) {
      const result = await client.query(
        `update public.${change.table} t
            set ${change.set}, last_updated = $1::timestamp
          where t.${change.key} in (
                select ${change.key}
                  from (select ${change.key}, row_number() over (order by ${change.key}) as n, count(*) over () as total
                          from public.${change.table}) ranked
                 where (n - 1) % greatest(total / $2, 1) = 0
                 order by n
                 limit $2)`,
        [stamp, change.rows],
      );
      if (result.rowCount !== change.rows) {
        throw new Error(`updated ${result.rowCount} rows of ${change.table}, planned ${change.rows}`);
      }
      updated += result.rowCount;
    }
    await client.query('commit');
    return { stamp, rows: updated };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
