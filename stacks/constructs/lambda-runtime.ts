/**
 * The Lambda runtime every job runs on, and the Node.js runtimes' deprecation
 * dates it is checked against.
 *
 * Source: AWS Lambda Developer Guide, "Lambda runtimes" (supported and
 * deprecated runtimes tables, https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html)
 * and "Runtime deprecation" (runtime-support-policy): after a runtime's
 * deprecation date Lambda stops patching it, and soon after it blocks
 * creating and then updating functions on it, so a stack on a deprecated
 * runtime stops deploying.
 *
 * Why not nodejs24.x (deprecates 2028-04-30): the AWS provider this project
 * is generated against (@cdktf/provider-aws 21, Terraform AWS provider 6.11,
 * pinned exactly in the synthesized `required_providers`) validates the
 * runtime against its own list, and `nodejs24.x` is only accepted by later
 * 6.x providers (about 6.19 on, per the provider's issue tracker). Moving to
 * it means moving the provider bindings first.
 */

/** Deprecation date (UTC, `YYYY-MM-DD`) of each Node.js Lambda runtime the project has used or may use. */
export const NODE_RUNTIME_DEPRECATION: Record<string, string> = {
  'nodejs18.x': '2025-09-01',
  'nodejs20.x': '2026-04-30',
  'nodejs22.x': '2027-04-30',
  'nodejs24.x': '2028-04-30',
};

/**
 * Lambda runtime of every job. The bundles must target the same Node.js major
 * (scripts/build.ts: esbuild `target: 'node22'`).
 */
export const JOB_RUNTIME = 'nodejs22.x';

/** True when `runtime` is past its deprecation date at `now` (unknown runtimes count as deprecated). */
export function isDeprecatedRuntime(runtime: string, now: Date): boolean {
  const date = NODE_RUNTIME_DEPRECATION[runtime];
  return !date || now.getTime() >= Date.parse(`${date}T00:00:00Z`);
}
