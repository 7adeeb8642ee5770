/**
 * Deterministic synthesis of the ToteSys `payment` table. The full table was
 * never published (only 38 real rows), so the seed derives one payment per
 * transaction from its order, following the rules in the shared ToteSys data
 * README and the shape of the real sample:
 *
 * - payment_id = transaction_id;
 * - SALE → payment_type 1 (SALES_RECEIPT) or 2 (SALES_REFUND); PURCHASE → 3
 *   (PURCHASE_PAYMENT) or 4 (PURCHASE_REFUND); refunds are a deterministic
 *   minority ({@link REFUND_PERCENT} %);
 * - counterparty and currency come from the order;
 * - amount = units_sold × unit_price (sales) or item_quantity × item_unit_price
 *   (purchases), computed in integer cents (never floats);
 * - payment_date = the order's agreed_payment_date (as in every real sample
 *   row), or the order's created date if the agreed date were earlier or
 *   malformed, so it is never before the order was made;
 * - paid = the payment date is before the dump date ({@link DUMP_DATE}), except
 *   a deterministic minority ({@link OUTSTANDING_PERCENT} %) still outstanding;
 * - created_at / last_updated = the transaction's;
 * - company_ac_number / counterparty_ac_number: 8-digit numbers;
 * - the real sample rows replace the synthesised row with the same payment_id.
 *
 * Every random choice comes from a small PRNG seeded by the transaction id, so
 * the output depends only on the input rows (no Math.random, no clock).
 */

/** A `transaction` row as exported (order ids may be floats such as `2.0`, i.e. JS `2`). */
export interface TransactionRow {
  transaction_id: number;
  transaction_type: string;
  sales_order_id: number | null;
  purchase_order_id: number | null;
  created_at: string;
  last_updated: string;
}

/** The `sales_order` fields the synthesis reads. `unit_price` is a JSON number or a decimal string. */
export interface SalesOrderRow {
  sales_order_id: number;
  created_at: string;
  counterparty_id: number;
  units_sold: number;
  unit_price: number | string;
  currency_id: number;
  agreed_payment_date: string;
}

/** The `purchase_order` fields the synthesis reads. `item_unit_price` is a JSON number or a decimal string. */
export interface PurchaseOrderRow {
  purchase_order_id: number;
  created_at: string;
  counterparty_id: number;
  item_quantity: number;
  item_unit_price: number | string;
  currency_id: number;
  agreed_payment_date: string;
}

/**
 * A `payment` row, keys in source column order. `payment_amount` is exact
 * decimal text with two decimals (`'552548.62'`); timestamps are kept as given
 * (no zone); `payment_date` is `yyyy-mm-dd` text.
 */
export interface PaymentRow {
  payment_id: number;
  created_at: string;
  last_updated: string;
  transaction_id: number;
  counterparty_id: number;
  payment_amount: string;
  currency_id: number;
  payment_type_id: number;
  paid: boolean;
  payment_date: string;
  company_ac_number: number;
  counterparty_ac_number: number;
}

/** A real `payment` row as published (payment_sample.json): amount as a decimal string or number. */
export type PaymentSampleRow = Omit<PaymentRow, 'payment_amount'> & { payment_amount: string | number };

/** Input of {@link synthesisePayments}: the exported tables. */
export interface PaymentSynthesisInput {
  transactions: readonly TransactionRow[];
  salesOrders: readonly SalesOrderRow[];
  purchaseOrders: readonly PurchaseOrderRow[];
  /** Real payment rows; each replaces the synthesised row with its payment_id. */
  sample?: readonly PaymentSampleRow[];
}

/** Percentage of synthesised payments that are refunds (payment types 2 and 4). */
export const REFUND_PERCENT = 5;
/** Percentage of past-due synthesised payments left unpaid. */
export const OUTSTANDING_PERCENT = 5;
/** Day of the ToteSys dump (shared data README): payments due on or after it are not yet paid. */
export const DUMP_DATE = '2025-02-25';
/** Largest magnitude numeric(10,2) holds, in cents. */
const MAX_CENTS = 10n ** 10n - 1n;

const PAYMENT_TYPE = { SALES_RECEIPT: 1, SALES_REFUND: 2, PURCHASE_PAYMENT: 3, PURCHASE_REFUND: 4 } as const;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

// ---------------------------------------------------------------------------
// Exact money.
// ---------------------------------------------------------------------------

/**
 * Converts a money value with at most two decimals to integer cents, exactly.
 * Strings are parsed digit by digit. Numbers (from JSON.parse) are turned back
 * into their shortest round-trip decimal form first, which for a JSON literal
 * with at most two decimals and 15 significant digits is that literal's digits
 * (trailing zeros aside), so no float arithmetic touches the value.
 *
 * @throws RangeError when the value is not a finite decimal with at most two
 *   decimals (e.g. `1e21`, `0.125`, `NaN`, `'abc'`): it could not be stored in
 *   numeric(10,2) without rounding.
 */
export function toCents(value: number | string): bigint {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match || (typeof value === 'number' && (!Number.isFinite(value) || Number(text) !== value))) {
    throw new RangeError(`not an exact amount with at most two decimals: ${JSON.stringify(value)}`);
  }
  const [, sign, whole, fraction = ''] = match;
  const cents = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign === '-' ? -cents : cents;
}

