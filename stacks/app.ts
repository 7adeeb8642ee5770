/**
 * Builds the cdktf app of one environment: the lake stack (stateful) and the
 * pipeline stack (stateless), named `lakehouse-<env>-lake` and
 * `lakehouse-<env>-pipeline`. Used by stacks/main.ts and the stack tests.
 */
import { App, S3Backend, type TerraformStack } from 'cdktf';
import type { StackConfig } from './config';
import { LakeStack } from './lake-stack';
import { PipelineStack } from './pipeline-stack';

/** Stack names of an environment (what `cdktf deploy <stack>` takes). */
export function stackNames(config: StackConfig): { lake: string; pipeline: string } {
  return { lake: `lakehouse-${config.environment}-lake`, pipeline: `lakehouse-${config.environment}-pipeline` };
}

/**
 * Creates the app with both stacks writing to `outdir`. Call `app.synth()` to
 * write `<outdir>/stacks/<stack>/cdk.tf.json`. The config's Lambda assets
 * must exist (see `resolveLambdaAssets`); cdktf throws otherwise.
 */
export function buildApp(config: StackConfig, outdir: string): { app: App; lake: LakeStack; pipeline: PipelineStack } {
  const app = new App({ outdir, skipValidation: false });
  const ids = stackNames(config);
  const lake = new LakeStack(app, ids.lake, config);
  const pipeline = new PipelineStack(app, ids.pipeline, { config, lake: lake.exports });
  pipeline.addDependency(lake);
  if (config.stateBackend) {
    useS3State(lake, ids.lake, config);
    useS3State(pipeline, ids.pipeline, config);
  }
  return { app, lake, pipeline };
}

/** Keeps `stack`'s state in the configured S3 bucket, encrypted, with S3-native lock files. */
function useS3State(stack: TerraformStack, stackName: string, config: StackConfig): void {
  const state = config.stateBackend!;
  const backend = new S3Backend(stack, {
    bucket: state.bucket,
    key: `${state.keyPrefix}/${stackName}.tfstate`,
    region: config.region,
    encrypt: true,
  });
  backend.addOverride('use_lockfile', true);
}
