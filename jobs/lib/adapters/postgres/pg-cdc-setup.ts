/**
 * Setting a PostgreSQL server up for change capture, and taking it down
 * (`lakehouse cdc setup|drop`; README "Change capture"):
 *
 * 1. checks: `wal_level = logical` and a role that may replicate (superuser,
 *    the REPLICATION attribute, or on Amazon RDS / Aurora membership in
 *    `rds_replication`), with an error that says how to enable each;
 * 2. `REPLICA IDENTITY FULL` on every captured table, so an update carries
 *    the values before it (an update that left `last_updated` unchanged is
 *    told apart) and a delete carries the whole last row, not just its key;
 * 3. a publication for the captured tables (created, or its table list set);
 * 4. a logical replication slot with the built-in `pgoutput` plugin, created
 *    on a replication connection with `EXPORT_SNAPSHOT`: the snapshot it
 *    returns sees exactly the rows committed before the slot's start, so an
 *    initial load read in it and the changes read from the slot neither miss
 *    nor repeat a transaction.
 *
 * Sources: PostgreSQL 15 documentation, "Logical Decoding" §49.3 (exported
 * snapshots), "Streaming Replication Protocol" §55.4 (`CREATE_REPLICATION_SLOT
 * … LOGICAL pgoutput EXPORT_SNAPSHOT`), "SET TRANSACTION", "ALTER TABLE …
 * REPLICA IDENTITY", "CREATE PUBLICATION"; Amazon RDS User Guide, "Performing
 * logical replication for Amazon RDS for PostgreSQL" (`rds.logical_replication`
 * = 1 in the parameter group, a static parameter: reboot; `rds_replication` role).
 */
import { Client, type ClientConfig } from 'pg';
import { TerminalError } from '../../core/errors';
import { assertIdentifier, quoteIdent } from '../../core/identifiers';
import type { CaptureNames } from './pg-change-capture';
import type { PgClient } from './pg-client';

/** What `lakehouse cdc setup` did. */
export interface CdcSetupResult {
  /** False when the slot existed already (nothing to load: its position is kept). */
  slotCreated: boolean;
  /** The slot's consistent point when created (`XXXXXXXX/XXXXXXXX`). */
  consistentLsn?: string;
  /** The exported snapshot to read the initial load in; valid until {@link release}. */
  snapshot?: string;
  /** Tables whose replica identity was changed to FULL. */
  identityChanged: string[];
  /** Closes the replication connection that keeps the exported snapshot alive. */
  release: () => Promise<void>;
}

/** How to enable logical decoding, for messages. */
const HOW_TO_ENABLE =
  'On a PostgreSQL server you run: `ALTER SYSTEM SET wal_level = logical;` then restart it. ' +
  'On Amazon RDS or Aurora PostgreSQL: set `rds.logical_replication` to 1 in the DB (cluster) parameter group and reboot ' +
  '(a static parameter). Until then keep LAKEHOUSE_CAPTURE=watermark and use `lakehouse reconcile` for deletes.';

/**
 * Checks that the source can do logical decoding for this role.
 * @throws TerminalError naming what is missing and how to enable it (wal_level; replication privilege; free slots)
 */
export async function checkCdcServer(db: PgClient): Promise<void> {
  const [settings] = await db.query<{ wal_level: string; slots: string }>(
    `select current_setting('wal_level') as wal_level, current_setting('max_replication_slots') as slots`,
  );
  if (settings.wal_level !== 'logical') {
    throw new TerminalError(
      `the source's wal_level is '${settings.wal_level}'; change capture needs 'logical'. ${HOW_TO_ENABLE}`,
    );
  }
  if (Number(settings.slots) < 1) {
    throw new TerminalError(
      'the source allows no replication slots (max_replication_slots = 0): raise it and restart the server',
    );
  }
  const [role] = await db.query<{ name: string; allowed: boolean }>(
    `select r.rolname as name,
            r.rolsuper or r.rolreplication
              or (exists (select 1 from pg_roles where rolname = 'rds_replication')
                  and pg_has_role(current_user, 'rds_replication', 'member')) as allowed
       from pg_roles r where r.rolname = current_user`,
  );
  if (!role?.allowed) {
    throw new TerminalError(
      `the source role ${role?.name ?? '(unknown)'} may not use replication slots: ` +
        `\`ALTER ROLE ${role?.name ?? '<role>'} REPLICATION;\` (on Amazon RDS: \`GRANT rds_replication TO ${role?.name ?? '<role>'};\`)`,
    );
  }
}

