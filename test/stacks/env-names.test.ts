/**
 * The Lambda environment contract (jobs/lib/definition/lambda-environment.ts): the variable
 * names the pipeline stack sets and the handlers read.
 */
import { deployedNamesFromEnv, requireEnv } from '../../jobs/lib/runtimes/lambda/environment';
import { ENV, ENV_BY_STEP, zoneBucketEnv, zoneCrawlerEnv } from '../../jobs/lib/definition/lambda-environment';
import { TerminalError } from '../../jobs/lib/core/errors';
import { STEPS } from '../../jobs/lib/definition/run-stages';
import { ZONES } from '../../jobs/lib/definition/zones';
import { stackConfig } from '../../stacks/config';
import { deployedNames, resourceNames } from '../../stacks/names';

describe('env names', () => {
  it('are unique, and every job gets logging plus only known variables', () => {
    const values = Object.values(ENV);
    expect(new Set(values).size).toBe(values.length);
    for (const step of STEPS) {
      expect(ENV_BY_STEP[step]).toEqual(expect.arrayContaining(['serviceName', 'logLevel']));
      for (const key of ENV_BY_STEP[step]) expect(ENV).toHaveProperty(key);
    }
  });

  it('give secrets only to the jobs that use them', () => {
    const holders = (key: keyof typeof ENV) => STEPS.filter((s) => ENV_BY_STEP[s].includes(key));
    expect(holders('sourceSecretArn')).toEqual(['extract', 'reconcile']);
    expect(holders('redshiftSecretArn')).toEqual(['load']);
    expect(holders('alertTopicArn')).toEqual(['scan-logs']);
  });

  it('let every event-started job rebuild the deployed names the stack used', () => {
    const config = stackConfig('dev');
    const expected = deployedNames(resourceNames(config));
    const env: NodeJS.ProcessEnv = {
      [ENV.eventBusName]: expected.eventBusName,
      [ENV.athenaWorkgroup]: expected.athenaWorkgroup,
    };
    for (const zone of ZONES) {
      env[zoneBucketEnv(zone)] = expected.buckets[zone];
      env[zoneCrawlerEnv(zone)] = expected.crawlers[zone];
    }
    expect(deployedNamesFromEnv(env)).toEqual(expected);
    for (const step of STEPS.filter((s) => s !== 'scan-logs')) {
      const given = new Set<string>(ENV_BY_STEP[step].map((k) => ENV[k]));
      for (const name of Object.keys(env)) expect({ step, name, given: given.has(name) }).toEqual({ step, name, given: true });
    }
  });

  it('fail with a terminal error naming a missing variable', () => {
    expect(() => requireEnv(ENV.rawBucket, {})).toThrow(TerminalError);
    expect(() => deployedNamesFromEnv({ [ENV.rawBucket]: 'x' })).toThrow(/LAKEHOUSE_CLEANED_BUCKET/);
    expect(requireEnv(ENV.rawBucket, { [ENV.rawBucket]: 'b' })).toBe('b');
  });
});
