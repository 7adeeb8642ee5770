/**
 * Scale copies of the ToteSys order-level tables, for `lakehouse seed --scale N`
 * and the benchmark (issue 5). A scale-N source holds the real rows plus N−1
 * copies of `sales_order`, `purchase_order`, `transaction` and `payment`;
 * the dimension tables (address, counterparty, currency, department, design,
 * payment_type, staff) stay at their real size, so the data keeps the real
 * shape: the same staff, counterparties, designs and currencies, more orders.
 *
 * Copy k (1 … N−1) of a real row:
 *
 * - ids are shifted by `k × stride` (stride: {@link idStride}, the power of ten
 *   above the largest real order-level id, 100,000 for the ToteSys data), and
 *   so are the order ids a transaction points at, so every copy keeps its
 *   links (a copy's transaction points at the same copy's order);
 * - timestamps (`created_at`, `last_updated`) and the agreed delivery / payment
 *   dates move forward by `k` days ({@link COPY_STEP_DAYS}), so each copy is a
 *   little later than the one before and the source's history grows forward
 *   in time (copy 99 ends about three months after the real dump);
 * - the unit price (`unit_price`, `item_unit_price`) is jittered by a whole
 *   percentage between −10 % and +10 %, in integer cents (never floats), drawn
 *   from a generator keyed by the copy's new id;
 * - `payment` is synthesised from the copy's transactions and orders by the
 *   same rules as the real seed (`payment-synthesis.ts`: payment_id =
 *   transaction_id, amount = quantity × the copy's unit price, and so on).
 *
 * Everything depends only on the real rows and k, never on N, the clock or
 * Math.random: scale 20 is exactly the first 19 copies of scale 100.
 */
import {
  centsToText,
  keyedRandom,
  synthesisePayments,
  toCents,
  type PaymentRow,
  type PurchaseOrderRow,
  type SalesOrderRow,
  type TransactionRow,
} from './payment-synthesis';

/** The tables a scale seed copies, in foreign-key order (parents first). */
export const SCALED_TABLES = ['sales_order', 'purchase_order', 'transaction', 'payment'] as const;
export type ScaledTable = (typeof SCALED_TABLES)[number];

/** Days each copy moves forward from the previous one. */
export const COPY_STEP_DAYS = 1;
/** Largest jitter of a copy's unit price, in whole percent either way. */
export const PRICE_JITTER_PERCENT = 10;
/** Largest id PostgreSQL's `integer` holds. */
const MAX_INT = 2 ** 31 - 1;
const DAY_MS = 86_400_000;
const ISO_MS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A row as exported (JSON object); the copy functions keep every field they do not rewrite. */
export type OrderRow = Record<string, unknown>;

/** The real order-level rows a copy is made from (as read from the seed files). */
export interface RealOrderTables {
  salesOrders: readonly OrderRow[];
  purchaseOrders: readonly OrderRow[];
  transactions: readonly OrderRow[];
}

/**
 * The id shift between copies: the smallest power of ten greater than every
 * real sales_order, purchase_order and transaction id (100,000 for ToteSys),
 * so copy k's ids are the real ids plus `k × stride` and never meet another copy's.
 * @throws RangeError when an id is not a positive integer.
 */
export function idStride(real: RealOrderTables): number {
  let max = 0;
  const check = (rows: readonly OrderRow[], key: string) => {
    for (const row of rows) {
      const id = row[key];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
        throw new RangeError(`${key} is not a positive integer: ${String(id)}`);
      if (id > max) max = id;
    }
  };
  check(real.salesOrders, 'sales_order_id');
  check(real.purchaseOrders, 'purchase_order_id');
  check(real.transactions, 'transaction_id');
  let stride = 10;
  while (stride <= max) stride *= 10;
  return stride;
}

/**
 * The largest scale whose ids still fit PostgreSQL `integer` for this data:
 * copy N−1's largest id is at most `(N − 1) × stride + stride − 1`.
 */
export function maxScale(real: RealOrderTables): number {
  return Math.floor((MAX_INT + 1) / idStride(real));
}

/**
 * Checks a scale factor: a whole number from 1 to {@link maxScale}.
 * @throws RangeError otherwise (the copies' ids would not fit `integer`).
 */
export function assertScale(scale: number, real: RealOrderTables): number {
  const max = maxScale(real);
  if (!Number.isInteger(scale) || scale < 1 || scale > max) {
    throw new RangeError(`scale must be a whole number from 1 to ${max}: ${scale}`);
  }
  return scale;
}

/** Shifted dates already computed, per shift in days (a copy's rows share a few hundred distinct days). */
const shiftedDates = new Map<number, Map<string, string>>();

/** A `yyyy-mm-dd` text moved `days` forward; anything else (including a date that does not exist) is returned unchanged. */
export function shiftDate(text: unknown, days: number): unknown {
  if (typeof text !== 'string') return text;
  let cache = shiftedDates.get(days);
  if (!cache) shiftedDates.set(days, (cache = new Map()));
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  if (!DATE.test(text)) return text;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return text;
  const shifted = new Date(ms + days * DAY_MS).toISOString().slice(0, 10);
  if (cache.size < 100_000) cache.set(text, shifted);
  return shifted;
}

/**
 * A source timestamp text (`2022-11-03T14:20:52.186` or `2022-11-03 14:20:52.187000`) moved `days`
 * forward: whole days move only the date, so the time of day is kept as written (in the `T` form).
 * Anything else is returned unchanged.
 */
