/**
 * Placeholder rendering for the SQL models (docs/architecture.md "SQL models").
 * A model refers to tables, to the table contracts and to engine-specific SQL
 * only through `{{ … }}` placeholders:
 *
 * - `{{ raw.sales_order }}` → this run's partition:
 *   `(select * from <relation> where run_id = '<run>')` (facts and cleaned models);
 * - `{{ cleaned.address:all }}` → every run up to and including this one:
 *   `(select * from <relation> where run_id <= '<run>')` (run ids sort by
 *   time, so a re-run of an old run never sees later runs);
 * - `{{ cleaned.address:latest }}` → the latest version of every key among
 *   those runs: per primary key (definition/tables.ts), the row with the
 *   greatest `last_updated`, then the greatest run id (dimension snapshots);
 * - `{{ typed(raw.address) }}` → this run's raw rows typed and checked from
 *   the table contract, with `reject_reason` (typed-source.ts; cleaned models);
 * - `{{ columns(cleaned.address) }}` → the table's contract columns, in
 *   order, comma-separated;
 * - `{{ shim_name(arg, …) }}` → the engine's SQL for that shim (`shims.ts`).
 *
 * Anything else inside braces is an error, so a typo never reaches an engine.
 */
import { TerminalError } from '../errors';
import { ZONES, type Zone } from '../../definition/zones';
import { OP_COLUMN, RAW_OP_COLUMN, sourceTable, zoneTables, type ColumnDef } from '../../definition/tables';
import { LAKE_TYPE, zoneColumns } from './materialize';
import { assertRunId } from '../run-id';
import { SHIMS, shimNames } from './shims';
import type { Engine } from './engine';
import { typedSourceSql, VERSION_COLUMN } from './typed-source';

/** What a model is rendered against. */
export interface RenderContext {
  engine: Engine;
  /** The run being materialised; validated with assertRunId. */
  runId: string;
  /** SQL relation for a zone table, e.g. duckdb `raw.sales_order`, athena `"lakehouse_raw"."sales_order"`. */
  relation: (zone: Zone, table: string) => string;
  /**
   * Whether the catalog has the table yet. A table never written (a run that
   * holds only some source tables, on a fresh lake) renders as an empty
   * relation with the table's columns from definition/tables.ts. Default: every table exists.
   */
  exists?: (zone: Zone, table: string) => boolean;
  /**
   * Whether a zone table that exists has a column: the raw op column `_op` is
   * present only once some run landed it (default: absent, raw rows are
   * upserts); the cleaned op column `change_op` is absent from a cleaned table
   * whose files were all written before it existed (default: present).
   */
  hasColumn?: (zone: Zone, table: string, column: string) => boolean;
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const TABLE_REF = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)(?::([a-z]+))?$/;
const SHIM_CALL = /^([a-z_][a-z0-9_]*)\s*\(([\s\S]*)\)$/;

/** The qualifiers a table placeholder may carry. */
const QUALIFIERS = ['all', 'latest'] as const;

/** The window column `:latest` ranks versions by; dropped from its result. */
const RECENCY_COLUMN = 'version_recency';

/** The zone whose tables and column names a zone has: raw holds the source tables, as cleaned does (untyped). */
const typedZone = (zone: Zone): 'cleaned' | 'transformed' => (zone === 'raw' ? 'cleaned' : zone);

/**
 * Resolves every `{{ … }}` placeholder of a model for one engine and run.
 *
 * @param sql  model text (a single SELECT with placeholders)
 * @param ctx  engine, run id and the relation naming of the engine's catalog
 * @returns    the SQL the engine can run
 * @throws TerminalError on a malformed run id, an unknown zone, a table not in
 *   that zone (definition/tables.ts), an unknown qualifier (`:all` and `:latest` exist;
 *   `:latest` only on cleaned tables), a table function given something other
 *   than its table reference, a contract typed() cannot type, an unknown shim
 *   or a wrong number of shim arguments, or any `{{` / `}}` left after
 *   rendering. A retry cannot fix any of these.
 */
export function renderModel(sql: string, ctx: RenderContext): string {
  let runId: string;
  try {
    runId = assertRunId(ctx.runId);
  } catch (error) {
    throw new TerminalError(`cannot render a model for run ${JSON.stringify(ctx.runId)}: not a run id`, { cause: error });
  }
  const rendered = sql.replace(PLACEHOLDER, (_match, body: string) => renderPlaceholder(body.trim(), runId, ctx));
  if (rendered.includes('{{') || rendered.includes('}}')) {
    throw new TerminalError('unresolved placeholder braces left after rendering (an unclosed or nested `{{ }}`)');
  }
  return rendered;
}

