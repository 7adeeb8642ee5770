/**
 * Every job's role grants what its code asks AWS to do, and what Athena and
 * the Redshift Data API do on its behalf: for each step, each need of
 * support/job-calls.ts (IAM actions on sample resources) must be allowed by
 * one statement of the synthesized role policy, whose resource pattern covers
 * the sample ARN (IAM `*` / `?` wildcards) or names the referenced resource.
 * The list of calls is checked against the SDK commands found in the source,
 * so a job that starts sending a new command fails here until it is listed.
 */
import { STEPS, type Step } from '../../jobs/lib/definition/run-stages';
import { resourceNames } from '../../stacks/names';
import { jobCalls, SAMPLE_ACCOUNT, type Need, type Target } from './support/job-calls';
import { sdkCommandsOf } from './support/sdk-commands';
import { fixtureConfig, nameOf, only, parseRef, ref, statementsOf, synthesize, type Synthesized } from './support/synth';

const config = fixtureConfig();
const names = resourceNames(config);
const calls = jobCalls(names);
let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(config);
});
afterAll(() => synth?.cleanup());

/** One Allow statement of a role, as the checks read it. */
interface Grant {
  sid?: string;
  actions: string[];
  resources: string[];
}

/** The Allow statements of a job role's inline policy, with account and partition references made concrete. */
function grants(step: Step, from: Synthesized = synth): Grant[] {
  const tf = from.pipeline;
  const fnName = nameOf(tf, 'aws_lambda_function', (f) => f.function_name === names.jobFunction(step));
  const role = parseRef(tf.resource.aws_lambda_function[fnName].role)!.name;
  const policy = only(tf, 'aws_iam_role_policy', (p) => p.role === ref('aws_iam_role', role, 'id')).policy;
  return statementsOf(tf, policy)
    .filter((s) => (s.effect ?? 'Allow') === 'Allow')
    .map((s) => ({
      sid: s.sid as string | undefined,
      actions: s.actions as string[],
      resources: (s.resources as string[]).map((r) =>
        r.replace(/\$\{data\.aws_partition\.[^}]+\}/g, 'aws').replace(/\$\{data\.aws_caller_identity\.[^}]+\}/g, SAMPLE_ACCOUNT),
      ),
    }));
}

/** True when IAM resource pattern `pattern` (with `*` and `?`) covers `arn`. */
function covers(pattern: string, arn: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(arn);
}

const reaches = (resource: string, target: Target) =>
  typeof target === 'string' ? covers(resource, target) : target.test(resource);

/** The needs of `step` no statement grants, as `action on target (why)` lines. */
function missing(step: Step, needs: Need[], from: Synthesized = synth): string[] {
  return notGranted(grants(step, from), needs);
}

/** The needs no statement of `granted` allows, as `action on target (why)` lines. */
function notGranted(granted: Grant[], needs: Need[]): string[] {
  const out: string[] = [];
  for (const need of needs) {
    for (const action of need.actions) {
      for (const target of need.on) {
        const ok = granted.some((g) => g.actions.includes(action) && g.resources.some((r) => reaches(r, target)));
        if (!ok) out.push(`${action} on ${String(target)} (${need.why})`);
      }
    }
  }
  return out;
}

