/**
 * The cdktf app entry (`cdktf.json` "app", and `npm run synth`): synthesizes
 * the Terraform JSON of one environment into `cdktf.out/` offline (no
 * terraform binary, no network). `LAKEHOUSE_ENV` picks the environment
 * (default `dev`); the other overrides are listed in stacks/config.ts.
 */
import { resolve } from 'node:path';
import { errorMessage } from '../jobs/lib/core/errors';
import { buildApp, stackNames } from './app';
import { resolveLambdaAssets, stackConfig } from './config';

function main(): void {
  const base = stackConfig(process.env.LAKEHOUSE_ENV || 'dev', process.env);
  const config = { ...base, lambdaAssets: resolveLambdaAssets(base.lambdaAssets) };
  const outdir = resolve(process.env.CDKTF_OUTDIR || resolve(__dirname, '..', 'cdktf.out'));
  const { app } = buildApp(config, outdir);
  app.synth();
  const names = stackNames(config);
  console.log(`synthesized ${names.lake} and ${names.pipeline} (${config.environment}, ${config.region}) into ${outdir}`);
}

try {
  main();
} catch (error) {
  console.error(`synth failed: ${errorMessage(error)}`);
  process.exitCode = 1;
}
