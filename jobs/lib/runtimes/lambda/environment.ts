/**
 * Reads the deployed names a Lambda needs from its environment (the variable
 * names are declared in jobs/lib/definition/lambda-environment.ts, set by the
 * pipeline stack).
 */
import { TerminalError } from '../../core/errors';
import type { DeployedNames } from '../../definition/event-patterns';
import { ENV, zoneBucketEnv, zoneCrawlerEnv, zoneDatabaseEnv, type EnvName } from '../../definition/lambda-environment';
import type { Zone } from '../../definition/zones';

/**
 * Reads a required variable. Throws TerminalError naming the variable when it
 * is unset or empty (a deployment mistake no retry fixes).
 */
export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new TerminalError(`environment variable ${name} is not set`);
  return value;
}

/** The value of each zone's variable (`variable(zone)`); TerminalError when one is unset. */
function perZoneFromEnv(variable: (zone: Zone) => EnvName, env: NodeJS.ProcessEnv): Record<Zone, string> {
  return {
    raw: requireEnv(variable('raw'), env),
    cleaned: requireEnv(variable('cleaned'), env),
    transformed: requireEnv(variable('transformed'), env),
  };
}

/**
 * The deployed names (zone buckets, crawlers, event bus, Athena workgroup)
 * from a Lambda's environment, for `eventPattern` and the zone look-ups of
 * event-patterns.ts. Throws TerminalError when any of them is unset.
 */
export function deployedNamesFromEnv(env: NodeJS.ProcessEnv = process.env): DeployedNames {
  return {
    buckets: perZoneFromEnv(zoneBucketEnv, env),
    crawlers: perZoneFromEnv(zoneCrawlerEnv, env),
    eventBusName: requireEnv(ENV.eventBusName, env),
    athenaWorkgroup: requireEnv(ENV.athenaWorkgroup, env),
  };
}

/** The Glue database of every zone (`LAKEHOUSE_<ZONE>_DATABASE`). Throws TerminalError when one is unset. */
export function zoneDatabasesFromEnv(env: NodeJS.ProcessEnv = process.env): Record<Zone, string> {
  return perZoneFromEnv(zoneDatabaseEnv, env);
}
