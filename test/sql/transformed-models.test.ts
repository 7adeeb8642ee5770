/**
 * Given cleaned rows (typed, across two runs) → expected star rows, for every
 * transformed model, through the real DuckDbQueryEngine. Covers the snapshot
 * rules of docs/architecture.md "Star schema": dimensions hold the latest version of every key across
 * all runs up to the one being written (dim_transaction: of every key the run
 * touched); facts hold only that run's versions.
 */
import { FACT_VERSION_COLUMNS, starTable } from '../../jobs/lib/definition/tables';
import { queryRows } from '../../jobs/lib/adapters/duckdb/duckdb';
import { quoteLiteral } from '../../jobs/lib/core/identifiers';
import {
  expectUniqueNotNull,
  givenCleaned,
  openSqlTestLake,
  pick,
  type GivenRow,
  type Row,
  type SqlTestLake,
} from './sql-test-lake';

const RUN_1 = '20250101t090000z';
const RUN_2 = '20250102t090000z';
const RUN_3 = '20250103t090000z';

let lake: SqlTestLake;
beforeAll(async () => {
  lake = await openSqlTestLake();
});
afterAll(() => lake.close());

/** Materialises a star table for `runId` and returns its rows, checking columns (contract order) and grain. */
async function star(table: string, runId: string, orderBy: string): Promise<Row[]> {
  const result = await lake.run('transformed', table, runId);
  const rows = await lake.written('transformed', table, runId, orderBy);
  expect(result).toEqual({ table, runId, rows: rows.length, rejects: 0 });
  const def = starTable(table);
  const grain = def.kind === 'fact' ? [...def.key, ...FACT_VERSION_COLUMNS] : def.key;
  expectUniqueNotNull(rows, grain);
  for (const row of rows) expect(Object.keys(row)).toEqual(def.columns.map((c) => c.name));
  return rows;
}

/** {@link star} for runs without deletes: checks every row is live (deleted_at NULL) and leaves the column out. */
async function liveStar(table: string, runId: string, orderBy: string): Promise<Row[]> {
  const rows = await star(table, runId, orderBy);
  if (!starTable(table).columns.some((c) => c.name === 'deleted_at')) return rows;
  for (const row of rows) expect(row.deleted_at).toBeNull();
  return rows.map(({ deleted_at: _d, ...rest }) => rest);
}

const address = (over: GivenRow): GivenRow => ({
  address_id: '1',
  address_line_1: '6826 Herzog Via',
  address_line_2: null,
  district: 'Avon',
  city: 'New Patienceburgh',
  postal_code: '28441',
  country: 'Turkey',
  phone: '1803 637401',
  created_at: '2022-11-03 14:20:49.962',
  last_updated: '2022-11-03 14:20:49.962',
  run_id: RUN_1,
  ...over,
});

const salesOrder = (over: GivenRow): GivenRow => ({
  sales_order_id: '2',
  created_at: '2022-11-03 14:20:52.186',
  last_updated: '2022-11-03 14:20:52.186',
  design_id: '3',
  staff_id: '19',
  counterparty_id: '8',
  units_sold: '42972',
  unit_price: '3.94',
  currency_id: '2',
  agreed_delivery_date: '2022-11-07',
  agreed_payment_date: '2022-11-08',
  agreed_delivery_location_id: '8',
  run_id: RUN_1,
  ...over,
});

const purchaseOrder = (over: GivenRow): GivenRow => ({
  purchase_order_id: '1',
  created_at: '2022-11-03 14:20:52.187',
  last_updated: '2022-11-03 14:20:52.187',
  staff_id: '12',
  counterparty_id: '11',
  item_code: 'ZDOI5EA',
  item_quantity: '371',
  item_unit_price: '361.39',
  currency_id: '2',
  agreed_delivery_date: '2022-11-09',
  agreed_payment_date: '2022-11-07',
  agreed_delivery_location_id: '6',
  run_id: RUN_1,
  ...over,
});

