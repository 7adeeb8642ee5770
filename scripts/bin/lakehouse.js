#!/usr/bin/env node
// The `lakehouse` CLI launcher: runs the TypeScript sources directly through tsx,
// so a fresh clone needs no build step (`npx lakehouse …`, `npm start`).
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(`lakehouse: ${error && error.message ? error.message : error}`);
    process.exitCode = 1;
  });