describe('job permissions cover the calls', () => {
  it.each(STEPS)('%s: the listed calls are exactly the SDK commands its code can send', (step) => {
    const inSource = sdkCommandsOf(step);
    const listed = [...calls[step].calls.filter((c) => !c.planned), ...calls[step].unused].map((c) => `${c.command}@${c.source}`);
    expect([...new Set(listed)].sort()).toEqual(inSource);
    const plannedButSent = calls[step].calls.filter((c) => c.planned && inSource.includes(`${c.command}@${c.source}`));
    expect(plannedButSent.map((c) => `${c.command} is sent now: drop its planned flag`)).toEqual([]);
  });

  it.each(STEPS)('%s: its role allows every call on the resources it sends it to', (step) => {
    expect(
      missing(
        step,
        calls[step].calls.flatMap((c) => c.needs),
      ),
    ).toEqual([]);
  });

  it.each(STEPS)('%s: its role allows what AWS services do on its behalf', (step) => {
    expect(missing(step, calls[step].onBehalf)).toEqual([]);
  });

  it('sweep: every statement of its role is needed, so dropping any one leaves a call uncovered', () => {
    // The sweep's statements: the ledger read, PutEvents, and the freshness check's and the unrecorded-run
    // removal's grants. The KMS statements (checked below), its log group and its dead-letter queue are the
    // job function construct's.
    const granted = grants('sweep');
    const needs = [...calls.sweep.calls.flatMap((c) => c.needs), ...calls.sweep.onBehalf];
    expect(notGranted(granted, needs)).toEqual([]);
    const own = granted.filter((g) => !g.actions.every((a) => /^(kms|logs|sqs):/.test(a)));
    expect(own.map((g) => g.sid).sort()).toEqual([
      'ListCleanedZone',
      'ListLedgerBucket',
      'ListTransformedZone',
      'PublishPipelineEvents',
      'QueryResults',
      'QueryResultsBucket',
      'ReadCleanedCatalog',
      'ReadCleanedZone',
      'ReadRunLedger',
      'ReadWriteFreshnessResults',
      'RemoveUnrecordedRunParts',
      'RunFreshnessQueries',
    ]);
    for (const statement of own) {
      const without = granted.filter((g) => g !== statement);
      expect({ dropped: statement.sid, uncovered: notGranted(without, needs).length > 0 }).toEqual({
        dropped: statement.sid,
        uncovered: true,
      });
    }
  });

  it('reconcile: every statement of its role is needed, so dropping any one leaves a call uncovered', () => {
    // The ledger, the source secret, the run and scratch writes, raw partition registration, and the
    // Athena comparison's grants (queries, the cleaned catalog, the key tables, the files it reads).
    const granted = grants('reconcile');
    const needs = [...calls.reconcile.calls.flatMap((c) => c.needs), ...calls.reconcile.onBehalf];
    expect(notGranted(granted, needs)).toEqual([]);
    const own = granted.filter((g) => !g.actions.every((a) => /^(kms|logs|sqs):/.test(a)));
    expect(own.map((g) => g.sid).sort()).toEqual([
      'ListCleanedZone',
      'ListLedgerBucket',
      'LocateRawBucket',
      'QueryResults',
      'QueryResultsBucket',
      'ReadCleanedCatalog',
      'ReadComparedFiles',
      'ReadSourceSecret',
      'ReadWriteRunLedger',
      'RegisterRawPartitions',
      'RemoveScratchAndDiscardedParts',
      'RunComparisonQueries',
      'ScratchKeyTables',
      'WriteReconcileRuns',
    ]);
    for (const statement of own) {
      const without = granted.filter((g) => g !== statement);
      expect({ dropped: statement.sid, uncovered: notGranted(without, needs).length > 0 }).toEqual({
        dropped: statement.sid,
        uncovered: true,
      });
    }
  });

  it('catches a missing grant (the check itself)', () => {
    const absent: Need = { actions: ['s3:GetObject'], on: [`arn:aws:s3:::${names.archiveBuckets.raw}/x`], why: 'never granted' };
    expect(missing('transform', [absent])).toHaveLength(1);
    expect(covers('arn:aws:s3:::b/_ledger/*', 'arn:aws:s3:::b/_ledger/runs/r.json')).toBe(true);
    expect(covers('arn:aws:s3:::b/_ledger/*', 'arn:aws:s3:::b/x/_ledger/r.json')).toBe(false);
  });
});

describe('job permissions with a customer-managed KMS key', () => {
  let kms: Synthesized;
  beforeAll(() => {
    kms = synthesize(fixtureConfig({ encryption: 'kms' }));
  });
  afterAll(() => kms?.cleanup());

  it.each(STEPS)('%s: may use the lake key wherever it reads or writes the lake', (step) => {
    // SSE-KMS objects: reading needs kms:Decrypt, writing kms:GenerateDataKey, also when Athena does it as the caller.
    const needs = [...calls[step].calls.flatMap((c) => c.needs), ...calls[step].onBehalf];
    const touchesLake = needs.some((need) => need.actions.some((a) => a.startsWith('s3:') && a !== 's3:ListBucket'));
    const key: Need = {
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      on: [/kms_key|kms-key|lake-key/],
      why: 'SSE-KMS objects',
    };
    expect(missing(step, touchesLake ? [key] : [], kms)).toEqual([]);
  });
});
