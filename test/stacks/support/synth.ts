/**
 * Test support: synthesizes the stacks offline into a temp folder (the same
 * `App.synth()` `npm run synth` runs) and reads the Terraform JSON back, with
 * small helpers to find resources and follow `${…}` references.
 */
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STEPS, type Step } from '../../../jobs/lib/definition/run-stages';
import { buildApp, stackNames } from '../../../stacks/app';
import { stackConfig, type StackConfig } from '../../../stacks/config';

/** A synthesized stack's Terraform JSON (the parts the tests read). */
export interface TfJson {
  resource: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: unknown }>;
  provider?: Record<string, any[]>;
  terraform?: Record<string, any>;
}

export interface Synthesized {
  config: StackConfig;
  dir: string;
  lake: TfJson;
  pipeline: TfJson;
  cleanup(): void;
}

/** The fixture bundles (tiny folders with an index.js), one per job. */
export const FIXTURE_BUNDLES = resolve(__dirname, '..', 'fixtures', 'lambda');

/** The dev config with the Lambda assets pointing at the fixture bundles, plus `overrides`. */
export function fixtureConfig(overrides: Partial<StackConfig> = {}): StackConfig {
  const dev = stackConfig('dev');
  const lambdaAssets = Object.fromEntries(STEPS.map((s) => [s, join(FIXTURE_BUNDLES, s)])) as Record<Step, string>;
  return { ...dev, lambdaAssets, ...overrides };
}

/** Synthesizes both stacks of `config` into a fresh temp folder and parses them. */
export function synthesize(config: StackConfig): Synthesized {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-synth-'));
  const { app } = buildApp(config, dir);
  app.synth();
  const names = stackNames(config);
  const read = (stack: string) => JSON.parse(readFileSync(join(dir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as TfJson;
  return {
    config,
    dir,
    lake: read(names.lake),
    pipeline: read(names.pipeline),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Resources of one type as `{ name, body }`. */
export function resourcesOf(tf: TfJson, type: string): { name: string; body: Record<string, any> }[] {
  return Object.entries(tf.resource[type] ?? {}).map(([name, body]) => ({ name, body }));
}

/** Data sources of one type as `{ name, body }`. */
export function dataOf(tf: TfJson, type: string): { name: string; body: Record<string, any> }[] {
  return Object.entries(tf.data?.[type] ?? {}).map(([name, body]) => ({ name, body }));
}

/** The one resource of `type` (as `{ name, body }`) satisfying `where`; throws when there is not exactly one. */
function single(
  tf: TfJson,
  type: string,
  where: (body: Record<string, any>) => boolean,
): { name: string; body: Record<string, any> } {
  const found = resourcesOf(tf, type).filter((r) => where(r.body));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The body of the one resource of `type` satisfying `where`; throws when there is not exactly one. */
export function only(tf: TfJson, type: string, where: (body: Record<string, any>) => boolean): Record<string, any> {
  return single(tf, type, where).body;
}

/** `${aws_x.name.attr}` / `${data.aws_y.name.attr}` → its parts, or undefined for anything else. */
export function parseRef(value: unknown): { data: boolean; type: string; name: string; attr: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/.exec(value);
  return m ? { data: !!m[1], type: m[2], name: m[3], attr: m[4] } : undefined;
}

/** The reference string to attribute `attr` of resource `type.name`. */
export const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;

/** The name (Terraform address part) of the one resource of `type` whose body satisfies `where`; throws when there is not exactly one. */
export function nameOf(tf: TfJson, type: string, where: (body: Record<string, any>) => boolean): string {
  return single(tf, type, where).name;
}

/** The statements of the policy document a `policy` / `assume_role_policy` attribute refers to. */
export function statementsOf(tf: TfJson, policyRef: unknown): Record<string, any>[] {
  const r = parseRef(policyRef);
  if (!r?.data || r.type !== 'aws_iam_policy_document') throw new Error(`not a policy document reference: ${String(policyRef)}`);
  const doc = tf.data?.aws_iam_policy_document?.[r.name];
  if (!doc) throw new Error(`no policy document ${r.name}`);
  return doc.statement;
}
