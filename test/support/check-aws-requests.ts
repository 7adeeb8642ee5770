/**
 * Jest setup (unit project): every request an AWS SDK v3 client sends in a
 * test is checked against AWS's published constraints; a test that sends one
 * outside them fails. See aws-request-interception.ts.
 */
import {
  assertFileSentValidRequests,
  assertTestSentValidRequests,
  installAwsRequestInterception,
} from './aws-request-interception';

installAwsRequestInterception();

afterEach(() => {
  assertTestSentValidRequests();
});

// Sends made outside any test (module load, beforeAll), and per-file allow-list entries no test used.
afterAll(() => {
  assertFileSentValidRequests();
});
