/**
 * The dependency rule of the code base (docs/architecture.md, "Layout"):
 *
 *   definition ← core ← jobs ← runtimes,   adapters → core,   no cycles.
 *
 * - definition: jobs/lib/definition/, crawlers/, lifecycle/ — pure data.
 * - core: jobs/lib/core/ — ports, errors, run lifecycle, SQL rendering, load statements.
 * - jobs: jobs/<verb>/*.ts except handler.ts and local.ts — the job functions.
 * - adapters: jobs/lib/adapters/<technology>/ — implement ports.
 * - runtimes (composition roots): jobs/lib/runtimes/<runtime>/, jobs/<verb>/handler.ts, jobs/<verb>/local.ts.
 *
 * Checked by test/unit/dependency-rules.test.ts (and `npx depcruise -c .dependency-cruiser.cjs jobs scripts stacks crawlers lifecycle`).
 */
const DEFINITION = '^(jobs/lib/definition/|crawlers/|lifecycle/)';
const COMPOSITION_ROOTS = '^(jobs/lib/runtimes/|jobs/[^/]+/(handler|local)\\.ts$)';
const JOB_MODULES = '^jobs/(?!lib/)[^/]+/(?!(handler|local)\\.ts$)[^/]+\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules must not depend on themselves through others; a cycle hides which concern owns what.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'definition-is-pure',
      severity: 'error',
      comment: 'The pipeline definition is data read by every layer; it imports nothing outside the definition.',
      from: { path: DEFINITION },
      to: { path: '^(jobs|scripts|stacks|test)/', pathNot: DEFINITION },
    },
    {
      name: 'core-depends-on-definition-only',
      severity: 'error',
      comment: 'Core (ports, rules, SQL) knows no adapter, job or runtime.',
      from: { path: '^jobs/lib/core/' },
      to: { path: '^(jobs|scripts|stacks|test)/', pathNot: `${DEFINITION}|^jobs/lib/core/` },
    },
    {
      name: 'jobs-use-ports-not-adapters',
      severity: 'error',
      comment: 'A job depends on ports (core) and the definition; the composition roots wire adapters in.',
      from: { path: JOB_MODULES },
      to: { path: `^jobs/lib/(adapters|runtimes)/|${COMPOSITION_ROOTS}|^(scripts|stacks|test)/` },
    },
    {
      name: 'adapters-depend-on-core',
      severity: 'error',
      comment: 'An adapter implements a port: it may use core, the definition and adapters of its own technology only.',
      from: { path: '^jobs/lib/adapters/([^/]+)/' },
      to: {
        path: '^(jobs|scripts|stacks|test)/',
        pathNot: [`${DEFINITION}`, '^jobs/lib/core/', '^jobs/lib/adapters/$1/'],
      },
    },
    {
      name: 'runtimes-stay-apart',
      severity: 'error',
      comment: 'The Lambda and the local runtime are separate composition roots; neither imports the other.',
      from: { path: '^(jobs/lib/runtimes/lambda/|jobs/[^/]+/handler\\.ts$)' },
      to: { path: '^(jobs/lib/runtimes/local/|jobs/[^/]+/local\\.ts$)' },
    },
    {
      name: 'runtimes-stay-apart-local',
      severity: 'error',
      comment: 'The local runtime does not import the Lambda runtime.',
      from: { path: '^(jobs/lib/runtimes/local/|jobs/[^/]+/local\\.ts$)' },
      to: { path: '^(jobs/lib/runtimes/lambda/|jobs/[^/]+/handler\\.ts$)' },
    },
    {
      name: 'jobs-do-not-import-tools',
      severity: 'error',
      comment: 'Nothing under jobs/ depends on the CLI, the stacks or the tests.',
      from: { path: '^jobs/' },
      to: { path: '^(scripts|stacks|test)/' },
    },
    {
      name: 'stacks-are-declarative',
      severity: 'error',
      comment: 'The stacks read the definition (and core errors); they import no SDK, adapter, job or runtime.',
      from: { path: '^stacks/' },
      to: { path: `^@aws-sdk/|^jobs/lib/(adapters|runtimes)/|${JOB_MODULES}|${COMPOSITION_ROOTS}` },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdktf\\.out|\\.lakehouse)/' },
    // The fixture trees of test/unit/dependency-rules.test.ts have no tsconfig of their own.
    tsConfig: require('node:fs').existsSync('tsconfig.json') ? { fileName: 'tsconfig.json' } : undefined,
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