const payment = (over: GivenRow): GivenRow => ({
  payment_id: '2',
  created_at: '2022-11-03 14:20:52.187',
  last_updated: '2022-11-03 14:20:52.187',
  transaction_id: '2',
  counterparty_id: '15',
  payment_amount: '552548.62',
  currency_id: '2',
  payment_type_id: '3',
  paid: 'false',
  payment_date: '2022-11-04',
  company_ac_number: '67305075',
  counterparty_ac_number: '31622269',
  run_id: RUN_1,
  ...over,
});

describe('transformed.dim_location', () => {
  it('holds the latest version of every address across runs up to the one written, nulls carried', async () => {
    await givenCleaned(lake.conn, 'address', [
      address({}),
      address({ address_id: '2', address_line_2: 'Flat 2', district: null }),
      address({ city: 'Leeds', last_updated: '2023-01-01 10:00:00', run_id: RUN_2 }),
      // A lookback re-read of the same version in a later run changes nothing.
      address({ address_id: '2', address_line_2: 'Flat 2', district: null, run_id: RUN_2 }),
    ]);
    const location = (id: number, over: Row = {}): Row => ({
      location_id: id,
      address_line_1: '6826 Herzog Via',
      address_line_2: null,
      district: 'Avon',
      city: 'New Patienceburgh',
      postal_code: '28441',
      country: 'Turkey',
      phone: '1803 637401',
      ...over,
    });
    expect(await liveStar('dim_location', RUN_2, 'location_id')).toEqual([
      location(1, { city: 'Leeds' }),
      location(2, { address_line_2: 'Flat 2', district: null }),
    ]);
    // Re-materialising run 1 never sees run 2.
    expect(await liveStar('dim_location', RUN_1, 'location_id')).toEqual([
      location(1),
      location(2, { address_line_2: 'Flat 2', district: null }),
    ]);
  });

  it('breaks a tie on last_updated by the latest run', async () => {
    await givenCleaned(lake.conn, 'address', [
      address({ phone: '0000 000000' }),
      address({ phone: '1111 111111', run_id: RUN_2 }),
    ]);
    expect(pick(await liveStar('dim_location', RUN_2, 'location_id'), ['location_id', 'phone'])).toEqual([
      { location_id: 1, phone: '1111 111111' },
    ]);
  });
});

describe('transformed.dim_counterparty', () => {
  const counterparty = (over: GivenRow): GivenRow => ({
    counterparty_id: '1',
    counterparty_legal_name: 'Fahey and Sons',
    legal_address_id: '1',
    commercial_contact: 'Micheal Toy',
    delivery_contact: 'Mrs. Lucy Runolfsdottir',
    created_at: '2022-11-03 14:20:51.563',
    last_updated: '2022-11-03 14:20:51.563',
    run_id: RUN_1,
    ...over,
  });

  it('joins the latest counterparty to the latest version of its legal address (address changed in run 2)', async () => {
    await givenCleaned(lake.conn, 'counterparty', [
      counterparty({}),
      counterparty({ counterparty_id: '2', counterparty_legal_name: 'Armstrong Inc', legal_address_id: '2' }),
      counterparty({
        counterparty_id: '2',
        counterparty_legal_name: 'Armstrong Group',
        legal_address_id: '2',
        last_updated: '2023-05-01 00:00:00',
        run_id: RUN_2,
      }),
    ]);
    await givenCleaned(lake.conn, 'address', [
      address({}),
      address({
        address_id: '2',
        address_line_1: '179 Alexie Cliffs',
        address_line_2: 'Unit 4',
        district: null,
        city: 'Aliso Viejo',
        postal_code: '99305-7380',
        country: 'San Marino',
        phone: '9621 880720',
      }),
      // Counterparty 1's address moves in run 2; the counterparty row itself does not change.
      address({
        address_line_1: '1 New Road',
        city: 'Leeds',
        phone: '0113 000000',
        last_updated: '2023-06-01 12:00:00',
        run_id: RUN_2,
      }),
    ]);
    const legal = (id: number, name: string, over: Row = {}): Row => ({
      counterparty_id: id,
      counterparty_legal_name: name,
      counterparty_legal_address_line_1: '6826 Herzog Via',
      counterparty_legal_address_line_2: null,
      counterparty_legal_district: 'Avon',
      counterparty_legal_city: 'New Patienceburgh',
      counterparty_legal_postal_code: '28441',
      counterparty_legal_country: 'Turkey',
      counterparty_legal_phone_number: '1803 637401',
      ...over,
    });
    const second = {
      counterparty_legal_address_line_1: '179 Alexie Cliffs',
      counterparty_legal_address_line_2: 'Unit 4',
      counterparty_legal_district: null,
      counterparty_legal_city: 'Aliso Viejo',
      counterparty_legal_postal_code: '99305-7380',
      counterparty_legal_country: 'San Marino',
      counterparty_legal_phone_number: '9621 880720',
    };
    expect(await liveStar('dim_counterparty', RUN_1, 'counterparty_id')).toEqual([
      legal(1, 'Fahey and Sons'),
      legal(2, 'Armstrong Inc', second),
    ]);
    expect(await liveStar('dim_counterparty', RUN_2, 'counterparty_id')).toEqual([
      legal(1, 'Fahey and Sons', {
        counterparty_legal_address_line_1: '1 New Road',
        counterparty_legal_city: 'Leeds',
        counterparty_legal_phone_number: '0113 000000',
      }),
      legal(2, 'Armstrong Group', second),
    ]);
  });
});

