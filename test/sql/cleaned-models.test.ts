/**
 * Given raw rows → expected cleaned rows, for every cleaned model, through the
 * real DuckDbQueryEngine (render → COPY → Parquet read back). Each table
 * includes at least one tricky case from the real exports (docs/architecture.md "Data contracts") and a
 * row that must be rejected with its reason.
 */
import { sourceTable } from '../../jobs/lib/definition/tables';
import { expectUniqueNotNull, givenRaw, openSqlTestLake, type GivenRow, type Row, type SqlTestLake } from './sql-test-lake';

const RUN = '20250225t132609z';
const OTHER_RUN = '20250101t000000z';

let lake: SqlTestLake;
beforeAll(async () => {
  lake = await openSqlTestLake();
});
afterAll(() => lake.close());

/**
 * Materialises the cleaned model for RUN and returns [good rows, rejected rows] ordered by
 * `orderBy`; a rejected row is its reject record's `original` (the raw text of every contract
 * column) plus `reject_reason`, ordered by the same columns as text.
 */
async function clean(table: string, rows: GivenRow[], orderBy: string) {
  await givenRaw(lake.conn, table, rows);
  const result = await lake.run('cleaned', table, RUN);
  const good = await lake.written('cleaned', table, RUN, orderBy);
  const records = await lake.rejected(table, RUN);
  expect(result).toEqual({ table, runId: RUN, rows: good.length, rejects: records.length });
  const def = sourceTable(table);
  expectUniqueNotNull(good, [def.primaryKey, 'last_updated']);
  // The contract columns, then the op column (NULL: these raw rows carry no `_op`, so they are upserts).
  for (const row of good) expect(Object.keys(row)).toEqual([...def.columns.map((c) => c.name), 'change_op']);
  for (const row of good) expect(row.change_op).toBeNull();
  for (const record of records) {
    expect(record).toMatchObject({ run_id: RUN, table, stage: 'cleaned', file: null, line: null });
    expect(Object.keys(JSON.parse(String(record.original)))).toEqual(def.columns.map((c) => c.name));
  }
  const order = orderBy.split(',').map((c) => c.trim());
  const key = (r: Row) => JSON.stringify(order.map((c) => r[c] ?? ''));
  const rejects = records
    .map((r): Row => ({ ...(JSON.parse(String(r.original)) as Row), reject_reason: r.reason }))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const withoutOp = ({ change_op: _op, ...rest }: Row) => rest;
  return { good: good.map(withoutOp), rejects };
}

describe('cleaned.address', () => {
  const row = (over: GivenRow): GivenRow => ({
    address_id: '1',
    address_line_1: '6826 Herzog Via',
    address_line_2: null,
    district: null,
    city: 'New Patienceburgh',
    postal_code: '28441',
    country: 'Turkey',
    phone: '1803 637401',
    created_at: '2022-11-03T14:20:49.962',
    last_updated: '2022-11-03T14:20:49.962',
    run_id: RUN,
    ...over,
  });

  it('types ids and both timestamp forms, keeps null line 2/district, dedupes versions, rejects a missing city', async () => {
    const { good, rejects } = await clean(
      'address',
      [
        row({}),
        row({
          address_id: '2.0',
          district: 'Avon',
          address_line_2: 'Flat 2',
          created_at: '2022-11-03 14:20:52.187000',
          last_updated: '2022-11-04 09:00:00.000000',
        }),
        row({ address_id: '3', last_updated: '2023-01-01T10:00:00.000' }),
        row({ address_id: '3', last_updated: '2023-01-01T10:00:00.000' }),
        row({ address_id: '3', last_updated: '2023-02-01T10:00:00.000', city: 'Leeds' }),
        row({ address_id: '4', city: null }),
        row({ address_id: '9', run_id: OTHER_RUN }),
      ],
      'address_id, last_updated',
    );
    const base = {
      address_line_1: '6826 Herzog Via',
      address_line_2: null,
      district: null,
      city: 'New Patienceburgh',
      postal_code: '28441',
      country: 'Turkey',
      phone: '1803 637401',
      created_at: '2022-11-03 14:20:49.962',
    };
    expect(good).toEqual([
      { address_id: 1, ...base, last_updated: '2022-11-03 14:20:49.962' },
      {
        address_id: 2,
        ...base,
        address_line_2: 'Flat 2',
        district: 'Avon',
        created_at: '2022-11-03 14:20:52.187',
        last_updated: '2022-11-04 09:00:00',
      },
      { address_id: 3, ...base, last_updated: '2023-01-01 10:00:00' },
      { address_id: 3, ...base, city: 'Leeds', last_updated: '2023-02-01 10:00:00' },
    ]);
    expect(rejects).toEqual([
      {
        ...base,
        address_id: '4',
        city: null,
        created_at: '2022-11-03T14:20:49.962',
        last_updated: '2022-11-03T14:20:49.962',
        reject_reason: 'city is missing',
      },
    ]);
  });
});

