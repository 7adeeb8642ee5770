/**
 * Source freshness on every pass (docs/architecture.md "Data quality",
 * README "Data quality"): evaluates the `freshness` declared on cleaned
 * models (`warn_after` / `error_after` on the age of the newest
 * `last_updated` the lake holds, read as UTC, at the runtime's clock), writes
 * the results to `quality.results` under the run id `freshness-<UTC time>`,
 * and alerts (an error-level log line, which scan-logs turns into one email
 * per batch) only when a table's freshness state changes, so a source that
 * stays stale alerts once, not on every pass. It never blocks a load and
 * never throws for a stale source.
 */
import { errorMessage } from '../errors';
import { runStamp } from '../run-id';
import { WARNING_ALERT, type Logger } from '../logger';
import type { Clock, ObjectStore, QueryEngine } from '../ports';
import { loadDeclarations, type FreshnessDeclaration } from './declarations';
import { describeFailure, writeResults, type QualityResult } from './results';
import { checkFreshness } from './run-tests';

/** Where the last freshness state per table is kept, in the transformed zone (beside `quality/results/`). */
export const FRESHNESS_STATE_KEY = 'quality/freshness-state.json';

/**
 * Where `lakehouse seed` records the seeded snapshot (transformed zone):
 * `{ "seededAt": ISO UTC, "newest": the newest last_updated seeded, as the source stores it }`.
 */
export const SEED_SNAPSHOT_KEY = 'quality/seed-snapshot.json';

/** A seeded snapshot: when it was seeded, and the newest source change it holds (UTC). */
export interface SeedSnapshot {
  seededAt: string;
  newest: string;
}

/** Records a seed so freshness counts the snapshot as taken when seeded (see checkSourceFreshness). Throws what the store throws. */
export async function recordSeedSnapshot(store: ObjectStore, snapshot: SeedSnapshot): Promise<void> {
  await store.put(SEED_SNAPSHOT_KEY, `${JSON.stringify(snapshot)}\n`);
}

/** Reads a timestamp without zone as UTC (`2025-02-25 10:00:00.123` → Date). */
export function utcTimestamp(text: string): Date {
  return new Date(`${text.trim().replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text.trim()) ? '' : 'Z'}`);
}

/**
 * The seeded snapshot `lakehouse seed` recorded in `store` (the transformed zone), or undefined
 * when there is none or it cannot be read (then freshness ages tables from their newest change).
 */
export async function readSeedSnapshot(store: ObjectStore): Promise<{ seededAt: Date; newest: Date } | undefined> {
  if (!(await store.exists(SEED_SNAPSHOT_KEY))) return undefined;
  try {
    const s = JSON.parse((await store.get(SEED_SNAPSHOT_KEY)).toString('utf8')) as SeedSnapshot;
    const seededAt = utcTimestamp(s.seededAt);
    const newest = utcTimestamp(s.newest);
    return Number.isNaN(seededAt.getTime()) || Number.isNaN(newest.getTime()) ? undefined : { seededAt, newest };
  } catch {
    return undefined;
  }
}

/** A well-formed run id later than any run's: `{{ cleaned.<t>:all }}` rendered for it reads every run. */
const AFTER_EVERY_RUN = '99991231t235959z';

/** A table's freshness state: `fresh`, or the severity whose threshold its age passed. */
export type FreshnessState = 'fresh' | 'warn' | 'error';

/** One table's freshness this pass, and the state it had on the previous check. */
export interface TableFreshness {
  table: string;
  state: FreshnessState;
  /** The state recorded by the previous check; undefined on the first check of the table. */
  previous?: FreshnessState;
  /** True when the state changed (the first check counts as a change only when not fresh): this check alerted. */
  changed: boolean;
  result: QualityResult;
}

/** What one freshness check found. */
export interface FreshnessCheck {
  /** The run id its results are written under in `quality.results`: `freshness-<yyyymmddthhmmssz>` (UTC). */
  runId: string;
  tables: TableFreshness[];
}

export interface SourceFreshnessDeps {
  engine: Pick<QueryEngine, 'render' | 'query'>;
  clock: Clock;
  logger: Logger;
  /** The transformed zone's store: results (`quality/results/…`) and the state file. */
  results: ObjectStore;
  /** The declarations; default: the cleaned zone's, read from the SQL folder. */
  declarations?: FreshnessDeclaration[];
}