/** Tables of `schema` (among `tables`) whose replica identity is not FULL. */
async function notFull(db: PgClient, schema: string, tables: string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = any($2::text[]) and c.relreplident <> 'f' order by 1`,
    [schema, tables],
  );
  return rows.map((r) => r.name);
}

/**
 * Sets the source up for capture (module comment, steps 1–4). Idempotent:
 * an existing publication gets the table list, an existing slot is kept
 * (then no snapshot is returned: the slot's position already follows a load).
 *
 * @param db       connection to the source database
 * @param url      the same database's URL, for the replication connection that creates the slot
 * @param tables   the captured tables (validated identifiers)
 * @throws TerminalError from {@link checkCdcServer}, or when `tables` is empty; driver errors
 *   (e.g. not the tables' owner for ALTER TABLE) with the driver's message
 */
export async function setupCdc(db: PgClient, url: string, names: CaptureNames, tables: string[]): Promise<CdcSetupResult> {
  const schema = assertIdentifier(names.schema ?? 'public');
  for (const t of tables) assertIdentifier(t);
  if (tables.length === 0) throw new TerminalError('no source table matched: nothing to capture (LAKEHOUSE_TABLES_INCLUDE)');
  await checkCdcServer(db);

  const identityChanged = await notFull(db, schema, tables);
  for (const table of identityChanged) {
    await db.exec(`alter table ${quoteIdent(schema)}.${quoteIdent(table)} replica identity full`);
  }
  const list = tables.map((t) => `${quoteIdent(schema)}.${quoteIdent(t)}`).join(', ');
  const [publication] = await db.query('select 1 from pg_publication where pubname = $1', [names.publication]);
  await db.exec(
    publication
      ? `alter publication ${quoteIdent(names.publication)} set table ${list}`
      : `create publication ${quoteIdent(names.publication)} for table ${list}`,
  );

  const [slot] = await db.query<{ plugin: string }>('select plugin from pg_replication_slots where slot_name = $1', [names.slot]);
  if (slot) {
    if (slot.plugin !== 'pgoutput') {
      throw new TerminalError(
        `replication slot ${names.slot} exists with plugin ${slot.plugin}, not pgoutput: drop it or set LAKEHOUSE_CDC_SLOT`,
      );
    }
    return { slotCreated: false, identityChanged, release: async () => undefined };
  }
  // pg reads `replication` from its config (a replication connection that may run SQL too); @types/pg omits it.
  const replication = new Client({ connectionString: url, replication: 'database' } as ClientConfig);
  await replication.connect();
  try {
    const result = await replication.query(`CREATE_REPLICATION_SLOT ${quoteIdent(names.slot)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const row = result.rows[0] as { consistent_point: string; snapshot_name: string };
    return {
      slotCreated: true,
      consistentLsn: row.consistent_point,
      snapshot: row.snapshot_name,
      identityChanged,
      release: () => replication.end(),
    };
  } catch (error) {
    await replication.end().catch(() => undefined);
    throw error;
  }
}

/**
 * Drops the slot (freeing the WAL it holds) and the publication; the tables'
 * replica identity is left as is.
 * @returns which of the two existed
 * @throws driver errors, e.g. when a process is still streaming from the slot
 */
export async function dropCdc(db: PgClient, names: CaptureNames): Promise<{ slot: boolean; publication: boolean }> {
  const slot = await db.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1', [
    names.slot,
  ]);
  const [publication] = await db.query('select 1 from pg_publication where pubname = $1', [names.publication]);
  if (publication) await db.exec(`drop publication ${quoteIdent(names.publication)}`);
  return { slot: slot.length > 0, publication: Boolean(publication) };
}

/**
 * Tables of the publication and, among `tables`, those not published or whose
 * replica identity is not FULL (for `cdc status`).
 */
export async function publicationGaps(
  db: PgClient,
  names: CaptureNames,
  tables: string[],
): Promise<{ published: string[]; unpublished: string[]; identityNotFull: string[] }> {
  const schema = names.schema ?? 'public';
  const rows = await db.query<{ name: string }>(
    'select tablename as name from pg_publication_tables where pubname = $1 and schemaname = $2 order by 1',
    [names.publication, schema],
  );
  const published = rows.map((r) => r.name);
  return {
    published,
    unpublished: tables.filter((t) => !published.includes(t)),
    identityNotFull: await notFull(db, schema, tables),
  };
}
