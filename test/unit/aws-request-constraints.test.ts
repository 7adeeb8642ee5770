/**
 * The request check (test/support/aws-request-constraints.ts) and its
 * interception of SDK sends (test/support/aws-request-interception.ts, on for
 * the unit project through jest.config.js).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetPartitionsCommand, GetTablesCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { KNOWN_VIOLATIONS, type KnownViolation } from '../support/aws-known-violations';
import {
  CONSTRAINTS_DIR,
  SERVICE_OF_CLIENT,
  serviceModel,
  UnknownAwsOperationError,
  uncheckedPatterns,
  validateRequest,
} from '../support/aws-request-constraints';
import {
  AwsRequestConstraintError,
  assertTestSentValidRequests,
  checkSend,
  takeRejectedRequests,
  testsAreFiltered,
} from '../support/aws-request-interception';
import { translateJavaPattern } from '../support/java-pattern';

const ROOT = resolve(__dirname, '../..');
const WORKGROUP = {
  WorkgroupName: 'lakehouse',
  Database: 'dev',
  SecretArn: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:lakehouse/redshift-admin-AbCdEf',
};
const STATEMENT_ID = 'd9b6c0c4-7f3e-4d1a-9c2b-0a1b2c3d4e5f';
const sqls = (n: number) => Array.from({ length: n }, (_, i) => `select ${i}`);
const rules = (service: string, operation: string, input: unknown) =>
  validateRequest(service, operation, input).map((v) => `${v.path} ${v.rule}`);

describe('validateRequest', () => {
  it('allows 1 to 40 statements in a Data API batch, and flags 41 and 0', () => {
    expect(validateRequest('redshift-data', 'BatchExecuteStatement', { ...WORKGROUP, Sqls: sqls(40) })).toEqual([]);
    expect(validateRequest('redshift-data', 'BatchExecuteStatement', { ...WORKGROUP, Sqls: sqls(41) })).toEqual([
      { path: 'Sqls', rule: 'max-size', expected: 'at most 40 items', actual: '41' },
    ]);
    expect(rules('redshift-data', 'BatchExecuteStatement', { ...WORKGROUP, Sqls: [] })).toEqual(['Sqls min-size']);
  });

  it('flags a missing required member, and treats undefined as missing', () => {
    expect(rules('redshift-data', 'BatchExecuteStatement', WORKGROUP)).toEqual(['Sqls required']);
    expect(rules('s3', 'PutObject', { Bucket: 'lake-raw', Key: undefined, Body: 'x' })).toEqual(['Key required']);
  });

  it('flags an S3 key over 1,024 bytes of UTF-8 (a documented limit the model leaves out), counting bytes not characters', () => {
    expect(validateRequest('s3', 'GetObject', { Bucket: 'lake-raw', Key: 'k'.repeat(1024) })).toEqual([]);
    expect(rules('s3', 'GetObject', { Bucket: 'lake-raw', Key: 'k'.repeat(1025) })).toEqual(['Key max-bytes']);
    expect(rules('s3', 'GetObject', { Bucket: 'lake-raw', Key: 'é'.repeat(513) })).toEqual(['Key max-bytes']);
    expect(rules('s3', 'GetObject', { Bucket: 'lake-raw', Key: '' })).toEqual(['Key min-length']);
  });

  it('flags more than 1,000 keys in one DeleteObjects (documented limit)', () => {
    const objects = (n: number) => ({
      Bucket: 'lake-raw',
      Delete: { Objects: Array.from({ length: n }, (_, i) => ({ Key: `k${i}` })) },
    });
    expect(validateRequest('s3', 'DeleteObjects', objects(1000))).toEqual([]);
    expect(rules('s3', 'DeleteObjects', objects(1001))).toEqual(['Delete.Objects max-size']);
  });

  it('flags a value outside an enum', () => {
    expect(validateRequest('s3', 'PutObject', { Bucket: 'b', Key: 'k', Body: 'x', StorageClass: 'FROZEN' })).toEqual([
      { path: 'StorageClass', rule: 'enum', expected: expect.stringContaining('STANDARD'), actual: '"FROZEN"' },
    ]);
    expect(validateRequest('s3', 'PutObject', { Bucket: 'b', Key: 'k', Body: 'x', StorageClass: 'STANDARD_IA' })).toEqual([]);
  });

  it('walks list members and nested structures, naming the element', () => {
    const input = {
      ...WORKGROUP,
      Sql: 'select :a',
      Parameters: [{ name: 'a', value: '1' }, { name: 'bad name', value: '2' }, { name: 'c' }],
    };
    expect(rules('redshift-data', 'ExecuteStatement', input)).toEqual([
      'Parameters[1].name pattern',
      'Parameters[2].value required',
    ]);
    const entries = Array.from({ length: 11 }, () => ({
      Source: 'lakehouse',
      DetailType: 'x',
      Detail: '{}',
      EventBusName: 'not a bus!',
    }));
    expect(rules('events', 'PutEvents', { Entries: entries })).toEqual([
      'Entries max-size',
      ...entries.map((_, i) => `Entries[${i}].EventBusName pattern`),
    ]);
  });

  it('flags members the operation does not have, wrong types, and numbers out of range', () => {
    expect(rules('glue', 'StartCrawler', { Name: 'lakehouse-raw', Nmae: 'typo' })).toEqual(['Nmae unknown-member']);
    expect(rules('glue', 'StartCrawler', { Name: 42 })).toEqual(['Name type']);
    expect(rules('athena', 'GetQueryResults', { QueryExecutionId: 'q', MaxResults: 1001 })).toEqual(['MaxResults max']);
    expect(rules('athena', 'GetQueryResults', { QueryExecutionId: 'q', MaxResults: 1.5 })).toEqual(['MaxResults type']);
  });

  it('passes a valid request of every operation the pipeline sends, for each service', () => {
    const valid: [string, string, unknown][] = [
      [
        's3',
        'PutObject',
        new PutObjectCommand({
          Bucket: 'lake-raw',
          Key: 'sales_order/run_id=r1/part-0.jsonl',
          Body: Buffer.from('{}\n'),
          ContentType: 'application/x-ndjson',
          IfNoneMatch: '*',
        }).input,
      ],
      ['s3', 'GetObject', new GetObjectCommand({ Bucket: 'lake-raw', Key: '_ledger/runs/r1.json' }).input],
      ['s3', 'HeadObject', new HeadObjectCommand({ Bucket: 'lake-raw', Key: '_ledger/runs/r1.json' }).input],
      [
        's3',
        'ListObjectsV2',
        new ListObjectsV2Command({ Bucket: 'lake-raw', Prefix: '_ledger/runs/', ContinuationToken: 'abc', MaxKeys: 1000 }).input,
      ],
      [
        's3',
        'DeleteObjects',
        new DeleteObjectsCommand({ Bucket: 'lake-raw', Delete: { Objects: [{ Key: 'a' }, { Key: 'b' }], Quiet: true } }).input,
      ],
      ['glue', 'StartCrawler', new StartCrawlerCommand({ Name: 'lakehouse-raw' }).input],
      ['glue', 'GetTables', new GetTablesCommand({ DatabaseName: 'lakehouse_raw', NextToken: 'abc' }).input],
      [
        'glue',
        'GetPartitions',
        new GetPartitionsCommand({ DatabaseName: 'lakehouse_raw', TableName: 'sales_order', Expression: "run_id = 'r1'" }).input,
      ],
      [
        'athena',
        'StartQueryExecution',
        new StartQueryExecutionCommand({
          QueryString: 'select 1',
          WorkGroup: 'lakehouse',
          QueryExecutionContext: { Database: 'lakehouse_cleaned' },
          ClientRequestToken: 'a'.repeat(32),
        }).input,
      ],
      ['athena', 'GetQueryExecution', new GetQueryExecutionCommand({ QueryExecutionId: STATEMENT_ID }).input],
      ['athena', 'GetQueryResults', new GetQueryResultsCommand({ QueryExecutionId: STATEMENT_ID, MaxResults: 1000 }).input],
      [
        'redshift-data',
        'BatchExecuteStatement',
        new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls(3), ClientToken: STATEMENT_ID }).input,
      ],
      [
        'redshift-data',
        'ExecuteStatement',
        new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'select :run', Parameters: [{ name: 'run', value: 'r1' }] }).input,
      ],
      ['redshift-data', 'DescribeStatement', new DescribeStatementCommand({ Id: STATEMENT_ID }).input],
      [
        'redshift-data',
        'GetStatementResult',
        new GetStatementResultCommand({ Id: `${STATEMENT_ID}:12`, NextToken: 'abc' }).input,
      ],
      [
        'events',
        'PutEvents',
        new PutEventsCommand({
          Entries: [
            {
              Source: 'lakehouse',
              DetailType: 'zone-written',
              Detail: '{"zone":"cleaned"}',
              EventBusName: 'lakehouse',
              Time: new Date(),
            },
          ],
        }).input,
      ],
      [
        'sns',
        'Publish',
        new PublishCommand({
          TopicArn: 'arn:aws:sns:eu-west-2:123456789012:alerts',
          Subject: 'lakehouse: 1 error',
          Message: 'body',
        }).input,
      ],
      ['secretsmanager', 'GetSecretValue', new GetSecretValueCommand({ SecretId: 'lakehouse/source-db' }).input],
    ];
    for (const [service, operation, input] of valid)
      expect({ service, operation, violations: validateRequest(service, operation, input) }).toEqual({
        service,
        operation,
        violations: [],
      });
    expect(new Set(valid.map(([service]) => service))).toEqual(new Set(Object.values(SERVICE_OF_CLIENT)));
  });

  it('refuses a service or operation it has no model for', () => {
    expect(() => validateRequest('lambda', 'Invoke', {})).toThrow(UnknownAwsOperationError);
    expect(() => validateRequest('s3', 'PutObjectt', {})).toThrow(/PutObjectt is not in the s3 model/);
  });

  it('has a model file for every client it maps, and checks every pattern in them', () => {
    for (const service of Object.values(SERVICE_OF_CLIENT)) {
      expect(existsSync(join(CONSTRAINTS_DIR, `${service}.json`))).toBe(true);
      expect(serviceModel(service).service).toBe(service);
      expect({ service, unchecked: uncheckedPatterns(service) }).toEqual({ service, unchecked: [] });
    }
  });
});

describe('translateJavaPattern', () => {
  const matches = (pattern: string, value: string) => {
    const t = translateJavaPattern(pattern);
    if (!t.ok) throw new Error(t.reason);
    return t.regex.test(value);
  };

  it('matches the whole value, as the services do', () => {
    expect(matches('[a-z]+', 'abc')).toBe(true);
    expect(matches('[a-z]+', 'abc1')).toBe(false);
  });

  it('reads \\p{…} and surrogate-pair ranges as Java does (the u flag)', () => {
    expect(matches('^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$', 'Zürich 42')).toBe(true);
    expect(matches('\\pL+', 'abc')).toBe(true);
    const utf8Text = '[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\t]*';
    expect(matches(utf8Text, 'tab\tand 😀')).toBe(true);
    expect(matches(utf8Text, 'new\nline')).toBe(false);
  });

  it('accepts escaped punctuation and a dash after a class escape, which u-mode JavaScript rejects', () => {
    expect(matches('[a-zA-Z0-9\\-\\:\\/\\.\\_\\*]+', 'a:b_c/d.e*-')).toBe(true);
    expect(matches('[\\w-_]*', 'a-b_c')).toBe(true);
    expect(matches('^\\!?[a-z]*$', '!abc')).toBe(true);
  });

  it('keeps possessive quantifiers and atomic groups exact (they never give back)', () => {
    expect(matches('a*+a', 'aaa')).toBe(false);
    expect(matches('a*+b', 'aab')).toBe(true);
    expect(matches('(?>ab|a)b', 'ab')).toBe(false);
    expect(matches('(?>ab|a)b', 'abb')).toBe(true);
  });

  it('says why it cannot check class intersection and inline flags', () => {
    expect(translateJavaPattern('[a-z&&[^b]]')).toMatchObject({ ok: false, reason: expect.stringContaining('intersection') });
    expect(translateJavaPattern('(?s)a.b')).toMatchObject({ ok: false, reason: expect.stringContaining('inline flags') });
    expect(matches('(?i)abc', 'ABC')).toBe(true);
  });
});

describe('interception of SDK sends', () => {
  const rs = mockClient(RedshiftDataClient);
  afterEach(() => rs.reset());

  it('rejects a 41-statement BatchExecuteStatement sent through a mocked RedshiftDataClient, naming service, operation, path and rule', async () => {
    rs.on(BatchExecuteStatementCommand).resolves({ Id: STATEMENT_ID });
    const client = new RedshiftDataClient({ region: 'eu-west-2' });
    await expect(client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls(40) }))).resolves.toEqual({
      Id: STATEMENT_ID,
    });
    const sent = client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls(41) }));
    await expect(sent).rejects.toBeInstanceOf(AwsRequestConstraintError);
    await expect(sent).rejects.toThrow(
      'redshift-data BatchExecuteStatement: Sqls breaks max-size (expected at most 40 items, got 41)',
    );
    expect(rs.commandCalls(BatchExecuteStatementCommand)).toHaveLength(1); // the bad one never reached the mock
    expect(takeRejectedRequests().map((e) => [e.service, e.operation, e.violations.map((v) => `${v.path} ${v.rule}`)])).toEqual([
      ['redshift-data', 'BatchExecuteStatement', ['Sqls max-size']],
    ]);
  });

  it('fails the test through afterEach even when the code under test swallows the rejection', async () => {
    const client = new RedshiftDataClient({ region: 'eu-west-2' });
    await client.send(new DescribeStatementCommand({ Id: 'not-a-uuid' })).catch(() => undefined);
    expect(() => assertTestSentValidRequests([])).toThrow(/DescribeStatement: Id breaks pattern/);
  });

  it('keeps checking when a test mocks the same client class again', async () => {
    const again = mockClient(RedshiftDataClient);
    again.on(DescribeStatementCommand).resolves({ Id: STATEMENT_ID, Status: 'FINISHED' });
    const client = new RedshiftDataClient({ region: 'eu-west-2' });
    await expect(client.send(new DescribeStatementCommand({ Id: STATEMENT_ID }))).resolves.toMatchObject({ Status: 'FINISHED' });
    await expect(client.send(new DescribeStatementCommand({ Id: 'batch-1' }))).rejects.toThrow('Id breaks pattern');
    expect(takeRejectedRequests()).toHaveLength(1);
  });

  it('checks clients that are not mocked, before any request leaves', async () => {
    const handle = jest.fn();
    const client = new GlueClient({
      region: 'eu-west-2',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: { handle },
    });
    await expect(client.send(new StartCrawlerCommand({ Name: '' }))).rejects.toThrow('glue StartCrawler: Name breaks min-length');
    expect(handle).not.toHaveBeenCalled();
    expect(takeRejectedRequests()).toHaveLength(1);
  });

  it('rejects a command from a client it has no constraints for', async () => {
    const Base = Object.getPrototypeOf(GlueClient) as new (config: object) => { send: (command: unknown) => Promise<unknown> };
    class LambdaClient extends Base {}
    class InvokeCommand {
      input = { FunctionName: 'f' };
    }
    await expect(new LambdaClient({}).send(new InvokeCommand())).rejects.toThrow(
      /no AWS request constraints are registered for LambdaClient/,
    );
    expect(takeRejectedRequests()).toHaveLength(1);
  });

  describe('the known-violation list', () => {
    const here = 'test/unit/aws-request-constraints.test.ts';
    const entry = (title: string): KnownViolation => ({
      service: 'redshift-data',
      operation: 'BatchExecuteStatement',
      path: 'Sqls',
      rule: 'max-size',
      testFile: here,
      test: ['interception of SDK sends', 'the known-violation list', title],
      source: 'production',
      issue: 'to be fixed: example',
    });

    it('lets a listed violation through to the mock, in the listed test only', () => {
      const listed = [entry('lets a listed violation through to the mock, in the listed test only')];
      const client = new RedshiftDataClient({});
      const big = new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls(41) });
      expect(checkSend(client, big, listed)).toBeUndefined();
      expect(() => assertTestSentValidRequests(listed)).not.toThrow();
      expect(checkSend(client, big, [entry('some other test')])).toBeInstanceOf(AwsRequestConstraintError);
      takeRejectedRequests();
    });

    it('fails the test when a listed violation is no longer sent (delete the entry)', () => {
      const listed = [entry('fails the test when a listed violation is no longer sent (delete the entry)')];
      expect(
        checkSend(new RedshiftDataClient({}), new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls(2) }), listed),
      ).toBeUndefined();
      expect(() => assertTestSentValidRequests(listed)).toThrow(/no request matched it: it is fixed, delete the entry/);
    });

    it('can tell whether jest runs every test of a file (for the per-file entries)', () => {
      expect(testsAreFiltered()).toBeDefined();
    });

    it('has entries that each name a real test, operation and issue (none today: every known violation is fixed)', () => {
      for (const k of KNOWN_VIOLATIONS) {
        const source = readFileSync(join(ROOT, k.testFile), 'utf8');
        for (const title of k.test ?? []) expect(source).toContain(title);
        expect(serviceModel(k.service).operations[k.operation]).toBeDefined();
        if (k.source === 'production') {
          expect(k.test).toBeDefined();
          expect(k.issue).toMatch(/^to be fixed: issue \d+ defect \d+/);
        }
      }
    });
  });
});
