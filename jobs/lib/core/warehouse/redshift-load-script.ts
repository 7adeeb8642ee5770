/**
 * The statements that load one run into Redshift through the Data API, split
 * into the two parts the adapter sends (docs/architecture.md "Loading"):
 *
 *   `stage`        per star table (dimensions first): drop leftover temp tables,
 *                  create the staging table, COPY the run's Parquet files, dedupe,
 *                  count the staged rows. Only temp tables are written, so these
 *                  may run as several calls, and a failure among them leaves the
 *                  warehouse as it was.
 *   `transaction`  per table: collect the changes, count them, apply them (MERGE or
 *                  insert-where-absent); then the load-history row. Everything
 *                  the warehouse keeps is written here, in ONE BatchExecuteStatement,
 *                  which the Data API runs as a single transaction: "If any SQL
 *                  statement fails, all work is rolled back" (Redshift Data API
 *                  reference, BatchExecuteStatement, `Sqls` / `ExecutionMode`
 *                  TRANSACTION, the default).
 *
 * Both parts run in one Data API session, because the temp tables of `stage`
 * must still exist for `transaction`: a session keeps its temp tables between
 * calls ("Accelerate your data workflows with Amazon Redshift Data API
 * persistent sessions", AWS Big Data Blog), and Redshift drops them when the
 * session ends (CREATE TABLE, TEMPORARY).
 *
 * A `BatchExecuteStatement` takes 1–40 statements (`Sqls`, SqlList max 40), so
 * the stage part is cut into calls of at most 40 ({@link chunkSqls}) and the
 * transaction (3 statements a table, 4 for a fact with `deleted_at`, + 1) must
 * fit one call: the eleven star tables take 37.
 *
 * Staging tables get the warehouse DDL's column types (text lengths included;
 * Redshift reads a bare `varchar` as `varchar(256)`), except `time` columns,
 * which hold the lake's `HH:MM:SS.mmm` text (`varchar(12)`). A Parquet string
 * longer than its column makes the COPY fail, since no TRUNCATECOLUMNS is given
 * ("Preparing your input data", Amazon Redshift Database Developer Guide).
 */
import { TerminalError } from '../errors';
import { quoteIdent, quoteLiteral } from '../identifiers';
import type { LoadTable } from '../ports';
import { assertRunId } from '../run-id';
import { LOAD_HISTORY_TABLE } from './load-history';
import { inLoadOrder } from './load-order';
import { tableLoadStatements } from './table-load-statements';

/** The most statements one BatchExecuteStatement takes (Redshift Data API, `Sqls`: SqlList, 1–40 items). */
export const DATA_API_MAX_SQLS = 40;

/** The length of `load_history.run_id` (sql/warehouse/load_history.sql). */
const RUN_ID_TYPE = 'varchar(64)';

/** One statement of a load script; `count` marks a one-row `row_count` result and what it counts. */
export interface ScriptStatement {
  sql: string;
  count?: { table: string; of: 'staged' | 'changed' };
}

/** A run's Redshift load, in the two parts described in the module comment. */
export interface RedshiftLoadScript {
  stage: ScriptStatement[];
  /** At most {@link DATA_API_MAX_SQLS} statements; uses the `:run_id` parameter. */
  transaction: ScriptStatement[];
}

/** What the script needs besides the run: where the files are, the COPY role, the DDL's column types. */
export interface RedshiftLoadScriptOptions {
  /** `s3://…/` prefix of a table's run folder (COPY reads every file under it). */
  s3Prefix: (table: string) => string;
  /** IAM role Redshift assumes for the COPY. */
  iamRoleArn: string;
  /** Column types per table, from the warehouse DDL (`schemaColumnTypes`). */
  columnTypes: Map<string, Map<string, string>>;
}

/**
 * The load-history insert of the transaction: the run (`:run_id`, cast so
 * that Redshift knows its type), `sysdate` (UTC), and the per-table counts as
 * JSON built from one-row count subqueries over the staging and change
 * tables. It inserts nothing when the run is already recorded (Redshift does
 * not enforce primary keys), so replaying the transaction adds no second row.
 */
