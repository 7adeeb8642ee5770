/**
 * Tests delete the temporary folders they make (issue 12, item 17: a full
 * `npm test` left ~600 MB of homes in the temp folder from five files that
 * called `mkdtempSync` and never removed the result). A file makes its
 * folders through test/support/temp-dirs.ts, or removes them itself with
 * `rmSync`; this check reads the test sources, so a new file that does
 * neither fails here, before it fills a CI machine's disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const TEST_ROOT = resolve(__dirname, '..');

/** Every .ts file under `dir`, recursively (fixtures hold data, not code, and are skipped). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('temporary folders of the tests', () => {
  it('are made through tempDirs() or removed by the file that makes them', () => {
    const leaking = sources(TEST_ROOT)
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return /\bmkdtempSync\(/.test(text) && !/\brmSync\(/.test(text);
      })
      .map((file) => relative(TEST_ROOT, file));
    expect(leaking).toEqual([]);
  });

  it('finds the test sources it checks', () => {
    const files = sources(TEST_ROOT).map((file) => relative(TEST_ROOT, file));
    expect(files).toContain(join('support', 'temp-dirs.ts'));
    expect(files.length).toBeGreaterThan(100);
  });
});
