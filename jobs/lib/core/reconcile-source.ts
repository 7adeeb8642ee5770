/**
 * The port reconcile reads the source through (issue 15, part 3): every
 * key with its canonical row text, streamed, and the rows of chosen keys, rendered as
 * extract lands them. A PostgreSQL server or PGlite implements it
 * (adapters/postgres/pg-reconcile-source.ts).
 */
import type { SourceTableDef } from '../definition/tables';
import type { RawRow, SourceColumn } from './ports';

export interface ReconcileSource {
  /** Columns of a source table in ordinal order (as SourceDb.describe). */
  describe(table: string): Promise<SourceColumn[]>;
  /**
   * Streams every row's `<key>\t<row text>\n` line (key as text, the row's
   * canonical text of row-text.ts for `def`, both as `COPY … TO STDOUT`
   * writes text), in one snapshot, in chunks, never the whole table in
   * memory. Key order is the source's choice.
   *
   * @throws TerminalError when the table's primary key is not the one column `def.primaryKey`
   */
  keyTexts(def: SourceTableDef, columns: SourceColumn[]): AsyncIterable<Buffer>;
  /**
   * The current rows of the given keys (key texts as {@link keyTexts} gives
   * them), each as extract lands it (timestamps as ISO text with
   * milliseconds, numerics as strings); keys no longer present are left out.
   */
  rowsByKey(def: SourceTableDef, columns: SourceColumn[], keys: readonly string[]): Promise<RawRow[]>;
}
