/**
 * The environment variables the CLI reads are all in its one list
 * (scripts/cli/environment.ts, printed by `--help`) and in the README.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { CLI_VARIABLES, environmentHelp } from '../../scripts/cli/environment';

const ROOT = resolve(__dirname, '../..');

/**
 * Code the CLI does not run: the Lambda runtime and entry points, the
 * benchmark and the bundler (their variables are in the README's other tables).
 */
const NOT_CLI = [/^jobs\/lib\/runtimes\/lambda\//, /^jobs\/[^/]+\/handler\.ts$/, /^scripts\/bench\//, /^scripts\/build\.ts$/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

/** `env.NAME`, `env['NAME']` and `process.env.NAME` read in the CLI's code, with the file of the first read. */
function variablesRead(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of [...sourceFiles(join(ROOT, 'jobs')), ...sourceFiles(join(ROOT, 'scripts'))]) {
    const rel = relative(ROOT, file);
    if (NOT_CLI.some((re) => re.test(rel))) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g)) {
      const name = m[1] ?? m[2];
      if (!found.has(name)) found.set(name, rel);
    }
  }
  return found;
}

describe('the CLI environment list', () => {
  it('holds every variable the CLI reads (and only those)', () => {
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(10); // the scan must see the settings, or it proves nothing
    const listed = new Set(CLI_VARIABLES.map((v) => v.name));
    expect([...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (${file})`)).toEqual([]);
    expect([...listed].filter((name) => !read.has(name))).toEqual([]);
  });

  it('is in --help, one line per variable, and in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const help = environmentHelp();
    for (const v of CLI_VARIABLES) {
      expect(v.description).not.toMatch(/\n/);
      expect(help).toContain(`  ${v.name} `);
      expect([v.name, readme.includes(`| \`${v.name}\` |`)]).toEqual([v.name, true]);
    }
  });
});
