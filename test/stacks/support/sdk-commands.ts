/**
 * Test support: the AWS SDK commands a job's Lambda code can send, found in
 * its source. Starting from `jobs/<step>/handler.ts`, follows every relative
 * value import (type-only imports carry no code) and collects each
 * `new XxxCommand(`, lib-storage's `new Upload(` and Powertools'
 * `new SecretsProvider(` with the file that holds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Step } from '../../../jobs/lib/definition/run-stages';

/** The repository root. */
const ROOT = resolve(__dirname, '..', '..', '..');

/** What sends AWS requests: SDK commands, multipart uploads, the Powertools secrets provider. */
const SENDER = /new ([A-Z][A-Za-z0-9]*Command|Upload|SecretsProvider)\(/g;

/** `import … from '<spec>'` (value imports), and `export … from '<spec>'` re-exports. */
const IMPORT = /^\s*(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+'([^']+)';/gms;

function resolveModule(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, resolve(base, 'index.ts')].find((candidate) => existsSync(candidate));
}

/** The files the step's handler reaches (repo-relative), the handler first. */
export function reachableFiles(step: Step): string[] {
  const start = resolve(ROOT, 'jobs', step, 'handler.ts');
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[1] || !m[2].startsWith('.')) continue;
      const target = resolveModule(file, m[2]);
      if (target) queue.push(target);
    }
  }
  return [...seen].map((f) => relative(ROOT, f).split('\\').join('/'));
}

/** `<command>@<file>` for every request sender in the files the step reaches, sorted. */
export function sdkCommandsOf(step: Step): string[] {
  const found = new Set<string>();
  for (const file of reachableFiles(step)) {
    for (const m of readFileSync(resolve(ROOT, file), 'utf8').matchAll(SENDER)) found.add(`${m[1]}@${file}`);
  }
  return [...found].sort();
}
