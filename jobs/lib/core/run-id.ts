/**
 * Run ids (docs/architecture.md "Data contracts"): a sortable, identifier-safe UTC stamp such as
 * `20250225t132609z`, plus `_<n>` when two runs start in the same second.
 */

const RUN_ID = /^\d{8}t\d{6}z(_\d+)?$/;

/** Formats a UTC instant as a run id stamp (`yyyymmddthhmmssz`). */
export function runStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'z')
    .toLowerCase();
}

/**
 * The id to try on the `attempt`-th claim of a second (1-based): the stamp
 * itself first, then `<stamp>_2`, `<stamp>_3`, … Throws TypeError for an
 * attempt that is not a positive integer.
 */
export function runIdAttempt(stamp: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new TypeError(`attempt must be a positive integer: ${attempt}`);
  return attempt === 1 ? stamp : `${stamp}_${attempt}`;
}

/**
 * Returns a new run id for `at` that is not in `taken` (ids already used),
 * adding `_2`, `_3`, … on a clash within one second. The jobs do not list
 * runs to fill `taken`: they claim ids one by one (run-lifecycle.ts).
 */
export function newRunId(at: Date, taken: ReadonlySet<string> = new Set()): string {
  const stamp = runStamp(at);
  for (let n = 1; ; n++) {
    const id = runIdAttempt(stamp, n);
    if (!taken.has(id)) return id;
  }
}

/** True for a well-formed run id; use before putting one in a path or SQL literal. */
export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** Throws TypeError unless `value` is a well-formed run id; returns it. */
export function assertRunId(value: string): string {
  if (!isRunId(value)) throw new TypeError(`not a run id: ${JSON.stringify(value)}`);
  return value;
}
