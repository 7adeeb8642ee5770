/**
 * `npm run synth` (stacks/main.ts run by tsx): writes both stacks' Terraform
 * JSON offline, with bundles from LAKEHOUSE_LAMBDA_DIR, and fails with a
 * clear message when the bundles are missing. Runs the real script in a
 * child process with proxies pointed at a closed port, so any network use
 * would fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FIXTURE_BUNDLES } from './support/synth';

const ROOT = resolve(__dirname, '..', '..');

function runSynth(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), join('stacks', 'main.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      CHECKPOINT_DISABLE: '1',
      ...env,
    },
    timeout: 90_000,
  });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('npm run synth', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'lakehouse-cdktf-out-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes the dev environment offline into the output folder', () => {
    const { status, out } = runSynth({ CDKTF_OUTDIR: outdir, LAKEHOUSE_LAMBDA_DIR: FIXTURE_BUNDLES });
    expect({ status, out }).toEqual({
      status: 0,
      out: expect.stringContaining('synthesized lakehouse-dev-lake and lakehouse-dev-pipeline'),
    });
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks).sort()).toEqual(['lakehouse-dev-lake', 'lakehouse-dev-pipeline']);
    expect(manifest.stacks['lakehouse-dev-pipeline'].dependencies).toEqual(['lakehouse-dev-lake']);
    for (const stack of Object.keys(manifest.stacks)) expect(existsSync(join(outdir, 'stacks', stack, 'cdk.tf.json'))).toBe(true);
  });

  it('stops with a clear message when the Lambda bundles have not been built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lakehouse-no-bundles-'));
    try {
      const { status, out } = runSynth({ CDKTF_OUTDIR: join(empty, 'out'), LAKEHOUSE_LAMBDA_DIR: empty });
      expect(status).toBe(1);
      expect(out).toContain('run `npm run build` first');
      expect(existsSync(join(empty, 'out'))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
