/**
 * ChangeCapture over a PostgreSQL logical replication slot with the built-in
 * `pgoutput` plugin, through the SQL functions only, so it works from any
 * short-lived connection (a Lambda included) and holds no replication stream:
 *
 * - read: `pg_logical_slot_peek_binary_changes(slot, upto_lsn, upto_nchanges,
 *   'proto_version', '1', 'publication_names', <publication>)` up to the
 *   position current when the read starts. Peeking never consumes; it returns
 *   whole committed transactions only. The messages are decoded by
 *   pg-logical-replication's pgoutput parser;
 * - confirm: `pg_replication_slot_advance(slot, lsn)`;
 * - status: `pg_replication_slots` against `pg_current_wal_lsn()`.
 *
 * Sources: PostgreSQL 15 documentation, "Replication Management Functions"
 * (§9.27.6), "Logical Streaming Replication Protocol" message formats
 * (§55.9) and "Logical Decoding" (§49). Values are the columns' text output,
 * read with DateStyle ISO and TimeZone UTC (set in the read's transaction),
 * then given the raw zone's forms (copy-text.ts kinds).
 */
import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import type { CapturedChange, ChangeBatch, ChangeCapture, SlotStatus } from '../../core/change-capture';
import { TerminalError } from '../../core/errors';
import { assertIdentifier } from '../../core/identifiers';
import { integerForJson } from '../../core/json-integer';
import type { RawRow } from '../../core/ports';
import { isoMillis } from './copy-text';
import type { PgClient } from './pg-client';

/** The slot and publication a capture reads (README "Change capture": `LAKEHOUSE_CDC_SLOT`, `LAKEHOUSE_CDC_PUBLICATION`). */
export interface CaptureNames {
  slot: string;
  publication: string;
  /** Source schema whose tables are captured. Default `public`. */
  schema?: string;
}

/** Type OIDs (pg_type) whose text becomes a JSON number, a boolean or a raw timestamp. */
/** SQLSTATE undefined_object: what the slot functions raise for a slot that does not exist (PostgreSQL docs, Appendix A). */
const UNDEFINED_OBJECT = '42704';
const INT_OIDS = new Set([20, 21, 23]);
const FLOAT_OIDS = new Set([700, 701]);
const BOOL_OID = 16;
const TIMESTAMP_OID = 1114;
const TIMESTAMPTZ_OID = 1184;

/** A pgoutput column value (text output) as the raw zone holds it. */
function rawValue(text: string | null | undefined, typeOid: number): RawRow[string] {
  if (text === null || text === undefined) return null;
  if (INT_OIDS.has(typeOid)) return integerForJson(text);
  if (FLOAT_OIDS.has(typeOid)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  }
  if (typeOid === BOOL_OID) return text === 't';
  if (typeOid === TIMESTAMP_OID) return isoMillis(text);
  // With TimeZone UTC the output ends in "+00": the UTC wall time, as extract writes timestamptz.
  if (typeOid === TIMESTAMPTZ_OID) return isoMillis(text.replace(/\+00$/, ''));
  return text;
}

/** A decoded tuple as a raw row in the relation's column order; columns the tuple lacks (key-only) are null. */
function rawRow(relation: Pgoutput.MessageRelation, tuple: Record<string, unknown> | null): RawRow {
  const row: RawRow = {};
  for (const column of relation.columns) {
    row[column.name] = rawValue(tuple?.[column.name] as string | null | undefined, column.typeOid);
  }
  return row;
}

/** Microseconds since the Unix epoch as zone-less UTC ISO text with milliseconds. */
function commitIso(micros: bigint): string {
  return new Date(Number(micros / 1000n)).toISOString().slice(0, 23);
}

export class PgChangeCapture implements ChangeCapture {
  private readonly schema: string;

  /**
   * @param db     a connection to the source database (a server: PGlite has no logical decoding)
   * @param names  slot and publication, validated as lower-case identifiers
   * @throws TypeError when a name is not a safe identifier
   */
  constructor(
    private readonly db: PgClient,
    private readonly names: CaptureNames,
  ) {
    assertIdentifier(names.slot);
    assertIdentifier(names.publication);
    this.schema = assertIdentifier(names.schema ?? 'public');
  }

