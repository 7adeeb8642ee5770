/**
 * SourceDb over a PostgreSQL server or PGlite (one PgClient): lists the
 * tables that carry a `last_updated` column, describes them from
 * information_schema, and streams changed rows without ever holding a table
 * in memory:
 *
 * - on a server, with one `COPY (select …) TO STDOUT` per table (read-only,
 *   repeatable-read snapshot), rendered as it streams (`copy-text.ts`)
 *   straight into raw-zone JSON lines (`streamChangedLines`), optionally on
 *   worker threads (`copy-render-pool.ts`). Rows come
 *   in the order the scan finds them: sorting them first cost the source
 *   about as much CPU as the scan itself, and extract does not need an order;
 * - on PGlite (which cannot stream COPY out), with keyset pagination on
 *   `(last_updated, primary key)`, one bounded query per page, so in that order.
 */
import { NotFoundError, TerminalError } from '../../core/errors';
import { assertIdentifier, quoteIdent, quoteLiteral } from '../../core/identifiers';
import type { RawLinePage, RawRow, SourceColumn, SourceDb } from '../../core/ports';
import { rawLinePage } from '../../core/raw-part-writer';
import { CopyRenderPool } from './copy-render-pool';
import { CopyJsonLines, type CopyLayout, type CopyValueKind } from './copy-text';
import type { PgClient, Row } from './pg-client';

/** ISO timestamp with milliseconds and no zone (docs/architecture.md "Data contracts"): `2022-11-03T14:20:52.186`. */
const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS'`;
/** Types whose driver value already fits a raw row (numbers, text, booleans, dates as text). */
const AS_IS = new Set([
  'integer',
  'smallint',
  'bigint',
  'real',
  'double precision',
  'text',
  'character varying',
  'character',
  'boolean',
  'date',
]);
/** Result aliases of the keyset values; cannot clash with source columns (identifiers there are validated lower-case). */
const KEY_LAST_UPDATED = '__keyset_last_updated';
const keyAlias = (i: number) => `__keyset_pk_${i}`;

export interface PgSourceDbOptions {
  /** Source schema. Default `public`. */
  schema?: string;
  /** Whether close() also closes the client. Default false: whoever opened the client closes it. */
  closeClient?: boolean;
  /**
   * Opens another connection to the same database, so that streams of
   * different tables can run at once (each on its own connection, in its own
   * snapshot). Without it every call waits for the one client. Connections
   * opened this way are closed by close().
   */
  connect?: () => Promise<PgClient>;
  /** Most connections open at once, the given client included (default 2 with `connect`, else 1). */
  maxConnections?: number;
  /**
   * Render server COPY text into JSON lines on worker threads
   * (copy-render-pool.ts), one per stream, instead of the calling thread, so
   * reading, rendering and compressing run on different CPUs. Default false.
   * Workers are started on first use and stopped by close(); they run from
   * the TypeScript sources only (the local runtime), not from a bundle.
   */
  renderWorkers?: boolean;
  /**
   * An exported snapshot (`pg_export_snapshot()` or a replication slot's
   * `EXPORT_SNAPSHOT`) every server stream reads in (`SET TRANSACTION
   * SNAPSHOT`), so that several connections see one state: the change
   * capture's initial load (pg-cdc-setup.ts). Valid while its exporter keeps it.
   */
  snapshot?: string;
}

/** A `since` bound: ISO date and time, `T` or space, up to microseconds, no zone. */
const SINCE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** How a column's COPY text becomes a raw value (see copy-text.ts), by information_schema type name. */
function copyKind(dataType: string): CopyValueKind {
  switch (dataType) {
    case 'integer':
    case 'smallint':
    case 'bigint':
      return 'int';
    case 'real':
    case 'double precision':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'timestamp without time zone':
    case 'timestamp with time zone':
      return 'timestamp';
    default:
      return 'text';
  }
}

/** How one column is selected for COPY: as itself, timestamptz converted to UTC (a plain timestamp). */
function copyColumn(column: SourceColumn): string {
  const col = `t.${quoteIdent(column.name)}`;
  return column.dataType === 'timestamp with time zone' ? `(${col} at time zone 'UTC') as ${quoteIdent(column.name)}` : col;
}

/** What one table's COPY stream needs: the statement, the columns and where the key and stamp are. */
interface CopyPlan extends Omit<CopyLayout, 'pageRows'> {
  sql: string;
}

