/**
 * The local query engine: materialises SQL models with DuckDB
 * `COPY (select …) TO '<zone>/<table>/run_id=<run>/part-00000.parquet'`, the
 * local stand-in for Athena CTAS (docs/architecture.md "The chain and its two runtimes", "SQL models").
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { TerminalError, errorMessage } from '../../core/errors';
import { quoteIdent, quoteLiteral } from '../../core/identifiers';
import { keys } from '../../definition/object-keys';
import { cleanedRejectsFolder } from '../../definition/rejects';
import type { Zone } from '../../definition/zones';
import { OP_COLUMN, RAW_OP_COLUMN } from '../../definition/tables';
import type { ModelResult, ModelRun, QueryEngine } from '../../core/ports';
import { assertRunId } from '../../core/run-id';
import { goodRowsSql, rejectRowsSql } from '../../core/sql/materialize';
import { renderModel } from '../../core/sql/render';
import { queryRows, type DuckDBConnection } from './duckdb';
import { explainUnreadableFile } from './duckdb-read-error';

/** File name of the single Parquet part a model run writes. */
export const PART_FILE = 'part-00000.parquet';

/** File name of a cleaned model run's reject records (gzip JSON Lines, definition/rejects.ts). */
export const REJECTS_FILE = 'part-00000.jsonl.gz';

const PARQUET_FORMAT = { file: PART_FILE, options: 'format parquet, compression zstd' };
/** Reject records are JSON Lines, the format every stage's rejects share (definition/rejects.ts). */
const REJECTS_FORMAT = { file: REJECTS_FILE, options: 'format json, compression gzip' };

/**
 * QueryEngine over a local DuckDB catalog: renders models for engine `duckdb`
 * and writes them as Parquet into the zone folders (see `materialize`).
 * Not safe for concurrent materialisations of the same table and run.
 */
export class DuckDbQueryEngine implements QueryEngine {
  /**
   * Data-quality tests per query. DuckDB runs every branch of a UNION ALL at
   * once, each with its own hash tables: the transformed zone's 58 generic tests
   * in one query took about 100 MB more resident memory than batches of 8 on the
   * first run of the embedded default (npm start), which ran no slower
   * (docs/performance.md, "Memory").
   */
  readonly testsPerQuery = 8;

  /**
   * @param conn      a DuckDB connection whose catalog has schemas raw/cleaned/transformed (the local crawler's views)
   * @param zoneRoot  absolute folder of a zone (its "bucket")
   */
  constructor(
    private readonly conn: DuckDBConnection,
    private readonly zoneRoot: (zone: Zone) => string,
  ) {}

  /**
   * Renders the model for DuckDB and this run (relations `"<zone>"."<table>"`),
   * then writes its good rows to `<zone root>/<table>/run_id=<run>/part-00000.parquet`
   * (always, even with zero rows, so the schema is crawlable) and, for cleaned
   * models, its rejected rows as reject records to
   * `<cleaned root>/_rejects/<table>/run_id=<run>/cleaned/part-00000.jsonl.gz`
   * (gzip JSON Lines, definition/rejects.ts; only when there are any; the model is evaluated once, into a scratch
   * file, and both outputs are read from it). Both run folders are emptied first, so a re-run
   * replaces its own output and never touches another run's. Each file is
   * written under a hidden `.tmp-` name and renamed once complete.
   *
   * @returns rows written and rows rejected
   * @throws TerminalError on a bad run id, a rendering error (unknown
   *   placeholder/shim/table) or a SQL error, naming the model and keeping the cause
   */
  async materialize(model: ModelRun): Promise<ModelResult> {
    const { zone, table } = model;
    const name = `${zone}.${table}`;
    let runId: string;
    try {
      runId = assertRunId(model.runId);
    } catch (error) {
      throw new TerminalError(`model ${name}: ${errorMessage(error)}`, { cause: error });
    }

    let rendered: string;
    try {
      rendered = await this.render(model.sql, runId);
    } catch (error) {
      throw new TerminalError(`model ${name} (run ${runId}) cannot be rendered: ${errorMessage(error)}`, { cause: error });
    }

    const root = this.zoneRoot(zone);
    const folder = join(root, keys.runFolder(table, runId));
    const rejectsFolder = join(this.zoneRoot('cleaned'), cleanedRejectsFolder(table, runId));
    await fs.rm(folder, { recursive: true, force: true });
    if (zone === 'cleaned') await fs.rm(rejectsFolder, { recursive: true, force: true });

    if (zone !== 'cleaned') {
      const rows = await this.copyToFile(name, runId, goodRowsSql(zone, table, rendered), folder, true);
      return { table, runId, rows, rejects: 0 };
    }
    // A cleaned model is evaluated once, streamed to a scratch Parquet file in the run's folder (a name
    // no crawler or glob picks up), and both outputs are read from that file; evaluating the model twice,
    // once per output, costs about twice as much, and a temp table would hold every row in memory.
    await fs.mkdir(folder, { recursive: true });
    const scratch = join(folder, `.model.tmp-${randomUUID()}`);
    try {
      try {
        await this.conn.run(`copy (\n${rendered}\n) to ${quoteLiteral(scratch)} (format parquet, compression uncompressed)`);
      } catch (error) {
        throw modelFailed(name, runId, error);
      }
      const evaluated = `select * from read_parquet(${quoteLiteral(scratch)})`;
      const rows = await this.copyToFile(name, runId, goodRowsSql(zone, table, evaluated), folder, true);
      const rejects = await this.copyToFile(
        name,
        runId,
        rejectRowsSql(table, evaluated, runId),
        rejectsFolder,
        false,
        REJECTS_FORMAT,
      );
      return { table, runId, rows, rejects };
    } finally {
      await fs.rm(scratch, { force: true });
    }
  }

