/**
 * The dependency rule (.dependency-cruiser.cjs; docs/architecture.md,
 * "Layout"): the code base obeys it, and every rule fires on a fixture tree
 * built to break it, so a rule whose paths stop matching cannot pass silently.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
const CONFIG = resolve(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = resolve(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface CruiseResult {
  summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
}

/** Runs dependency-cruiser in `cwd` over `folders` with the project's rules; returns its JSON report. */
function cruise(cwd: string, folders: string[]): CruiseResult {
  const out = execFileSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as CruiseResult;
}

describe('dependency rule', () => {
  it('holds for the code base', () => {
    const result = cruise(ROOT, ['jobs', 'scripts', 'stacks', 'crawlers', 'lifecycle']);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    expect(result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('fires every rule on a tree that breaks each one', () => {
    const result = cruise(resolve(ROOT, 'test/fixtures/dependency-rules'), ['jobs', 'scripts', 'stacks']);
    const fired = (rule: string) =>
      result.summary.violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}`);
    expect(fired('definition-is-pure')).toEqual(['jobs/lib/definition/zones.ts → jobs/lib/core/errors.ts']);
    expect(fired('core-depends-on-definition-only')).toContain('jobs/lib/core/errors.ts → jobs/lib/adapters/fs/store.ts');
    expect(fired('no-circular')).toEqual(
      expect.arrayContaining([
        'jobs/lib/core/cycle-a.ts → jobs/lib/core/cycle-b.ts',
        'jobs/extract/handler.ts → jobs/extract/local.ts',
      ]),
    );
    expect(fired('jobs-do-not-import-tools')).toEqual(['jobs/lib/core/ports.ts → scripts/cli.ts']);
    expect(fired('adapters-depend-on-core')).toEqual(['jobs/lib/adapters/duckdb/catalog.ts → jobs/lib/adapters/fs/store.ts']);
    expect(fired('jobs-use-ports-not-adapters')).toEqual(['jobs/extract/extract.ts → jobs/lib/adapters/fs/store.ts']);
    expect(fired('runtimes-stay-apart')).toEqual(['jobs/extract/handler.ts → jobs/extract/local.ts']);
    expect(fired('runtimes-stay-apart-local')).toEqual(['jobs/extract/local.ts → jobs/extract/handler.ts']);
    expect(fired('stacks-are-declarative')).toEqual(['stacks/app.ts → jobs/lib/adapters/fs/store.ts']);
  });
});
