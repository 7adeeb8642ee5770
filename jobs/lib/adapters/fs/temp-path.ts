/**
 * Temporary file names for atomic local writes: write to `tempPathFor(target)`,
 * then rename onto `target`. The name carries the in-progress marker of
 * jobs/lib/definition/object-keys.ts, which listings and the crawler skip.
 */
import { IN_PROGRESS_MARKER } from '../../definition/object-keys';

let counter = 0;

/** A unique temporary path beside `target` (`<target>.tmp-<pid>-<n>`), in the same folder so the rename is atomic. */
export function tempPathFor(target: string): string {
  return `${target}${IN_PROGRESS_MARKER}${process.pid}-${++counter}`;
}
