import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalError } from '../../jobs/lib/core/errors';
import { STAR_TABLES, starTable, type StarTableDef } from '../../jobs/lib/definition/tables';
import { loadHistoryInsert, loadHistoryLookup, loadHistoryValues } from '../../jobs/lib/core/warehouse/load-history';
import { inLoadOrder } from '../../jobs/lib/core/warehouse/load-order';
import { copyFromS3Parquet } from '../../jobs/lib/core/warehouse/redshift-copy';
import { tableLoadStatements } from '../../jobs/lib/core/warehouse/table-load-statements';
import { renderWarehouseDdl, WAREHOUSE_SQL_DIR, warehouseSchema } from '../../jobs/lib/core/warehouse/warehouse-schema';

/** dim_payment_type without its deleted_at column (a dimension carries deleted_at as one more value column; load-deletes.test.ts covers it). */
const paymentTypeWithoutDeletes: StarTableDef = {
  ...starTable('dim_payment_type'),
  columns: starTable('dim_payment_type').columns.filter((c) => c.name !== 'deleted_at'),
};

/** A small fact with every interesting column kind: time text, money, a nullable column. */
const demoFact: StarTableDef = {
  name: 'fact_demo',
  kind: 'fact',
  grain: 'one version of a demo',
  key: ['demo_id'],
  surrogateKey: 'demo_record_id',
  columns: [
    { name: 'demo_id', type: 'int' },
    { name: 'last_updated_date', type: 'date' },
    { name: 'last_updated_time', type: 'time' },
    { name: 'amount', type: 'decimal(10,2)' },
    { name: 'note', type: 'varchar', nullable: true },
  ],
};

