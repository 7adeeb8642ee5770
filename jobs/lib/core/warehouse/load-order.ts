/**
 * The order star tables are loaded in within one run.
 */
import type { StarTableDef } from '../../definition/tables';

/** The tables in load order: dimensions before facts, otherwise as given (facts point at dimension keys). */
export function inLoadOrder<T extends { table: StarTableDef }>(tables: readonly T[]): T[] {
  return [...tables.filter((t) => t.table.kind === 'dimension'), ...tables.filter((t) => t.table.kind !== 'dimension')];
}
