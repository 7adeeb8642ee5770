/**
 * The scale copies of the ToteSys order-level tables (scripts/seed/scale.ts),
 * on the real seed files: deterministic, shaped like the real rows, and
 * consistent with each other.
 */
import {
  assertScale,
  COPY_STEP_DAYS,
  copyPayments,
  idStride,
  jitterPrice,
  maxScale,
  PRICE_JITTER_PERCENT,
  scaledRows,
  shiftDate,
  shiftTimestamp,
  type OrderRow,
  type RealOrderTables,
} from '../../scripts/seed/scale';
import { readSeedFile, SEED_DATA_DIR } from '../../scripts/seed/seed-source';

/** Cents of a money value, parsed independently of the module under test. */
function cents(value: unknown): bigint {
  const text = typeof value === 'number' ? value.toFixed(2) : String(value);
  const m = /^(\d+)\.(\d\d)$/.exec(text);
  if (!m) throw new Error(`not a two-decimal amount: ${text}`);
  return BigInt(m[1]) * 100n + BigInt(m[2]);
}

const DAY_MS = 86_400_000;
const plusDays = (iso: string, days: number) => new Date(Date.parse(`${iso}Z`) + days * DAY_MS).toISOString().slice(0, 23);

let real: RealOrderTables;
beforeAll(async () => {
  real = {
    salesOrders: await readSeedFile(SEED_DATA_DIR, 'sales_order'),
    purchaseOrders: await readSeedFile(SEED_DATA_DIR, 'purchase_order'),
    transactions: await readSeedFile(SEED_DATA_DIR, 'transaction'),
  };
});

const copyOf = (table: 'sales_order' | 'purchase_order' | 'transaction' | 'payment', scale: number): OrderRow[][] => [
  ...scaledRows(table, real, scale),
];

