/**
 * The SQL dialects of the warehouse adapters: PostgreSQL (and PGlite) locally,
 * Redshift through the Data API. Its own module so every warehouse statement
 * builder can name it without importing another.
 */

/** The SQL dialects of the warehouse adapters. */
export type WarehouseDialect = 'postgres' | 'redshift';
