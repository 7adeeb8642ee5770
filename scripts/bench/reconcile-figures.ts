/**
 * How long `lakehouse reconcile` takes (issue 15, part 3) against its floors,
 * measured on an open, loaded local runtime: `npm run bench` at every scale
 * (run-scale.ts) and `scripts/bench/reconcile.ts` on a user's home.
 *
 * - key floor: one `COPY (select <key> from <table>) TO STDOUT` of every
 *   source table's keys, the floor the issue names. On PGlite (no streaming
 *   COPY out) the keys are read in the key-ordered pages reconcile uses.
 * - table floor (servers only): one `COPY <table> TO STDOUT` of every table,
 *   every value: any comparison of values has to read each value once.
 * - reconcile: `reconcileLocal` as a dry run, so nothing is written.
 *
 * Each floor is the fastest of `repeats` measurements; reconcile runs once.
 */
import { quoteIdent } from '../../jobs/lib/core/identifiers';
import { SOURCE_TABLES } from '../../jobs/lib/definition/tables';
import type { LocalRuntime } from '../../jobs/lib/runtimes/local/local-runtime';
import { reconcileLocal } from '../../jobs/reconcile/local';

/** Keys per page when the source cannot stream COPY out (as reconcile pages). */
const PAGE = 10_000;

/** One source table's floors. */
export interface ReconcileTableFloor {
  table: string;
  keys: number;
  /** The key floor, seconds. */
  keySeconds: number;
  /** The table floor, seconds; absent on PGlite. */
  tableSeconds?: number;
}

/** Reconcile's time against its floors (all times in seconds). */
export interface ReconcileFigures {
  /** `server` streams COPY out; `pglite` reads key-ordered pages. */
  source: 'server' | 'pglite';
  tables: ReconcileTableFloor[];
  keyFloorSeconds: number;
  /** Absent on PGlite. */
  tableFloorSeconds?: number;
  reconcileSeconds: number;
  /** Keys reconcile would insert, change or delete (a loaded home in step with its source has none). */
  differences: number;
  /** reconcileSeconds / keyFloorSeconds. */
  ratioToKeyFloor: number;
  /** reconcileSeconds / tableFloorSeconds; absent on PGlite. */
  ratioToTableFloor?: number;
}

const seconds = (started: number) => (performance.now() - started) / 1000;

/**
 * Times the floors and a dry-run reconcile on `runtime` (module comment).
 *
 * @param runtime  an open local runtime whose lake holds every run of its source (after `lakehouse run`)
 * @param repeats  how many times each floor is measured; the fastest counts (≥ 1)
 * @throws what reconcile throws (e.g. runs still open in the chain) and source driver errors
 */
export async function measureReconcile(runtime: LocalRuntime, repeats = 1): Promise<ReconcileFigures> {
  const db = await runtime.sourceClient();
  const copyOut = db.copyOut?.bind(db);
  const tables: ReconcileTableFloor[] = [];
  for (const def of SOURCE_TABLES) {
    const key = quoteIdent(def.primaryKey);
    const table = quoteIdent(def.name);
    let keys = 0;
    let keySeconds = Number.POSITIVE_INFINITY;
    let tableSeconds: number | undefined;
    for (let i = 0; i < Math.max(1, repeats); i++) {
      let started = performance.now();
      keys = 0;
      if (copyOut) {
        for await (const chunk of copyOut(`copy (select ${key} from ${table}) to stdout`)) {
          for (const byte of chunk) if (byte === 10) keys++;
        }
      } else {
        let after: unknown = null;
        for (;;) {
          const rows = await db.query<{ k: unknown }>(
            `select ${key} as k from ${table}${after === null ? '' : ` where ${key} > $2`} order by ${key} limit $1`,
            after === null ? [PAGE] : [PAGE, after],
          );
          keys += rows.length;
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1].k;
        }
      }
      keySeconds = Math.min(keySeconds, seconds(started));
      if (copyOut) {
        started = performance.now();
        for await (const _chunk of copyOut(`copy ${table} to stdout`));
        tableSeconds = Math.min(tableSeconds ?? Number.POSITIVE_INFINITY, seconds(started));
      }
    }
    tables.push({ table: def.name, keys, keySeconds, ...(tableSeconds === undefined ? {} : { tableSeconds }) });
  }
  const started = performance.now();
  const result = await reconcileLocal(runtime, { dryRun: true });
  const reconcileSeconds = seconds(started);

  const keyFloorSeconds = tables.reduce((n, t) => n + t.keySeconds, 0);
  const tableFloorSeconds = copyOut ? tables.reduce((n, t) => n + (t.tableSeconds ?? 0), 0) : undefined;
  return {
    source: copyOut ? 'server' : 'pglite',
    tables,
    keyFloorSeconds,
    reconcileSeconds,
    differences: Object.values(result.tables).reduce((n, t) => n + t.inserted + t.changed + t.deleted, 0),
    ratioToKeyFloor: reconcileSeconds / keyFloorSeconds,
    ...(tableFloorSeconds === undefined ? {} : { tableFloorSeconds, ratioToTableFloor: reconcileSeconds / tableFloorSeconds }),
  };
}
