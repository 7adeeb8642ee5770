#!/usr/bin/env node
// The `lakehouse` CLI launcher: runs the TypeScript sources directly through tsx,
// so a fresh clone needs no build step (`npx lakehouse …`, `npm start`).
//
// On Linux it first starts itself again with MALLOC_ARENA_MAX=2 (unless the
// variable is set): glibc gives every thread that allocates (zlib's and
// DuckDB's workers) a malloc arena of its own and keeps what they free, which
// put about 70 MB on the resident set of a scale-100 run; two arenas cost no
// measurable time there.
if (process.platform === 'linux' && !process.env.MALLOC_ARENA_MAX) {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...process.argv.slice(2)], {
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
