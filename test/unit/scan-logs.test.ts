import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TerminalError } from '../../jobs/lib/core/errors';
import { decodeCloudWatchLogs, encodeCloudWatchLogs, type CloudWatchLogsPayload } from '../../jobs/scan-logs/cloudwatch-payload';
import {
  alertSubject,
  cloudWatchConsoleUrl,
  findError,
  jobFromSource,
  scanLogs,
  type LogRecord,
} from '../../jobs/scan-logs/scan-logs';

const payload = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, 'aws', 'fixtures', `${name}.json`), 'utf8')) as CloudWatchLogsPayload;

/** A notifier that keeps what it was asked to send. */
function outbox() {
  const sent: { subject: string; body: string }[] = [];
  return { sent, notifier: { notify: async (m: { subject: string; body: string }) => void sent.push(m) } };
}

describe('decodeCloudWatchLogs', () => {
  it('decodes the base64 + gzip subscription payload into records with group and stream', () => {
    const records = decodeCloudWatchLogs(encodeCloudWatchLogs(payload('cloudwatch-logs-transform')));
    expect(records).toHaveLength(5);
    expect(records[2]).toEqual({
      timestamp: 1740490095789,
      message: expect.stringContaining('"level":"ERROR"'),
      logGroup: '/aws/lambda/lakehouse-transform',
      logStream: '2025/02/25/[$LATEST]6f4b1c0a2b3c4d5e6f7a8b9c0d1e2f3a',
    });
  });

  it('skips control messages', () => {
    expect(decodeCloudWatchLogs(encodeCloudWatchLogs(payload('cloudwatch-logs-control')))).toEqual([]);
  });

  it('rejects what is not a subscription payload', () => {
    expect(() => decodeCloudWatchLogs({ Records: [] })).toThrow(TerminalError);
    expect(() => decodeCloudWatchLogs({ awslogs: { data: 'not base64 gzip' } })).toThrow(/not base64-encoded gzip JSON/);
    const wrongShape = { awslogs: { data: gzipSync(Buffer.from('{"messageType":"DATA_MESSAGE"}')).toString('base64') } };
    expect(() => decodeCloudWatchLogs(wrongShape)).toThrow(/bad CloudWatch Logs payload: owner/);
  });
});

describe('findError', () => {
  const at = 1740490095789;
  it('finds Powertools ERROR/CRITICAL lines with their service and run id, and ignores INFO', () => {
    expect(
      findError({
        timestamp: at,
        message: '{"level":"ERROR","service":"load","message":"load failed","runId":"20250225t132609z","error":"boom"}',
      }),
    ).toEqual({
      job: 'load',
      runId: '20250225t132609z',
      text: 'load failed: boom',
      warning: false,
    });
    expect(
      findError({
        timestamp: at,
        message: '{"level":"CRITICAL","service":"extract","message":"x","error":{"name":"TerminalError","message":"bad"}}',
      }),
    ).toEqual({
      job: 'extract',
      runId: undefined,
      text: 'x: TerminalError: bad',
      warning: false,
    });
    expect(findError({ timestamp: at, message: '{"level":"INFO","service":"load","message":"ERROR in text"}' })).toBeUndefined();
  });

  it('finds plain ERROR lines and Lambda timeouts, taking the job from the log group', () => {
    expect(
      findError({ timestamp: at, message: 'Task timed out after 900.10 seconds', logGroup: '/aws/lambda/lakehouse-load' }),
    ).toEqual({
      job: 'load',
      runId: undefined,
      text: 'Task timed out after 900.10 seconds',
      warning: false,
    });
    expect(findError({ timestamp: at, message: 'INFO all fine', logGroup: '/aws/lambda/lakehouse-load' })).toBeUndefined();
    expect(findError({ timestamp: at, message: 'errors: 0' })).toBeUndefined();
  });

  it('names jobs from log groups and local files', () => {
    expect(jobFromSource('/aws/lambda/lakehouse-scan-logs')).toBe('scan-logs');
    expect(jobFromSource('/aws-glue/crawlers')).toBe('crawlers');
    expect(jobFromSource(undefined, '/home/x/.lakehouse/logs/transform.log')).toBe('transform');
    expect(jobFromSource()).toBe('unknown');
  });
});