export function shiftTimestamp(text: unknown, days: number): unknown {
  if (typeof text !== 'string') return text;
  const m = ISO_MS.exec(text);
  if (!m) return text;
  const day = shiftDate(m[1], days);
  return day === m[1] && days !== 0 ? text : `${day as string}T${m[2]}`;
}

/**
 * A unit price jittered by a whole percentage in [−{@link PRICE_JITTER_PERCENT}, +{@link PRICE_JITTER_PERCENT}]
 * drawn from `draw` (a uint32), exact to the cent (half a cent rounds up), never below one cent.
 * Returns two-decimal text.
 * @throws RangeError when the price is not exact cents (see `toCents`).
 */
export function jitterPrice(price: number | string, draw: number): string {
  const percent = BigInt(100 - PRICE_JITTER_PERCENT + (draw % (2 * PRICE_JITTER_PERCENT + 1)));
  const cents = toCents(price);
  const jittered = (cents * percent + 50n) / 100n;
  return centsToText(jittered < 1n ? 1n : jittered);
}

const shiftId = (value: unknown, by: number): unknown => (typeof value === 'number' ? value + by : value);

/** Salts of the price draws, so a price's draw never equals the payment synthesis's draw for the same number. */
const SALES_PRICE_SALT = 0x51a1e;
const PURCHASE_PRICE_SALT = 0x9a1e5;

/**
 * Copy `copy` (≥ 1) of a real order row: id shifted by `copy × stride`, times and
 * agreed dates moved forward, the price in `priceKey` jittered by a draw keyed by
 * the new id and `salt` (module comment).
 */
function copyOrder(row: OrderRow, copy: number, stride: number, idKey: string, priceKey: string, salt: number): OrderRow {
  const id = (row[idKey] as number) + copy * stride;
  const days = copy * COPY_STEP_DAYS;
  return {
    ...row,
    [idKey]: id,
    created_at: shiftTimestamp(row.created_at, days),
    last_updated: shiftTimestamp(row.last_updated, days),
    [priceKey]: jitterPrice(row[priceKey] as number | string, keyedRandom(id ^ salt)()),
    agreed_delivery_date: shiftDate(row.agreed_delivery_date, days),
    agreed_payment_date: shiftDate(row.agreed_payment_date, days),
  };
}

/** Copy `copy` (≥ 1) of a real sales order (module comment: shifted id and times, jittered price). */
export function copySalesOrder(row: OrderRow, copy: number, stride: number): OrderRow {
  return copyOrder(row, copy, stride, 'sales_order_id', 'unit_price', SALES_PRICE_SALT);
}

/** Copy `copy` (≥ 1) of a real purchase order (module comment). */
export function copyPurchaseOrder(row: OrderRow, copy: number, stride: number): OrderRow {
  return copyOrder(row, copy, stride, 'purchase_order_id', 'item_unit_price', PURCHASE_PRICE_SALT);
}

/** Copy `copy` (≥ 1) of a real transaction: its id and its order's id shifted alike, times moved forward. */
export function copyTransaction(row: OrderRow, copy: number, stride: number): OrderRow {
  const by = copy * stride;
  const days = copy * COPY_STEP_DAYS;
  return {
    ...row,
    transaction_id: (row.transaction_id as number) + by,
    sales_order_id: row.sales_order_id === null ? null : shiftId(row.sales_order_id, by),
    purchase_order_id: row.purchase_order_id === null ? null : shiftId(row.purchase_order_id, by),
    created_at: shiftTimestamp(row.created_at, days),
    last_updated: shiftTimestamp(row.last_updated, days),
  };
}

/**
 * The payments of copy `copy`: synthesised from the copy's transactions and
 * orders by the real seed's rules (one per transaction, amount = quantity ×
 * the copy's price), sorted by payment_id.
 * @throws TypeError / RangeError as `synthesisePayments`.
 */
export function copyPayments(real: RealOrderTables, copy: number, stride: number): PaymentRow[] {
  return synthesisePayments({
    transactions: real.transactions.map((t) => copyTransaction(t, copy, stride)) as unknown as TransactionRow[],
    salesOrders: real.salesOrders.map((o) => copySalesOrder(o, copy, stride)) as unknown as SalesOrderRow[],
    purchaseOrders: real.purchaseOrders.map((o) => copyPurchaseOrder(o, copy, stride)) as unknown as PurchaseOrderRow[],
  });
}

/**
 * The rows of one scaled table for copies 1 … `scale` − 1, copy by copy
 * (one copy, about 36,000 rows, in memory at a time). Yields nothing for scale 1.
 * @throws RangeError for a bad scale (see {@link assertScale}); errors of the copy functions.
 */
export function* scaledRows(table: ScaledTable, real: RealOrderTables, scale: number): Generator<OrderRow[]> {
  assertScale(scale, real);
  const stride = idStride(real);
  for (let copy = 1; copy < scale; copy++) {
    switch (table) {
      case 'sales_order':
        yield real.salesOrders.map((r) => copySalesOrder(r, copy, stride));
        break;
      case 'purchase_order':
        yield real.purchaseOrders.map((r) => copyPurchaseOrder(r, copy, stride));
        break;
      case 'transaction':
        yield real.transactions.map((r) => copyTransaction(r, copy, stride));
        break;
      case 'payment':
        yield copyPayments(real, copy, stride) as unknown as OrderRow[];
        break;
    }
  }
}
