/**
 * Which source tables a step takes: the settings' include and exclude globs
 * (`LAKEHOUSE_TABLES_INCLUDE`, `LAKEHOUSE_TABLES_EXCLUDE`; picomatch syntax),
 * the one rule of extract in both capture modes, reconcile and the CLI.
 */
import picomatch from 'picomatch';

/** A glob matcher; an empty list matches nothing. */
function matcher(globs: string[]): (name: string) => boolean {
  return globs.length === 0 ? () => false : picomatch(globs);
}

/** A predicate true for a table name some `include` glob matches and no `exclude` glob does. */
export function tableFilter(include: string[], exclude: string[]): (table: string) => boolean {
  const included = matcher(include);
  const excluded = matcher(exclude);
  return (table) => included(table) && !excluded(table);
}
