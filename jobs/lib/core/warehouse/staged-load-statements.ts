/**
 * The local PostgreSQL load: the dedupe rule the adapter applies while
 * reading the Parquet files (DuckDB), and the statements that load the
 * deduplicated, typed rows from a staging table (or straight into an empty
 * target). Same end state as the Redshift sequence of table-load-statements.ts.
 */
import { quoteIdent, quoteLiteral } from '../identifiers';
import type { StarTableDef } from '../../definition/tables';
import { WAREHOUSE_TYPES } from './column-types';
import { DELETED_AT_COLUMN } from '../../definition/tables';
import { absentFrom, checkDefinition, commaList, indent, markDeletedUpdate, mergeInsert, softDeletes } from './statement-parts';

/**
 * How one run's staged rows of a star table are deduplicated (the rule the
 * `dedupe` step of table-load-statements.ts applies): one row per grain (dimension
 * key, or fact key + version), the first in column-value order of the other
 * columns (ascending, nulls last). `time` columns are compared as times, not
 * as their `HH:MM:SS.mmm` text.
 */
export interface DedupeSpec {
  /** Grain columns, in order. */
  grain: string[];
  /** The other columns (all columns when every column is in the grain), in order. */
  orderBy: string[];
  /** Columns of type `time` (lake text, to be read as times). */
  timeColumns: string[];
}

/** The dedupe rule of a star table (see {@link DedupeSpec}). Throws TerminalError on an invalid definition. */
export function dedupeSpec(def: StarTableDef): DedupeSpec {
  const grain = checkDefinition(def);
  const rest = def.columns.filter((c) => !grain.includes(c.name));
  return {
    grain,
    orderBy: (rest.length ? rest : def.columns).map((c) => c.name),
    timeColumns: def.columns.filter((c) => c.type === 'time').map((c) => c.name),
  };
}

/**
 * PostgreSQL statements that load one star table from a staging table whose
 * rows were already deduplicated ({@link dedupeSpec}) and typed before the
 * COPY, which the local adapter does in DuckDB while reading the Parquet
 * files. The end state is the one table-load-statements.ts gives, in fewer
 * passes over the rows (no second temp table, no separate change table):
 *
 *   1. `createStaging`  drop a leftover, create temp table `stage_<table>` with the
 *                       **warehouse** types (times as `time`), lake column order
 *   2. `copy`           `COPY stage_<table> (…) FROM STDIN (FORMAT csv)`
 *   3. `apply`          dimensions: `MERGE` updating only keys whose values differ
 *                       (null-safe) and inserting new keys (SCD type 1); facts:
 *                       `INSERT … SELECT` of versions whose grain is absent (history).
 *                       Its row count is the number of rows changed.
 *   4. `dropStaging`
 *
 * When the target table is empty (checked with `targetEmpty` after
 * `lockTarget`, which keeps other writers out but lets readers in) nothing
 * can be absent or differ, so the rows are COPYed straight into it with
 * `copyTarget` (the first, bulk load) and steps 1–4 are skipped. For that
 * bulk COPY the target's keys and indexes are dropped and built again after
 * it (`targetIndexes` lists them with the statements that drop and recreate
 * each, under the same name): PostgreSQL's docs ("Populating a Database",
 * Remove Indexes) note that building an index over existing rows is faster
 * than updating it row by row, and the rebuild still checks every key.
 *
 * Identifiers are validated and quoted. Throws TerminalError on an invalid definition.
 */
export interface StagedLoadStatements {
  table: string;
  kind: StarTableDef['kind'];
  staging: string;
  /** Lake columns in order: the staging table's columns and the COPY column order. */
  columns: string[];
  createStaging: string[];
  copy: string;
  apply: string;
  dropStaging: string;
  /**
   * Facts with `deleted_at` only: the UPDATE that marks, from the staging table's
   * delete rows, the version each deletes (statement-parts.ts markDeletedUpdate);
   * run after `apply`, its row count adds to the rows changed.
   */
  markDeleted?: string;
  /**
   * Facts with `deleted_at` only, after a bulk `copyTarget`: move the delete rows
   * the COPY put into the target into a new staging table (create it, then delete
   * them from the target), so `markDeleted` applies them; `dropStaging` after.
   */
  takeDeletesFromTarget?: string[];
  /** `lock table <target> in exclusive mode`: no other writer until commit; readers go on. */
  lockTarget: string;
  /** One row, `empty` true when the target has no rows. */
  targetEmpty: string;
  /** `COPY <target> (…) FROM STDIN (FORMAT csv)`, for an empty target. */
  copyTarget: string;
  /**
   * Rows `{drop_sql, create_sql}`, one per primary key, unique constraint or
   * other index of the target, read from the catalog: the statement that
   * drops it and the one that builds it again with the same name and definition.
   */
  targetIndexes: string;
}