function renderPlaceholder(body: string, runId: string, ctx: RenderContext): string {
  const table = TABLE_REF.exec(body);
  if (table) return renderTable(table[1], table[2], table[3], runId, ctx);
  const call = SHIM_CALL.exec(body);
  const tableFunction = call && Object.hasOwn(TABLE_FUNCTION_RENDERERS, call[1]);
  if (call && tableFunction) return TABLE_FUNCTION_RENDERERS[call[1]](call[2].trim(), runId, ctx);
  if (call) return renderShim(call[1], call[2], ctx.engine);
  throw new TerminalError(
    `unknown placeholder {{ ${body} }}: expected {{ zone.table }}, {{ zone.table:all }}, {{ zone.table:latest }}, ` +
      '{{ typed(raw.table) }}, {{ columns(zone.table) }} or {{ shim(args) }}',
  );
}

/** The placeholder functions that take a table reference, not SQL; a shim must not share their names. */
const TABLE_FUNCTION_RENDERERS: Record<string, (arg: string, runId: string, ctx: RenderContext) => string> = {
  typed: renderTyped,
  columns: (arg) => renderColumns(arg),
};

/** The names of the placeholder functions that take a table reference (`typed`, `columns`). */
export const TABLE_FUNCTIONS: readonly string[] = Object.keys(TABLE_FUNCTION_RENDERERS);

/** Parses the `zone.table` argument of a table function; throws TerminalError when it is not one. */
function tableArgument(fn: string, arg: string): { zone: Zone; table: string; qualifier?: string } {
  const ref = TABLE_REF.exec(arg);
  if (!ref) throw new TerminalError(`${fn}() takes one zone.table reference, got ${JSON.stringify(arg)}`);
  checkTable(ref[1], ref[2]);
  return { zone: ref[1] as Zone, table: ref[2], qualifier: ref[3] };
}

/** `{{ typed(raw.<table>) }}`: this run's raw rows typed and checked from the contract (typed-source.ts). */
function renderTyped(arg: string, runId: string, ctx: RenderContext): string {
  const { zone, table, qualifier } = tableArgument('typed', arg);
  if (zone !== 'raw' || qualifier !== undefined) {
    throw new TerminalError(`typed() reads this run's raw rows: expected typed(raw.<table>), got typed(${arg})`);
  }
  const landed = ctx.exists?.(zone, table) ?? true;
  const withOp = landed && (ctx.hasColumn?.(zone, table, RAW_OP_COLUMN) ?? false);
  return typedSourceSql(sourceTable(table), renderTable(zone, table, undefined, runId, ctx), ctx.engine, withOp);
}

/** `{{ columns(zone.<table>) }}`: the contract's column names, in order, comma-separated. */
function renderColumns(arg: string): string {
  const { zone, table, qualifier } = tableArgument('columns', arg);
  if (qualifier !== undefined) throw new TerminalError(`columns() takes a table without a qualifier, got columns(${arg})`);
  return zoneColumns(typedZone(zone), table)
    .map((c) => c.name)
    .join(', ');
}

/** Throws TerminalError unless `zone` is a zone and `table` one of its tables in the contract. */
function checkTable(zone: string, table: string): void {
  if (!(ZONES as readonly string[]).includes(zone)) {
    throw new TerminalError(`unknown zone in placeholder {{ ${zone}.${table} }}: zones are ${ZONES.join(', ')}`);
  }
  if (!zoneTables(typedZone(zone as Zone)).includes(table)) {
    throw new TerminalError(`unknown table in placeholder {{ ${zone}.${table} }}: not a ${zone} table in definition/tables.ts`);
  }
}

function renderTable(zone: string, table: string, qualifier: string | undefined, runId: string, ctx: RenderContext): string {
  checkTable(zone, table);
  if (qualifier !== undefined && !(QUALIFIERS as readonly string[]).includes(qualifier)) {
    throw new TerminalError(
      `unknown qualifier :${qualifier} in placeholder {{ ${zone}.${table} }}: qualifiers are ${QUALIFIERS.map((q) => `:${q}`).join(', ')}`,
    );
  }
  if (qualifier === 'latest' && zone !== 'cleaned') {
    throw new TerminalError(`:latest needs typed versions: only cleaned tables have it, not {{ ${zone}.${table}:latest }}`);
  }
  if (ctx.exists && !ctx.exists(zone as Zone, table)) return emptyRelation(zone as Zone, table);
  const comparison = qualifier === undefined ? '=' : '<=';
  // Cleaned files written before the op column existed lack it: then every version is an upsert.
  const addOp = zone === 'cleaned' && !(ctx.hasColumn?.('cleaned', table, OP_COLUMN) ?? true);
  const columns = addOp ? `*, cast(null as varchar) as ${OP_COLUMN}` : '*';
  const runs = `(select ${columns} from ${ctx.relation(zone as Zone, table)} where run_id ${comparison} '${runId}')`;
  return qualifier === 'latest' ? latestVersions(table, runs) : runs;
}

