/**
 * The SQL engines a model is rendered for. Its own module so that the
 * renderer, the shims and the contract-driven SQL builders can all name it
 * without importing one another.
 */

/** The engines a model can be rendered for: DuckDB locally, Athena (Trino) on AWS. */
export type Engine = 'duckdb' | 'athena';