describe('transformed.dim_staff', () => {
  it('joins each staff member to the latest version of their department, values as the source has them', async () => {
    const stamps = { created_at: '2022-11-03 14:20:51.563', last_updated: '2022-11-03 14:20:51.563' };
    await givenCleaned(lake.conn, 'staff', [
      {
        staff_id: '1',
        first_name: 'Jeremie',
        last_name: 'Franey',
        department_id: '2',
        email_address: 'jeremie.franey@terrifictotes.com',
        ...stamps,
        run_id: RUN_1,
      },
      {
        staff_id: '2',
        first_name: 'Deron',
        last_name: 'Beier',
        department_id: '4',
        email_address: 'deron.beier@terrifictotes.com',
        ...stamps,
        run_id: RUN_1,
      },
      {
        staff_id: '2',
        first_name: 'Deron',
        last_name: 'Beier-Smith',
        department_id: '4',
        email_address: 'deron.beier@terrifictotes.com',
        created_at: stamps.created_at,
        last_updated: '2024-01-01 00:00:00',
        run_id: RUN_2,
      },
    ]);
    await givenCleaned(lake.conn, 'department', [
      {
        department_id: '2',
        department_name: 'Purchasing',
        location: 'Manchester',
        manager: 'Naomi Lapaglia',
        ...stamps,
        run_id: RUN_1,
      },
      {
        department_id: '2',
        department_name: 'Procurement',
        location: 'Manchester',
        manager: 'Naomi Lapaglia',
        created_at: stamps.created_at,
        last_updated: '2024-02-01 00:00:00',
        run_id: RUN_2,
      },
      { department_id: '4', department_name: 'Dispatch', location: 'Leds', manager: 'Mark Hanna', ...stamps, run_id: RUN_1 },
    ]);
    expect(await liveStar('dim_staff', RUN_2, 'staff_id')).toEqual([
      {
        staff_id: 1,
        first_name: 'Jeremie',
        last_name: 'Franey',
        department_name: 'Procurement',
        location: 'Manchester',
        email_address: 'jeremie.franey@terrifictotes.com',
      },
      {
        staff_id: 2,
        first_name: 'Deron',
        last_name: 'Beier-Smith',
        department_name: 'Dispatch',
        location: 'Leds',
        email_address: 'deron.beier@terrifictotes.com',
      },
    ]);
  });
});

