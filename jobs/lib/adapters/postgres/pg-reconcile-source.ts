/**
 * ReconcileSource over a PostgreSQL server or PGlite (one PgClient):
 *
 * - on a server, `COPY (select <key>::text, <row text> from <table>) TO STDOUT`
 *   in a read-only repeatable-read snapshot with DateStyle ISO, streamed as the
 *   server sends it (pg-copy-streams through PgClient.copyOut), so no table is
 *   ever held in memory;
 * - on PGlite (whose COPY TO writes the whole result into one blob), keyset
 *   pages of `select <key>::text, <row text> … where <key> > $1 order by <key> limit n`,
 *   one bounded query per page, written as COPY would write the same lines
 *   (PGlite's DateStyle is ISO).
 *
 * Rows of chosen keys are read with the same column rendering extract uses
 * (pg-source-db.ts renderColumn), in batches of bound key arrays.
 */
import { TerminalError } from '../../core/errors';
import { assertIdentifier, quoteIdent } from '../../core/identifiers';
import type { RawRow, SourceColumn } from '../../core/ports';
import type { ReconcileSource } from '../../core/reconcile-source';
import { rowTextSql } from '../../core/row-text';
import type { SourceTableDef } from '../../definition/tables';
import type { PgClient, Row } from './pg-client';
import { copyTextEscape } from './copy-text';
import { renderColumn } from './pg-source-db';

/** Keys per keyset page (PGlite) and per re-read batch. */
const PAGE = 10_000;

export class PgReconcileSource implements ReconcileSource {
  private readonly schema: string;

  /**
   * @param db      the source client (server or PGlite); not closed here
   * @param schema  source schema, default `public`
   */
  constructor(
    private readonly db: PgClient,
    schema = 'public',
  ) {
    this.schema = assertIdentifier(schema);
  }

  private relation(table: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
  }

  /** information_schema columns of `table`, in ordinal order. */
  async describe(table: string): Promise<SourceColumn[]> {
    const rows = await this.db.query<{ name: string; data_type: string; nullable: string }>(
      `select column_name as name, data_type, is_nullable as nullable
       from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
      [this.schema, table],
    );
    return rows.map((r) => ({ name: r.name, dataType: r.data_type, nullable: r.nullable === 'YES' }));
  }

  /** Checks the key and returns `t.<key>` plus the row text expression. */
  private async plan(def: SourceTableDef, columns: SourceColumn[]): Promise<{ key: string; text: string }> {
    const pk = await this.db.query<{ name: string }>(
      `select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
       where i.indrelid = $1::regclass and i.indisprimary`,
      [this.relation(def.name)],
    );
    if (pk.length !== 1 || pk[0].name !== def.primaryKey) {
      throw new TerminalError(
        `source table ${def.name}: reconcile needs the one-column primary key ${def.primaryKey}, the source has (${pk.map((r) => r.name).join(', ')})`,
      );
    }
    const types = new Map(columns.map((c) => [c.name, c.dataType]));
    return { key: `t.${quoteIdent(def.primaryKey)}`, text: rowTextSql(def, 'postgres', 't', types) };
  }

  async *keyTexts(def: SourceTableDef, columns: SourceColumn[]): AsyncIterable<Buffer> {
    const { key, text } = await this.plan(def, columns);
    const from = `${this.relation(def.name)} t`;
    if (this.db.copyOut) {
      await this.db.exec('begin transaction isolation level repeatable read, read only');
      let ok = false;
      try {
        // Dates and timestamps in ISO form whatever the server's default (row-text.ts).
        await this.db.exec("set local datestyle to 'ISO, YMD'");
        yield* this.db.copyOut(`copy (select cast(${key} as text), ${text} from ${from}) to stdout`);
        ok = true;
      } finally {
        if (ok) await this.db.exec('commit');
        else await this.db.exec('rollback').catch(() => undefined);
      }
      return;
    }
    let after: unknown = null;
    for (;;) {
      const rows: Row[] = await this.db.query(
        `select ${key} as k, cast(${key} as text) as kt, ${text} as r from ${from}` +
          `${after === null ? '' : ` where ${key} > $2`} order by ${key} limit $1`,
        after === null ? [PAGE] : [PAGE, after],
      );
      if (rows.length === 0) return;
      yield Buffer.from(rows.map((r) => `${r.kt}\t${copyTextEscape(String(r.r))}\n`).join(''));
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].k;
    }
  }

  async rowsByKey(def: SourceTableDef, columns: SourceColumn[], keys: readonly string[]): Promise<RawRow[]> {
    const { key } = await this.plan(def, columns);
    const select = columns.map((c) => `${renderColumn(c)} as ${quoteIdent(c.name)}`).join(', ');
    const out: RawRow[] = [];
    for (let i = 0; i < keys.length; i += PAGE) {
      const batch = keys.slice(i, i + PAGE);
      // Keys bound as an array of the key's type, so the primary key index finds them.
      const keyType = def.columns.find((c) => c.name === def.primaryKey)?.type === 'int' ? 'bigint[]' : 'text[]';
      const rows = await this.db.query<Row>(
        `select ${select} from ${this.relation(def.name)} t where ${key} = any(cast($1 as ${keyType}))`,
        [batch],
      );
      for (const row of rows) {
        const raw: RawRow = {};
        for (const c of columns) raw[c.name] = row[c.name] as RawRow[string];
        out.push(raw);
      }
    }
    return out;
  }
}
