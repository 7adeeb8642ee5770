/**
 * Pieces shared by the warehouse load statements: the check of a star table
 * definition (which also yields its grain) and the line layout helpers of the
 * generated SQL (one item a line, trailing commas).
 */
import { errorMessage, TerminalError } from '../errors';
import { quoteIdent } from '../identifiers';
import { FACT_VERSION_COLUMNS, type StarTableDef } from '../../definition/tables';

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