describe('transformed.dim_currency', () => {
  it('adds the English ISO 4217 name; an unknown code gets a null name', async () => {
    const stamps = { created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962', run_id: RUN_1 };
    await givenCleaned(lake.conn, 'currency', [
      { currency_id: '1', currency_code: 'GBP', ...stamps },
      { currency_id: '2', currency_code: 'USD', ...stamps },
      { currency_id: '3', currency_code: 'EUR', ...stamps },
      { currency_id: '4', currency_code: 'XTS', ...stamps },
      { currency_id: '4', currency_code: 'XTS', ...stamps, run_id: RUN_2 },
    ]);
    expect(await liveStar('dim_currency', RUN_2, 'currency_id')).toEqual([
      { currency_id: 1, currency_code: 'GBP', currency_name: 'British Pound' },
      { currency_id: 2, currency_code: 'USD', currency_name: 'US Dollar' },
      { currency_id: 3, currency_code: 'EUR', currency_name: 'Euro' },
      { currency_id: 4, currency_code: 'XTS', currency_name: null },
    ]);
  });
});

describe('transformed.dim_design, dim_payment_type, dim_transaction', () => {
  it('dim_design holds the latest version of every design', async () => {
    const design = (over: GivenRow): GivenRow => ({
      design_id: '8',
      created_at: '2022-11-03 14:20:49.962',
      design_name: 'Wooden',
      file_location: '/usr',
      file_name: 'wooden-20220717-npgz.json',
      last_updated: '2022-11-03 14:20:49.962',
      run_id: RUN_1,
      ...over,
    });
    await givenCleaned(lake.conn, 'design', [
      design({}),
      design({ design_id: '51', design_name: 'Bronze', file_location: '/private', file_name: 'bronze-20221024-4dds.json' }),
      design({ file_location: '/usr/share', last_updated: '2023-03-01 08:00:00', run_id: RUN_2 }),
      // A version from a later run than the one written is invisible to it.
      design({ design_name: 'Future', last_updated: '2024-03-01 08:00:00', run_id: RUN_3 }),
    ]);
    expect(await liveStar('dim_design', RUN_2, 'design_id')).toEqual([
      { design_id: 8, design_name: 'Wooden', file_location: '/usr/share', file_name: 'wooden-20220717-npgz.json' },
      { design_id: 51, design_name: 'Bronze', file_location: '/private', file_name: 'bronze-20221024-4dds.json' },
    ]);
  });

  it('dim_payment_type holds the latest name of every payment type', async () => {
    const stamps = { created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' };
    await givenCleaned(lake.conn, 'payment_type', [
      { payment_type_id: '1', payment_type_name: 'SALES_RECEIPT', ...stamps, run_id: RUN_1 },
      { payment_type_id: '2', payment_type_name: 'SALES_REFUND', ...stamps, run_id: RUN_1 },
      {
        payment_type_id: '2',
        payment_type_name: 'SALES_REVERSAL',
        created_at: stamps.created_at,
        last_updated: '2023-01-01 00:00:00',
        run_id: RUN_2,
      },
    ]);
    expect(await liveStar('dim_payment_type', RUN_2, 'payment_type_id')).toEqual([
      { payment_type_id: 1, payment_type_name: 'SALES_RECEIPT' },
      { payment_type_id: 2, payment_type_name: 'SALES_REVERSAL' },
    ]);
  });

  it('dim_transaction keeps null order ids and the latest version of every transaction the run touched', async () => {
    const stamps = { created_at: '2022-11-03 14:20:52.186', last_updated: '2022-11-03 14:20:52.186' };
    await givenCleaned(lake.conn, 'transaction', [
      {
        transaction_id: '1',
        transaction_type: 'PURCHASE',
        sales_order_id: null,
        purchase_order_id: '2',
        ...stamps,
        run_id: RUN_1,
      },
      { transaction_id: '3', transaction_type: 'SALE', sales_order_id: '1', purchase_order_id: null, ...stamps, run_id: RUN_1 },
      {
        transaction_id: '3',
        transaction_type: 'SALE',
        sales_order_id: '7',
        purchase_order_id: null,
        created_at: stamps.created_at,
        last_updated: '2023-01-01 00:00:00',
        run_id: RUN_2,
      },
      // A late copy of an older version arrives in run 3: the newer version from run 2 still wins.
      { transaction_id: '3', transaction_type: 'SALE', sales_order_id: '1', purchase_order_id: null, ...stamps, run_id: RUN_3 },
    ]);
    expect(await liveStar('dim_transaction', RUN_1, 'transaction_id')).toEqual([
      { transaction_id: 1, transaction_type: 'PURCHASE', sales_order_id: null, purchase_order_id: 2 },
      { transaction_id: 3, transaction_type: 'SALE', sales_order_id: 1, purchase_order_id: null },
    ]);
    // Transaction 1 has no version in run 2 or 3, so neither writes it (the warehouse keeps it as loaded).
    expect(await liveStar('dim_transaction', RUN_2, 'transaction_id')).toEqual([
      { transaction_id: 3, transaction_type: 'SALE', sales_order_id: 7, purchase_order_id: null },
    ]);
    expect(await liveStar('dim_transaction', RUN_3, 'transaction_id')).toEqual([
      { transaction_id: 3, transaction_type: 'SALE', sales_order_id: 7, purchase_order_id: null },
    ]);
  });
});

describe('transformed facts', () => {
  it('fact_sales_order: an order updated in run 2 gives a fact row only in run 2; times are HH:MM:SS.mmm', async () => {
    await givenCleaned(lake.conn, 'sales_order', [
      salesOrder({}),
      salesOrder({ sales_order_id: '3', created_at: '2022-11-03 09:05:07', last_updated: '2022-11-03 09:05:07' }),
      salesOrder({ units_sold: '50000', last_updated: '2022-11-05 18:30:00.5', run_id: RUN_2 }),
    ]);
    const fact = (over: Row): Row => ({
      sales_order_id: 2,
      created_date: '2022-11-03',
      created_time: '14:20:52.186',
      last_updated_date: '2022-11-03',
      last_updated_time: '14:20:52.186',
      sales_staff_id: 19,
      counterparty_id: 8,
      units_sold: 42972,
      unit_price: '3.94',
      currency_id: 2,
      design_id: 3,
      agreed_payment_date: '2022-11-08',
      agreed_delivery_date: '2022-11-07',
      agreed_delivery_location_id: 8,
      ...over,
    });
    expect(await liveStar('fact_sales_order', RUN_1, 'sales_order_id')).toEqual([
      fact({}),
      fact({ sales_order_id: 3, created_date: '2022-11-03', created_time: '09:05:07.000', last_updated_time: '09:05:07.000' }),
    ]);
    expect(await liveStar('fact_sales_order', RUN_2, 'sales_order_id')).toEqual([
      fact({ units_sold: 50000, last_updated_date: '2022-11-05', last_updated_time: '18:30:00.500' }),
    ]);
  });

  it("fact_purchase_order: only the run's versions, split stamps", async () => {
    await givenCleaned(lake.conn, 'purchase_order', [
      purchaseOrder({}),
      purchaseOrder({ item_quantity: '400', last_updated: '2022-12-01 00:00:00', run_id: RUN_2 }),
      purchaseOrder({ purchase_order_id: '2', item_unit_price: '199.04', run_id: RUN_2 }),
    ]);
    const fact = (over: Row): Row => ({
      purchase_order_id: 1,
      created_date: '2022-11-03',
      created_time: '14:20:52.187',
      last_updated_date: '2022-11-03',
      last_updated_time: '14:20:52.187',
      staff_id: 12,
      counterparty_id: 11,
      item_code: 'ZDOI5EA',
      item_quantity: 371,
      item_unit_price: '361.39',
      currency_id: 2,
      agreed_delivery_date: '2022-11-09',
      agreed_payment_date: '2022-11-07',
      agreed_delivery_location_id: 6,
      ...over,
    });
    expect(await liveStar('fact_purchase_order', RUN_2, 'purchase_order_id')).toEqual([
      fact({ item_quantity: 400, last_updated_date: '2022-12-01', last_updated_time: '00:00:00.000' }),
      fact({ purchase_order_id: 2, item_unit_price: '199.04' }),
    ]);
  });

  it('fact_payment: no account numbers, paid and payment_date carried', async () => {
    await givenCleaned(lake.conn, 'payment', [
      payment({}),
      payment({ payment_id: '3', paid: 'true', payment_date: '2022-11-03', run_id: RUN_2 }),
    ]);
    expect(await liveStar('fact_payment', RUN_2, 'payment_id')).toEqual([
      {
        payment_id: 3,
        created_date: '2022-11-03',
        created_time: '14:20:52.187',
        last_updated_date: '2022-11-03',
        last_updated_time: '14:20:52.187',
        transaction_id: 2,
        counterparty_id: 15,
        payment_amount: '552548.62',
        currency_id: 2,
        payment_type_id: 3,
        paid: true,
        payment_date: '2022-11-03',
      },
    ]);
  });
});

describe('transformed.dim_date', () => {
  beforeAll(async () => {
    await givenCleaned(lake.conn, 'sales_order', [
      salesOrder({
        created_at: '2022-11-03 14:20:52.186',
        last_updated: '2022-11-03 14:20:52.186',
        agreed_delivery_date: '2022-11-07',
        agreed_payment_date: '2022-11-08',
      }),
      salesOrder({ sales_order_id: '9', last_updated: '2023-01-02 08:00:00', agreed_delivery_date: '2023-01-01', run_id: RUN_2 }),
    ]);
    await givenCleaned(lake.conn, 'purchase_order', [purchaseOrder({ agreed_payment_date: '2022-10-31', run_id: RUN_2 })]);
    // The payment date is the latest date anywhere, and arrives in run 2.
    await givenCleaned(lake.conn, 'payment', [payment({ payment_date: '2023-04-02', run_id: RUN_2 })]);
  });

  it('spans every day from the earliest to the latest fact date, with names, ISO weekday and quarter', async () => {
    const days = await liveStar('dim_date', RUN_2, 'date_id');
    const count = (Date.UTC(2023, 3, 2) - Date.UTC(2022, 9, 31)) / 86_400_000 + 1;
    expect(days).toHaveLength(count);
    expect(days[0].date_id).toBe('2022-10-31');
    expect(days[days.length - 1].date_id).toBe('2023-04-02');
    const byDate = new Map(days.map((d) => [d.date_id, d]));
    expect(byDate.get('2022-11-03')).toEqual({
      date_id: '2022-11-03',
      year: 2022,
      month: 11,
      day: 3,
      day_of_week: 4,
      day_name: 'Thursday',
      month_name: 'November',
      quarter: 4,
    });
    expect(byDate.get('2022-10-31')).toEqual({
      date_id: '2022-10-31',
      year: 2022,
      month: 10,
      day: 31,
      day_of_week: 1,
      day_name: 'Monday',
      month_name: 'October',
      quarter: 4,
    });
    expect(byDate.get('2023-01-01')).toEqual({
      date_id: '2023-01-01',
      year: 2023,
      month: 1,
      day: 1,
      day_of_week: 7,
      day_name: 'Sunday',
      month_name: 'January',
      quarter: 1,
    });
    expect(byDate.get('2023-04-02')).toEqual({
      date_id: '2023-04-02',
      year: 2023,
      month: 4,
      day: 2,
      day_of_week: 7,
      day_name: 'Sunday',
      month_name: 'April',
      quarter: 2,
    });
    // Every weekday name matches the JavaScript calendar for the whole span.
    const names = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    for (const d of days) {
      const js = new Date(`${d.date_id as string}T00:00:00Z`);
      expect([d.day_name, d.day_of_week]).toEqual([names[js.getUTCDay()], js.getUTCDay() === 0 ? 7 : js.getUTCDay()]);
      expect(d.quarter).toBe(Math.floor(js.getUTCMonth() / 3) + 1);
    }
  });

  it('holds every date a fact of the run points at', async () => {
    await liveStar('dim_date', RUN_2, 'date_id');
    for (const fact of ['fact_sales_order', 'fact_purchase_order', 'fact_payment']) await lake.run('transformed', fact, RUN_2);
    const file = (table: string) => quoteLiteral(lake.partFile('transformed', table, RUN_2));
    const missing = await queryRows(
      lake.conn,
      `with dates as (
         select created_date as d from read_parquet(${file('fact_sales_order')}, hive_partitioning = false)
         union all select last_updated_date from read_parquet(${file('fact_sales_order')}, hive_partitioning = false)
         union all select agreed_payment_date from read_parquet(${file('fact_sales_order')}, hive_partitioning = false)
         union all select agreed_delivery_date from read_parquet(${file('fact_sales_order')}, hive_partitioning = false)
         union all select agreed_payment_date from read_parquet(${file('fact_purchase_order')}, hive_partitioning = false)
         union all select agreed_delivery_date from read_parquet(${file('fact_purchase_order')}, hive_partitioning = false)
         union all select payment_date from read_parquet(${file('fact_payment')}, hive_partitioning = false)
       )
       select count(*) as facts, count(*) filter (where d not in (select date_id from read_parquet(${file('dim_date')}, hive_partitioning = false))) as missing
       from dates`,
    );
    expect(Number(missing[0].facts)).toBeGreaterThan(0);
    expect(Number(missing[0].missing)).toBe(0);
  });

  it('is empty (not an error) before any fact rows exist', async () => {
    await givenCleaned(lake.conn, 'sales_order', []);
    await givenCleaned(lake.conn, 'purchase_order', []);
    await givenCleaned(lake.conn, 'payment', []);
    expect(await liveStar('dim_date', RUN_1, 'date_id')).toEqual([]);
  });
});

describe('deletes pass through the models', () => {
  it('a key whose latest version is a delete carries deleted_at = its time in the dimension; a re-insert is live', async () => {
    const stamps = { created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' };
    await givenCleaned(lake.conn, 'design', [
      {
        design_id: '8',
        design_name: 'Wooden',
        file_location: '/usr',
        file_name: 'w.json',
        ...stamps,
        change_op: null,
        run_id: RUN_1,
      },
      {
        design_id: '9',
        design_name: 'Paper',
        file_location: '/usr',
        file_name: 'p.json',
        ...stamps,
        change_op: null,
        run_id: RUN_1,
      },
      {
        design_id: '8',
        design_name: 'Wooden',
        file_location: '/usr',
        file_name: 'w.json',
        created_at: stamps.created_at,
        last_updated: '2023-01-01 00:00:00',
        change_op: 'delete',
        run_id: RUN_2,
      },
      {
        design_id: '9',
        design_name: 'Paper',
        file_location: '/usr',
        file_name: 'p.json',
        created_at: stamps.created_at,
        last_updated: '2023-01-01 00:00:00',
        change_op: 'delete',
        run_id: RUN_2,
      },
      {
        design_id: '9',
        design_name: 'Paper',
        file_location: '/usr',
        file_name: 'p.json',
        created_at: stamps.created_at,
        last_updated: '2023-02-01 00:00:00',
        change_op: 'insert',
        run_id: RUN_3,
      },
    ]);
    const rows = await star('dim_design', RUN_3, 'design_id');
    expect(rows.map((r) => [r.design_id, r.deleted_at])).toEqual([
      [8, '2023-01-01 00:00:00'],
      [9, null],
    ]);
  });

  it('a fact delete version carries deleted_at = its last_updated; other versions are live', async () => {
    await givenCleaned(lake.conn, 'sales_order', [
      salesOrder({ sales_order_id: '1', last_updated: '2023-01-01 00:00:00', change_op: 'delete', run_id: RUN_2 }),
      salesOrder({ sales_order_id: '2', last_updated: '2023-01-01 00:00:00', change_op: 'update', run_id: RUN_2 }),
    ]);
    const rows = await star('fact_sales_order', RUN_2, 'sales_order_id');
    expect(rows.map((r) => [r.sales_order_id, r.deleted_at])).toEqual([
      [1, '2023-01-01 00:00:00'],
      [2, null],
    ]);
  });
});
