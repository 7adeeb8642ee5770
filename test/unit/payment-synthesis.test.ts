import {
  centsToText,
  keyedRandom,
  moneyText,
  synthesisePayments,
  toCents,
  type PaymentRow,
  type PaymentSampleRow,
  type PaymentSynthesisInput,
  type PurchaseOrderRow,
  type SalesOrderRow,
  type TransactionRow,
} from '../../scripts/seed/payment-synthesis';
import { readSeedFile, SEED_DATA_DIR } from '../../scripts/seed/seed-source';

/** Cents of a decimal string, parsed independently of the module under test. */
function centsOf(text: string): bigint {
  const m = /^(\d+)\.(\d\d)$/.exec(text);
  if (!m) throw new Error(`not a two-decimal amount: ${text}`);
  return BigInt(m[1]) * 100n + BigInt(m[2]);
}

async function loadInput(): Promise<PaymentSynthesisInput> {
  return {
    transactions: (await readSeedFile(SEED_DATA_DIR, 'transaction')) as unknown as TransactionRow[],
    salesOrders: (await readSeedFile(SEED_DATA_DIR, 'sales_order')) as unknown as SalesOrderRow[],
    purchaseOrders: (await readSeedFile(SEED_DATA_DIR, 'purchase_order')) as unknown as PurchaseOrderRow[],
    sample: (await readSeedFile(SEED_DATA_DIR, 'payment_sample')) as unknown as PaymentSampleRow[],
  };
}

describe('payment synthesis over the ToteSys data', () => {
  let input: PaymentSynthesisInput;
  let payments: PaymentRow[];
  let sampleIds: Set<number>;

  beforeAll(async () => {
    input = await loadInput();
    payments = synthesisePayments(input);
    sampleIds = new Set(input.sample!.map((s) => s.payment_id));
  });

  test('is deterministic: same output from a fresh read, whatever the input order', async () => {
    expect(synthesisePayments(await loadInput())).toEqual(payments);
    const reversed = { ...input, transactions: [...input.transactions].reverse(), salesOrders: [...input.salesOrders].reverse() };
    expect(synthesisePayments(reversed)).toEqual(payments);
  });

  test('one payment per transaction, payment_id = transaction_id, transaction ids unique', () => {
    expect(payments).toHaveLength(18136);
    expect(payments).toHaveLength(input.transactions.length);
    expect(payments.map((p) => p.payment_id)).toEqual(input.transactions.map((t) => t.transaction_id).sort((a, b) => a - b));
    expect(new Set(payments.map((p) => p.transaction_id)).size).toBe(payments.length);
    const synthesised = payments.filter((p) => !sampleIds.has(p.payment_id));
    expect(synthesised.every((p) => p.transaction_id === p.payment_id)).toBe(true);
  });

  test('the 38 real rows win, exactly as published (amount as two-decimal text)', () => {
    expect(input.sample).toHaveLength(38);
    const byId = new Map(payments.map((p) => [p.payment_id, p]));
    for (const real of input.sample!) {
      expect(byId.get(real.payment_id)).toEqual({ ...real, payment_amount: String(real.payment_amount) });
    }
    // The sample swaps the transactions of payments 9 and 10; that survives.
    expect(byId.get(9)!.transaction_id).toBe(10);
    expect(byId.get(10)!.transaction_id).toBe(9);
    expect(byId.get(1)!.last_updated).toBe('2022-11-07 07:55:11.885000');
  });

  test('types, order links, dates and account numbers follow the rules', () => {
    const transactions = new Map(input.transactions.map((t) => [t.transaction_id, t]));
    const sales = new Map(input.salesOrders.map((o) => [o.sales_order_id, o]));
    const purchases = new Map(input.purchaseOrders.map((o) => [o.purchase_order_id, o]));
    const typeCounts = new Map<number, number>();
    // Collect rule breaks and assert once (18k rows × many expect calls is slow).
    const broken: string[] = [];
    const check = (ok: boolean, what: string, p: PaymentRow) => {
      if (!ok) broken.push(`payment ${p.payment_id}: ${what}`);
    };
    for (const p of payments) {
      const t = transactions.get(p.transaction_id)!;
      const order = t.transaction_type === 'SALE' ? sales.get(t.sales_order_id!) : purchases.get(t.purchase_order_id!);
      if (!order) {
        broken.push(`payment ${p.payment_id}: no order`);
        continue;
      }
      check((t.transaction_type === 'SALE' ? [1, 2] : [3, 4]).includes(p.payment_type_id), 'payment type', p);
      typeCounts.set(p.payment_type_id, (typeCounts.get(p.payment_type_id) ?? 0) + 1);
      check(p.counterparty_id === order.counterparty_id, 'counterparty', p);
      check(p.currency_id === order.currency_id, 'currency', p);
      check(/^\d{4}-\d{2}-\d{2}$/.test(p.payment_date), 'payment_date form', p);
      check(p.payment_date >= order.created_at.slice(0, 10), 'payment_date before the order', p);
      check(typeof p.paid === 'boolean', 'paid', p);
      for (const ac of [p.company_ac_number, p.counterparty_ac_number]) {
        check(Number.isInteger(ac) && ac >= 10_000_000 && ac <= 99_999_999, 'account number', p);
      }
      if (!sampleIds.has(p.payment_id)) {
        check(p.created_at === t.created_at && p.last_updated === t.last_updated, 'stamps', p);
        check(p.payment_date === order.agreed_payment_date, 'agreed payment date', p);
      }
    }
    expect(broken).toEqual([]);
    // Mostly receipts and payments, a minority of refunds of both kinds.
    const refunds = (typeCounts.get(2) ?? 0) + (typeCounts.get(4) ?? 0);
    expect(typeCounts.get(2)).toBeGreaterThan(0);
    expect(typeCounts.get(4)).toBeGreaterThan(0);
    expect(refunds / payments.length).toBeGreaterThan(0.01);
    expect(refunds / payments.length).toBeLessThan(0.1);
    const paid = payments.filter((p) => p.paid).length / payments.length;
    expect(paid).toBeGreaterThan(0.5);
    expect(paid).toBeLessThan(1);
  });

  test('amounts are units × unit price to the cent', () => {
    const transactions = new Map(input.transactions.map((t) => [t.transaction_id, t]));
    const sales = new Map(input.salesOrders.map((o) => [o.sales_order_id, o]));
    const purchases = new Map(input.purchaseOrders.map((o) => [o.purchase_order_id, o]));
    let total = 0n;
    for (const p of payments) {
      const t = transactions.get(p.transaction_id)!;
      // Two-decimal JSON numbers times 100 round to their exact cents.
      const expected =
        t.transaction_type === 'SALE'
          ? BigInt(sales.get(t.sales_order_id!)!.units_sold) *
            BigInt(Math.round(Number(sales.get(t.sales_order_id!)!.unit_price) * 100))
          : BigInt(purchases.get(t.purchase_order_id!)!.item_quantity) *
            BigInt(Math.round(Number(purchases.get(t.purchase_order_id!)!.item_unit_price) * 100));
      expect(centsOf(p.payment_amount)).toBe(expected);
      total += expected;
    }
    expect(total).toBeGreaterThan(0n);
  });
});