describe('tableLoadStatements: a dimension', () => {
  const s = tableLoadStatements(paymentTypeWithoutDeletes);

  it('stages the lake columns in order into a fresh temp table', () => {
    expect(s.stagingColumns).toEqual(['payment_type_id', 'payment_type_name']);
    expect(s.createStaging).toEqual([
      'drop table if exists "stage_dim_payment_type"',
      'drop table if exists "dedup_dim_payment_type"',
      'drop table if exists "change_dim_payment_type"',
      'create temp table "stage_dim_payment_type" (\n    "payment_type_id" integer,\n    "payment_type_name" varchar\n)',
    ]);
    expect(
      copyFromS3Parquet(s, 's3://lake-transformed/dim_payment_type/run_id=20250225t132609z/', 'arn:aws:iam::1:role/load'),
    ).toBe(
      `copy "stage_dim_payment_type" from 's3://lake-transformed/dim_payment_type/run_id=20250225t132609z/' iam_role 'arn:aws:iam::1:role/load' format as parquet`,
    );
  });

  it('dedupes to one row per key', () => {
    expect(s.dedupe).toBe(
      [
        'create temp table "dedup_dim_payment_type" as',
        'select',
        '    "payment_type_id",',
        '    "payment_type_name"',
        'from (',
        '    select',
        '        "payment_type_id",',
        '        "payment_type_name",',
        '        row_number() over (',
        '            partition by "payment_type_id"',
        '            order by "payment_type_name"',
        '        ) as "dedupe_rank"',
        '    from "stage_dim_payment_type"',
        ') ranked',
        'where "dedupe_rank" = 1',
      ].join('\n'),
    );
  });

  it('collects new or changed keys (null-safe) and MERGEs them (SCD type 1)', () => {
    expect(s.collectChanges).toBe(
      [
        'create temp table "change_dim_payment_type" as',
        'select',
        '    s."payment_type_id",',
        '    s."payment_type_name"',
        'from "dedup_dim_payment_type" s',
        'left join "dim_payment_type" t',
        '    on t."payment_type_id" = s."payment_type_id"',
        'where t."payment_type_id" is null',
        '    or coalesce(t."payment_type_name" <> s."payment_type_name", t."payment_type_name" is not null or s."payment_type_name" is not null)',
      ].join('\n'),
    );
    expect(s.apply).toBe(
      [
        'merge into "dim_payment_type"',
        'using "change_dim_payment_type" s',
        'on "dim_payment_type"."payment_type_id" = s."payment_type_id"',
        'when matched then update set',
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
    expect(s.countStaged).toBe('select count(*) as "row_count" from "stage_dim_payment_type"');
    expect(s.countChanges).toBe('select count(*) as "row_count" from "change_dim_payment_type"');
    expect(s.dropTemp).toEqual([
      'drop table "stage_dim_payment_type"',
      'drop table "dedup_dim_payment_type"',
      'drop table "change_dim_payment_type"',
    ]);
  });
});

describe('tableLoadStatements: a fact', () => {
  const s = tableLoadStatements(demoFact);

  it('stages time columns as text and casts them while deduping on key + version', () => {
    expect(s.createStaging[3]).toBe(
      [
        'create temp table "stage_fact_demo" (',
        '    "demo_id" integer,',
        '    "last_updated_date" date,',
        '    "last_updated_time" varchar(12),',
        '    "amount" numeric(10,2),',
        '    "note" varchar',
        ')',
      ].join('\n'),
    );
    expect(s.dedupe).toBe(
      [
        'create temp table "dedup_fact_demo" as',
        'select',
        '    "demo_id",',
        '    "last_updated_date",',
        '    "last_updated_time",',
        '    "amount",',
        '    "note"',
        'from (',
        '    select',
        '        "demo_id",',
        '        "last_updated_date",',
        '        cast("last_updated_time" as time) as "last_updated_time",',
        '        "amount",',
        '        "note",',
        '        row_number() over (',
        '            partition by "demo_id", "last_updated_date", cast("last_updated_time" as time)',
        '            order by "amount", "note"',
        '        ) as "dedupe_rank"',
        '    from "stage_fact_demo"',
        ') ranked',
        'where "dedupe_rank" = 1',
      ].join('\n'),
    );
  });

  it('collects versions not yet present and inserts them without the surrogate key', () => {
    expect(s.collectChanges).toBe(
      [
        'create temp table "change_fact_demo" as',
        'select',
        '    s."demo_id",',
        '    s."last_updated_date",',
        '    s."last_updated_time",',
        '    s."amount",',
        '    s."note"',
        'from "dedup_fact_demo" s',
        'where not exists (',
        '    select 1',
        '    from "fact_demo" f',
        '    where f."demo_id" = s."demo_id"',
        '        and f."last_updated_date" = s."last_updated_date"',
        '        and f."last_updated_time" = s."last_updated_time"',
        ')',
      ].join('\n'),
    );
    expect(s.apply).toBe(
      [
        'insert into "fact_demo" (',
        '    "demo_id",',
        '    "last_updated_date",',
        '    "last_updated_time",',
        '    "amount",',
        '    "note"',
        ')',
        'select',
        '    s."demo_id",',
        '    s."last_updated_date",',
        '    s."last_updated_time",',
        '    s."amount",',
        '    s."note"',
        'from "change_fact_demo" s',
      ].join('\n'),
    );
    expect(s.apply).not.toContain('demo_record_id');
  });

  it('builds statements for every real star table', () => {
    for (const def of STAR_TABLES) {
      const st = tableLoadStatements(def);
      expect(st.stagingColumns).toEqual(def.columns.map((c) => c.name));
      expect(st.apply.startsWith(def.kind === 'dimension' ? 'merge into' : 'insert into')).toBe(true);
    }
  });
});

describe('dialect-specific statements', () => {
  it('binds load-history values as $n on PostgreSQL and :name on Redshift', () => {
    expect(loadHistoryLookup('postgres')).toBe('select "run_id" from "load_history" where "run_id" = $1');
    expect(loadHistoryLookup('redshift')).toBe('select "run_id" from "load_history" where "run_id" = :run_id');
    expect(loadHistoryInsert('postgres')).toBe(
      'insert into "load_history" ("run_id", "loaded_at", "table_counts") values ($1, cast($2 as timestamp), $3)',
    );
    expect(loadHistoryInsert('redshift')).toBe(
      'insert into "load_history" ("run_id", "loaded_at", "table_counts") values (:run_id, cast(:loaded_at as timestamp), :table_counts)',
    );
  });

  it('formats load-history values: UTC timestamp with ms, counts as JSON', () => {
    expect(
      loadHistoryValues('20250225t132609z', new Date('2025-02-25T13:26:09.875Z'), { dim_date: { staged: 3, changed: 2 } }),
    ).toEqual(['20250225t132609z', '2025-02-25 13:26:09.875', '{"dim_date":{"staged":3,"changed":2}}']);
  });

  it('renders the identity placeholder per dialect and rejects unknown placeholders', () => {
    expect(renderWarehouseDdl('id bigint {{ identity }},', 'postgres')).toBe(
      'id bigint generated by default as identity (cache 1000),',
    );
    expect(renderWarehouseDdl('id bigint {{identity}},', 'redshift')).toBe('id bigint identity(1, 1),');
    expect(() => renderWarehouseDdl('x {{ distkey }}', 'redshift')).toThrow(TerminalError);
  });
});

describe('warehouseSchema', () => {
  it('reads one idempotent statement per star table plus load_history, in load order', async () => {
    for (const dialect of ['postgres', 'redshift'] as const) {
      const schema = await warehouseSchema(dialect);
      expect(schema.map((s) => s.table)).toEqual([...STAR_TABLES.map((t) => t.name), 'load_history']);
      for (const { table, sql } of schema) {
        expect(sql.startsWith(`create table if not exists ${table} (`)).toBe(true);
        expect(sql).not.toMatch(/--|\{\{|;/);
      }
      const fact = schema.find((s) => s.table === 'fact_sales_order')!.sql;
      expect(fact).toContain(
        dialect === 'postgres'
          ? 'sales_record_id bigint generated by default as identity (cache 1000),'
          : 'sales_record_id bigint identity(1, 1),',
      );
      expect(fact).toContain('unique (sales_order_id, last_updated_date, last_updated_time)');
    }
  });

  it('has a file for every star table and no stray files', () => {
    const files = readdirSync(WAREHOUSE_SQL_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files).toEqual([...STAR_TABLES.map((t) => `${t.name}.sql`), 'load_history.sql'].sort());
  });

  it('rejects a DDL file holding two statements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-ddl-'));
    cpSync(WAREHOUSE_SQL_DIR, dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'dim_date.sql'), 'create table if not exists dim_date (x int); drop table dim_staff;\n');
      await expect(warehouseSchema('postgres', dir)).rejects.toThrow(/single statement/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validation', () => {
  const withName = (name: string): StarTableDef => ({ ...starTable('dim_currency'), name });

  it.each([
    ['a table name with a quote', withName('dim"; drop table x; --')],
    ['an upper-case table name', withName('Dim_Currency')],
    ['a bad column name', { ...starTable('dim_currency'), columns: [{ name: 'currency id', type: 'int' as const }] }],
    ['a key that is not a column', { ...starTable('dim_currency'), key: ['nope'] }],
    ['a bad key name', { ...starTable('dim_currency'), key: ['x-y'] }],
    ['a fact without a surrogate key', { ...demoFact, surrogateKey: undefined }],
    ['a fact without version columns', { ...demoFact, columns: demoFact.columns.filter((c) => c.name !== 'last_updated_time') }],
    ['a bad surrogate key name', { ...demoFact, surrogateKey: 'Record' }],
    ['duplicate columns', { ...demoFact, columns: [...demoFact.columns, { name: 'note', type: 'varchar' as const }] }],
  ])('rejects %s with a TerminalError', (_, def) => {
    expect(() => tableLoadStatements(def as StarTableDef)).toThrow(TerminalError);
  });

  it('rejects COPY sources that are not S3 prefixes or role ARNs, and escapes quotes', () => {
    const s = tableLoadStatements(starTable('dim_currency'));
    expect(() => copyFromS3Parquet(s, 'transformed/dim_currency/', 'arn:aws:iam::1:role/r')).toThrow(TerminalError);
    expect(() => copyFromS3Parquet(s, 's3://b/x/', 'role')).toThrow(TerminalError);
    expect(copyFromS3Parquet(s, "s3://b/it's/", 'arn:r')).toContain("from 's3://b/it''s/'");
  });
});

describe('inLoadOrder', () => {
  it('puts dimensions before facts and keeps the order otherwise', () => {
    const names = ['fact_payment', 'dim_staff', 'fact_sales_order', 'dim_date'];
    const ordered = inLoadOrder(names.map((n) => ({ table: starTable(n), files: [] })));
    expect(ordered.map((t) => t.table.name)).toEqual(['dim_staff', 'dim_date', 'fact_payment', 'fact_sales_order']);
  });
});