describe('scale copies', () => {
  test('the id stride is the power of ten above every real order-level id; scales are whole numbers that fit integer ids', () => {
    expect(idStride(real)).toBe(100_000);
    expect(maxScale(real)).toBe(21_474);
    expect(assertScale(100, real)).toBe(100);
    for (const bad of [0, -1, 1.5, 21_475, Number.NaN]) expect(() => assertScale(bad, real)).toThrow(RangeError);
  });

  test('scale 1 adds nothing; scale N adds N−1 copies of every order-level table', () => {
    expect(copyOf('sales_order', 1)).toEqual([]);
    const copies = copyOf('transaction', 3);
    expect(copies.map((c) => c.length)).toEqual([real.transactions.length, real.transactions.length]);
    expect(copyOf('payment', 2)[0]).toHaveLength(real.transactions.length);
  });

  test('is deterministic and does not depend on N: scale 2 is the first copy of scale 3', () => {
    for (const table of ['sales_order', 'purchase_order', 'transaction', 'payment'] as const) {
      const two = JSON.stringify(copyOf(table, 2));
      expect(JSON.stringify(copyOf(table, 2)) === two).toBe(true);
      expect(JSON.stringify(copyOf(table, 3).slice(0, 1)) === two).toBe(true);
    }
  });

  test('copy k shifts ids by k × stride and moves times and agreed dates k days forward', () => {
    const [, second] = copyOf('sales_order', 3);
    const byId = new Map(real.salesOrders.map((o) => [o.sales_order_id as number, o]));
    const wrong: string[] = [];
    for (const copy of second) {
      const original = byId.get((copy.sales_order_id as number) - 2 * 100_000);
      if (!original) {
        wrong.push(`no original for ${String(copy.sales_order_id)}`);
        continue;
      }
      const expected: OrderRow = {
        created_at: plusDays(original.created_at as string, 2 * COPY_STEP_DAYS),
        last_updated: plusDays(original.last_updated as string, 2 * COPY_STEP_DAYS),
        agreed_payment_date: plusDays(`${original.agreed_payment_date as string}T00:00:00.000`, 2).slice(0, 10),
      };
      // Dimension keys stay those of the real data.
      for (const key of [
        'design_id',
        'staff_id',
        'counterparty_id',
        'currency_id',
        'agreed_delivery_location_id',
        'units_sold',
      ]) {
        expected[key] = original[key];
      }
      for (const [key, value] of Object.entries(expected)) {
        if (copy[key] !== value) wrong.push(`${String(copy.sales_order_id)}.${key}: ${String(copy[key])} ≠ ${String(value)}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(second).toHaveLength(real.salesOrders.length);
  });

  test('prices are jittered by at most the stated percentage, in exact cents, never below a cent', () => {
    const [copy] = copyOf('purchase_order', 2);
    const byId = new Map(real.purchaseOrders.map((o) => [o.purchase_order_id as number, o]));
    let changed = 0;
    const wrong: string[] = [];
    for (const row of copy) {
      const original = cents(byId.get((row.purchase_order_id as number) - 100_000)!.item_unit_price);
      const jittered = cents(row.item_unit_price);
      const limit = (original * BigInt(PRICE_JITTER_PERCENT) + 99n) / 100n + 1n;
      if (
        typeof row.item_unit_price !== 'string' ||
        jittered < 1n ||
        jittered - original > limit ||
        original - jittered > limit
      ) {
        wrong.push(`${String(row.purchase_order_id)}: ${original} → ${String(row.item_unit_price)}`);
      }
      if (jittered !== original) changed++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(changed).toBeGreaterThan(copy.length / 2);
    expect(jitterPrice('3.94', 0)).toBe('3.55');
    expect(jitterPrice('3.94', 10)).toBe('3.94');
    expect(jitterPrice('0.01', 0)).toBe('0.01');
  });

  test("a copy's transactions point at the same copy's orders, and its payments follow them", () => {
    const [orders] = copyOf('sales_order', 2);
    const [purchases] = copyOf('purchase_order', 2);
    const [transactions] = copyOf('transaction', 2);
    const payments = copyPayments(real, 1, 100_000);
    const sales = new Map(orders.map((o) => [o.sales_order_id as number, o]));
    const buys = new Map(purchases.map((o) => [o.purchase_order_id as number, o]));
    const byTransaction = new Map(payments.map((p) => [p.transaction_id, p]));
    const wrong: string[] = [];
    for (const t of transactions) {
      const order =
        t.transaction_type === 'SALE' ? sales.get(t.sales_order_id as number) : buys.get(t.purchase_order_id as number);
      const payment = byTransaction.get(t.transaction_id as number);
      if (!order || !payment) {
        wrong.push(`transaction ${String(t.transaction_id)}: order or payment missing`);
        continue;
      }
      const amount =
        t.transaction_type === 'SALE'
          ? BigInt(order.units_sold as number) * cents(order.unit_price)
          : BigInt(order.item_quantity as number) * cents(order.item_unit_price);
      const checks: [string, boolean][] = [
        ['created_at', t.created_at === order.created_at],
        ['payment_id', payment.payment_id === t.transaction_id],
        ['counterparty', payment.counterparty_id === order.counterparty_id],
        ['amount', cents(payment.payment_amount) === amount],
        ['type', (t.transaction_type === 'SALE' ? [1, 2] : [3, 4]).includes(payment.payment_type_id)],
        ['payment_date', payment.payment_date >= (order.created_at as string).slice(0, 10)],
      ];
      for (const [what, ok] of checks) if (!ok) wrong.push(`transaction ${String(t.transaction_id)}: ${what}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(payments).toHaveLength(transactions.length);
  });

  test('shifting keeps the time of day as written and leaves anything that is not a date alone', () => {
    expect(shiftTimestamp('2022-11-03T14:20:52.186', 1)).toBe('2022-11-04T14:20:52.186');
    expect(shiftTimestamp('2022-12-31 23:59:59.999000', 1)).toBe('2023-01-01T23:59:59.999000');
    expect(shiftDate('2024-02-28', 2)).toBe('2024-03-01');
    expect(shiftDate('not a date', 3)).toBe('not a date');
    expect(shiftDate('2022-02-30', 3)).toBe('2022-02-30');
    expect(shiftTimestamp(null, 3)).toBeNull();
  });
});
