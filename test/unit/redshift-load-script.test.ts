import { TerminalError } from '../../jobs/lib/core/errors';
import { ddlColumnTypes, schemaColumnTypes } from '../../jobs/lib/core/warehouse/ddl-column-types';
import { warehouseSchema } from '../../jobs/lib/core/warehouse/warehouse-schema';
import { DATA_API_MAX_SQLS, chunkSqls, redshiftLoadScript } from '../../jobs/lib/core/warehouse/redshift-load-script';
import { STAR_TABLES, starTable, type StarTableDef } from '../../jobs/lib/definition/tables';

const RUN = '20250225t132609z';
const ROLE = 'arn:aws:iam::123456789012:role/lakehouse-redshift-copy';
const options = async () => ({
  s3Prefix: (table: string) => `s3://lake-transformed/${table}/run_id=${RUN}/`,
  iamRoleArn: ROLE,
  columnTypes: schemaColumnTypes(await warehouseSchema('redshift')),
});

describe('warehouse DDL', () => {
  it.each(['redshift', 'postgres'] as const)('gives every varchar an explicit length (%s)', async (dialect) => {
    for (const statement of await warehouseSchema(dialect)) {
      const types = ddlColumnTypes(statement);
      for (const [column, type] of types) {
        if (type.startsWith('varchar') || type === 'text')
          expect(`${statement.table}.${column} ${type}`).toMatch(/ varchar\(\d+\)$/);
      }
    }
  });

  it('reads column types with their arguments, skipping constraints', () => {
    const types = ddlColumnTypes({
      table: 't',
      sql: 'create table if not exists t (\n    a integer not null,\n    b varchar(3) not null,\n    c numeric(10, 2),\n    d bigint identity(1, 1),\n    primary key (a),\n    unique (b)\n)',
    });
    expect([...types]).toEqual([
      ['a', 'integer'],
      ['b', 'varchar(3)'],
      ['c', 'numeric(10,2)'],
      ['d', 'bigint'],
    ]);
    expect(() => ddlColumnTypes({ table: 't', sql: 'create table t ()' })).toThrow(TerminalError);
  });
});

describe('redshiftLoadScript', () => {
  it('creates staging tables with the DDL types in lake order, times as lake text', async () => {
    const script = redshiftLoadScript(
      RUN,
      [
        { table: starTable('dim_currency'), files: ['x'] },
        { table: starTable('fact_payment'), files: ['y'] },
      ],
      await options(),
    );
    const creates = script.stage.filter((s) => s.sql.startsWith('create temp table "stage_')).map((s) => s.sql);
    expect(creates[0]).toBe(
      'create temp table "stage_dim_currency" (\n    "currency_id" integer,\n    "currency_code" varchar(3),\n    "currency_name" varchar(64),\n    "deleted_at" timestamp\n)',
    );
    expect(creates[1]).toContain('"created_time" varchar(12),');
    expect(creates[1]).toContain('"payment_amount" numeric(10,2),');
  });

  it('never declares a bare varchar in a staging table of any star table', async () => {
    const script = redshiftLoadScript(
      RUN,
      STAR_TABLES.map((table) => ({ table, files: ['x'] })),
      await options(),
    );
    for (const s of script.stage) expect(s.sql).not.toMatch(/\bvarchar\b(?!\()/);
  });

  it('puts only temp tables in the staging part and every warehouse write in the transaction', async () => {
    const script = redshiftLoadScript(
      RUN,
      STAR_TABLES.map((table) => ({ table, files: ['x'] })),
      await options(),
    );
    const writesWarehouse = (sql: string) =>
      /^(merge into|insert into|update|delete|create table|drop table) "(dim_|fact_|load_history)/i.test(sql);
    expect(script.stage.filter((s) => writesWarehouse(s.sql))).toEqual([]);
    // One apply a table, one UPDATE marking deleted versions per fact, the load-history insert.
    const facts = STAR_TABLES.filter((t) => t.kind === 'fact').length;
    expect(script.transaction.filter((s) => writesWarehouse(s.sql))).toHaveLength(STAR_TABLES.length + facts + 1);
    expect(script.transaction.length).toBeLessThanOrEqual(DATA_API_MAX_SQLS);
    expect(script.stage.filter((s) => s.count).map((s) => s.count!.of)).toEqual(STAR_TABLES.map(() => 'staged'));
    expect(script.transaction.filter((s) => s.count).map((s) => s.count!.of)).toEqual(STAR_TABLES.map(() => 'changed'));
  });

  it('refuses a load whose transaction would not fit one Data API call, and a DDL missing a column', async () => {
    const base = await options();
    const many: StarTableDef[] = Array.from({ length: 14 }, (_, i) => ({
      ...starTable('dim_payment_type'),
      name: `dim_extra_${i}`,
    }));
    const columnTypes = new Map(many.map((t) => [t.name, base.columnTypes.get('dim_payment_type')!]));
    expect(() =>
      redshiftLoadScript(
        RUN,
        many.map((table) => ({ table, files: [] })),
        { ...base, columnTypes },
      ),
    ).toThrow(/at most 40/);
    expect(() =>
      redshiftLoadScript(
        RUN,
        many.slice(0, 13).map((table) => ({ table, files: [] })),
        { ...base, columnTypes },
      ),
    ).not.toThrow();
    const lacking = new Map(base.columnTypes);
    lacking.set('dim_currency', new Map([['currency_id', 'integer']]));
    expect(() =>
      redshiftLoadScript(RUN, [{ table: starTable('dim_currency'), files: [] }], { ...base, columnTypes: lacking }),
    ).toThrow(/has no column currency_code/);
  });

  it('cuts statements into Data API calls of at most 40', () => {
    expect(chunkSqls(Array.from({ length: 81 }, (_, i) => i)).map((c) => c.length)).toEqual([40, 40, 1]);
    expect(chunkSqls([])).toEqual([]);
  });
});
