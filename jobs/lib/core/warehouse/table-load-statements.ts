/**
 * Per star table, the statements that load one run on Redshift
 * (the loader of docs/architecture.md "Data contracts"):
 *
 *   1. `createStaging`  drop leftovers, create a temp staging table in **lake** column
 *                       order and types (`time` columns as `varchar(12)`, the lake's
 *                       `HH:MM:SS.mmm` text)
 *   2. COPY             {@link copyFromS3Parquet}
 *   3. `dedupe`         temp table with one row per grain (dimension key, or fact key +
 *                       version), `time` text cast to `time`
 *   4. `changes`        temp table with the rows that change the target: dimensions → keys
 *                       that are new or whose values differ (SCD type 1); facts → versions
 *                       `(key, last_updated_date, last_updated_time)` not yet present
 *   5. `countStaged` / `countChanges`  one-row counts (`row_count`)
 *   6. `apply`          dimensions: MERGE (latest values win); facts: INSERT (history)
 *   7. `dropTemp`       drop the three temp tables
 *
 * then, once per run, the load-history insert. The caller runs all of it in one
 * transaction. The changes are materialised before they are applied because
 * Redshift's MERGE only takes a table (not a subquery) as its source and requires
 * the source keys to be unique; it also gives exact change counts on both engines.
 *
 * The local PostgreSQL adapter, which deduplicates and types the rows while
 * reading the Parquet files (DuckDB), uses the shorter sequence of
 * staged-load-statements.ts with the same end state.
 *
 * Every identifier is validated (`[a-z_][a-z0-9_]*`) and double-quoted.
 * Statements carry no trailing semicolon (the Data API wants one statement per string).
 */
import { quoteIdent } from '../identifiers';
import type { StarTableDef } from '../../definition/tables';
import { stagingType, typedExpr } from './column-types';
import { DELETED_AT_COLUMN } from '../../definition/tables';
import {
  absentFrom,
  checkDefinition,
  commaList,
  indent,
  markDeletedUpdate,
  marksVersion,
  mergeInsert,
  RANK_COLUMN,
  softDeletes,
} from './statement-parts';

/** The statements that load one star table for one run (see the module comment for the order). */
export interface TableLoadStatements {
  table: string;
  kind: StarTableDef['kind'];
  /** Temp table names (unquoted). */
  staging: string;
  deduped: string;
  changes: string;
  /** Lake columns in file order: the staging table's columns and the COPY column order. */
  stagingColumns: string[];
  /** Drops leftover temp tables of this name, then creates the staging table. */
  createStaging: string[];
  dedupe: string;
  /** Materialises the rows that change the target into the `changes` temp table. */
  collectChanges: string;
  /** `select count(*) as "row_count"` over the staging table. */
  countStaged: string;
  /** `select count(*) as "row_count"` over the changes table. */
  countChanges: string;
  /** MERGE (dimensions) or INSERT (facts) from the changes table. */
  apply: string;
  /** Facts with `deleted_at`: the UPDATE marking the versions the change table's delete rows delete, after `apply`. */
  markDeleted?: string;
  dropTemp: string[];
}

/**
 * Builds the statements that load one run's rows of star table `def`
 * (module comment: order and semantics), in SQL both Redshift and PostgreSQL
 * accept; the Redshift adapter runs them with its own COPY.
 * Temp tables are `stage_<table>`, `dedup_<table>` and `change_<table>`.
 *
 * Dedupe keeps one row per grain; when staged rows of one grain differ, the
 * first in column-value order wins (deterministic; the transformed zone should
 * not produce such rows). Throws TerminalError on an invalid definition
 * (unsafe identifier, missing key/version column, fact without surrogate key).
 */