describe('cleaned.counterparty', () => {
  const row = (over: GivenRow): GivenRow => ({
    counterparty_id: '1',
    counterparty_legal_name: 'Fahey and Sons',
    legal_address_id: '15',
    commercial_contact: 'Micheal Toy',
    delivery_contact: 'Mrs. Lucy Runolfsdottir',
    created_at: '2022-11-03T14:20:51.563',
    last_updated: '2022-11-03T14:20:51.563',
    run_id: RUN,
    ...over,
  });

  it('turns a float-ified address id into an integer, keeps null contacts, rejects an unparseable last_updated', async () => {
    const { good, rejects } = await clean(
      'counterparty',
      [
        row({}),
        row({ counterparty_id: '2', legal_address_id: '28.0', commercial_contact: null, delivery_contact: null }),
        row({ counterparty_id: '3', last_updated: 'yesterday' }),
        row({ counterparty_id: '4', legal_address_id: '' }),
      ],
      'counterparty_id',
    );
    const base = {
      counterparty_legal_name: 'Fahey and Sons',
      commercial_contact: 'Micheal Toy',
      delivery_contact: 'Mrs. Lucy Runolfsdottir',
      created_at: '2022-11-03 14:20:51.563',
      last_updated: '2022-11-03 14:20:51.563',
    };
    expect(good).toEqual([
      { counterparty_id: 1, ...base, legal_address_id: 15 },
      { counterparty_id: 2, ...base, legal_address_id: 28, commercial_contact: null, delivery_contact: null },
    ]);
    expect(rejects.map((r) => [r.counterparty_id, r.last_updated, r.legal_address_id, r.reject_reason])).toEqual([
      ['3', 'yesterday', '15', "last_updated is not a timestamp: 'yesterday'"],
      ['4', '2022-11-03T14:20:51.563', '', "legal_address_id is not an integer: ''"],
    ]);
  });
});