function historyInsert(tables: string[]): string {
  const runId = `cast(:run_id as ${RUN_ID_TYPE})`;
  const counts = tables.map(
    (t, i) => `'"${t}":{"staged":' || cast(s${i}.n as varchar(20)) || ',"changed":' || cast(c${i}.n as varchar(20)) || '}'`,
  );
  const sources = tables.flatMap((t, i) => [
    `(select count(*) as n from ${quoteIdent(`stage_${t}`)}) s${i}`,
    `(select count(*) as n from ${quoteIdent(`change_${t}`)}) c${i}`,
  ]);
  const json = counts.length ? `'{' || ${counts.join(" || ',' || ")} || '}'` : `'{}'`;
  return [
    `insert into ${quoteIdent(LOAD_HISTORY_TABLE)} ("run_id", "loaded_at", "table_counts")`,
    `select ${runId}, sysdate, ${json}`,
    ...(sources.length ? [`from ${sources.join('\ncross join ')}`] : []),
    `where not exists (select 1 from ${quoteIdent(LOAD_HISTORY_TABLE)} h where h."run_id" = ${runId})`,
  ].join('\n');
}

/**
 * `create temp table "stage_<table>" (…)` with the DDL's types in lake column
 * order (`time` as `varchar(12)`). Throws TerminalError when the DDL lacks
 * the table or one of its lake columns.
 */
function createStagingTable(load: LoadTable, staging: string, options: RedshiftLoadScriptOptions): string {
  const types = options.columnTypes.get(load.table.name);
  if (!types) throw new TerminalError(`warehouse DDL has no table ${load.table.name}`);
  const columns = load.table.columns.map((c) => {
    const type = c.type === 'time' ? 'varchar(12)' : types.get(c.name);
    if (!type) throw new TerminalError(`warehouse DDL of ${load.table.name} has no column ${c.name}`);
    return `    ${quoteIdent(c.name)} ${type}`;
  });
  return [`create temp table ${quoteIdent(staging)} (`, columns.join(',\n'), ')'].join('\n');
}

/**
 * Builds the Redshift load of run `runId` (module comment). A table whose run
 * folder holds no file gets no COPY (COPY fails on an empty prefix) and is
 * loaded empty. Throws TerminalError on a bad run id, table definition or
 * IAM role ARN, a DDL missing a column, or more tables than one transaction
 * call can hold.
 */
export function redshiftLoadScript(runId: string, tables: LoadTable[], options: RedshiftLoadScriptOptions): RedshiftLoadScript {
  assertRunId(runId);
  if (!options.iamRoleArn.startsWith('arn:'))
    throw new TerminalError(`not an IAM role ARN: ${JSON.stringify(options.iamRoleArn)}`);
  const stage: ScriptStatement[] = [];
  const transaction: ScriptStatement[] = [];
  const ordered = inLoadOrder(tables);
  for (const load of ordered) {
    const s = tableLoadStatements(load.table);
    stage.push(...[s.staging, s.deduped, s.changes].map((t) => ({ sql: `drop table if exists ${quoteIdent(t)}` })), {
      sql: createStagingTable(load, s.staging, options),
    });
    if (load.files.length > 0) {
      const prefix = options.s3Prefix(load.table.name);
      if (!prefix.startsWith('s3://')) throw new TerminalError(`not an S3 prefix: ${JSON.stringify(prefix)}`);
      stage.push({
        sql: `copy ${quoteIdent(s.staging)} from ${quoteLiteral(prefix)} iam_role ${quoteLiteral(options.iamRoleArn)} format as parquet`,
      });
    }
    stage.push({ sql: s.dedupe }, { sql: s.countStaged, count: { table: load.table.name, of: 'staged' } });
    transaction.push(
      { sql: s.collectChanges },
      { sql: s.countChanges, count: { table: load.table.name, of: 'changed' } },
      { sql: s.apply },
      ...(s.markDeleted ? [{ sql: s.markDeleted }] : []),
    );
  }
  transaction.push({ sql: historyInsert(ordered.map((t) => t.table.name)) });
  if (transaction.length > DATA_API_MAX_SQLS) {
    throw new TerminalError(
      `a load of ${ordered.length} tables needs ${transaction.length} statements in its transaction; one Data API call takes at most ${DATA_API_MAX_SQLS}`,
    );
  }
  return { stage, transaction };
}

/** `items` cut into consecutive groups of at most `size` (default {@link DATA_API_MAX_SQLS}); none when empty. */
export function chunkSqls<T>(items: readonly T[], size = DATA_API_MAX_SQLS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
