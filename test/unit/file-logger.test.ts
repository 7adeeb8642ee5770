/**
 * The local runtime's logger (file-logger.ts): one JSON line per call in the
 * Powertools shape, in the file as soon as the call returns, filtered by LOG_LEVEL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogger, formatLine } from '../../jobs/lib/adapters/powertools/file-logger';

let dir: string;
const level = process.env.LOG_LEVEL;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'file-logger-'))));
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (level === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = level;
});

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('fileLogger', () => {
  it('appends one line per call, written before the call returns, level/message/timestamp/service first', async () => {
    delete process.env.LOG_LEVEL;
    const file = join(dir, 'logs', 'lakehouse.log');
    const { logger, close } = fileLogger('lakehouse', file);
    logger.info('run started', { step: 'extract', runId: '20250225t132609z', rows: 3 });
    expect(lines(file)).toEqual([
      {
        level: 'INFO',
        message: 'run started',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'lakehouse',
        step: 'extract',
        runId: '20250225t132609z',
        rows: 3,
      },
    ]);
    expect(Object.keys(lines(file)[0]).slice(0, 4)).toEqual(['level', 'message', 'timestamp', 'service']);
    logger.warn('slow');
    logger.error('failed', { error: 'boom' });
    logger.debug('not at INFO');
    expect(lines(file).map((l) => [l.level, l.message])).toEqual([
      ['INFO', 'run started'],
      ['WARN', 'slow'],
      ['ERROR', 'failed'],
    ]);
    await close();
    logger.info('after close: dropped');
    expect(lines(file)).toHaveLength(3);
    await close();
  });

  it('follows LOG_LEVEL (any case; SILENT writes nothing; unknown means INFO)', async () => {
    const levels = (value: string) => {
      process.env.LOG_LEVEL = value;
      const file = join(dir, `${value}.log`);
      const { logger } = fileLogger('t', file);
      for (const m of ['debug', 'info', 'warn', 'error'] as const) logger[m](m);
      return lines(file).map((l) => l.message);
    };
    expect(levels('debug')).toEqual(['debug', 'info', 'warn', 'error']);
    expect(levels('WARN')).toEqual(['warn', 'error']);
    expect(levels('SILENT')).toEqual([]);
    expect(levels('chatty')).toEqual(['info', 'warn', 'error']);
  });
});

describe('formatLine', () => {
  it('keeps the base fields over attributes, and writes errors, bigints and cycles safely', () => {
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic.self = cyclic;
    const error = new Error('boom', { cause: new Error('root') });
    const line = JSON.parse(
      formatLine(
        'ERROR',
        'svc',
        'failed',
        { level: 'X', message: 'Y', timestamp: 'Z', service: 'W', big: 10n, cyclic, error },
        new Date(Date.UTC(2025, 1, 25, 13, 26, 9)),
      ),
    );
    expect(line).toMatchObject({
      level: 'ERROR',
      message: 'failed',
      timestamp: '2025-02-25T13:26:09.000Z',
      service: 'svc',
      big: '10',
      cyclic: { name: 'a' },
    });
    expect(line.error).toMatchObject({
      name: 'Error',
      message: 'boom',
      stack: expect.stringContaining('boom'),
      cause: { name: 'Error', message: 'root' },
    });
  });
});
