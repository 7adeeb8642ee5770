/**
 * The typed per-environment configuration (stacks/config.ts) and the
 * resource names derived from it (stacks/names.ts).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalError } from '../../jobs/lib/core/errors';
import { ROUTES } from '../../jobs/lib/definition/routes';
import { STEPS } from '../../jobs/lib/definition/run-stages';
import { defaultLambdaAssets, ENVIRONMENTS, resolveLambdaAssets, stackConfig, validateConfig } from '../../stacks/config';
import { deployedNames, resourceNames } from '../../stacks/names';
import { lakeLifecycle } from '../../lifecycle/rules';

describe('stackConfig', () => {
  it('has a valid dev environment whose bundles default to the build output', () => {
    const dev = stackConfig('dev');
    expect(dev.environment).toBe('dev');
    for (const step of STEPS) expect(dev.lambdaAssets[step]).toMatch(new RegExp(`dist[\\\\/]lambda[\\\\/]${step}\\.zip$`));
    expect(dev.jobs.transform.timeoutSeconds).toBeGreaterThan(dev.jobs.crawl.timeoutSeconds);
  });

  it('applies the environment-variable overrides', () => {
    const config = stackConfig('dev', {
      LAKEHOUSE_BUCKET_PREFIX: 'acme-lake-123456789012',
      LAKEHOUSE_ALERT_EMAIL: 'oncall@acme.test',
      LAKEHOUSE_REGION: 'us-east-1',
      LAKEHOUSE_LAMBDA_DIR: '/opt/bundles',
      LAKEHOUSE_STATE_BUCKET: 'acme-terraform-state',
    });
    expect(config.bucketPrefix).toBe('acme-lake-123456789012');
    expect(config.alertEmail).toBe('oncall@acme.test');
    expect(config.region).toBe('us-east-1');
    expect(config.lambdaAssets.load).toBe(join('/opt/bundles', 'load.zip'));
    expect(config.stateBackend).toEqual({ bucket: 'acme-terraform-state', keyPrefix: 'lakehouse/dev' });
    expect(resourceNames(config).zoneBuckets.raw).toBe('acme-lake-123456789012-raw');
  });

  it('reserves concurrency only when asked to, and then 1 for transform and load', () => {
    for (const step of STEPS) expect(stackConfig('dev').jobs[step].reservedConcurrency).toBeUndefined();
    const reserved = stackConfig('dev', { LAKEHOUSE_RESERVE_CONCURRENCY: '1' }).jobs;
    expect(STEPS.filter((s) => reserved[s].reservedConcurrency !== undefined)).toEqual(['transform', 'load']);
    expect(reserved.transform.reservedConcurrency).toBe(1);
    expect(reserved.load.timeoutSeconds).toBe(stackConfig('dev').jobs.load.timeoutSeconds);
    expect(stackConfig('dev', { LAKEHOUSE_RESERVE_CONCURRENCY: '' }).jobs.load.reservedConcurrency).toBeUndefined();
  });

  it('rejects an unknown environment and invalid values, listing every problem', () => {
    expect(() => stackConfig('staging')).toThrow(TerminalError);
    expect(() => stackConfig('dev', { LAKEHOUSE_ALERT_EMAIL: 'not-an-address' })).toThrow(/alertEmail/);
    const bad = {
      ...ENVIRONMENTS.dev,
      bucketPrefix: 'Has_Capitals',
      logRetentionDays: 10,
      schedules: { extract: 'every 5 minutes', sweep: 'rate(1 hour)', reconcile: 'rate(1 day)' },
      jobs: { ...ENVIRONMENTS.dev.jobs, load: { timeoutSeconds: 1200, memoryMb: 512 } },
      lifecycle: { ...lakeLifecycle(), archive: { ...lakeLifecycle().archive, expiryDays: 380 } },
    };
    let message = '';
    try {
      validateConfig(bad);
    } catch (error) {
      expect(error).toBeInstanceOf(TerminalError);
      message = (error as Error).message;
    }
    for (const field of [
      'bucketPrefix',
      'logRetentionDays',
      'schedules.extract',
      'jobs.load.timeoutSeconds',
      'lifecycle.archive.expiryDays',
    ]) {
      expect(message).toContain(field);
    }
  });
});

describe('resolveLambdaAssets', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lakehouse-assets-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes each zip, else the folder of the same name, and names every missing bundle', () => {
    const assets = defaultLambdaAssets(dir);
    expect(() => resolveLambdaAssets(assets)).toThrow(/npm run build/);
    for (const step of STEPS) {
      if (step === 'crawl') mkdirSync(join(dir, step));
      else writeFileSync(join(dir, `${step}.zip`), 'PK');
    }
    const resolved = resolveLambdaAssets(assets);
    expect(resolved.crawl).toBe(join(dir, 'crawl'));
    expect(resolved.load).toBe(join(dir, 'load.zip'));
    rmSync(join(dir, 'sweep.zip'));
    expect(() => resolveLambdaAssets(assets)).toThrow(/sweep: /);
  });
});

describe('resource names', () => {
  it('derive every name from the prefixes and stay within AWS length limits', () => {
    const config = stackConfig('dev', { LAKEHOUSE_BUCKET_PREFIX: 'a'.repeat(40) });
    const names = resourceNames(config);
    for (const bucket of [
      ...Object.values(names.zoneBuckets),
      ...Object.values(names.archiveBuckets),
      names.queryResultsBucket,
    ]) {
      expect(bucket.length).toBeLessThanOrEqual(63);
    }
    expect(names.databases.cleaned).toBe('lakehouse_dev_cleaned');
    const long = { ...config, namePrefix: 'x'.repeat(24) };
    const longNames = resourceNames(long);
    for (const step of STEPS) {
      expect(longNames.jobFunction(step).length).toBeLessThanOrEqual(64);
      expect(longNames.jobRole(step).length).toBeLessThanOrEqual(64);
    }
    // Every route of every chain mode may become a rule (EventBridge rule names: at most 64 characters).
    for (const route of ROUTES) expect(longNames.rule(route.name).length).toBeLessThanOrEqual(64);
    expect(deployedNames(names)).toEqual({
      buckets: names.zoneBuckets,
      crawlers: names.crawlers,
      eventBusName: names.eventBus,
      athenaWorkgroup: names.transformWorkgroup,
    });
  });
});

describe('chain mode', () => {
  it('defaults to crawler mode with an hourly crawler schedule, and takes LAKEHOUSE_CHAIN_MODE', () => {
    expect(stackConfig('dev')).toMatchObject({ chainMode: 'crawler', crawlerSchedule: 'cron(0 * * * ? *)' });
    expect(stackConfig('dev', { LAKEHOUSE_CHAIN_MODE: 'direct' }).chainMode).toBe('direct');
  });

  it('rejects an unknown mode naming the variable, and a schedule Glue would refuse', () => {
    expect(() => stackConfig('dev', { LAKEHOUSE_CHAIN_MODE: 'fast' })).toThrow(
      /LAKEHOUSE_CHAIN_MODE must be one of crawler, direct \(got "fast"\)/,
    );
    expect(() => validateConfig({ ...stackConfig('dev'), crawlerSchedule: 'rate(1 hour)' })).toThrow(/crawlerSchedule/);
  });
});
