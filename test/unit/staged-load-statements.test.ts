/**
 * The PostgreSQL statements for staging rows that were deduplicated and typed
 * while they were read (postgresStagedLoadStatements, dedupeSpec).
 */
import { TerminalError } from '../../jobs/lib/core/errors';
import { starTable, type StarTableDef } from '../../jobs/lib/definition/tables';
import { dedupeSpec, postgresStagedLoadStatements } from '../../jobs/lib/core/warehouse/staged-load-statements';

/** dim_payment_type without its deleted_at column (a dimension carries deleted_at as one more value column; load-deletes.test.ts covers it). */
const paymentTypeWithoutDeletes: StarTableDef = {
  ...starTable('dim_payment_type'),
  columns: starTable('dim_payment_type').columns.filter((c) => c.name !== 'deleted_at'),
};

describe('dedupeSpec', () => {
  it('is the grain, the other columns in order, and the time columns', () => {
    expect(dedupeSpec(paymentTypeWithoutDeletes)).toEqual({
      grain: ['payment_type_id'],
      orderBy: ['payment_type_name'],
      timeColumns: [],
    });
    const fact = dedupeSpec(starTable('fact_payment'));
    expect(fact.grain).toEqual(['payment_id', 'last_updated_date', 'last_updated_time']);
    expect(fact.orderBy).toEqual([
      'created_date',
      'created_time',
      'transaction_id',
      'counterparty_id',
      'payment_amount',
      'currency_id',
      'payment_type_id',
      'paid',
      'payment_date',
      'deleted_at',
    ]);
    expect(fact.timeColumns).toEqual(['created_time', 'last_updated_time']);
  });

  it('orders by every column when every column is in the grain', () => {
    const keysOnly: StarTableDef = {
      name: 'dim_x',
      kind: 'dimension',
      grain: 'x',
      key: ['x_id'],
      columns: [{ name: 'x_id', type: 'int' }],
    };
    expect(dedupeSpec(keysOnly)).toEqual({ grain: ['x_id'], orderBy: ['x_id'], timeColumns: [] });
  });
});

describe('postgresStagedLoadStatements', () => {
  it('stages a dimension with warehouse types and MERGEs only keys whose values differ', () => {
    const s = postgresStagedLoadStatements(paymentTypeWithoutDeletes);
    expect(s.columns).toEqual(['payment_type_id', 'payment_type_name']);
    expect(s.createStaging).toEqual([
      'drop table if exists "stage_dim_payment_type"',
      'create temp table "stage_dim_payment_type" (\n    "payment_type_id" integer,\n    "payment_type_name" varchar\n)',
    ]);
    expect(s.copy).toBe('copy "stage_dim_payment_type" ("payment_type_id", "payment_type_name") from stdin (format csv)');
    expect(s.apply).toBe(
      [
        'merge into "dim_payment_type" t',
        'using "stage_dim_payment_type" s',
        'on t."payment_type_id" = s."payment_type_id"',
        'when matched and (t."payment_type_name" is distinct from s."payment_type_name") then update set',
        '    "payment_type_name" = s."payment_type_name"',
        'when not matched then insert (',
        '    "payment_type_id",',
        '    "payment_type_name"',
        ') values (',
        '    s."payment_type_id",',
        '    s."payment_type_name"',
        ')',
      ].join('\n'),
    );
    expect(s.dropStaging).toBe('drop table "stage_dim_payment_type"');
    expect(s.lockTarget).toBe('lock table "dim_payment_type" in exclusive mode');
    expect(s.targetEmpty).toBe('select not exists (select 1 from "dim_payment_type") as "empty"');
    expect(s.copyTarget).toBe('copy "dim_payment_type" ("payment_type_id", "payment_type_name") from stdin (format csv)');
  });

  it('stages a fact with times as time and inserts only versions whose grain is absent', () => {
    const s = postgresStagedLoadStatements(starTable('fact_sales_order'));
    expect(s.createStaging[1]).toContain('"created_time" time,');
    expect(s.createStaging[1]).toContain('"unit_price" numeric(10,2),');
    expect(s.apply).toBe(
      [
        'insert into "fact_sales_order" (',
        ...s.columns.map((c, i) => `    "${c}"${i < s.columns.length - 1 ? ',' : ''}`),
        ')',
        'select',
        ...s.columns.map((c, i) => `    s."${c}"${i < s.columns.length - 1 ? ',' : ''}`),
        'from "stage_fact_sales_order" s',
        'where not exists (',
        '    select 1',
        '    from "fact_sales_order" f',
        '    where f."sales_order_id" = s."sales_order_id"',
        '        and f."last_updated_date" = s."last_updated_date"',
        '        and f."last_updated_time" = s."last_updated_time"',
        ')',
        'and s."deleted_at" is null',
      ].join('\n'),
    );
    expect(s.copyTarget.startsWith('copy "fact_sales_order" ("sales_order_id", "created_date", ')).toBe(true);
  });

  it('refuses an unsafe or incomplete definition', () => {
    const bad: StarTableDef = { ...starTable('dim_currency'), name: 'dim; drop table x' };
    expect(() => postgresStagedLoadStatements(bad)).toThrow(TerminalError);
    const noVersion: StarTableDef = {
      ...starTable('fact_payment'),
      columns: starTable('fact_payment').columns.filter((c) => c.name !== 'last_updated_time'),
    };
    expect(() => dedupeSpec(noVersion)).toThrow(/lacks grain column/);
  });
});
