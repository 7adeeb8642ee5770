/**
 * Pieces shared by the warehouse load statements: the check of a star table
 * definition (which also yields its grain) and the line layout helpers of the
 * generated SQL (one item a line, trailing commas).
 */
import { errorMessage, TerminalError } from '../errors';
import { quoteIdent } from '../identifiers';
import { DELETED_AT_COLUMN, FACT_VERSION_COLUMNS, type StarTableDef } from '../../definition/tables';

/** The window column the dedupe step ranks rows by; no star table may have a column of this name. */
export const RANK_COLUMN = 'dedupe_rank';

/** Indents each line (default four spaces). */
export const indent = (lines: string[], by = '    '): string[] => lines.map((l) => by + l);

/** Adds a comma after every item but the last. */
export const commaList = (items: string[]): string[] => items.map((item, i) => (i < items.length - 1 ? `${item},` : item));

/** A MERGE's insert branch: `when not matched then insert (<names>) values (<values>)`, one item a line. */
export const mergeInsert = (names: string[], values: string[]): string[] => [
  'when not matched then insert (',
  ...indent(commaList(names)),
  ') values (',
  ...indent(commaList(values)),
  ')',
];

/** `where not exists` a row of `target` (quoted) with the grain of source row `s`: the fact versions not yet loaded. */
export const absentFrom = (target: string, grain: string[]): string[] => [
  'where not exists (',
  '    select 1',
  `    from ${target} f`,
  `    where ${grain.map((k) => `f.${quoteIdent(k)} = s.${quoteIdent(k)}`).join('\n        and ')}`,
  ')',
];

/**
 * Checks a star table definition and returns its grain columns: the
 * dimension key, or the fact key followed by the fact version columns.
 *
 * @throws TerminalError on an unsafe identifier, no columns, duplicate columns,
 *   a column named like the rank column, no key, a grain column that is not a
 *   column, or a fact without a surrogate key (or carrying it in its lake columns).
 */
export function checkDefinition(def: StarTableDef): string[] {
  try {
    quoteIdent(def.name);
    const names = def.columns.map((c) => quoteIdent(c.name) && c.name);
    def.key.forEach(quoteIdent);
    if (def.columns.length === 0) throw new TypeError('has no columns');
    if (new Set(names).size !== names.length) throw new TypeError('has duplicate columns');
    if (names.includes(RANK_COLUMN)) throw new TypeError(`must not have a column named ${RANK_COLUMN}`);
    if (def.key.length === 0) throw new TypeError('has no key');
    const grain = def.kind === 'fact' ? [...def.key, ...FACT_VERSION_COLUMNS] : [...def.key];
    const missing = grain.filter((k) => !names.includes(k));
    if (missing.length) throw new TypeError(`lacks grain column(s) ${missing.join(', ')}`);
    if (def.kind === 'fact') {
      if (!def.surrogateKey) throw new TypeError('is a fact without a surrogate key');
      quoteIdent(def.surrogateKey);
      if (names.includes(def.surrogateKey)) throw new TypeError('carries its surrogate key in the lake columns');
    }
    return grain;
  } catch (error) {
    throw new TerminalError(`bad star table definition ${JSON.stringify(def.name)}: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Whether star table `def` soft-deletes (has the `deleted_at` column, tables.ts
 * DELETED_AT_COLUMN): every table but dim_date.
 */
export const softDeletes = (def: StarTableDef): boolean => def.columns.some((c) => c.name === DELETED_AT_COLUMN);

/** `a`'s version (last_updated date, time) is after `b`'s, in SQL both warehouses take (no row comparison). */
const versionAfter = (a: string, b: string): string => {
  const [d, t] = FACT_VERSION_COLUMNS.map(quoteIdent);
  return `(${a}.${d} > ${b}.${d} or (${a}.${d} = ${b}.${d} and ${a}.${t} > ${b}.${t}))`;
};

/** `a`'s version is not after `b`'s. */
const versionNotAfter = (a: string, b: string): string => `not ${versionAfter(a, b)}`;

/**
 * The condition under which fact row `t` (a reference to the target table) is
 * the version a delete row `s` marks: same key, `t` live, `t` not after the
 * delete's version (its time), and no version of the key in `target` between
 * them. So a delete marks the latest version up to its time, and a version
 * re-inserted after it stays live, whatever order the rows arrive in.
 */
export function marksVersion(def: StarTableDef, target: string, t: string, s: string): string[] {
  const q = quoteIdent;
  const deleted = q(DELETED_AT_COLUMN);
  const sameKey = (a: string, b: string) => def.key.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`);
  return [
    `${s}.${deleted} is not null`,
    ...sameKey(t, s),
    `${t}.${deleted} is null`,
    versionNotAfter(t, s),
    'not exists (',
    '    select 1',
    `    from ${target} n`,
    `    where ${[...sameKey('n', t), versionAfter('n', t), versionNotAfter('n', s)].join('\n        and ')}`,
    ')',
  ];
}

/**
 * The UPDATE that applies a run's fact deletes from `source` (a quoted table
 * of lake-shaped rows, the delete rows having `deleted_at` set): each sets
 * `deleted_at` on the version {@link marksVersion} picks. Rows already marked
 * are left alone, so a replay changes nothing. The target carries no alias
 * (Redshift's UPDATE takes none in every version); its row count is the
 * number of versions marked.
 */
export function markDeletedUpdate(def: StarTableDef, source: string): string {
  const target = quoteIdent(def.name);
  const deleted = quoteIdent(DELETED_AT_COLUMN);
  const [first, ...rest] = marksVersion(def, target, target, 's');
  return [
    `update ${target}`,
    `set ${deleted} = s.${deleted}`,
    `from ${source} s`,
    `where ${first}`,
    ...rest.map((l) => (l.startsWith(' ') || l === ')' ? `    ${l}` : `    and ${l}`)),
  ].join('\n');
}
