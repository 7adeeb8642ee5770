/**
 * ParquetStaging (jobs/lib/core/parquet-staging.ts) over DuckDB, which reads
 * Parquet natively.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../../core/identifiers';
import type { ParquetStaging } from '../../core/parquet-staging';

/**
 * ParquetStaging over DuckDB. `exportDeduped` runs
 * `copy (select … from read_parquet([…]) qualify row_number() over (partition by <grain> order by <others> nulls last) = 1 order by <grain>) to '<csv>' (format csv)`,
 * with `time` columns cast from their lake text (a bad time fails here); the
 * grain order makes PostgreSQL's index inserts sequential. Files are read by
 * column name (`union_by_name`), and a contract column no file has (one added
 * to the contract after the files were written, such as `deleted_at`) is read
 * as NULL, so a warehouse can still load or reload output written before it.
 */
export function duckDbStaging(conn: DuckDBConnection): ParquetStaging {
  const list = (paths: string[]) => `[${paths.map(quoteLiteral).join(', ')}]`;
  return {
    async count(paths) {
      const reader = await conn.runAndReadAll(`select count(*) as n from read_parquet(${list(paths)})`);
      return Number(reader.getRows()[0][0]);
    },
    async exportDeduped(paths, columns, spec, csvPath) {
      const times = new Set(spec.timeColumns);
      const schema = await conn.runAndReadAll(`select distinct name from parquet_schema(${list(paths)})`);
      const present = new Set(schema.getRows().map((row) => String(row[0])));
      const select = columns.map((c) => {
        if (!present.has(c.name)) return `null as ${quoteIdent(c.name)}`;
        return times.has(c.name) ? `cast(${quoteIdent(c.name)} as time) as ${quoteIdent(c.name)}` : quoteIdent(c.name);
      });
      const grain = spec.grain.map(quoteIdent).join(', ');
      const sql =
        `copy (select * from (select ${select.join(', ')} from read_parquet(${list(paths)}, union_by_name = true)) s ` +
        `qualify row_number() over (partition by ${grain} order by ${spec.orderBy.map((c) => `${quoteIdent(c)} asc nulls last`).join(', ')}) = 1 ` +
        `order by ${grain}) to ${quoteLiteral(csvPath)} (format csv, header false)`;
      return Number((await conn.run(sql)).rowsChanged);
    },
  };
}
