/**
 * The change-capture port (issue 15; README "Change capture"): what the CDC
 * extract (jobs/extract/change-extract.ts) needs from a source that keeps a
 * log of committed changes, a PostgreSQL logical replication slot in practice
 * (adapters/postgres/pg-change-capture.ts).
 *
 * Reading never consumes: {@link ChangeCapture.read} returns the changes
 * committed after the slot's confirmed position, and only
 * {@link ChangeCapture.confirm}, called once the run and its manifest are
 * written, moves that position. A crash in between re-reads the same changes.
 */
import type { ChangeOp } from '../definition/tables';
import type { RawRow } from './ports';

/** One committed row change, in commit order. */
export interface CapturedChange {
  /** Source table name (the publication's tables; schema left out). */
  table: string;
  op: ChangeOp;
  /**
   * The row as raw-zone values (ports.ts RawRow: numbers, booleans, ISO
   * timestamps with milliseconds and no zone, numerics as strings): the new
   * values of an insert or update, the last values of a delete (the whole row
   * when the table's replica identity is FULL, else the key only).
   */
  row: RawRow;
  /** For an update, the values before it (FULL replica identity), else null. */
  old: RawRow | null;
  /** LSN of the change's transaction commit, `XXXXXXXX/XXXXXXXX` (hex), the order of transactions. */
  lsn: string;
  /** Commit time of the transaction, UTC, ISO with milliseconds and no zone (`2026-12-03T10:00:00.123`). */
  commitTime: string;
}

/** What one read found. */
export interface ChangeBatch {
  /** Row changes of whole committed transactions, in commit order. */
  changes: CapturedChange[];
  /**
   * The position to confirm once these changes are safely written: the
   * source position the read went up to, or, when it stopped at its limit,
   * the end of the last transaction read (null: nothing to confirm).
   */
  endLsn: string | null;
  /** Tables truncated in the batch: a truncate carries no rows, so it is reported, not captured. */
  truncated: string[];
  /** True when the read stopped at its change limit and more committed changes wait. */
  more: boolean;
}

/** The replication slot's position and what it holds back on the source. */
export interface SlotStatus {
  slot: string;
  /** Whether a process is streaming from the slot right now. */
  active: boolean;
  /** Bytes of WAL written after the slot's confirmed position (the changes not yet captured). */
  lagBytes: number;
  /** Bytes of WAL the source keeps for the slot (from its restart position): disk the slot holds. */
  retainedBytes: number;
  /** The slot's confirmed position (`XXXXXXXX/XXXXXXXX`). */
  confirmedLsn: string | null;
  /** `lost` or `unreserved` when the source dropped WAL the slot needed (PostgreSQL 13+ `wal_status`). */
  walStatus: string | null;
}

/** A source whose committed changes can be read and confirmed (module comment). */
export interface ChangeCapture {
  /**
   * Reads the changes committed after the confirmed position up to the
   * source's current position when called, at most about `limit` changes
   * (always whole transactions), without consuming them.
   */
  read(limit: number): Promise<ChangeBatch>;
  /** Moves the confirmed position to `lsn` (a {@link ChangeBatch.endLsn}); the source may then free that WAL. */
  confirm(lsn: string): Promise<void>;
  /** The slot's lag and retained WAL; null when the slot does not exist. */
  status(): Promise<SlotStatus | null>;
  /** Whether a committed change of the captured tables waits to be read (cheap; for streaming `watch`). */
  pending(): Promise<boolean>;
}
