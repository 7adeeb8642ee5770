/**
 * Checks every command any AWS SDK v3 client sends in a test against AWS's
 * published request constraints (`aws-request-constraints.ts`), whether the
 * client is real or mocked with aws-sdk-client-mock.
 *
 * Two doors lead to a send, and both are watched:
 * - the base `Client.prototype.send` of `@smithy/core` (every v3 client
 *   extends that class), for clients that are not mocked;
 * - aws-sdk-client-mock's `mockClient`, which puts a sinon stub on the
 *   client's prototype (or instance) in front of the base method: the stub is
 *   replaced by a proxy that checks, then calls the stub, so `.on(...)`,
 *   `.calls()`, `restore()` and the jest matchers see the same stub as before.
 *
 * A send that breaks a constraint, or comes from a client or command the
 * checker has no model for, is rejected with an `AwsRequestConstraintError`
 * (as AWS would answer with a ValidationException), and the failure is
 * recorded so the test fails in `afterEach` even when the code under test
 * catches the rejection. A violation listed in `aws-known-violations.ts` for
 * the running test goes through to the stub instead.
 *
 * Survey mode: with AWS_REQUEST_CONSTRAINTS_SURVEY set to a file path, every
 * checked request is appended to that file as one JSON line (test, service,
 * operation, violations) and let through, so one run lists every violation
 * rather than stopping each test at its first; nothing fails in this mode
 * except unknown clients and commands (and the checker's own interception
 * tests, which expect rejections).
 */
import { appendFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { type KnownViolation, KNOWN_VIOLATIONS } from './aws-known-violations';
import { type ConstraintViolation, describeViolations, SERVICE_OF_CLIENT, validateRequest } from './aws-request-constraints';

/** The rejection of a request that breaks a published constraint (or cannot be checked). */
export class AwsRequestConstraintError extends Error {
  override name = 'AwsRequestConstraintError';
  constructor(
    readonly client: string,
    readonly service: string | undefined,
    readonly operation: string | undefined,
    readonly violations: ConstraintViolation[],
    message: string,
  ) {
    super(message);
  }
}

const ROOT = resolve(__dirname, '..', '..');
const INSTALLED = Symbol.for('lakehouse.aws-request-interception');

/** Failures not yet reported, and known entries matched, in the running test file. */
const pending: AwsRequestConstraintError[] = [];
const used = new Set<KnownViolation>();

/** The running test: file relative to the repository root, and jest's full name. */
function currentTest(): { file: string | undefined; name: string | undefined } {
  const state = expect.getState();
  return { file: state.testPath ? relative(ROOT, state.testPath).split('\\').join('/') : undefined, name: state.currentTestName };
}

const pathMatches = (entry: string, actual: string) => entry === actual || entry === actual.replace(/\[\d+\]/g, '[*]');

/** Known entries that apply to the running test (its own, and its file's). */
function knownForCurrentTest(known: readonly KnownViolation[]): KnownViolation[] {
  const { file, name } = currentTest();
  return known.filter((k) => k.testFile === file && (k.test === undefined || k.test.join(' ') === name));
}

/**
 * Whether jest runs only some tests of this file (-t, .only), read from
 * jest-circus's state; undefined when that state cannot be found.
 */
export function testsAreFiltered(): boolean | undefined {
  const symbol = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  const state = symbol
    ? (globalThis as unknown as Record<symbol, { testNamePattern?: unknown; hasFocusedTests?: boolean } | undefined>)[symbol]
    : undefined;
  if (!state) return undefined;
  return Boolean(state.testNamePattern) || Boolean(state.hasFocusedTests);
}

/**
 * Checks one send. Returns the error to reject it with, or undefined to let it through.
 * Never throws.
 */
export function checkSend(
  client: unknown,
  command: unknown,
  known: readonly KnownViolation[] = KNOWN_VIOLATIONS,
): AwsRequestConstraintError | undefined {
  const clientName = (client as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof client;
  const commandName = (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? typeof command;
  const service = SERVICE_OF_CLIENT[clientName];
  const fail = (operation: string | undefined, violations: ConstraintViolation[], message: string) => {
    const error = new AwsRequestConstraintError(clientName, service, operation, violations, message);
    pending.push(error);
    return error;
  };
  if (!service) {
    return fail(
      undefined,
      [],
      `${clientName} sent ${commandName}, but no AWS request constraints are registered for ${clientName}: add its model to test/fixtures/aws-api-constraints/ and SERVICE_OF_CLIENT`,
    );
  }
  if (!commandName.endsWith('Command'))
    return fail(undefined, [], `${clientName} sent ${commandName}, which is not an SDK command`);
  const operation = commandName.slice(0, -'Command'.length);
  let violations: ConstraintViolation[];
  try {
    violations = validateRequest(service, operation, (command as { input?: unknown }).input);
  } catch (error) {
    return fail(operation, [], `${clientName} sent ${commandName}: ${(error as Error).message}`);
  }
  const surveyFile = process.env.AWS_REQUEST_CONSTRAINTS_SURVEY;
  if (surveyFile) {
    const { file, name } = currentTest();
    appendFileSync(surveyFile, `${JSON.stringify({ file, test: name, service, operation, violations })}\n`);
    return undefined;
  }
  const applicable = knownForCurrentTest(known);
  const unexpected = violations.filter((v) => {
    const entry = applicable.find(
      (k) => k.service === service && k.operation === operation && k.rule === v.rule && pathMatches(k.path, v.path),
    );
    if (entry) used.add(entry);
    return !entry;
  });
  if (unexpected.length === 0) return undefined;
  return fail(
    operation,
    unexpected,
    `request breaks AWS's published constraints:\n${describeViolations(service, operation, unexpected)}`,
  );
}

/** Hands back (and forgets) the failures recorded so far, for tests that expect a rejection. */
export function takeRejectedRequests(): AwsRequestConstraintError[] {
  return pending.splice(0, pending.length);
}

type Send = (this: unknown, command: unknown, ...rest: unknown[]) => unknown;

/** Rejects as `send` would: through the callback when one is given, else with a rejected promise. */
function rejectSend(error: Error, rest: unknown[]): unknown {
  const callback = rest.find((r) => typeof r === 'function') as ((e: Error) => void) | undefined;
  if (callback) {
    callback(error);
    return undefined;
  }
  return Promise.reject(error);
}

function checked(send: Send): Send {
  return function checkedSend(this: unknown, command: unknown, ...rest: unknown[]) {
    const error = checkSend(this, command);
    return error ? rejectSend(error, rest) : send.call(this, command, ...rest);
  };
}

/** Puts a checking proxy in front of the sinon stub aws-sdk-client-mock just installed on `target.send`. */
function proxyStub(target: { send: Send }): void {
  const stub = target.send;
  target.send = new Proxy(stub, {
    apply(fn, thisArg, args: unknown[]) {
      const error = checkSend(thisArg, args[0]);
      return error ? rejectSend(error, args.slice(1)) : Reflect.apply(fn, thisArg, args);
    },
  });
}

/**
 * Installs both hooks in the current jest module registry (once per test file).
 * @throws Error when the SDK base client or aws-sdk-client-mock no longer has the expected shape.
 */
export function installAwsRequestInterception(): void {
  const { Client } = require('@smithy/core/client') as { Client: { prototype: { send: Send } } };
  const base = Client.prototype as { send: Send & { [INSTALLED]?: true } };
  if (typeof base.send !== 'function')
    throw new Error('@smithy/core Client.prototype.send is missing: the request check cannot hook the SDK');
  if (!base.send[INSTALLED]) base.send = Object.assign(checked(base.send), { [INSTALLED]: true as const });

  const mock = require('aws-sdk-client-mock/dist/cjs/mockClient') as {
    mockClient: ((client: unknown, options?: unknown) => unknown) & { [INSTALLED]?: true };
  };
  if (typeof mock.mockClient !== 'function')
    throw new Error('aws-sdk-client-mock mockClient is missing: the request check cannot hook the mocks');
  if (mock.mockClient[INSTALLED]) return;
  const original = mock.mockClient;
  mock.mockClient = Object.assign(
    (client: unknown, options?: unknown) => {
      const stub = original(client, options);
      const isInstance = (client as { send?: unknown }).send !== undefined;
      proxyStub((isInstance ? client : (client as { prototype: unknown }).prototype) as { send: Send });
      return stub;
    },
    { [INSTALLED]: true as const },
  );
}

/**
 * Fails the running test for every unexpected request it sent, and for every
 * known-violation entry of this test that no request matched (the code was
 * fixed: delete the entry).
 * @throws Error listing them.
 */
export function assertTestSentValidRequests(known: readonly KnownViolation[] = KNOWN_VIOLATIONS): void {
  const problems = takeRejectedRequests().map((e) => e.message);
  if (process.env.AWS_REQUEST_CONSTRAINTS_SURVEY) known = []; // survey mode matches no entries
  for (const entry of knownForCurrentTest(known)) {
    if (entry.test !== undefined && !used.has(entry)) problems.push(stale(entry, 'this test'));
  }
  if (problems.length > 0) throw new Error(`AWS request constraints:\n${problems.join('\n')}`);
}

const stale = (entry: KnownViolation, where: string) =>
  `aws-known-violations.ts lists ${entry.service} ${entry.operation} ${entry.path} (${entry.rule}) for ${where}, but no request matched it: it is fixed, delete the entry (${entry.issue})`;

/**
 * At the end of a test file: fails for requests sent outside any test, and
 * for every per-file known-violation entry that no test of the file matched
 * (checked only when all the file's tests ran).
 * @throws Error listing them.
 */
export function assertFileSentValidRequests(known: readonly KnownViolation[] = KNOWN_VIOLATIONS): void {
  const problems = takeRejectedRequests().map((e) => e.message);
  const file = currentTest().file;
  if (testsAreFiltered() === false && !process.env.AWS_REQUEST_CONSTRAINTS_SURVEY) {
    for (const entry of known) {
      if (entry.testFile === file && entry.test === undefined && !used.has(entry)) problems.push(stale(entry, 'this file'));
    }
  }
  if (problems.length > 0) throw new Error(`AWS request constraints:\n${problems.join('\n')}`);
}
