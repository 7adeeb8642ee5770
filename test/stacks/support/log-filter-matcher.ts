/**
 * Test support: evaluates the subset of CloudWatch Logs filter pattern syntax
 * the stacks use against one log line, so tests can say which lines a
 * subscription forwards (CloudWatch Logs user guide, "Filter pattern syntax").
 * - JSON patterns: `{ <clause> || <clause> … }` or `&&`, each clause
 *   `$.path = "value"` (optionally in parentheses); a line that is not a JSON
 *   object never matches.
 * - Term patterns: `?a ?"b c"` (any term) or `a "b c"` (all terms); terms
 *   match case-sensitively as substrings.
 * Anything else throws, so a pattern outside the subset cannot pass silently.
 */

function jsonPath(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

function matchesJson(body: string, line: string): boolean {
  const or = body.split('||').map((s) => s.trim());
  const and = body.split('&&').map((s) => s.trim());
  if (or.length > 1 && and.length > 1) throw new Error(`mixed || and && not supported: ${body}`);
  const clauses = or.length > 1 ? or : and;
  const tests = clauses.map((clause) => {
    const m = /^\(?\s*\$\.([A-Za-z0-9_.]+)\s*=\s*"([^"]*)"\s*\)?$/.exec(clause);
    if (!m) throw new Error(`unsupported JSON clause: ${clause}`);
    return (event: unknown) => jsonPath(event, m[1]) === m[2];
  });
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return false;
  }
  if (!event || typeof event !== 'object') return false;
  return or.length > 1 ? tests.some((t) => t(event)) : tests.every((t) => t(event));
}

function matchesTerms(pattern: string, line: string): boolean {
  const terms = [...pattern.matchAll(/(\?)?(?:"([^"]*)"|(\S+))/g)].map((m) => ({ any: !!m[1], text: m[2] ?? m[3] }));
  if (!terms.length) return true;
  const anyMode = terms.every((t) => t.any);
  if (!anyMode && terms.some((t) => t.any)) throw new Error(`mixed ? and plain terms not supported: ${pattern}`);
  return anyMode ? terms.some((t) => line.includes(t.text)) : terms.every((t) => line.includes(t.text));
}

/** True when CloudWatch Logs would match `line` with filter `pattern` (the subset above); throws outside it. */
export function matchesLogFilter(pattern: string, line: string): boolean {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{')) {
    if (!trimmed.endsWith('}')) throw new Error(`unbalanced JSON pattern: ${pattern}`);
    return matchesJson(trimmed.slice(1, -1).trim(), line);
  }
  return matchesTerms(trimmed, line);
}