describe('cleaned.currency', () => {
  it('accepts both timestamp forms, dedupes a re-read version, rejects a missing code', async () => {
    const { good, rejects } = await clean(
      'currency',
      [
        {
          currency_id: '1',
          currency_code: 'GBP',
          created_at: '2022-11-03T14:20:49.962',
          last_updated: '2022-11-03T14:20:49.962',
          run_id: RUN,
        },
        {
          currency_id: '1',
          currency_code: 'GBP',
          created_at: '2022-11-03T14:20:49.962',
          last_updated: '2022-11-03T14:20:49.962',
          run_id: RUN,
        },
        {
          currency_id: '2',
          currency_code: 'USD',
          created_at: '2022-11-03 14:20:49.962000',
          last_updated: '2022-11-03 14:20:49.962000',
          run_id: RUN,
        },
        {
          currency_id: '3',
          currency_code: null,
          created_at: '2022-11-03T14:20:49.962',
          last_updated: '2022-11-03T14:20:49.962',
          run_id: RUN,
        },
      ],
      'currency_id',
    );
    expect(good).toEqual([
      { currency_id: 1, currency_code: 'GBP', created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' },
      { currency_id: 2, currency_code: 'USD', created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' },
    ]);
    expect(rejects).toEqual([
      {
        currency_id: '3',
        currency_code: null,
        created_at: '2022-11-03T14:20:49.962',
        last_updated: '2022-11-03T14:20:49.962',
        reject_reason: 'currency_code is missing',
      },
    ]);
  });
});

describe('cleaned.department', () => {
  const row = (over: GivenRow): GivenRow => ({
    department_id: '4',
    department_name: 'Dispatch',
    location: 'Leds',
    manager: 'Mark Hanna',
    created_at: '2022-11-03T14:20:49.962',
    last_updated: '2022-11-03T14:20:49.962',
    run_id: RUN,
    ...over,
  });

  it('carries source values as they are ("Leds"), allows a null location, rejects a non-whole id', async () => {
    const { good, rejects } = await clean(
      'department',
      [
        row({}),
        row({ department_id: '8.0', department_name: 'HR', location: null, manager: null }),
        row({ department_id: '4.5' }),
      ],
      'department_id',
    );
    const stamps = { created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' };
    expect(good).toEqual([
      { department_id: 4, department_name: 'Dispatch', location: 'Leds', manager: 'Mark Hanna', ...stamps },
      { department_id: 8, department_name: 'HR', location: null, manager: null, ...stamps },
    ]);
    expect(rejects).toEqual([
      {
        department_id: '4.5',
        department_name: 'Dispatch',
        location: 'Leds',
        manager: 'Mark Hanna',
        created_at: '2022-11-03T14:20:49.962',
        last_updated: '2022-11-03T14:20:49.962',
        reject_reason: "department_id is not an integer: '4.5'",
      },
    ]);
  });
});

describe('cleaned.design', () => {
  const row = (over: GivenRow): GivenRow => ({
    design_id: '8',
    created_at: '2022-11-03T14:20:49.962',
    design_name: 'Wooden',
    file_location: '/usr',
    file_name: 'wooden-20220717-npgz.json',
    last_updated: '2022-11-03T14:20:49.962',
    run_id: RUN,
    ...over,
  });

  it('keeps two versions of a design, truncates microseconds to milliseconds, rejects a missing last_updated', async () => {
    const { good, rejects } = await clean(
      'design',
      [
        row({}),
        row({ design_name: 'Bronze', last_updated: '2023-01-12 18:50:09.935999' }),
        row({ design_id: '51', last_updated: null }),
      ],
      'design_id, last_updated',
    );
    const base = { created_at: '2022-11-03 14:20:49.962', file_location: '/usr', file_name: 'wooden-20220717-npgz.json' };
    expect(good).toEqual([
      {
        design_id: 8,
        created_at: base.created_at,
        design_name: 'Wooden',
        file_location: '/usr',
        file_name: base.file_name,
        last_updated: '2022-11-03 14:20:49.962',
      },
      {
        design_id: 8,
        created_at: base.created_at,
        design_name: 'Bronze',
        file_location: '/usr',
        file_name: base.file_name,
        last_updated: '2023-01-12 18:50:09.935',
      },
    ]);
    expect(rejects.map((r) => [r.design_id, r.last_updated, r.reject_reason])).toEqual([['51', null, 'last_updated is missing']]);
  });
});

describe('cleaned.payment', () => {
  const row = (over: GivenRow): GivenRow => ({
    payment_id: '2',
    created_at: '2022-11-03 14:20:52.187000',
    last_updated: '2022-11-03 14:20:52.187000',
    transaction_id: '2',
    counterparty_id: '15',
    payment_amount: '552548.62',
    currency_id: '2',
    payment_type_id: '3',
    paid: 'false',
    payment_date: '2022-11-04',
    company_ac_number: '67305075',
    counterparty_ac_number: '31622269',
    run_id: RUN,
    ...over,
  });

  it('types money from string and number text, booleans and text dates; rejects an impossible date and a bad boolean', async () => {
    const { good, rejects } = await clean(
      'payment',
      [
        row({}),
        row({
          payment_id: '3',
          transaction_id: '3.0',
          payment_amount: '3.9',
          paid: 'true',
          created_at: '2022-11-03T14:20:52.186',
          last_updated: '2022-11-03T14:20:52.186',
        }),
        row({ payment_id: '5', payment_date: '2022-02-30' }),
        row({ payment_id: '8', paid: 'maybe' }),
      ],
      'payment_id',
    );
    expect(good).toEqual([
      {
        payment_id: 2,
        created_at: '2022-11-03 14:20:52.187',
        last_updated: '2022-11-03 14:20:52.187',
        transaction_id: 2,
        counterparty_id: 15,
        payment_amount: '552548.62',
        currency_id: 2,
        payment_type_id: 3,
        paid: false,
        payment_date: '2022-11-04',
        company_ac_number: 67305075,
        counterparty_ac_number: 31622269,
      },
      {
        payment_id: 3,
        created_at: '2022-11-03 14:20:52.186',
        last_updated: '2022-11-03 14:20:52.186',
        transaction_id: 3,
        counterparty_id: 15,
        payment_amount: '3.90',
        currency_id: 2,
        payment_type_id: 3,
        paid: true,
        payment_date: '2022-11-04',
        company_ac_number: 67305075,
        counterparty_ac_number: 31622269,
      },
    ]);
    expect(rejects.map((r) => [r.payment_id, r.payment_date, r.paid, r.reject_reason])).toEqual([
      ['5', '2022-02-30', 'false', "payment_date is not a date (yyyy-mm-dd): '2022-02-30'"],
      ['8', '2022-11-04', 'maybe', "paid is not a boolean (true/false): 'maybe'"],
    ]);
  });
});

describe('cleaned.payment_type', () => {
  it('types the enum as text, dedupes a version, rejects a missing name', async () => {
    const stamps = { created_at: '2022-11-03T14:20:49.962', last_updated: '2022-11-03T14:20:49.962', run_id: RUN };
    const { good, rejects } = await clean(
      'payment_type',
      [
        { payment_type_id: '1', payment_type_name: 'SALES_RECEIPT', ...stamps },
        { payment_type_id: '1.0', payment_type_name: 'SALES_RECEIPT', ...stamps },
        { payment_type_id: '2', payment_type_name: null, ...stamps },
      ],
      'payment_type_id',
    );
    const typed = { created_at: '2022-11-03 14:20:49.962', last_updated: '2022-11-03 14:20:49.962' };
    expect(good).toEqual([{ payment_type_id: 1, payment_type_name: 'SALES_RECEIPT', ...typed }]);
    expect(rejects).toEqual([
      {
        payment_type_id: '2',
        payment_type_name: null,
        created_at: '2022-11-03T14:20:49.962',
        last_updated: '2022-11-03T14:20:49.962',
        reject_reason: 'payment_type_name is missing',
      },
    ]);
  });
});

describe('cleaned.purchase_order', () => {
  const row = (over: GivenRow): GivenRow => ({
    purchase_order_id: '1',
    created_at: '2022-11-03T14:20:52.187',
    last_updated: '2022-11-03T14:20:52.187',
    staff_id: '12',
    counterparty_id: '11',
    item_code: 'ZDOI5EA',
    item_quantity: '371',
    item_unit_price: '361.39',
    currency_id: '2',
    agreed_delivery_date: '2022-11-09',
    agreed_payment_date: '2022-11-07',
    agreed_delivery_location_id: '6',
    run_id: RUN,
    ...over,
  });

  it('types number-text money and text dates, dedupes a version, rejects money that does not fit decimal(10,2)', async () => {
    const { good, rejects } = await clean(
      'purchase_order',
      [
        row({}),
        row({}),
        row({ purchase_order_id: '2', item_unit_price: '12', item_quantity: '286.0' }),
        row({ purchase_order_id: '3', item_unit_price: '123456789.12' }),
      ],
      'purchase_order_id',
    );
    const base = {
      created_at: '2022-11-03 14:20:52.187',
      last_updated: '2022-11-03 14:20:52.187',
      staff_id: 12,
      counterparty_id: 11,
      item_code: 'ZDOI5EA',
      item_quantity: 371,
      item_unit_price: '361.39',
      currency_id: 2,
      agreed_delivery_date: '2022-11-09',
      agreed_payment_date: '2022-11-07',
      agreed_delivery_location_id: 6,
    };
    expect(good).toEqual([
      { purchase_order_id: 1, ...base },
      { purchase_order_id: 2, ...base, item_quantity: 286, item_unit_price: '12.00' },
    ]);
    expect(rejects.map((r) => [r.purchase_order_id, r.item_unit_price, r.reject_reason])).toEqual([
      ['3', '123456789.12', "item_unit_price is not a decimal: '123456789.12'"],
    ]);
  });
});

describe('cleaned.sales_order', () => {
  const row = (over: GivenRow): GivenRow => ({
    sales_order_id: '2',
    created_at: '2022-11-03T14:20:52.186',
    last_updated: '2022-11-03T14:20:52.186',
    design_id: '3',
    staff_id: '19',
    counterparty_id: '8',
    units_sold: '42972',
    unit_price: '3.94',
    currency_id: '2',
    agreed_delivery_date: '2022-11-07',
    agreed_payment_date: '2022-11-08',
    agreed_delivery_location_id: '8',
    run_id: RUN,
    ...over,
  });

  it('keeps each version once, types float-ified ids, rejects a price that is not a decimal', async () => {
    const { good, rejects } = await clean(
      'sales_order',
      [
        row({}),
        row({}),
        row({ last_updated: '2022-11-05 09:00:00.000000', units_sold: '50000', design_id: '3.0' }),
        row({ sales_order_id: '3', unit_price: 'abc' }),
        row({ sales_order_id: '4', agreed_delivery_date: '07/11/2022' }),
      ],
      'sales_order_id, last_updated',
    );
    const base = {
      created_at: '2022-11-03 14:20:52.186',
      design_id: 3,
      staff_id: 19,
      counterparty_id: 8,
      units_sold: 42972,
      unit_price: '3.94',
      currency_id: 2,
      agreed_delivery_date: '2022-11-07',
      agreed_payment_date: '2022-11-08',
      agreed_delivery_location_id: 8,
    };
    expect(good).toEqual([
      { sales_order_id: 2, ...base, last_updated: '2022-11-03 14:20:52.186' },
      { sales_order_id: 2, ...base, last_updated: '2022-11-05 09:00:00', units_sold: 50000 },
    ]);
    expect(rejects.map((r) => [r.sales_order_id, r.unit_price, r.agreed_delivery_date, r.reject_reason])).toEqual([
      ['3', 'abc', '2022-11-07', "unit_price is not a decimal: 'abc'"],
      ['4', '3.94', '07/11/2022', "agreed_delivery_date is not a date (yyyy-mm-dd): '07/11/2022'"],
    ]);
  });
});

describe('cleaned.staff', () => {
  const row = (over: GivenRow): GivenRow => ({
    staff_id: '1',
    first_name: 'Jeremie',
    last_name: 'Franey',
    department_id: '2',
    email_address: 'jeremie.franey@terrifictotes.com',
    created_at: '2022-11-03T14:20:51.563',
    last_updated: '2022-11-03T14:20:51.563',
    run_id: RUN,
    ...over,
  });

  it('types a float-ified department id, rejects a missing department and a missing key', async () => {
    const { good, rejects } = await clean(
      'staff',
      [row({ department_id: '2.0' }), row({ staff_id: '2', department_id: null }), row({ staff_id: null })],
      'staff_id',
    );
    const stamps = { created_at: '2022-11-03 14:20:51.563', last_updated: '2022-11-03 14:20:51.563' };
    expect(good).toEqual([
      {
        staff_id: 1,
        first_name: 'Jeremie',
        last_name: 'Franey',
        department_id: 2,
        email_address: 'jeremie.franey@terrifictotes.com',
        ...stamps,
      },
    ]);
    expect(rejects.map((r) => [r.staff_id, r.department_id, r.reject_reason])).toEqual([
      [null, '2', 'staff_id is missing'],
      ['2', null, 'department_id is missing'],
    ]);
  });
});

describe('cleaned.transaction', () => {
  const row = (over: GivenRow): GivenRow => ({
    transaction_id: '1',
    transaction_type: 'PURCHASE',
    sales_order_id: null,
    purchase_order_id: '2.0',
    created_at: '2022-11-03T14:20:52.186',
    last_updated: '2022-11-03T14:20:52.186',
    run_id: RUN,
    ...over,
  });

  it('turns float-ified order ids back into integers, keeps nulls, rejects a non-whole id', async () => {
    const { good, rejects } = await clean(
      'transaction',
      [
        row({}),
        row({ transaction_id: '3', transaction_type: 'SALE', sales_order_id: '1.0', purchase_order_id: null }),
        row({ transaction_id: '6', transaction_type: 'SALE', sales_order_id: '2.5', purchase_order_id: null }),
      ],
      'transaction_id',
    );
    const stamps = { created_at: '2022-11-03 14:20:52.186', last_updated: '2022-11-03 14:20:52.186' };
    expect(good).toEqual([
      { transaction_id: 1, transaction_type: 'PURCHASE', sales_order_id: null, purchase_order_id: 2, ...stamps },
      { transaction_id: 3, transaction_type: 'SALE', sales_order_id: 1, purchase_order_id: null, ...stamps },
    ]);
    expect(rejects).toEqual([
      {
        transaction_id: '6',
        transaction_type: 'SALE',
        sales_order_id: '2.5',
        purchase_order_id: null,
        created_at: '2022-11-03T14:20:52.186',
        last_updated: '2022-11-03T14:20:52.186',
        reject_reason: "sales_order_id is not an integer: '2.5'",
      },
    ]);
  });
});
