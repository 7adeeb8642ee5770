#!/usr/bin/env node
// The `lakehouse` CLI launcher: runs the TypeScript sources directly through tsx,
// so a fresh clone needs no build step (`npx lakehouse …`, `npm start`).
//
// On Linux it first starts itself again with MALLOC_ARENA_MAX=2 (unless the
// variable is set): glibc gives every thread that allocates (zlib's and
// DuckDB's workers) a malloc arena of its own and keeps what they free, which
// put about 70 MB on the resident set of a scale-100 run; two arenas cost no
// measurable time there.
//
// The child also gets --wasm-num-compilation-tasks=1 (before the user's own
// flags, so theirs win): V8 otherwise compiles the embedded PostgreSQL's
// WebAssembly (PGlite) on up to 128 background tasks, each holding its own
// compiler memory; one task took about 20 MB off the first run's peak at no
// cost in wall time (docs/performance.md, "The embedded default").
if (process.platform === 'linux' && !process.env.MALLOC_ARENA_MAX) {
  const { spawn } = require('node:child_process');
  const flags = ['--wasm-num-compilation-tasks=1', ...process.execArgv];
  const child = spawn(process.execPath, [...flags, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_ARENA_MAX: '2' },
  });
  // Ctrl-C reaches the child from the terminal itself; other stop signals are passed on.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('error', (error) => {
    console.error(`lakehouse: ${error.message}`);
    process.exitCode = 1;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (require('node:os').constants.signals[signal] ?? 0) : 1);
  });
} else {
  require('tsx/cjs');
  require('../cli/main.ts')
    .main(process.argv)
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error) => {
      console.error(`lakehouse: ${error?.message ? error.message : error}`);
      process.exitCode = 1;
    });
}
