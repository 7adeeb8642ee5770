/**
 * The port reconcile reads the source through (issue 15, part 3): every
 * key with its row hash, streamed, and the rows of chosen keys, rendered as
 * extract lands them. A PostgreSQL server or PGlite implements it
 * (adapters/postgres/pg-reconcile-source.ts).
 */
import type { SourceTableDef } from '../definition/tables';
import type { RawRow, SourceColumn } from './ports';

export interface ReconcileSource {
  /** Columns of a source table in ordinal order (as SourceDb.describe). */
  describe(table: string): Promise<SourceColumn[]>;
  /**
   * Streams every row's `<key>\t<hash>\n` line (key as text, hash the md5 hex
   * of row-hash.ts for `def`), in one snapshot, in chunks of text, never the
   * whole table in memory. Key order is the source's choice.
   *
   * @throws TerminalError when the table's primary key is not the one column `def.primaryKey`
   */
  keyHashes(def: SourceTableDef, columns: SourceColumn[]): AsyncIterable<Buffer>;
  /**
   * The current rows of the given keys (key texts as {@link keyHashes} gives
   * them), each as extract lands it (timestamps as ISO text with
   * milliseconds, numerics as strings); keys no longer present are left out.
   */
  rowsByKey(def: SourceTableDef, columns: SourceColumn[], keys: readonly string[]): Promise<RawRow[]>;
}