/** Formats integer cents as decimal text with exactly two decimals (`1234n` → `'12.34'`, `-5n` → `'-0.05'`). */
export function centsToText(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/**
 * Normalises a money value to exact two-decimal text (`3.9` → `'3.90'`, `'552548.62'` → `'552548.62'`).
 * @throws RangeError as {@link toCents}.
 */
export function moneyText(value: number | string): string {
  return centsToText(toCents(value));
}

// ---------------------------------------------------------------------------
// Deterministic randomness.
// ---------------------------------------------------------------------------

/** Murmur3's 32-bit finaliser: mixes all input bits into all output bits. */
function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A small deterministic generator keyed by an integer (here the transaction
 * id): a Weyl sequence (state += golden-ratio constant) whose states are
 * mixed by {@link mix32}. Returns a function yielding uint32 values; the same
 * key always yields the same sequence.
 */
export function keyedRandom(key: number): () => number {
  let state = mix32(Math.imul(key >>> 0, 0x9e3779b1) ^ 0x5eed7073);
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return mix32(state);
  };
}

// ---------------------------------------------------------------------------
// Synthesis.
// ---------------------------------------------------------------------------

function orderId(value: number | null, what: string, transactionId: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value)) throw new TypeError(`transaction ${transactionId}: ${what} is not an integer: ${value}`);
  return value;
}

function createdDate(timestamp: string, what: string): string {
  const day = timestamp.slice(0, 10);
  if (!DATE.test(day)) throw new TypeError(`${what}: created_at is not a timestamp: ${JSON.stringify(timestamp)}`);
  return day;
}

function eightDigits(draw: number): number {
  return 10_000_000 + (draw % 90_000_000);
}

/**
 * Synthesises the `payment` table: one row per transaction, sorted by
 * payment_id, with the real sample rows in place of their synthesised twins
 * (rules in the module comment). Pure and deterministic.
 *
 * @throws TypeError when a transaction points at no order (or at a missing
 *   one), has an unknown type, or a sample row's payment_id matches no
 *   transaction, or the result would repeat a transaction_id (payment has a
 *   unique index on it).
 * @throws RangeError when a price is not exact cents or an amount overflows numeric(10,2).
 */
export function synthesisePayments(input: PaymentSynthesisInput): PaymentRow[] {
  const sales = new Map(input.salesOrders.map((o) => [o.sales_order_id, o]));
  const purchases = new Map(input.purchaseOrders.map((o) => [o.purchase_order_id, o]));
  const byId = new Map<number, PaymentRow>();

  for (const t of input.transactions) {
    const id = t.transaction_id;
    if (!Number.isInteger(id)) throw new TypeError(`transaction id is not an integer: ${id}`);
    const random = keyedRandom(id);
    const refund = random() % 100 < REFUND_PERCENT;
    const outstanding = random() % 100 < OUTSTANDING_PERCENT;
    const companyAc = eightDigits(random());
    const counterpartyAc = eightDigits(random());

    let order: { created_at: string; counterparty_id: number; currency_id: number; agreed_payment_date: string };
    let cents: bigint;
    let paymentType: number;
    if (t.transaction_type === 'SALE') {
      const soId = orderId(t.sales_order_id, 'sales_order_id', id);
      const so = soId === null ? undefined : sales.get(soId);
      if (!so) throw new TypeError(`transaction ${id}: no sales order ${soId}`);
      order = so;
      cents = BigInt(so.units_sold) * toCents(so.unit_price);
      paymentType = refund ? PAYMENT_TYPE.SALES_REFUND : PAYMENT_TYPE.SALES_RECEIPT;
    } else if (t.transaction_type === 'PURCHASE') {
      const poId = orderId(t.purchase_order_id, 'purchase_order_id', id);
      const po = poId === null ? undefined : purchases.get(poId);
      if (!po) throw new TypeError(`transaction ${id}: no purchase order ${poId}`);
      order = po;
      cents = BigInt(po.item_quantity) * toCents(po.item_unit_price);
      paymentType = refund ? PAYMENT_TYPE.PURCHASE_REFUND : PAYMENT_TYPE.PURCHASE_PAYMENT;
    } else {
      throw new TypeError(`transaction ${id}: unknown transaction_type ${JSON.stringify(t.transaction_type)}`);
    }
    if (cents > MAX_CENTS || cents < -MAX_CENTS) {
      throw new RangeError(`transaction ${id}: amount ${centsToText(cents)} does not fit numeric(10,2)`);
    }

    const orderDay = createdDate(order.created_at, `transaction ${id}'s order`);
    const agreed = order.agreed_payment_date;
    const paymentDate = DATE.test(agreed) && agreed >= orderDay ? agreed : orderDay;

    byId.set(id, {
      payment_id: id,
      created_at: t.created_at,
      last_updated: t.last_updated,
      transaction_id: id,
      counterparty_id: order.counterparty_id,
      payment_amount: centsToText(cents),
      currency_id: order.currency_id,
      payment_type_id: paymentType,
      paid: paymentDate < DUMP_DATE && !outstanding,
      payment_date: paymentDate,
      company_ac_number: companyAc,
      counterparty_ac_number: counterpartyAc,
    });
  }

  for (const real of input.sample ?? []) {
    if (!byId.has(real.payment_id)) {
      throw new TypeError(`payment sample row ${real.payment_id} matches no transaction`);
    }
    byId.set(real.payment_id, {
      payment_id: real.payment_id,
      created_at: real.created_at,
      last_updated: real.last_updated,
      transaction_id: real.transaction_id,
      counterparty_id: real.counterparty_id,
      payment_amount: moneyText(real.payment_amount),
      currency_id: real.currency_id,
      payment_type_id: real.payment_type_id,
      paid: real.paid,
      payment_date: real.payment_date,
      company_ac_number: real.company_ac_number,
      counterparty_ac_number: real.counterparty_ac_number,
    });
  }

  const rows = [...byId.values()].sort((a, b) => a.payment_id - b.payment_id);
  const seen = new Set<number>();
  for (const row of rows) {
    if (seen.has(row.transaction_id)) throw new TypeError(`two payments for transaction ${row.transaction_id}`);
    seen.add(row.transaction_id);
  }
  return rows;
}
