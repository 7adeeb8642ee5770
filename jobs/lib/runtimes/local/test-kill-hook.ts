/**
 * A hook for crash tests only (test/integration/crash-recovery.test.ts): with
 * `LAKEHOUSE_TEST_KILL_AFTER` set, the local runtime kills its own process
 * with SIGKILL at a chosen point, so a test can stop a real `lakehouse run`
 * at an exact stage boundary instead of after a guessed delay. Unset (as for
 * every user), it does nothing. Values:
 *
 * - `<route name>` (jobs/lib/definition/routes.ts, e.g. `schedule-extract`,
 *   `manifest-crawl-raw`): right after that route's delivery succeeded;
 * - `raw-part:<n>`: when the n-th raw part file of this process is complete,
 *   before its run is recorded: a kill in the middle of an extract, which
 *   leaves parts of a run the ledger never recorded;
 * - `load-staging:<n>`: when the load prepares its n-th table (1-based),
 *   inside the open warehouse transaction, with earlier tables already
 *   written in it: a kill in the middle of a load;
 * - `hold-raw-part:<n>`: not a kill but a hold: when the n-th raw part file
 *   is complete, the extract waits (up to ten minutes) before going on, so a
 *   signal test can act while a step is surely still running.
 */
import type { ParquetStaging } from '../../core/parquet-staging';

/** The environment variable of the hook. */
export const TEST_KILL_VARIABLE = 'LAKEHOUSE_TEST_KILL_AFTER';

function killSelf(point: string): void {
  process.stderr.write(`${TEST_KILL_VARIABLE}=${point}: killing this process (pid ${process.pid}) with SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Kills the process when the hook names `route` (call after the route's delivery succeeded). */
export function killAfterRoute(route: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env[TEST_KILL_VARIABLE] === route) killSelf(route);
}

let rawParts = 0;

/** How long a `hold-raw-part:<n>` point holds the extract, in milliseconds. */
const HOLD_MS = 600_000;

/**
 * Kills the process when the hook names `raw-part:<n>` and `key` (raw zone)
 * completes the n-th raw part file; with `hold-raw-part:<n>`, resolves only
 * after {@link HOLD_MS} instead (the step in progress stays in progress).
 */
export async function killOnRawPart(key: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const m = /^(hold-)?raw-part:(\d+)$/.exec(env[TEST_KILL_VARIABLE] ?? '');
  if (!m || !/\/run_id=[^/]+\/part-/.test(key) || ++rawParts !== Number(m[2])) return;
  if (!m[1]) return killSelf(m[0]);
  process.stderr.write(`${TEST_KILL_VARIABLE}=${m[0]}: holding the extract (pid ${process.pid})\n`);
  await new Promise((resume) => setTimeout(resume, HOLD_MS));
}

/**
 * `staging` as is when the hook does not name a load point; otherwise a
 * staging that kills the process when its `exportDeduped` is called for the
 * n-th time.
 */
export function withLoadKillPoint(staging: ParquetStaging, env: NodeJS.ProcessEnv = process.env): ParquetStaging {
  const m = /^load-staging:(\d+)$/.exec(env[TEST_KILL_VARIABLE] ?? '');
  if (!m) return staging;
  const at = Number(m[1]);
  let calls = 0;
  return {
    ...staging,
    exportDeduped: (...args: Parameters<ParquetStaging['exportDeduped']>) => {
      if (++calls === at) killSelf(`load-staging:${at}`);
      return staging.exportDeduped(...args);
    },
  };
}