/** How one column is selected for a raw row (`t.<column>`, as extract lands it; reconcile re-reads rows the same way). */
export function renderColumn(column: SourceColumn): string {
  const col = `t.${quoteIdent(column.name)}`;
  switch (column.dataType) {
    case 'timestamp without time zone':
      return `to_char(${col}, ${ISO_MS})`;
    case 'timestamp with time zone':
      return `to_char(${col} at time zone 'UTC', ${ISO_MS})`;
    case 'numeric':
    case 'USER-DEFINED':
      return `${col}::text`;
    default:
      return AS_IS.has(column.dataType) ? col : `${col}::text`;
  }
}

export class PgSourceDb implements SourceDb {
  private readonly schema: string;
  private readonly maxConnections: number;
  /** Connections not in use. */
  private readonly idle: PgClient[];
  /** Connections opened through `options.connect` (closed by close()). */
  private readonly opened: PgClient[] = [];
  /** Calls waiting for a connection, first come first served. */
  private readonly waiting: ((db: PgClient) => void)[] = [];
  private opening = 0;
  /** Render workers (with `renderWorkers`), started on first use. */
  private renderPool?: CopyRenderPool;

  /**
   * @param db      the source database client (server or PGlite)
   * @param options schema (default `public`), whether close() closes the client, and how to open more connections
   * @throws TypeError when the schema name is not a safe identifier; RangeError when maxConnections is not a positive integer
   */
  constructor(
    private readonly db: PgClient,
    private readonly options: PgSourceDbOptions = {},
  ) {
    this.schema = assertIdentifier(options.schema ?? 'public');
    this.maxConnections = options.connect ? (options.maxConnections ?? 2) : 1;
    if (!Number.isInteger(this.maxConnections) || this.maxConnections < 1) {
      throw new RangeError(`maxConnections must be a positive integer: ${options.maxConnections}`);
    }
    this.idle = [db];
  }

