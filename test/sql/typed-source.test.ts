/**
 * The contract-driven typing of the cleaned models, `{{ typed(raw.<table>) }}`
 * and `{{ columns(zone.<table>) }}`: the SQL follows the table contract
 * (a column added to a contract is typed and checked with no model edit), it
 * runs on DuckDB with the reasons the cleaned zone promises, and misuse is a
 * TerminalError.
 */
import { openDuckDb, queryRows, type DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import { TerminalError } from '../../jobs/lib/core/errors';
import { renderModel, TABLE_FUNCTIONS, type RenderContext } from '../../jobs/lib/core/sql/render';
import { SHIMS } from '../../jobs/lib/core/sql/shims';
import { typedSourceSql } from '../../jobs/lib/core/sql/typed-source';
import { sourceTable, type SourceTableDef } from '../../jobs/lib/definition/tables';

const RUN = '20250225t132609z';
const duck: RenderContext = { engine: 'duckdb', runId: RUN, relation: (z, t) => `"${z}"."${t}"` };

let conn: DuckDBConnection;
let close: () => void;
beforeAll(async () => {
  ({ conn, close } = await openDuckDb());
});
afterAll(() => close());

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** A contract with every parsed type, a nullable typed column and a nullable text column. */
const gadget: SourceTableDef = {
  name: 'gadget',
  primaryKey: 'gadget_id',
  columns: [
    { name: 'gadget_id', type: 'int' },
    { name: 'label', type: 'varchar' },
    { name: 'note', type: 'varchar', nullable: true },
    { name: 'price', type: 'decimal(10,2)' },
    { name: 'spare_id', type: 'int', nullable: true },
    { name: 'active', type: 'boolean' },
    { name: 'launch_date', type: 'date' },
    { name: 'last_updated', type: 'timestamp' },
  ],
};

/** Runs the typing relation of `def` over text rows (column → text or null) on DuckDB, in input order. */
async function typeRows(def: SourceTableDef, rows: Record<string, string | null>[]) {
  const names = def.columns.map((c) => c.name);
  const values = rows
    .map((row, i) => `(${[String(i), ...names.map((n) => (row[n] == null ? 'null' : `'${row[n]}'`))].join(', ')})`)
    .join(', ');
  const source = `(select * from (values ${values}) as given (row_number, ${names.join(', ')}))`;
  // Every given column is text, as the raw crawler registers it.
  const text = `(select ${names.map((n) => `cast(${n} as varchar) as ${n}`).join(', ')}, row_number from ${source})`;
  const sql = typedSourceSql(def, text, 'duckdb');
  return queryRows(conn, `select * from ${sql}`);
}

const good = {
  gadget_id: '7',
  label: 'Tote',
  note: null,
  price: '3.5',
  spare_id: null,
  active: ' TRUE ',
  launch_date: '2024-02-29',
  last_updated: '2024-03-01T10:00:00.123',
};

describe('typed(raw.<table>)', () => {
  it('types every column by its contract type and keeps the contract order, reject_reason last', async () => {
    const [row] = await typeRows(gadget, [good]);
    expect(row).toEqual({
      gadget_id: 7,
      label: 'Tote',
      note: null,
      price: '3.50',
      spare_id: null,
      active: true,
      launch_date: '2024-02-29',
      last_updated: '2024-03-01 10:00:00.123',
      change_op: null,
      reject_reason: null,
      reject_original: null,
    });
    expect(Object.keys(row)).toEqual([...gadget.columns.map((c) => c.name), 'change_op', 'reject_reason', 'reject_original']);
  });

  it('rejects with the first failing check: grain first, then contract order; nullable columns only when unparseable', async () => {
    const rows = await typeRows(gadget, [
      { ...good, gadget_id: null, price: 'x' },
      { ...good, gadget_id: '1.5' },
      { ...good, last_updated: null, label: null },
      { ...good, label: null, price: 'x' },
      { ...good, price: 'cheap' },
      { ...good, spare_id: 'two' },
      { ...good, active: 'yes' },
      { ...good, active: null },
      { ...good, launch_date: '2023-02-29' },
      { ...good, note: null, spare_id: null },
    ]);
    // Output order is not input order (versions are ranked); compare sorted.
    const byText = (a: unknown, b: unknown) => String(a).localeCompare(String(b));
    expect(rows.map((r) => r.reject_reason).sort(byText)).toEqual(
      [
        'gadget_id is missing',
        "gadget_id is not an integer: '1.5'",
        'last_updated is missing',
        'label is missing',
        "price is not a decimal: 'cheap'",
        "spare_id is not an integer: 'two'",
        "active is not a boolean (true/false): 'yes'",
        'active is missing',
        "launch_date is not a date (yyyy-mm-dd): '2023-02-29'",
        null,
      ].sort(byText),
    );
  });

  it('keeps the raw text of every column of a rejected row as a JSON object, and none on a good row', async () => {
    const rows = await typeRows(gadget, [{ ...good, gadget_id: '8', price: 'cheap' }, good]);
    const bad = rows.find((r) => r.reject_reason !== null)!;
    expect(bad.price).toBeNull();
    expect(JSON.parse(String(bad.reject_original))).toEqual({ ...good, gadget_id: '8', price: 'cheap' });
    expect(rows.find((r) => r.reject_reason === null)!.reject_original).toBeNull();
  });

  it('collapses identical versions silently, keeps the first of conflicting ones and rejects every other', async () => {
    const v1 = { ...good, gadget_id: '1' };
    const rows = await typeRows(gadget, [
      // key 1: the same version three times (one as 1.0 and 3.50, equal once typed), and two conflicting ones.
      v1,
      { ...v1, gadget_id: '1.0', price: '3.50' },
      v1,
      { ...v1, label: 'Bag' },
      { ...v1, label: 'Zip' },
      { ...v1, label: 'Zip' },
      // key 1 at another last_updated: a different version, kept.
      { ...v1, label: 'Zip', last_updated: '2024-03-02T10:00:00' },
      // key 2: an identical pair only.
      { ...good, gadget_id: '2' },
      { ...good, gadget_id: '2' },
      // key 3: an untypable row beside a good one is a typing reject, not a conflict.
      { ...good, gadget_id: '3', price: 'x' },
      { ...good, gadget_id: '3' },
    ]);
    const kept = rows.filter((r) => r.reject_reason === null).map((r) => [r.gadget_id, r.label, r.last_updated]);
    expect(kept.sort(byJson)).toEqual(
      [
        [1, 'Bag', '2024-03-01 10:00:00.123'],
        [1, 'Zip', '2024-03-02 10:00:00'],
        [2, 'Tote', '2024-03-01 10:00:00.123'],
        [3, 'Tote', '2024-03-01 10:00:00.123'],
      ].sort(byJson),
    );
    const rejected = rows
      .filter((r) => r.reject_reason !== null)
      .map((r) => [r.reject_reason, JSON.parse(String(r.reject_original)).label, JSON.parse(String(r.reject_original)).price]);
    expect(rejected.sort(byJson)).toEqual(
      [
        ['conflicting version of gadget_id 1 at 2024-03-01T10:00:00.123', 'Tote', '3.5'],
        ['conflicting version of gadget_id 1 at 2024-03-01T10:00:00.123', 'Zip', '3.5'],
        ['conflicting version of gadget_id 1 at 2024-03-01T10:00:00.123', 'Zip', '3.5'],
        ['conflicting version of gadget_id 1.0 at 2024-03-01T10:00:00.123', 'Tote', '3.50'],
        ['conflicting version of gadget_id 1 at 2024-03-01T10:00:00.123', 'Tote', '3.5'],
        ["price is not a decimal: 'x'", 'Tote', 'x'],
      ].sort(byJson),
    );
  });

  it('follows the contract: a column added to it is typed and checked with no model edit', async () => {
    const grown: SourceTableDef = { ...gadget, columns: [...gadget.columns, { name: 'weight', type: 'int' }] };
    const rows = await typeRows(grown, [
      { ...good, weight: '12.0' },
      { ...good, weight: null },
    ]);
    expect(rows.map((r) => [r.weight, r.reject_reason])).toEqual([
      [12, null],
      [null, 'weight is missing'],
    ]);
    // The real models render it from tables.ts: every contract column appears, typed or checked.
    const rendered = renderModel('select * from {{ typed(raw.payment) }}', duck);
    for (const c of sourceTable('payment').columns) expect(rendered).toContain(`'${c.name} is missing'`);
  });

  it('rejects a text longer than its maxLength (the warehouse varchar(n)) in UTF-8 bytes, saying so', async () => {
    const limited: SourceTableDef = {
      ...gadget,
      columns: gadget.columns.map((c) =>
        c.name === 'label' ? { ...c, maxLength: 3 } : c.name === 'note' ? { ...c, maxLength: 6 } : c,
      ),
    };
    const rows = await typeRows(limited, [
      { ...good, gadget_id: '1', label: 'GBP', note: 'Zł€' },
      { ...good, gadget_id: '2', label: 'GBPX' },
      { ...good, gadget_id: '3', label: 'Zł€' },
      { ...good, gadget_id: '4', label: 'Zł', note: 'fivesx' },
      { ...good, gadget_id: '5', label: 'abc', note: 'Zł€x' },
      { ...good, gadget_id: '6', label: null },
      { ...good, gadget_id: '7', label: '€', note: null },
    ]);
    // Bytes, not characters (Redshift's varchar(n) counts bytes): 'Zł€' is 3 characters and 6 bytes, 'Zł' 3 bytes.
    expect(rows.map((r) => [r.gadget_id, r.reject_reason]).sort(byJson)).toEqual([
      [1, null],
      [2, 'label is 4 bytes in UTF-8, over varchar(3)'],
      [3, 'label is 6 bytes in UTF-8, over varchar(3)'],
      [4, null],
      [5, 'note is 7 bytes in UTF-8, over varchar(6)'],
      [6, 'label is missing'],
      [7, null],
    ]);
    // The rejected row keeps its text as landed.
    const three = rows.find((r) => r.gadget_id === 3);
    expect(JSON.parse(String(three?.reject_original)).label).toBe('Zł€');
    expect(() =>
      typedSourceSql({ ...gadget, columns: [...gadget.columns, { name: 'x', type: 'varchar', maxLength: 0 }] }, 't', 'duckdb'),
    ).toThrow(TerminalError);
  });

  it('checks the real contracts in bytes: currency_code EURO and a 3-character code with a multibyte one are rejected', async () => {
    const rendered = renderModel('select * from {{ typed(raw.currency) }}', duck);
    expect(rendered).toContain(
      "when strlen(cast((currency_code) as varchar)) > 3 then 'currency_code is ' || cast(strlen(cast((currency_code) as varchar)) as varchar) || ' bytes in UTF-8, over varchar(3)'",
    );
    const def = sourceTable('currency');
    const stamp = '2022-11-03 14:20:49.962';
    const rows = await typeRows(def, [
      { currency_id: '1', currency_code: 'GBP', created_at: stamp, last_updated: stamp },
      { currency_id: '2', currency_code: 'EURO', created_at: stamp, last_updated: stamp },
      { currency_id: '3', currency_code: 'EU€', created_at: stamp, last_updated: stamp },
    ]);
    expect(rows.map((r) => [r.currency_id, r.reject_reason]).sort(byJson)).toEqual([
      [1, null],
      [2, 'currency_code is 4 bytes in UTF-8, over varchar(3)'],
      [3, 'currency_code is 5 bytes in UTF-8, over varchar(3)'],
    ]);
  });

  it('counts the bytes with the UTF-8 length function of each engine (Athena: length(to_utf8(…)))', () => {
    const athena = renderModel('select * from {{ typed(raw.currency) }}', {
      ...duck,
      engine: 'athena',
      relation: (z, t) => `"lakehouse_${z}"."${t}"`,
    });
    expect(athena).toContain(
      "when length(to_utf8(cast((currency_code) as varchar))) > 3 then 'currency_code is ' || cast(length(to_utf8(cast((currency_code) as varchar))) as varchar) || ' bytes in UTF-8, over varchar(3)'",
    );
    expect(athena).not.toMatch(/when length\(currency_code\)/);
    expect(athena).not.toContain('strlen(');
  });

  it('renders the parsing shims per engine and reads only this run of the raw table', () => {
    const athena = renderModel('select * from {{ typed(raw.currency) }}', {
      ...duck,
      engine: 'athena',
      relation: (z, t) => `"lakehouse_${z}"."${t}"`,
    });
    expect(athena).toContain(`from (select * from "lakehouse_raw"."currency" where run_id = '${RUN}')`);
    expect(athena).toContain('regexp_like(');
    expect(athena).not.toContain('regexp_matches(');
    expect(renderModel('select * from {{ typed(raw.currency) }}', duck)).toContain('regexp_matches(');
  });

  it.each([
    ['a cleaned table', '{{ typed(cleaned.currency) }}', /expected typed\(raw\.<table>\)/],
    ['a qualified table', '{{ typed(raw.currency:all) }}', /expected typed\(raw\.<table>\)/],
    ['an unknown table', '{{ typed(raw.currencies) }}', /unknown table/],
    ['something that is not a table', '{{ typed(currency_id) }}', /one zone\.table reference/],
  ])('throws TerminalError on %s', (_what, sql, message) => {
    expect(() => renderModel(sql, duck)).toThrow(TerminalError);
    expect(() => renderModel(sql, duck)).toThrow(message);
  });

  it('throws TerminalError on contracts it cannot type', () => {
    const withColumns = (columns: SourceTableDef['columns']): SourceTableDef => ({
      ...gadget,
      columns: [...gadget.columns, ...columns],
    });
    expect(() => typedSourceSql(withColumns([{ name: 'opens_at', type: 'time' }]), 't', 'duckdb')).toThrow(
      /no parser for type time/,
    );
    expect(() => typedSourceSql(withColumns([{ name: 'price_text', type: 'varchar' }]), 't', 'duckdb')).toThrow(/price_text/);
    expect(() => typedSourceSql(withColumns([{ name: 'Bad Name', type: 'varchar' }]), 't', 'duckdb')).toThrow(TerminalError);
    expect(() => typedSourceSql({ ...gadget, primaryKey: 'id' }, 't', 'duckdb')).toThrow(/no id column/);
  });
});

describe('typed(raw.<table>) with the raw op column _op', () => {
  it('keeps the operation lower-cased as change_op and rejects an operation that is not insert|update|delete', async () => {
    const names = gadget.columns.map((c) => c.name);
    // One key per row (same-grain rows that differ only in their operation are conflicting versions, below).
    const row = (op: string | null, id: number) =>
      `(${[
        ...names.map((n) => {
          const value = n === gadget.primaryKey ? String(id) : (good as Record<string, string | null>)[n];
          return value == null ? 'null' : `'${value}'`;
        }),
        op === null ? 'null' : `'${op}'`,
      ].join(', ')})`;
    const typedRows = async (ops: [string | null, number][]) => {
      const source = `(select * from (values ${ops.map(([op, id]) => row(op, id)).join(', ')}) as given (${names.join(', ')}, _op))`;
      const text = `(select ${[...names, '_op'].map((n) => `cast(${n} as varchar) as ${n}`).join(', ')} from ${source})`;
      return queryRows(
        conn,
        `select ${gadget.primaryKey} as id, change_op, reject_reason from ${typedSourceSql(gadget, text, 'duckdb', true)} order by 1, 2`,
      );
    };
    expect(
      await typedRows([
        [' DELETE ', 1],
        ['update', 2],
        [null, 3],
        ['upsert', 4],
      ]),
    ).toEqual([
      { id: 1, change_op: 'delete', reject_reason: null },
      { id: 2, change_op: 'update', reject_reason: null },
      { id: 3, change_op: null, reject_reason: null },
      { id: 4, change_op: 'upsert', reject_reason: "_op is not insert|update|delete: 'upsert'" },
    ]);
    // A delete and an update of one key at one last_updated conflict: the first in column order (then op) is kept.
    const conflicting = await typedRows([
      ['delete', 5],
      ['update', 5],
    ]);
    expect(conflicting.map((r) => r.reject_reason === null)).toEqual([true, false]);
    expect(String(conflicting[1].reject_reason)).toMatch(/^conflicting version of gadget_id 5 at /);
  });
});

describe('columns(zone.<table>)', () => {
  it('lists the contract columns in order', () => {
    expect(renderModel('{{ columns(cleaned.currency) }}', duck)).toBe(
      'currency_id, currency_code, created_at, last_updated, change_op',
    );
    expect(renderModel('{{ columns(transformed.dim_payment_type) }}', duck)).toBe(
      'payment_type_id, payment_type_name, deleted_at',
    );
  });

  it('throws TerminalError on a qualifier or an unknown table', () => {
    expect(() => renderModel('{{ columns(cleaned.currency:all) }}', duck)).toThrow(TerminalError);
    expect(() => renderModel('{{ columns(cleaned.dim_date) }}', duck)).toThrow(/unknown table/);
  });

  it('shares no name with a shim', () => {
    for (const name of TABLE_FUNCTIONS) expect(Object.keys(SHIMS)).not.toContain(name);
  });
});
