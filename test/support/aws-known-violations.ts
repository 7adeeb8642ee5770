/**
 * Requests the production code sends today that break AWS's published
 * constraints, each waiting for its fix. While an entry is here, the matching
 * send in the named test goes through to the mock instead of failing the test,
 * so the suite stays green; everything else still fails.
 *
 * Two sources:
 * - `production`: the code under test builds the bad request. The entry names
 *   one test and the issue that will fix the code.
 * - `test-data`: the bad value comes from the test's own fake (e.g. a mocked
 *   response's statement id that the code sends back). The entry may cover a
 *   whole test file; the fix is to make the fake realistic.
 *
 * An entry must match: the same service, operation, rule and path (`[*]`
 * stands for any list index) in the named test (or file). An entry that no
 * request matched fails the run: a per-test entry fails its test, a per-file
 * entry fails the file (unless tests were filtered with -t or .only). Once
 * the code or the fake is fixed, delete the entry.
 * `test/unit/aws-request-constraints.test.ts` checks that every entry's file
 * and test titles still exist.
 */
import type { ConstraintRule } from './aws-request-constraints';

/** One known production violation. */
export interface KnownViolation {
  /** Model file name of the service, e.g. `redshift-data`. */
  service: string;
  /** Operation name, e.g. `BatchExecuteStatement`. */
  operation: string;
  /** Member path as the checker reports it; `[*]` matches any list index. */
  path: string;
  rule: ConstraintRule;
  /** Test file, relative to the repository root. */
  testFile: string;
  /** The test's titles, outermost `describe` first (jest joins them with spaces); absent: any test in the file (test-data only). */
  test?: string[];
  source: 'production' | 'test-data';
  /** Where the fix is tracked, e.g. "to be fixed: issue 11 defect 1". */
  issue: string;
}

/** Today's known violations; each entry is deleted by the change that fixes it. */
export const KNOWN_VIOLATIONS: readonly KnownViolation[] = [];
