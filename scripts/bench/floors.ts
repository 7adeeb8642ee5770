/**
 * The floors the benchmark compares each stage with, measured in the same run
 * on the same data (issue 5): the fastest the tools underneath can do the
 * stage's bare data movement, with none of the pipeline's work (typing,
 * dedupe, joins, watermarks, manifests, MERGE, history).
 *
 * - extract: `COPY (select * from <table>) TO STDOUT` of every extracted
 *   source table, read to the end and discarded;
 * - cleaned / transformed: DuckDB reading the stage's input files of the run
 *   (raw JSON Lines for cleaned, cleaned Parquet for transformed) and writing
 *   their rows as Parquet (`COPY (select * from …) TO … (format parquet)`),
 *   one table at a time;
 * - load: `COPY … FROM STDIN` of the run's star rows, rendered to CSV files
 *   beforehand (not timed), into empty UNLOGGED tables with the warehouse's
 *   column types and no keys.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { quoteIdent, quoteLiteral } from '../../jobs/lib/core/identifiers';
import type { DuckDBConnection } from '../../jobs/lib/adapters/duckdb/duckdb';
import type { StarTableDef } from '../../jobs/lib/definition/tables';
import { WAREHOUSE_TYPES } from '../../jobs/lib/core/warehouse/column-types';

/** One floor: seconds and the rows it moved. */
export interface FloorMeasure {
  seconds: number;
  rows: number;
}

/** Counts newline bytes of a COPY TO stream (one per row in text format) and discards the data. */
class LineCounter extends Writable {
  lines = 0;
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.bytes += chunk.length;
    let at = chunk.indexOf(10);
    while (at !== -1) {
      this.lines++;
      at = chunk.indexOf(10, at + 1);
    }
    done();
  }
}

/**
 * Extract floor: `COPY (select * from public.<table>) TO STDOUT` of each table,
 * one after another on one connection, the output read and thrown away.
 */
export async function extractFloor(sourceUrl: string, tables: string[]): Promise<FloorMeasure> {
  const client = new Client({ connectionString: sourceUrl });
  await client.connect();
  try {
    const started = performance.now();
    let rows = 0;
    for (const table of tables) {
      const counter = new LineCounter();
      await pipeline(client.query(copyTo(`copy (select * from public.${quoteIdent(table)}) to stdout`)), counter);
      rows += counter.lines;
    }
    return { seconds: (performance.now() - started) / 1000, rows };
  } finally {
    await client.end();
  }
}

/** One input table of a transform floor: its files and how to read them. */
export interface FloorInput {
  table: string;
  format: 'json' | 'parquet';
  /** Absolute file paths. */
  files: string[];
}

/**
 * Transform floor: for each input, DuckDB reads its files (JSON Lines with type
 * detection, or Parquet) and writes all rows to one zstd Parquet file in `scratch`.
 */
export async function duckDbFloor(duck: DuckDBConnection, inputs: FloorInput[], scratch: string): Promise<FloorMeasure> {
  await fs.mkdir(scratch, { recursive: true });
  const started = performance.now();
  let rows = 0;
  for (const input of inputs) {
    if (input.files.length === 0) continue;
    const list = `[${input.files.map(quoteLiteral).join(', ')}]`;
    const source = input.format === 'json' ? `read_json(${list}, format = 'newline_delimited')` : `read_parquet(${list})`;
    const target = join(scratch, `${input.table}.parquet`);
    const result = await duck.run(`copy (select * from ${source}) to ${quoteLiteral(target)} (format parquet, compression zstd)`);
    rows += Number(result.rowsChanged);
  }
  const seconds = (performance.now() - started) / 1000;
  await fs.rm(scratch, { recursive: true, force: true });
  return { seconds, rows };
}

/** One star table of the load floor: its definition and the run's Parquet files (absolute paths). */
export interface LoadFloorInput {
  table: StarTableDef;
  files: string[];
}

/**
 * Load floor: DuckDB renders each star table's rows of the run to a CSV file
 * (not timed); then, timed, each file is streamed into
 * `COPY <schema>.<table> FROM STDIN (format csv)` of a fresh UNLOGGED table
 * with the warehouse column types and no keys, in a scratch schema of the
 * warehouse database that is dropped afterwards.
 */
export async function loadFloor(
  warehouseUrl: string,
  duck: DuckDBConnection,
  inputs: LoadFloorInput[],
  scratch: string,
): Promise<FloorMeasure> {
  await fs.mkdir(scratch, { recursive: true });
  const csvFiles: { def: StarTableDef; path: string }[] = [];
  for (const { table, files } of inputs) {
    if (files.length === 0) continue;
    const path = join(scratch, `${table.name}.csv`);
    const columns = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    await duck.run(
      `copy (select ${columns} from read_parquet([${files.map(quoteLiteral).join(', ')}])) to ${quoteLiteral(path)} (format csv, header false)`,
    );
    csvFiles.push({ def: table, path });
  }

  const client = new Client({ connectionString: warehouseUrl });
  await client.connect();
  const schema = 'bench_load_floor';
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.query(`create schema ${schema}`);
    for (const { def } of csvFiles) {
      const columns = def.columns.map((c) => `${quoteIdent(c.name)} ${WAREHOUSE_TYPES[c.type]}`).join(', ');
      await client.query(`create unlogged table ${schema}.${quoteIdent(def.name)} (${columns})`);
    }
    const started = performance.now();
    let rows = 0;
    for (const { def, path } of csvFiles) {
      const columns = def.columns.map((c) => quoteIdent(c.name)).join(', ');
      const stream = client.query(copyFrom(`copy ${schema}.${quoteIdent(def.name)} (${columns}) from stdin (format csv)`));
      await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), stream);
      rows += Number(stream.rowCount ?? 0);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rows };
  } finally {
    await client.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
    await client.end();
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