  /**
   * Renders a SELECT's placeholders for DuckDB and `runId` (relations
   * `"<zone>"."<table>"`; tables and views the catalog lacks read as empty relations).
   *
   * @throws TerminalError on a bad run id or a rendering error (render.ts)
   */
  async render(sql: string, runId: string): Promise<string> {
    const registered = new Set(
      // Tables and views alike (the crawler makes views; tests may make tables).
      (await queryRows(this.conn, 'select table_schema, table_name from information_schema.tables')).map(
        (r) => `${r.table_schema}.${r.table_name}`,
      ),
    );
    // The op columns a view has (tables.ts): raw `_op` once some run landed it, cleaned `change_op` once a file has it.
    const opColumns = new Set(
      (
        await queryRows(
          this.conn,
          `select table_schema, table_name, column_name from information_schema.columns where ` +
            `(table_schema = 'raw' and column_name = ${quoteLiteral(RAW_OP_COLUMN)}) or ` +
            `(table_schema = 'cleaned' and column_name = ${quoteLiteral(OP_COLUMN)})`,
        )
      ).map((r) => `${r.table_schema}.${r.table_name}.${r.column_name}`),
    );
    return renderModel(sql, {
      engine: 'duckdb',
      runId,
      relation: (z, t) => `${quoteIdent(z)}.${quoteIdent(t)}`,
      exists: (z, t) => registered.has(`${z}.${t}`),
      hasColumn: (z, t, c) => opColumns.has(`${z}.${t}.${c}`),
    });
  }

  /**
   * Runs an ad-hoc query over the catalog (`raw.*`, `cleaned.*`, `transformed.*`).
   *
   * @returns rows as JSON-safe objects (see `queryRows`)
   * @throws TerminalError on a SQL error, keeping the cause
   */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    try {
      return await queryRows(this.conn, sql);
    } catch (error) {
      throw new TerminalError(`query failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * COPYs `select` to a hidden temp file in `folder`, then renames it to
   * the format's file name (PART_FILE for Parquet). With `keepEmpty` false a
   * zero-row result leaves nothing behind (not even the folder). Returns the row count.
   */
  private async copyToFile(
    name: string,
    runId: string,
    select: string,
    folder: string,
    keepEmpty: boolean,
    format: { file: string; options: string } = PARQUET_FORMAT,
  ): Promise<number> {
    await fs.mkdir(folder, { recursive: true });
    const temp = join(folder, `.${format.file}.tmp-${randomUUID()}`);
    let count: number;
    try {
      const result = await this.conn.run(`copy (\n${select}\n) to ${quoteLiteral(temp)} (${format.options})`);
      count = Number(result.rowsChanged);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw modelFailed(name, runId, error);
    }
    if (count === 0 && !keepEmpty) {
      await fs.rm(folder, { recursive: true, force: true });
      return 0;
    }
    await fs.rename(temp, join(folder, format.file));
    return count;
  }
}

/** The error of a model DuckDB could not run; names the file and what to do when one lake file is unreadable. */
function modelFailed(name: string, runId: string, error: unknown): TerminalError {
  const message = errorMessage(error);
  const explained = explainUnreadableFile(message);
  return new TerminalError(
    `model ${name} (run ${runId}) failed in DuckDB: ${explained ? `${explained} (${message})` : message}`,
    {
      cause: error,
    },
  );
}