describe('exact money helpers', () => {
  test('toCents reads two-decimal values exactly and refuses anything else', () => {
    expect(toCents(3.94)).toBe(394n);
    expect(toCents(2)).toBe(200n);
    expect(toCents(155.7)).toBe(15570n);
    expect(toCents('552548.62')).toBe(55254862n);
    expect(toCents('-0.05')).toBe(-5n);
    expect(toCents(981451.44)).toBe(98145144n);
    expect(() => toCents(0.1 + 0.2)).toThrow(RangeError);
    expect(() => toCents(0.125)).toThrow(RangeError);
    expect(() => toCents(1e21)).toThrow(RangeError);
    expect(() => toCents(Number.NaN)).toThrow(RangeError);
    expect(() => toCents('12.3.4')).toThrow(RangeError);
  });

  test('centsToText and moneyText print two decimals', () => {
    expect(centsToText(394n)).toBe('3.94');
    expect(centsToText(5n)).toBe('0.05');
    expect(centsToText(-5n)).toBe('-0.05');
    expect(centsToText(1234567800n)).toBe('12345678.00');
    expect(moneyText(3.9)).toBe('3.90');
    expect(moneyText('72440.0')).toBe('72440.00');
  });
});

describe('keyedRandom', () => {
  test('same key, same sequence; different keys, different sequences', () => {
    const draw = (key: number) => {
      const next = keyedRandom(key);
      return [next(), next(), next(), next()];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(1).every((n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32)).toBe(true);
  });
});

describe('synthesis errors', () => {
  const t = (over: Partial<TransactionRow> = {}): TransactionRow => ({
    transaction_id: 1,
    transaction_type: 'SALE',
    sales_order_id: 7,
    purchase_order_id: null,
    created_at: '2024-01-01T10:00:00.000',
    last_updated: '2024-01-01T10:00:00.000',
    ...over,
  });
  const so: SalesOrderRow = {
    sales_order_id: 7,
    created_at: '2024-01-01T10:00:00.000',
    counterparty_id: 3,
    units_sold: 3,
    unit_price: 0.1,
    currency_id: 1,
    agreed_payment_date: '2023-12-30',
  };

  test('a small case: 3 × 0.10 is exactly 0.30, an agreed date before the order falls back to the order date', () => {
    const [row] = synthesisePayments({ transactions: [t()], salesOrders: [so], purchaseOrders: [] });
    expect(row.payment_amount).toBe('0.30');
    expect(row.payment_date).toBe('2024-01-01');
    expect(row.paid === true || row.paid === false).toBe(true);
  });

  test('refuses transactions without their order and sample rows without a transaction', () => {
    expect(() => synthesisePayments({ transactions: [t({ sales_order_id: 8 })], salesOrders: [so], purchaseOrders: [] })).toThrow(
      /no sales order 8/,
    );
    expect(() =>
      synthesisePayments({ transactions: [t({ transaction_type: 'GIFT' })], salesOrders: [so], purchaseOrders: [] }),
    ).toThrow(/unknown transaction_type/);
    const sample = { ...synthesisePayments({ transactions: [t()], salesOrders: [so], purchaseOrders: [] })[0], payment_id: 99 };
    expect(() => synthesisePayments({ transactions: [t()], salesOrders: [so], purchaseOrders: [], sample: [sample] })).toThrow(
      /matches no transaction/,
    );
  });
});