export function tableLoadStatements(def: StarTableDef): TableLoadStatements {
  const grain = checkDefinition(def);
  const q = quoteIdent;
  const staging = `stage_${def.name}`;
  const deduped = `dedup_${def.name}`;
  const changes = `change_${def.name}`;
  const target = q(def.name);
  const columns = def.columns;
  const names = columns.map((c) => c.name);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const grainExprs = grain.map((n) => typedExpr(byName.get(n)!));
  const sourceCols = names.map((n) => `s.${q(n)}`);
  const rest = columns.filter((c) => !grain.includes(c.name));
  const orderExprs = (rest.length ? rest : columns).map(typedExpr);

  const createStaging = [
    `drop table if exists ${q(staging)}`,
    `drop table if exists ${q(deduped)}`,
    `drop table if exists ${q(changes)}`,
    [`create temp table ${q(staging)} (`, ...indent(commaList(columns.map((c) => `${q(c.name)} ${stagingType(c)}`))), ')'].join(
      '\n',
    ),
  ];

  const dedupe = [
    `create temp table ${q(deduped)} as`,
    'select',
    ...indent(commaList(names.map(q))),
    'from (',
    '    select',
    ...indent(
      [
        ...columns.map((c) => (c.type === 'time' ? `${typedExpr(c)} as ${q(c.name)},` : `${q(c.name)},`)),
        'row_number() over (',
        `    partition by ${grainExprs.join(', ')}`,
        `    order by ${orderExprs.join(', ')}`,
        `) as ${q(RANK_COLUMN)}`,
      ],
      '        ',
    ),
    `    from ${q(staging)}`,
    ') ranked',
    `where ${q(RANK_COLUMN)} = 1`,
  ].join('\n');

  let collectChanges: string;
  let apply: string;
  let markDeleted: string | undefined;
  if (def.kind === 'dimension') {
    const valueCols = names.filter((n) => !def.key.includes(n));
    // Null-safe "differs" without IS DISTINCT FROM (Redshift lacks it): `<>` when both are set, else "exactly one is null".
    const differs = valueCols.map((n) => `coalesce(t.${q(n)} <> s.${q(n)}, t.${q(n)} is not null or s.${q(n)} is not null)`);
    collectChanges = [
      `create temp table ${q(changes)} as`,
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(deduped)} s`,
      `left join ${target} t`,
      `    on ${def.key.map((k) => `t.${q(k)} = s.${q(k)}`).join('\n    and ')}`,
      `where t.${q(def.key[0])} is null`,
      ...differs.map((d) => `    or ${d}`),
    ].join('\n');
    apply = [
      `merge into ${target}`,
      `using ${q(changes)} s`,
      `on ${def.key.map((k) => `${target}.${q(k)} = s.${q(k)}`).join(' and ')}`,
      ...(valueCols.length
        ? ['when matched then update set', ...indent(commaList(valueCols.map((n) => `${q(n)} = s.${q(n)}`)))]
        : []),
      ...mergeInsert(names.map(q), sourceCols),
    ].join('\n');
  } else if (!softDeletes(def)) {
    collectChanges = [
      `create temp table ${q(changes)} as`,
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(deduped)} s`,
      ...absentFrom(target, grain),
    ].join('\n');
    apply = [
      `insert into ${target} (`,
      ...indent(commaList(names.map(q))),
      ')',
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(changes)} s`,
    ].join('\n');
  } else {
    // Changes: live versions not yet loaded, and delete rows that mark a loaded live version.
    const deleted = q(DELETED_AT_COLUMN);
    const [first, ...rest] = marksVersion(def, target, 't', 's');
    collectChanges = [
      `create temp table ${q(changes)} as`,
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(deduped)} s`,
      `where (s.${deleted} is null and not exists (`,
      '    select 1',
      `    from ${target} f`,
      `    where ${grain.map((k) => `f.${q(k)} = s.${q(k)}`).join('\n        and ')}`,
      `)) or exists (`,
      '    select 1',
      `    from ${target} t`,
      `    where ${first}`,
      ...rest.map((l) => (l.startsWith(' ') || l === ')' ? `        ${l}` : `        and ${l}`)),
      ')',
    ].join('\n');
    apply = [
      `insert into ${target} (`,
      ...indent(commaList(names.map(q))),
      ')',
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(changes)} s`,
      `where s.${deleted} is null`,
    ].join('\n');
    markDeleted = markDeletedUpdate(def, q(changes));
  }

  return {
    table: def.name,
    kind: def.kind,
    staging,
    deduped,
    changes,
    stagingColumns: names,
    createStaging,
    dedupe,
    collectChanges,
    countStaged: `select count(*) as "row_count" from ${q(staging)}`,
    countChanges: `select count(*) as "row_count" from ${q(changes)}`,
    apply,
    ...(markDeleted ? { markDeleted } : {}),
    dropTemp: [`drop table ${q(staging)}`, `drop table ${q(deduped)}`, `drop table ${q(changes)}`],
  };
}
