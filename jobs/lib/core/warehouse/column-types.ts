/**
 * How the contract's column types (definition/tables.ts) map to warehouse
 * types, and how a lake column is typed while it is staged for a load.
 */
import { quoteIdent } from '../identifiers';
import type { ColumnDef, ColumnType } from '../../definition/tables';

/** The warehouse (PostgreSQL/Redshift) type of each column type. */
export const WAREHOUSE_TYPES: Record<ColumnType, string> = {
  int: 'integer',
  bigint: 'bigint',
  varchar: 'varchar',
  boolean: 'boolean',
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  'decimal(10,2)': 'numeric(10,2)',
};

/** Staging type of a lake column: the warehouse type, except `time` which is `HH:MM:SS.mmm` text in the lake. */
export const stagingType = (c: ColumnDef): string => (c.type === 'time' ? 'varchar(12)' : WAREHOUSE_TYPES[c.type]);

/** The typed expression of a staging column, quoted (time text cast to time). */
export const typedExpr = (c: ColumnDef): string =>
  c.type === 'time' ? `cast(${quoteIdent(c.name)} as time)` : quoteIdent(c.name);