/**
 * The latest version of every key of cleaned table `table` in `runs` (a
 * relation of its rows over several runs): per primary key (tables.ts), the
 * row with the greatest last_updated, ties going to the greatest run id. The
 * result has the table's contract columns, the op column and `run_id`, like
 * `:all`; a key whose latest version is a delete (`change_op = 'delete'`) is
 * kept, so models can mark it deleted. Both
 * engines run the same SQL (a window, then a filter: Trino has no `qualify`).
 *
 * @throws TerminalError when the table has a column named like the window column
 */
function latestVersions(table: string, runs: string): string {
  const def = sourceTable(table);
  const names = [...def.columns.map((c) => c.name), OP_COLUMN];
  if (names.includes(RECENCY_COLUMN)) throw new TerminalError(`cleaned.${table} must not have a ${RECENCY_COLUMN} column`);
  return (
    `(select ${[...names, 'run_id'].join(', ')} from (select *, row_number() over (partition by ${def.primaryKey} ` +
    `order by ${VERSION_COLUMN} desc, run_id desc) as ${RECENCY_COLUMN} from ${runs}) as versions ` +
    `where ${RECENCY_COLUMN} = 1)`
  );
}

/**
 * A relation with no rows and the columns the catalog would show for the
 * table: raw columns as varchar (text as landed), cleaned and transformed
 * columns in their lake types, plus `run_id`.
 * @throws TerminalError when the table is not in the zone (definition/tables.ts).
 */
export function emptyRelation(zone: Zone, table: string): string {
  const typeOf = (c: ColumnDef) => (zone === 'raw' ? 'varchar' : LAKE_TYPE[c.type]);
  // Raw tables hold the source columns as landed (no change_op: a raw row's op is `_op`, when it has one).
  const defs = zone === 'raw' ? sourceTable(table).columns : zoneColumns(typedZone(zone), table);
  const columns = defs.map((c) => `cast(null as ${typeOf(c)}) as ${c.name}`);
  const list = [...columns, 'cast(null as varchar) as run_id'];
  return `(select ${list.join(', ')} where 1 = 0)`;
}

function renderShim(name: string, argText: string, engine: Engine): string {
  const shim = Object.hasOwn(SHIMS, name) ? SHIMS[name] : undefined;
  if (!shim) {
    throw new TerminalError(`unknown shim ${name}(): known shims are ${shimNames().join(', ')}`);
  }
  const args = splitArguments(argText);
  if (args.length !== shim.params.length) {
    throw new TerminalError(
      `shim ${name} takes ${shim.params.length} argument(s) (${shim.params.join(', ')}), got ${args.length}`,
    );
  }
  return shim.render[engine](args.map((a) => `(${a})`));
}

/**
 * Splits a shim's argument text on top-level commas: commas inside
 * parentheses, brackets or single-quoted strings (with `''` escapes) do not
 * split. Returns trimmed arguments; an empty text gives no arguments.
 *
 * @throws TerminalError on an empty argument, unbalanced brackets or an unclosed string.
 */
export function splitArguments(text: string): string[] {
  if (text.trim() === '') return [];
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "'") {
        if (text[i + 1] === "'") i++;
        else inString = false;
      }
    } else if (ch === "'") {
      inString = true;
    } else if (ch === '(' || ch === '[') {
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth--;
      if (depth < 0) throw new TerminalError(`unbalanced brackets in shim arguments: ${text}`);
    } else if (ch === ',' && depth === 0) {
      args.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inString) throw new TerminalError(`unclosed string in shim arguments: ${text}`);
  if (depth !== 0) throw new TerminalError(`unbalanced brackets in shim arguments: ${text}`);
  args.push(text.slice(start));
  const trimmed = args.map((a) => a.trim());
  if (trimmed.some((a) => a === '')) throw new TerminalError(`empty argument in shim arguments: ${text}`);
  return trimmed;
}