  /**
   * Reads committed changes after the slot's confirmed position, up to the
   * source's position at the start of the call, about `limit` messages at
   * most (whole transactions), decoded into raw rows.
   *
   * @throws TerminalError when the slot does not exist (`lakehouse cdc
   *   setup` makes it) or the source has no logical decoding; driver errors
   *   (connection lost) as the driver throws them.
   */
  async read(limit: number): Promise<ChangeBatch> {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer: ${limit}`);
    let upto = '';
    const rows = await this.db
      .transaction(async (tx) => {
        await tx.exec("set local datestyle to 'ISO, YMD'; set local timezone to 'UTC'");
        [{ lsn: upto }] = await tx.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
        return tx.query<{ lsn: string; data: Buffer }>(
          `select lsn::text as lsn, data from pg_logical_slot_peek_binary_changes($1, $2::pg_lsn, $3,
             'proto_version', '1', 'publication_names', $4)`,
          [this.names.slot, upto, limit, this.names.publication],
        );
      })
      .catch((error: unknown) => {
        // The peek's own error for a missing slot (undefined_object), instead of a status query before every read.
        if ((error as { code?: unknown } | null)?.code === UNDEFINED_OBJECT && /replication slot/.test(String(error))) {
          throw new TerminalError(
            `no replication slot ${this.names.slot} on the source: run \`lakehouse cdc setup\` first (or set LAKEHOUSE_CAPTURE=watermark)`,
          );
        }
        throw error;
      });
    // A new parser per read: pgoutput sends each relation again in every decoding session.
    const parser = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.names.publication] });
    const changes: CapturedChange[] = [];
    const truncated = new Set<string>();
    let endLsn: string | null = null;
    let txn: { lsn: string; commitTime: string } | undefined;
    for (const { lsn, data } of rows) {
      const message = parser.parse(data);
      switch (message.tag) {
        case 'relation':
          // Keep the text output: the raw forms come from rawValue, not the driver's parsers (a Date loses the wall time).
          for (const column of message.columns) column.parser = (text: unknown) => text;
          break;
        case 'begin':
          txn = { lsn: message.commitLsn ?? lsn, commitTime: commitIso(message.commitTime as bigint) };
          break;
        case 'commit':
          endLsn = lsn;
          txn = undefined;
          break;
        case 'insert':
        case 'update':
        case 'delete': {
          if (!txn) throw new TerminalError(`a ${message.tag} at ${lsn} arrived outside a transaction`);
          if (message.relation.schema !== this.schema) break;
          const values = message.tag === 'delete' ? (message.old ?? message.key) : message.new;
          changes.push({
            table: message.relation.name,
            op: message.tag,
            row: rawRow(message.relation, values),
            old: message.tag === 'update' && message.old ? rawRow(message.relation, message.old) : null,
            lsn: txn.lsn,
            commitTime: txn.commitTime,
          });
          break;
        }
        case 'truncate':
          for (const relation of message.relations) if (relation.schema === this.schema) truncated.add(relation.name);
          break;
        default:
          break; // type, origin and logical messages carry no rows
      }
    }
    const more = rows.length >= limit;
    // Without a stop at the limit, every transaction committed before `upto` was read (the slot keeps those still
    // open), so `upto` may be confirmed even when nothing was published: else WAL of other tables and databases
    // would count as lag and be kept forever.
    return { changes, endLsn: more ? endLsn : upto, truncated: [...truncated].sort(), more };
  }

  /**
   * Moves the slot's confirmed position to `lsn`; a position at or before the
   * current one is left as is.
   * @throws driver errors (slot missing, connection lost)
   */
  async confirm(lsn: string): Promise<void> {
    await this.db.query(
      `select pg_replication_slot_advance(slot_name, $2::pg_lsn) from pg_replication_slots
        where slot_name = $1 and confirmed_flush_lsn < $2::pg_lsn`,
      [this.names.slot, lsn],
    );
  }

  /**
   * Whether a committed change waits: peeks one message from the confirmed
   * position (decoding stops at the first; pgoutput sends no empty
   * transactions from PostgreSQL 15, earlier an empty one counts too, which
   * only costs a pass that finds nothing).
   * @throws driver errors (slot missing, connection lost)
   */
  async pending(): Promise<boolean> {
    const rows = await this.db.query(
      `select 1 from pg_logical_slot_peek_binary_changes($1, null, 1, 'proto_version', '1', 'publication_names', $2)`,
      [this.names.slot, this.names.publication],
    );
    return rows.length > 0;
  }

  /** The slot's lag and retained WAL in bytes, or null when it does not exist. */
  async status(): Promise<SlotStatus | null> {
    const [row] = await this.db.query<{
      active: boolean;
      confirmed: string | null;
      wal_status: string | null;
      lag: string | null;
      retained: string | null;
    }>(
      `select active, confirmed_flush_lsn::text as confirmed, wal_status,
              pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text as lag,
              pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text as retained
         from pg_replication_slots where slot_name = $1`,
      [this.names.slot],
    );
    if (!row) return null;
    return {
      slot: this.names.slot,
      active: row.active,
      lagBytes: Number(row.lag ?? 0),
      retainedBytes: Number(row.retained ?? 0),
      confirmedLsn: row.confirmed,
      walStatus: row.wal_status,
    };
  }
}
