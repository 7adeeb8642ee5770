import { join } from 'node:path';
import { parseDuration } from '../../jobs/lib/core/duration';
import { readSettings } from '../../jobs/lib/runtimes/local/settings';

describe('local settings', () => {
  it('default to the embedded runtime under .lakehouse', () => {
    const s = readSettings({}, '/project');
    expect(s.home).toBe(join('/project', '.lakehouse'));
    expect(s.sourceUrl).toBeUndefined();
    expect(s.warehouseUrl).toBeUndefined();
    expect(s.lookbackMs).toBe(5 * 60_000);
    expect(s.include).toEqual(['*']);
    expect(s.exclude).toEqual(['_prisma_migrations']);
    expect(s.chainMode).toBe('crawler');
  });

  it('read every variable', () => {
    const s = readSettings(
      {
        LAKEHOUSE_HOME: 'h',
        LAKEHOUSE_SOURCE_URL: 'postgres://s',
        LAKEHOUSE_WAREHOUSE_URL: 'postgres://w',
        LAKEHOUSE_LOOKBACK: '30s',
        LAKEHOUSE_TABLES_INCLUDE: 'sales_*, staff',
        LAKEHOUSE_TABLES_EXCLUDE: '',
        LAKEHOUSE_SMTP_URL: 'smtp://127.0.0.1:2525',
        LAKEHOUSE_ALERT_EMAIL: 'a@b.c',
        LAKEHOUSE_CHAIN_MODE: 'direct',
      },
      '/p',
    );
    expect(s).toMatchObject({
      home: join('/p', 'h'),
      sourceUrl: 'postgres://s',
      warehouseUrl: 'postgres://w',
      lookbackMs: 30_000,
      include: ['sales_*', 'staff'],
      exclude: [],
      smtpUrl: 'smtp://127.0.0.1:2525',
      alertEmail: 'a@b.c',
      chainMode: 'direct',
    });
  });

  it('reject an unknown chain mode, naming the variable and the modes', () => {
    expect(() => readSettings({ LAKEHOUSE_CHAIN_MODE: 'Direct' }, '/p')).toThrow(
      /LAKEHOUSE_CHAIN_MODE must be one of crawler, direct \(got "Direct"\)/,
    );
    expect(readSettings({ LAKEHOUSE_CHAIN_MODE: '' }, '/p').chainMode).toBe('crawler');
  });

  it('parse durations with a unit and reject nonsense, naming the setting', () => {
    const lookback = { name: 'LAKEHOUSE_LOOKBACK', allowZero: true };
    expect(parseDuration('0', lookback)).toBe(0);
    expect(parseDuration('1.5h', lookback)).toBe(5_400_000);
    expect(parseDuration('2d', lookback)).toBe(172_800_000);
    expect(parseDuration('250ms', lookback)).toBe(250);
    expect(() => parseDuration('soon', lookback)).toThrow(/^LAKEHOUSE_LOOKBACK: not a duration: "soon"/);
    // A bare number's unit is a guess: refused, with the fix in the message.
    expect(() => parseDuration('300', lookback)).toThrow(/^LAKEHOUSE_LOOKBACK: .*give a unit/);
    // Zero only where it makes sense.
    expect(() => parseDuration('0s', { name: '--every' })).toThrow(/^--every: must be more than zero/);
    expect(() => parseDuration('0', { name: '--every' })).toThrow(/^--every: not a duration/);
  });

  it('refuse a lookback without a unit, naming the variable', () => {
    expect(() => readSettings({ LAKEHOUSE_LOOKBACK: '300' }, '/project')).toThrow(/LAKEHOUSE_LOOKBACK/);
  });
});
