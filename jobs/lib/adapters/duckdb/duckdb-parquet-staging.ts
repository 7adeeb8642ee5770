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
 * grain order makes PostgreSQL's index inserts sequential.
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
      const select = columns.map((c) =>
        times.has(c.name) ? `cast(${quoteIdent(c.name)} as time) as ${quoteIdent(c.name)}` : quoteIdent(c.name),
      );
      const grain = spec.grain.map(quoteIdent).join(', ');
      const sql =
        `copy (select * from (select ${select.join(', ')} from read_parquet(${list(paths)})) s ` +
        `qualify row_number() over (partition by ${grain} order by ${spec.orderBy.map((c) => `${quoteIdent(c)} asc nulls last`).join(', ')}) = 1 ` +
        `order by ${grain}) to ${quoteLiteral(csvPath)} (format csv, header false)`;
      return Number((await conn.run(sql)).rowsChanged);
    },
  };
}
