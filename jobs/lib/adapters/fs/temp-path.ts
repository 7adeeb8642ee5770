/**
 * Temporary file names for atomic local writes: write to `tempPathFor(target)`,
 * then rename onto `target`. The `.tmp-` marker is what listings and the
 * crawler skip, so a half-written file is never taken for a finished one.
 */

let counter = 0;

/** A unique temporary path beside `target` (`<target>.tmp-<pid>-<n>`), in the same folder so the rename is atomic. */
export function tempPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${++counter}`;
}

/** True for a file name or path that is a temporary write in progress (listings and crawls skip these). */
export function isTempPath(name: string): boolean {
  return name.includes('.tmp-');
}
