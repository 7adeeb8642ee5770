/**
 * Jest projects, by speed (ts-jest, each file transpiled alone; type checking
 * is `npm run typecheck`):
 * - unit: pure code and SDK-mocked adapters, no engine or database; under 30 s.
 *   Every AWS SDK request a unit test sends is checked against AWS's published
 *   constraints (test/support/check-aws-requests.ts).
 * - adapters: each adapter against its real engine (fs, DuckDB, PGlite, and a
 *   PostgreSQL server when TEST_DATABASE_URL is set), plus the SQL models on DuckDB.
 * - stacks: cdktf synth of both stacks, and the Lambda bundles they deploy.
 * - integration: the whole chain and the CLI through its bin.
 * `npm test` runs all four; `npm run test:unit` (etc.) runs one.
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};

const project = (name, roots, extra = {}) => ({
  ...shared,
  displayName: name,
  roots: roots.map((root) => `<rootDir>/${root}`),
  testMatch: ['**/*.test.ts'],
  ...extra,
});

module.exports = {
  testTimeout: 20000,
  maxWorkers: 2,
  projects: [
    project('unit', ['test/unit'], { setupFilesAfterEnv: ['<rootDir>/test/support/check-aws-requests.ts'] }),
    project('adapters', ['test/adapters', 'test/sql']),
    project('stacks', ['test/stacks']),
    project('integration', ['test/integration'], { setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'] }),
  ],
};