/** The run id of a freshness check at `now`: `freshness-20250225t101500z` (UTC, to the second, as run ids are stamped). */
export function freshnessRunId(now: Date): string {
  return `freshness-${runStamp(now)}`;
}

const stateOf = (r: QualityResult): FreshnessState => (r.status === 'pass' ? 'fresh' : r.severity);

async function readState(store: ObjectStore): Promise<Record<string, FreshnessState>> {
  if (!(await store.exists(FRESHNESS_STATE_KEY))) return {};
  try {
    return JSON.parse((await store.get(FRESHNESS_STATE_KEY)).toString('utf8')) as Record<string, FreshnessState>;
  } catch {
    return {};
  }
}

/**
 * Checks every declared source freshness once. When the source was seeded
 * (`lakehouse seed`, SEED_SNAPSHOT_KEY) and a table holds nothing newer than
 * the seeded snapshot, its age is counted from the seed time: a snapshot is
 * as fresh as when it was taken, and goes stale if nothing changes after it.
 * Tables whose cleaned zone
 * holds no data yet (nothing extracted) are skipped, not reported stale.
 * Each state change is logged at error level (fresh→warn, warn→error,
 * error→warn, back to fresh), so it alerts; a change to warn and a recovery
 * are marked WARNING_ALERT (the alert calls them warnings), a change to error
 * is an error. An unchanged state is logged only at info level.
 *
 * @returns the check, or undefined when nothing is declared or nothing could
 *   be checked (an engine failure is logged at warn level and swallowed: a
 *   freshness check never fails a pass)
 * @throws nothing the store does not throw when writing results or state
 */
export async function checkSourceFreshness(deps: SourceFreshnessDeps): Promise<FreshnessCheck | undefined> {
  const declared = deps.declarations ?? loadDeclarations('cleaned').freshness;
  if (!declared.length) return undefined;
  const now = deps.clock.now();
  const runId = freshnessRunId(now);
  const snapshot = await readSeedSnapshot(deps.results);
  const results: QualityResult[] = [];
  for (const f of declared) {
    try {
      // Rendered as of a run id after every run (the `:all` view reads runs up to it): every row the lake
      // holds counts; recorded under the freshness id.
      const result = { ...(await checkFreshness(f, AFTER_EVERY_RUN, deps, snapshot)), run_id: runId };
      // No rows in the lake yet (nothing extracted): no source age to judge, not a stale source.
      if (result.sample_keys.length) results.push(result);
    } catch (error) {
      deps.logger.warn('source freshness not checked (no data in the lake yet?)', {
        step: 'freshness',
        table: `cleaned.${f.table}`,
        error: errorMessage(error),
      });
    }
  }
  if (!results.length) return undefined;
  await writeResults(deps.results, runId, 'cleaned', results);
  const before = await readState(deps.results);
  const after: Record<string, FreshnessState> = { ...before };
  const tables = results.map((result): TableFreshness => {
    const state = stateOf(result);
    const previous = before[result.model];
    after[result.model] = state;
    return { table: result.model, state, previous, changed: state !== (previous ?? 'fresh'), result };
  });
  await deps.results.put(FRESHNESS_STATE_KEY, `${JSON.stringify(after, null, 2)}\n`);
  for (const t of tables) {
    const attributes = { step: 'freshness', runId, table: `cleaned.${t.table}`, state: t.state, previous: t.previous ?? 'fresh' };
    if (!t.changed) deps.logger.info('source freshness unchanged', attributes);
    else if (t.state === 'fresh')
      deps.logger.error(`source freshness recovered: cleaned.${t.table} is fresh again`, { ...attributes, ...WARNING_ALERT });
    else
      deps.logger.error('source freshness changed', {
        ...attributes,
        error: describeFailure(t.result),
        ...(t.state === 'warn' ? WARNING_ALERT : {}),
      });
  }
  return { runId, tables };
}

/** One summary line per stale table: `stale source: cleaned.payment (warn): newest last_updated … is 30.0 h old …`. */
export function freshnessLines(check: FreshnessCheck | undefined): string[] {
  return (check?.tables ?? [])
    .filter((t) => t.state !== 'fresh')
    .map((t) => `stale source: cleaned.${t.table} (${t.state}): ${t.result.detail}${t.changed ? '' : ' (already alerted)'}`);
}
