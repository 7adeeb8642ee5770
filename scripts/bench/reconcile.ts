/**
 * `npx tsx scripts/bench/reconcile.ts`: how long `lakehouse reconcile` takes
 * (issue 15, part 3) against its floor, one `COPY (select <key> from <table>)
 * TO STDOUT` of every source table's keys, as a ratio. It runs on the
 * lakehouse of the environment (`LAKEHOUSE_HOME`, `LAKEHOUSE_SOURCE_URL`, as
 * the CLI does), which must have been loaded with `lakehouse run` (seed it at
 * the scale to measure with `lakehouse seed --scale <n>` first). Reconcile
 * runs as a dry run, so nothing is written. On PGlite (no streaming COPY out)
 * the floor reads the keys in the same key-ordered pages reconcile uses.
 *
 * On a server it also times a second reference, one `COPY <table> TO STDOUT`
 * of every table (every value, as any comparison of values must read them
 * at least once), and prints reconcile's ratio to that too.
 *
 * Prints one line per table and the totals; exit code 1 when reconcile fails.
 */
import { quoteIdent } from '../../jobs/lib/core/identifiers';
import { SOURCE_TABLES } from '../../jobs/lib/definition/tables';
import { openLocalRuntime } from '../../jobs/lib/runtimes/local/runtime';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';
import { reconcileLocal } from '../../jobs/reconcile/local';
import { formatCount, textTable } from '../cli/text-table';

/** Keys per page when the source cannot stream COPY out (as reconcile pages). */
const PAGE = 10_000;

async function main(): Promise<number> {
  const runtime = await openLocalRuntime(readSettings());
  try {
    const db = await runtime.sourceClient();
    const floors = new Map<string, { ms: number; keys: number; tableMs?: number }>();
    for (const def of SOURCE_TABLES) {
      const key = quoteIdent(def.primaryKey);
      const started = performance.now();
      let keys = 0;
      if (db.copyOut) {
        for await (const chunk of db.copyOut(`copy (select ${key} from ${quoteIdent(def.name)}) to stdout`)) {
          for (const byte of chunk) if (byte === 10) keys++;
        }
      } else {
        let after: unknown = null;
        for (;;) {
          const rows = await db.query<{ k: unknown }>(
            `select ${key} as k from ${quoteIdent(def.name)}${after === null ? '' : ` where ${key} > $2`} order by ${key} limit $1`,
            after === null ? [PAGE] : [PAGE, after],
          );
          keys += rows.length;
          if (rows.length < PAGE) break;
          after = rows[rows.length - 1].k;
        }
      }
      const ms = performance.now() - started;
      let tableMs: number | undefined;
      if (db.copyOut) {
        const tableStarted = performance.now();
        for await (const _chunk of db.copyOut(`copy ${quoteIdent(def.name)} to stdout`));
        tableMs = performance.now() - tableStarted;
      }
      floors.set(def.name, { ms, keys, tableMs });
    }
    const started = performance.now();
    const result = await reconcileLocal(runtime, { dryRun: true });
    const reconcileMs = performance.now() - started;

    const table = textTable(['source table', 'keys', 'key COPY (ms)', 'table COPY (ms)'], ['left', 'right', 'right', 'right']);
    for (const [name, f] of floors) table.push([name, formatCount(f.keys), f.ms.toFixed(0), f.tableMs?.toFixed(0) ?? '-']);
    const floorMs = [...floors.values()].reduce((n, f) => n + f.ms, 0);
    const tableMs = [...floors.values()].reduce((n, f) => n + (f.tableMs ?? 0), 0);
    console.log(table.toString());
    const differences = Object.values(result.tables).reduce((n, t) => n + t.inserted + t.changed + t.deleted, 0);
    console.log(`source: ${db.copyOut ? 'PostgreSQL server (COPY TO STDOUT)' : 'PGlite (key-ordered pages)'}`);
    console.log(`keys COPY, all tables: ${floorMs.toFixed(0)} ms`);
    console.log(`reconcile --dry-run:   ${reconcileMs.toFixed(0)} ms (${formatCount(differences)} difference(s))`);
    console.log(`ratio: ${(reconcileMs / floorMs).toFixed(1)}x one COPY of the keys`);
    if (db.copyOut) {
      console.log(`table COPY, all tables: ${tableMs.toFixed(0)} ms (every value, read once)`);
      console.log(`ratio: ${(reconcileMs / tableMs).toFixed(1)}x one COPY of every table`);
    }
    return 0;
  } catch (error) {
    console.error(`reconcile benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await runtime.close();
  }
}

main().then((code) => {
  process.exitCode = code;
});