/**
 * The catalog query behind {@link StagedLoadStatements.targetIndexes} for a
 * quoted table name: primary key and unique constraints first (dropped and
 * re-added as constraints, `pg_get_constraintdef`), then indexes that back no
 * constraint (`pg_get_indexdef`), each in name order; no rows when a
 * foreign key references the target.
 */
function targetIndexesQuery(target: string): string {
  const relation = `${quoteLiteral(target)}::regclass`;
  return [
    'select drop_sql, create_sql from (',
    '    select 0 as pass, c.conname as name,',
    "        format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname) as drop_sql,",
    "        format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) as create_sql",
    '    from pg_constraint c',
    `    where c.conrelid = ${relation} and c.contype in ('p', 'u')`,
    '    union all',
    "    select 1, i.indexrelid::regclass::text, format('drop index %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)",
    '    from pg_index i',
    `    where i.indrelid = ${relation}`,
    '        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)',
    ') i',
    // A key another table's foreign key points at cannot be dropped: then the indexes stay.
    `where not exists (select 1 from pg_constraint f where f.contype = 'f' and f.confrelid = ${relation})`,
    'order by pass, name',
  ].join('\n');
}

/** See {@link StagedLoadStatements}. */
export function postgresStagedLoadStatements(def: StarTableDef): StagedLoadStatements {
  const grain = checkDefinition(def);
  const q = quoteIdent;
  const staging = `stage_${def.name}`;
  const target = q(def.name);
  const names = def.columns.map((c) => c.name);
  const sourceCols = names.map((n) => `s.${q(n)}`);
  const copyCsv = (table: string) => `copy ${table} (${names.map(q).join(', ')}) from stdin (format csv)`;
  let apply: string;
  if (def.kind === 'dimension') {
    const valueCols = names.filter((n) => !def.key.includes(n));
    apply = [
      `merge into ${target} t`,
      `using ${q(staging)} s`,
      `on ${def.key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' and ')}`,
      ...(valueCols.length
        ? [
            `when matched and (${valueCols.map((n) => `t.${q(n)} is distinct from s.${q(n)}`).join(' or ')}) then update set`,
            ...indent(commaList(valueCols.map((n) => `${q(n)} = s.${q(n)}`))),
          ]
        : []),
      ...mergeInsert(names.map(q), sourceCols),
    ].join('\n');
  } else {
    apply = [
      `insert into ${target} (`,
      ...indent(commaList(names.map(q))),
      ')',
      'select',
      ...indent(commaList(sourceCols)),
      `from ${q(staging)} s`,
      ...absentFrom(target, grain),
      ...(softDeletes(def) ? [`and s.${q(DELETED_AT_COLUMN)} is null`] : []),
    ].join('\n');
  }
  const factDeletes = def.kind === 'fact' && softDeletes(def);
  const deleted = `${target}.${q(DELETED_AT_COLUMN)} is not null`;
  return {
    table: def.name,
    kind: def.kind,
    staging,
    columns: names,
    createStaging: [
      `drop table if exists ${q(staging)}`,
      [
        `create temp table ${q(staging)} (`,
        ...indent(commaList(def.columns.map((c) => `${q(c.name)} ${WAREHOUSE_TYPES[c.type]}`))),
        ')',
      ].join('\n'),
    ],
    copy: copyCsv(q(staging)),
    apply,
    dropStaging: `drop table ${q(staging)}`,
    ...(factDeletes
      ? {
          markDeleted: markDeletedUpdate(def, q(staging)),
          takeDeletesFromTarget: [
            `drop table if exists ${q(staging)}`,
            `create temp table ${q(staging)} as select ${names.map(q).join(', ')} from ${target} where ${deleted}`,
            `delete from ${target} where ${deleted}`,
          ],
        }
      : {}),
    lockTarget: `lock table ${target} in exclusive mode`,
    targetEmpty: `select not exists (select 1 from ${target}) as "empty"`,
    copyTarget: copyCsv(target),
    targetIndexes: targetIndexesQuery(target),
  };
}
