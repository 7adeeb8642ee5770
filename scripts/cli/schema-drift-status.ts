/** The schema drift part of `lakehouse status`: the columns source data had that the contract lacks (core/schema-drift.ts). */
import type { DriftRecord } from '../../jobs/lib/core/schema-drift';
import { textTable } from './text-table';

/**
 * The text of the drift section: a table of every new column (table, column,
 * type, first run, first seen), or a line saying there is none.
 */
export function renderSchemaDrift(drift: readonly DriftRecord[]): string {
  if (drift.length === 0) return 'no columns outside the table contracts (schema drift) seen';
  const table = textTable(['table', 'new column (not in contract, kept in raw)', 'type', 'first run', 'first seen (UTC)']);
  for (const d of drift) table.push([d.table, d.column, d.dataType, d.firstRunId, d.firstSeenAt]);
  return table.toString();
}
