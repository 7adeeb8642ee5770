/**
 * Test support: temporary folders that are deleted after the tests that made
 * them. Call {@link tempDirs} where hooks may be declared (a file's top level
 * or a `describe` body); it registers an `afterAll` that removes every folder
 * the returned function made, so a suite leaves nothing in `os.tmpdir()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Returns `make(prefix)`: creates `<os.tmpdir()>/<prefix>XXXXXX` (mkdtemp) and
 * returns its path; every folder made is removed (recursively) after all
 * tests of the enclosing block. Must be called outside a test (it declares a hook).
 */
export function tempDirs(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
