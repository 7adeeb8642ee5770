/**
 * Reconcile's comparison in Athena's dialect (jobs/reconcile/reconcile.ts with
 * adapters/aws/athena-key-table.ts): for every table of the contract the
 * two queries render as Trino SQL that parses, render the same canonical row
 * text as the DuckDB and PostgreSQL variants (row-text.ts), and name the key table
 * the DDL creates. Athena itself cannot run here; the DuckDB variant is run
 * end to end by test/integration/reconcile.test.ts.
 */
import {
  AthenaReconcileComparison,
  createKeyTableSql,
  dropKeyTableSql,
  keyTableName,
} from '../../../jobs/lib/adapters/aws/athena-key-table';
import { engineHashSql, rowTextSql } from '../../../jobs/lib/core/row-text';
import { SOURCE_TABLES } from '../../../jobs/lib/definition/tables';
import { comparisonSql, deletedRowsSql, duckdbComparison } from '../../../jobs/reconcile/reconcile';
import { trinoParser } from './trino-parser';

const RUN = '20250225t132609z';
const DB = 'lakehouse_cleaned';

/** Records the statements it is sent; answers none. */
function recorder() {
  const sent: string[] = [];
  return {
    sent,
    athena: {
      query: async (sql: string) => {
        sent.push(sql);
        return [];
      },
      relation: (zone: string, table: string) => `"lakehouse_${zone}"."${table}"`,
    },
  };
}

describe('reconcile comparison on Athena', () => {
  it.each(SOURCE_TABLES.map((t) => [t.name, t] as const))('%s: the two queries parse as Trino SQL', async (_name, def) => {
    const { athena, sent } = recorder();
    const comparison = new AthenaReconcileComparison(athena, (key) => `s3://lake-raw/${key}`, DB);
    const keys = await comparison.keys(`_reconcile/${RUN}/${def.name}/`, `_reconcile/${RUN}/${def.name}/keys.tsv`, def.name, RUN);
    expect(keys.sql).toBe(`"${DB}"."tmp_reconcile_${def.name}_${RUN}"`);
    expect(sent).toEqual([
      dropKeyTableSql(DB, `tmp_reconcile_${def.name}_${RUN}`),
      createKeyTableSql(DB, `tmp_reconcile_${def.name}_${RUN}`, `s3://lake-raw/_reconcile/${RUN}/${def.name}/`),
    ]);
    for (const sql of [comparisonSql(def, RUN, keys.sql, comparison), deletedRowsSql(def, RUN, keys.sql, comparison)]) {
      expect({ sql, errors: trinoParser().validate(sql) }).toEqual({ sql, errors: [] });
      expect(sql).toContain(`"lakehouse_cleaned"."${def.name}"`);
      // No DuckDB function leaks into the Athena text.
      expect(sql).not.toMatch(/strftime|read_csv/);
    }
    await keys.release();
    expect(sent.at(-1)).toBe(dropKeyTableSql(DB, `tmp_reconcile_${def.name}_${RUN}`));
  });

  it('renders the canonical text the other dialects render: same columns, separator and NULL marker; timestamps trimmed', () => {
    const def = SOURCE_TABLES.find((t) => t.name === 'sales_order')!;
    const athena = rowTextSql(def, 'athena', 'l');
    const duckdb = rowTextSql(def, 'duckdb', 'l');
    // One part per contract column but last_updated, in contract order, in both.
    const parts = (sql: string) => sql.match(/coalesce\(/g)?.length;
    expect(athena.startsWith('concat_ws(chr(31), ')).toBe(true);
    expect(duckdb.startsWith('concat_ws(chr(31), ')).toBe(true);
    expect(parts(athena)).toBe(def.columns.length - 1);
    expect(parts(duckdb)).toBe(parts(athena));
    expect(athena).not.toContain('"last_updated"');
    // NULL as COPY escapes `\N`: the engines compare the escaped form the source's COPY line carries.
    expect(athena.match(/'\\\\N'/g)).toHaveLength(def.columns.length - 1);
    // A timestamp(3) printed with its three digits, trailing zeros of the fraction dropped as PostgreSQL and DuckDB print it.
    expect(athena).toContain(`regexp_replace(cast(cast(l."created_at" as timestamp(3)) as varchar), '\\.?0+$', '')`);
    expect(engineHashSql('athena', 'x')).toBe('xxhash64(to_utf8(x))');
    expect({ errors: trinoParser().validate(`select ${engineHashSql('athena', athena)} from t l`) }).toEqual({ errors: [] });
  });

  it('escapes a text column as COPY does, backslash first', () => {
    const def = SOURCE_TABLES.find((t) => t.name === 'currency')!;
    const athena = rowTextSql(def, 'athena', 'l');
    // Seven escapes on the one text column (regexp_replace trims timestamps, not text).
    const escapes = [...athena.matchAll(/(?<!regexp_)replace\(/g)].length;
    expect(escapes).toBe(7);
    // The innermost replace (applied first) doubles the backslashes.
    expect(athena).toContain(`replace(cast(l."currency_code" as varchar), chr(92), '\\\\')`);
  });

  it('keeps DuckDB as the default comparison (read_csv of the key file in place)', async () => {
    const keys = await duckdbComparison({ uri: (key) => `/lake/raw/${key}` }).keys(
      '_reconcile/r/currency/',
      '_reconcile/r/currency/keys.tsv',
      'currency',
      RUN,
    );
    expect(keys.sql).toContain(`read_csv('/lake/raw/_reconcile/r/currency/keys.tsv', delim = '\\t', header = false`);
  });

  it('refuses names and locations that would break the DDL', () => {
    expect(() => keyTableName('sales order', RUN)).toThrow(/not a safe SQL identifier/);
    expect(() => keyTableName('sales_order', 'x; drop')).toThrow(/not a run id/);
    expect(() => createKeyTableSql('Lake-Cleaned', 't', 's3://b/_reconcile/')).toThrow(/not a Glue name/);
    expect(() => createKeyTableSql(DB, 't', "s3://b/it's/")).toThrow(/not an S3 folder/);
    expect(() => createKeyTableSql(DB, 't', 's3://b/keys.tsv')).toThrow(/not an S3 folder/);
  });
});