  /** A connection for one call: an idle one, a new one (up to maxConnections), or the next one released. */
  private async lease(): Promise<PgClient> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.options.connect && this.opened.length + this.opening < this.maxConnections - 1) {
      this.opening++;
      try {
        const db = await this.options.connect();
        this.opened.push(db);
        return db;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands a connection to the next waiting call, or back to the idle list. */
  private release(db: PgClient): void {
    const next = this.waiting.shift();
    if (next) next(db);
    else this.idle.push(db);
  }

  /** The items of `fn`'s stream, read on a connection leased for the whole stream. */
  private async *onConnection<T>(fn: (db: PgClient) => AsyncIterable<T>): AsyncGenerator<T> {
    const db = await this.lease();
    try {
      yield* fn(db);
    } finally {
      this.release(db);
    }
  }

  /** Runs `fn` on a leased connection. */
  private async withConnection<T>(fn: (db: PgClient) => Promise<T>): Promise<T> {
    const db = await this.lease();
    try {
      return await fn(db);
    } finally {
      this.release(db);
    }
  }

  private relation(table: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
  }

  /** Base tables of the schema that have a `last_updated` column, sorted by name (code-point order). */
  async listTables(): Promise<string[]> {
    const rows = await this.withConnection((db) =>
      db.query<{ name: string }>(
        `select c.table_name as name
         from information_schema.columns c
         join information_schema.tables t
           on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = $1 and c.column_name = 'last_updated' and t.table_type = 'BASE TABLE'`,
        [this.schema],
      ),
    );
    return rows.map((r) => r.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Columns of `table` in ordinal order, with information_schema's type names
   * (enums are `USER-DEFINED`) and `primaryKey` set on the primary key's columns.
   * @throws TypeError when `table` is not a safe identifier; NotFoundError when the table does not exist.
   */
  async describe(table: string): Promise<SourceColumn[]> {
    return this.withConnection((db) => this.describeOn(db, table));
  }

  /** {@link describe} on connection `db`. */
  private async describeOn(db: PgClient, table: string): Promise<SourceColumn[]> {
    assertIdentifier(table);
    const rows = await db.query<{ name: string; data_type: string; is_nullable: string }>(
      `select column_name as name, data_type, is_nullable
         from information_schema.columns
        where table_schema = $1 and table_name = $2
        order by ordinal_position`,
      [this.schema, table],
    );
    if (rows.length === 0) throw new NotFoundError(`source table ${this.schema}.${table} does not exist`);
    const key = new Set(await this.primaryKeyOn(db, table));
    return rows.map((r) => ({
      name: r.name,
      dataType: r.data_type,
      nullable: r.is_nullable === 'YES',
      ...(key.has(r.name) ? { primaryKey: true } : {}),
    }));
  }

  /**
   * The primary key's columns of `table` in key order, from the catalog (pg_index).
   * Empty when the table has none.
   */
  async primaryKey(table: string): Promise<string[]> {
    return this.withConnection((db) => this.primaryKeyOn(db, table));
  }

  /** {@link primaryKey} on connection `db`. */
  private async primaryKeyOn(db: PgClient, table: string): Promise<string[]> {
    const rows = await db.query<{ name: string }>(
      `select a.attname as name
         from pg_index i
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
        where i.indrelid = $1::regclass and i.indisprimary
        order by array_position(i.indkey::int2[], a.attnum)`,
      [this.relation(table)],
    );
    return rows.map((r) => r.name);
  }

  /**
   * Streams rows with `last_updated >= since` (every row when `since` is
   * null) as raw-zone JSON lines with their `last_updated` and key text
   * (ports.ts RawLinePage), in pages of at most `pageSize` rows (and about
   * 1 MB; the last page may be shorter). On a server this is one unsorted
   * COPY of the table's changed rows in a read-only snapshot, so rows come in
   * scan order, and the lines are rendered straight from the COPY text,
   * without row objects (on worker threads with `renderWorkers`); on PGlite
   * each page is one bounded query continuing after the last row of the
   * previous one (keyset pagination on `(last_updated, primary key)`, the
   * order of its rows), so rows that share a `last_updated` across a page
   * boundary are neither skipped nor repeated, and the lines are
   * `JSON.stringify` of the rows. Rows with a null `last_updated` are never
   * returned (they cannot be watermarked).
   *
   * Rows have the table's columns in source order: timestamps as
   * `YYYY-MM-DDTHH:MM:SS.mmm` (no zone; timestamptz converted to UTC),
   * numerics and enums as their PostgreSQL text, dates as `YYYY-MM-DD`,
   * integers, floats and booleans as such (non-finite floats as null), text
   * as text, any other type as its text form.
   *
   * @param since ISO timestamp (source-local, no zone): bound as a parameter
   *   on PGlite; on a server, where COPY takes no parameters, checked to be an
   *   ISO timestamp and quoted as a literal
   * @throws RangeError when `pageSize` is not a positive integer; TypeError for
   *   an unsafe table name; NotFoundError for a missing table; TerminalError
   *   when it has no `last_updated` column or no primary key, (server) when
   *   `since` is not an ISO timestamp, or when the COPY output is malformed.
   */
  async *streamChangedLines(table: string, since: string | null, pageSize = 10_000): AsyncIterable<RawLinePage> {
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`pageSize must be a positive integer: ${pageSize}`);
    yield* this.onConnection((db) => this.linesOn(db, table, since, pageSize));
  }

  /** {@link streamChangedLines} on connection `db`. */
  private async *linesOn(db: PgClient, table: string, since: string | null, pageSize: number): AsyncGenerator<RawLinePage> {
    if (!db.copyOut) {
      const key = await this.primaryKeyOn(db, table);
      for await (const rows of this.keysetPages(db, table, since, pageSize)) yield rawLinePage(rows, key);
      return;
    }
    const plan = await this.copyPlan(db, table, since);
    const layout: CopyLayout = {
      columns: plan.columns,
      keyIndexes: plan.keyIndexes,
      lastUpdatedIndex: plan.lastUpdatedIndex,
      pageRows: pageSize,
    };
    if (this.options.renderWorkers) {
      this.renderPool ??= new CopyRenderPool();
      yield* this.inSnapshot(db, this.renderPool.render(db.copyOut(plan.sql), layout));
      return;
    }
    const lines = new CopyJsonLines(layout);
    yield* this.inSnapshot(
      db,
      (async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) yield* lines.push(chunk);
        yield* lines.end();
      })(db.copyOut(plan.sql)),
    );
  }

  /** The COPY statement and row layout of `table`'s changes since `since`. */
  private async copyPlan(db: PgClient, table: string, since: string | null): Promise<CopyPlan> {
    const { columns, key } = await this.pageable(db, table);
    if (since !== null && !SINCE.test(since)) {
      throw new TerminalError(`since must be an ISO timestamp (yyyy-mm-ddThh:mm:ss.mmm): ${JSON.stringify(since)}`);
    }
    const lastUpdated = `t.${quoteIdent('last_updated')}`;
    const where = [`${lastUpdated} is not null`, ...(since === null ? [] : [`${lastUpdated} >= ${quoteLiteral(since)}`])];
    const sql =
      `copy (select ${columns.map(copyColumn).join(', ')} from ${this.relation(table)} t ` +
      `where ${where.join(' and ')}) to stdout`;
    return {
      sql,
      columns: columns.map((c) => ({ name: c.name, kind: copyKind(c.dataType) })),
      keyIndexes: key.map((k) => columns.findIndex((c) => c.name === k)),
      lastUpdatedIndex: columns.findIndex((c) => c.name === 'last_updated'),
    };
  }

  /**
   * Runs `items` (which read a COPY stream) inside a read-only repeatable-read
   * transaction with DateStyle ISO, so the output has one snapshot and the
   * text forms copy-text.ts expects; commits at the end, rolls back on an error.
   */
  private async *inSnapshot<T>(db: PgClient, items: AsyncIterable<T>): AsyncGenerator<T> {
    await db.exec('begin transaction isolation level repeatable read, read only');
    let ok = false;
    try {
      // Before any query of the transaction (PostgreSQL "SET TRANSACTION"); snapshot ids are server-made, quoted anyway.
      if (this.options.snapshot) await db.exec(`set transaction snapshot ${quoteLiteral(this.options.snapshot)}`);
      await db.exec("set local datestyle to 'ISO, YMD'");
      yield* items;
      ok = true;
    } finally {
      if (ok) await db.exec('commit');
      else await db.exec('rollback').catch(() => undefined); // keep the error that stopped the stream
    }
  }

  /** Columns and primary key of a table that can be streamed. */
  private async pageable(db: PgClient, table: string): Promise<{ columns: SourceColumn[]; key: string[] }> {
    const columns = await this.describeOn(db, table);
    if (!columns.some((c) => c.name === 'last_updated')) {
      throw new TerminalError(`source table ${table} has no last_updated column`);
    }
    const key = await this.primaryKeyOn(db, table);
    if (key.length === 0) throw new TerminalError(`source table ${table} has no primary key to page on`);
    return { columns, key };
  }

  /** Keyset pagination on `(last_updated, primary key)`, one bounded query per page (PGlite). */
  private async *keysetPages(db: PgClient, table: string, since: string | null, pageSize: number): AsyncGenerator<RawRow[]> {
    const { columns, key } = await this.pageable(db, table);
    const lastUpdated = `t.${quoteIdent('last_updated')}`;
    const keyCols = key.map((k) => `t.${quoteIdent(k)}`);
    const select = [
      ...columns.map((c) => `${renderColumn(c)} as ${quoteIdent(c.name)}`),
      `${lastUpdated} as ${KEY_LAST_UPDATED}`,
      ...keyCols.map((k, i) => `${k} as ${keyAlias(i)}`),
    ].join(', ');
    const orderBy = [lastUpdated, ...keyCols].join(', ');

    let after: unknown[] | null = null;
    for (;;) {
      const params: unknown[] = [];
      const where = [`${lastUpdated} is not null`];
      if (since !== null) {
        params.push(since);
        where.push(`${lastUpdated} >= $${params.length}`);
      }
      if (after) {
        const placeholders = after.map((value) => {
          params.push(value);
          return `$${params.length}`;
        });
        where.push(`(${orderBy}) > (${placeholders.join(', ')})`);
      }
      params.push(pageSize);
      const sql = `select ${select} from ${this.relation(table)} t where ${where.join(' and ')} order by ${orderBy} limit $${params.length}`;
      const rows = await db.query<Row>(sql, params);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1];
      after = [last[KEY_LAST_UPDATED], ...key.map((_, i) => last[keyAlias(i)])];
      yield rows.map((row) => {
        const out: RawRow = {};
        for (const c of columns) out[c.name] = row[c.name] as RawRow[string];
        return out;
      });
      if (rows.length < pageSize) return;
    }
  }

  /** Closes the connections opened through `connect`, and the given client when constructed with `closeClient: true`. */
  async close(): Promise<void> {
    const opened = this.opened.splice(0);
    this.idle.splice(0, this.idle.length, ...this.idle.filter((db) => !opened.includes(db)));
    await Promise.all(opened.map((db) => db.close()));
    await this.renderPool?.close();
    this.renderPool = undefined;
    if (this.options.closeClient) await this.db.close();
  }
}