describe('scanLogs', () => {
  it('sends one email for the batch, grouped by job and run, with a console link a person can open', async () => {
    const { sent, notifier } = outbox();
    const records = decodeCloudWatchLogs(encodeCloudWatchLogs(payload('cloudwatch-logs-transform')));
    const result = await scanLogs({ records, region: 'eu-west-2' }, { notifier });
    expect(result).toMatchObject({
      errors: 2,
      notified: true,
      subject: 'lakehouse: 2 errors in transform (run 20250225t132609z)',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toBe(
      [
        'The lakehouse pipeline logged 2 error lines.',
        '',
        'Job: transform',
        'Run: 20250225t132609z',
        'Errors: 2',
        'Full log: https://eu-west-2.console.aws.amazon.com/cloudwatch/home?region=eu-west-2#logsV2:log-groups/log-group/$252Faws$252Flambda$252Flakehouse-transform/log-events/2025$252F02$252F25$252F$255B$2524LATEST$255D6f4b1c0a2b3c4d5e6f7a8b9c0d1e2f3a',
        'Error lines:',
        "  2025-02-25T13:28:15.789Z  transform failed: athena query 7c1e2d3f failed: COLUMN_NOT_FOUND: line 12:9: Column 'unit_price_text' cannot be resolved",
        '  2025-02-25T13:28:15.801Z  Invoke Error: AthenaQueryFailedError: athena query 7c1e2d3f failed: COLUMN_NOT_FOUND',
        '',
        'What to do: open the full log for context. Transient failures (throttling, timeouts, a busy crawler) are',
        'retried automatically and by the stuck-run sweep; an error that repeats needs a fix. A run marked failed in',
        'the run ledger stays at its stage until it is fixed and re-run.',
      ].join('\n'),
    );
  });

  it('keeps separate groups for separate runs and jobs, shows the first N lines and counts the rest', async () => {
    const { sent, notifier } = outbox();
    const line = (service: string, runId: string, n: number): LogRecord => ({
      timestamp: Date.UTC(2025, 1, 25, 14, 0, n),
      message: JSON.stringify({ level: 'ERROR', service, message: `failure ${n}`, runId }),
      logFile: `/srv/lakehouse/logs/${runId}.log`,
    });
    const records = [1, 2, 3, 4]
      .map((n) => line('transform', '20250225t132609z', n))
      .concat([line('load', '20250225t140000z', 5)]);
    const result = await scanLogs({ records, maxLinesPerGroup: 2 }, { notifier });
    expect(result.groups.map((g) => [g.job, g.runId, g.count, g.lines.length, g.link])).toEqual([
      ['transform', '20250225t132609z', 4, 2, '/srv/lakehouse/logs/20250225t132609z.log'],
      ['load', '20250225t140000z', 1, 1, '/srv/lakehouse/logs/20250225t140000z.log'],
    ]);
    expect(sent[0].subject).toBe('lakehouse: 5 errors in 2 jobs (transform, load), 2 runs');
    expect(sent[0].body).toContain(
      'First 2 error lines:\n  2025-02-25T14:00:01.000Z  failure 1\n  2025-02-25T14:00:02.000Z  failure 2\n  … and 2 more (see the full log)',
    );
  });

  it('sends nothing when there is no error', async () => {
    const { sent, notifier } = outbox();
    expect(await scanLogs({ records: [{ timestamp: 0, message: '{"level":"INFO","message":"ok"}' }] }, { notifier })).toEqual({
      errors: 0,
      warnings: 0,
      groups: [],
      notified: false,
    });
    expect(sent).toEqual([]);
  });

  it('alerts on a warning line as a warning: the subject and body say warning, never error', async () => {
    const { sent, notifier } = outbox();
    // What the quality gate logs for a failed `warn` test: an ERROR-level line (so the AWS subscription forwards it)
    // marked WARNING_ALERT.
    const warning: LogRecord = {
      timestamp: Date.UTC(2025, 1, 25, 14, 0, 0),
      message: JSON.stringify({
        level: 'ERROR',
        message: 'data-quality warning; the run loads',
        step: 'transform',
        runId: '20250225t132609z',
        table: 'transformed.dim_currency',
        error: 'warn test unique_currency_code on transformed.dim_currency: 1 failing row (sample keys: GBP)',
        alert: 'warning',
      }),
      logFile: '/srv/lakehouse/logs/lakehouse.log',
    };
    expect(findError(warning)).toMatchObject({ job: 'transform', warning: true });
    const result = await scanLogs({ records: [warning] }, { notifier });
    expect(result).toMatchObject({
      errors: 0,
      warnings: 1,
      notified: true,
      subject: 'lakehouse: 1 warning in transform (run 20250225t132609z)',
    });
    expect(sent).toHaveLength(1);
    const body = sent[0].body;
    expect(body).toContain('The lakehouse pipeline logged 1 warning line.');
    expect(body).toContain('Warnings: 1\nFull log: /srv/lakehouse/logs/lakehouse.log\nWarning lines:\n');
    expect(body).toContain('data-quality warning; the run loads: warn test unique_currency_code on transformed.dim_currency');
    expect(body).toContain('What to do: a warning stopped nothing');
    expect(body).not.toMatch(/error line|Errors:|Error lines/);

    // With an error in the same batch, each is counted apart; the error's what-to-do comes first.
    const error: LogRecord = {
      ...warning,
      timestamp: warning.timestamp + 1000,
      message: JSON.stringify({ level: 'ERROR', message: 'load failed', step: 'load', runId: '20250225t132609z' }),
    };
    const both = await scanLogs({ records: [warning, error, { ...warning, timestamp: warning.timestamp + 2000 }] }, { notifier });
    expect(both).toMatchObject({ errors: 1, warnings: 2 });
    expect(sent[1].subject).toBe('lakehouse: 1 error and 2 warnings in 2 jobs (transform, load), 1 run');
    expect(sent[1].body).toContain('The lakehouse pipeline logged 1 error line and 2 warning lines.');
    expect(sent[1].body).toContain('Job: transform\nRun: 20250225t132609z\nWarnings: 2\n');
    expect(sent[1].body).toContain('Job: load\nRun: 20250225t132609z\nErrors: 1\n');
    expect(sent[1].body).toMatch(/What to do: open the full log[\s\S]*A warning stopped nothing/);
  });

  it('builds subjects, counting errors and warnings apart, and console URLs', () => {
    expect(alertSubject([{ job: 'crawl', count: 1, lines: [] }])).toBe('lakehouse: 1 error in crawl');
    expect(alertSubject([{ job: 'transform', count: 0, warnings: 1, lines: [], runId: '20250225t132609z' }])).toBe(
      'lakehouse: 1 warning in transform (run 20250225t132609z)',
    );
    expect(alertSubject([{ job: 'transform', count: 0, warnings: 3, lines: [] }])).toBe('lakehouse: 3 warnings in transform');
    expect(alertSubject([{ job: 'transform', count: 2, warnings: 1, lines: [] }])).toBe(
      'lakehouse: 2 errors and 1 warning in transform',
    );
    expect(
      alertSubject([
        { job: 'ingest', count: 1, lines: [], runId: 'a' },
        { job: 'transform', count: 0, warnings: 2, lines: [], runId: 'b' },
      ]),
    ).toBe('lakehouse: 1 error and 2 warnings in 2 jobs (ingest, transform), 2 runs');
    expect(alertSubject([{ job: 'crawl', count: 0, warnings: 0, lines: [] }])).toBe('lakehouse: 0 errors in crawl');
    expect(cloudWatchConsoleUrl('us-east-1', '/aws/lambda/x')).toBe(
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fx',
    );
  });
});
