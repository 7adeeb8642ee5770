/**
 * A test-only EventBridge pattern matcher for the subset of content filtering
 * the routes use (exact values, `prefix`, `suffix`, `wildcard`), so the stack
 * tests can prove the deployed patterns accept the events the handlers parse
 * and reject the ones they must not see. Semantics per the EventBridge user
 * guide ("Event patterns", "Content filtering").
 */
import type { PatternMatcher, PatternObject } from '../../../jobs/lib/definition/event-patterns';

/** True when a single event value satisfies one matcher (EventBridge semantics: strings compare exactly). */
function valueMatches(matcher: PatternMatcher, value: unknown): boolean {
  if (typeof matcher === 'string') return value === matcher;
  if (typeof value !== 'string') return false;
  if ('prefix' in matcher) return value.startsWith(matcher.prefix);
  if ('suffix' in matcher) return value.endsWith(matcher.suffix);
  return wildcardRegExp(matcher.wildcard).test(value);
}

/** Compiles an EventBridge wildcard (`*` any run of characters, `\*` and `\\` literal) to an anchored RegExp. */
function wildcardRegExp(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i];
    if (c === '\\' && i + 1 < wildcard.length) source += escapeRegExp(wildcard[++i]);
    else if (c === '*') source += '.*';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 's');
}

const escapeRegExp = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * True when `event` (any JSON object, e.g. an AWS event as delivered) matches
 * `pattern` under EventBridge rules for the matcher subset above: every field
 * of the pattern must be present; a list matches when any matcher matches the
 * value (or, for array values, any element); nested objects recurse.
 * Pure; used by the tests to prove the deployed patterns accept the events the
 * handlers parse and reject the ones they must not see.
 */
export function matchesEventPattern(pattern: PatternObject, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([field, expected]) => {
    if (!(field in record)) return false;
    const value = record[field];
    if (Array.isArray(expected)) {
      const values = Array.isArray(value) ? value : [value];
      return values.some((v) => expected.some((m) => valueMatches(m, v)));
    }
    return matchesEventPattern(expected, value);
  });
}
