/**
 * Translation of the regular expressions in AWS service models (Java syntax,
 * checked by the services against the whole value) into JavaScript RegExps.
 *
 * What changes on the way:
 * - every pattern is compiled with the `u` flag, which `\p{…}` property
 *   escapes need and which makes a surrogate-pair escape such as
 *   `\uD800\uDC00` one code point, as Java reads it;
 * - an escaped punctuation character (`\:`, `\_`, `\!`, …) that Java accepts
 *   and `u`-mode JavaScript rejects becomes a `\u{…}` escape of the same
 *   character;
 * - a `-` next to a class escape inside a character class (`[\w-_]`) is a
 *   literal in Java and a syntax error in `u` mode: it is escaped;
 * - `\pL` becomes `\p{L}`; `\A`, `\z` become `^`, `$`; `\Q…\E` becomes
 *   escaped literals; a leading `(?i)` becomes the `i` flag;
 * - possessive quantifiers (`*+`, `++`, `?+`, `{n,m}+`) and atomic groups
 *   (`(?>…)`) become a lookahead that captures, followed by a backreference
 *   to the capture, which matches the same strings as the Java construct.
 *
 * What is not translated (the pattern is then reported as unchecked, never
 * guessed): nested classes and class intersection (`[a-z&&[^b]]`), inline
 * flags other than a leading `(?i)`, `\R`, `\X`, `\G`, `\Z`, and anything
 * that still fails to compile after the steps above.
 *
 * Sources: Java's `java.util.regex.Pattern` documentation for the Java side;
 * ECMAScript 2022 §22.2 for what `u` mode accepts.
 */

/** A pattern translated for JavaScript, or why it could not be. */
export type TranslatedPattern = { ok: true; regex: RegExp; source: string } | { ok: false; source: string; reason: string };

const CLASS_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'p', 'P', 'h', 'H', 'v', 'V']);

/** Reads one escape at `i` (pattern[i] === '\\'); returns its JS text, whether it is a class escape, and the next index. */
function readEscape(
  p: string,
  i: number,
  inClass: boolean,
): { text: string; classEscape: boolean; next: number } | { unsupported: string } {
  const c = p[i + 1];
  if (c === undefined) return { unsupported: 'trailing backslash' };
  if (!/[0-9A-Za-z]/.test(c)) {
    const cp = p.codePointAt(i + 1) as number;
    return { text: `\\u{${cp.toString(16)}}`, classEscape: false, next: i + 1 + String.fromCodePoint(cp).length };
  }
  if (c === 'p' || c === 'P') {
    if (p[i + 2] === '{') {
      const end = p.indexOf('}', i + 3);
      if (end < 0) return { unsupported: 'unterminated \\p{' };
      let name = p.slice(i + 3, end);
      // Java spells a script or category with an "Is" prefix; JS does not.
      if (/^Is[A-Z]/.test(name)) name = name.slice(2);
      return { text: `\\${c}{${name}}`, classEscape: true, next: end + 1 };
    }
    return { text: `\\${c}{${p[i + 2]}}`, classEscape: true, next: i + 3 };
  }
  if (c === 'x' && p[i + 2] === '{') {
    const end = p.indexOf('}', i + 3);
    return { text: `\\u{${p.slice(i + 3, end)}}`, classEscape: false, next: end + 1 };
  }
  if (c === 'u') return { text: p.slice(i, i + 6), classEscape: false, next: i + 6 };
  if (c === 'h')
    return {
      text: inClass
        ? ' \\t\\u00a0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000'
        : '[ \\t\\u00a0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000]',
      classEscape: true,
      next: i + 2,
    };
  if (!inClass && c === 'A') return { text: '^', classEscape: false, next: i + 2 };
  if (!inClass && c === 'z') return { text: '$', classEscape: false, next: i + 2 };
  if ('RXGZHVEQ'.includes(c)) return { unsupported: `\\${c}` };
  return { text: `\\${c}`, classEscape: CLASS_ESCAPES.has(c), next: i + 2 };
}

/**
 * Translates a Java pattern from a service model into a RegExp that must
 * match the whole value. Whole-value matching is an assumption: the models
 * do not say, but their patterns are written for it (`[a-z0-9-]+` would
 * accept anything unanchored) and the API references present each as the
 * form of the whole member, as Java's `Matcher.matches` checks it.
 * Never throws: an untranslatable pattern comes back with `ok: false` and the reason.
 */
export function translateJavaPattern(source: string): TranslatedPattern {
  let p = source;
  let flags = 'u';
  if (p.startsWith('(?i)')) {
    flags += 'i';
    p = p.slice(4);
  }
  let out = '';
  let inClass = false;
  let classDepthOpen = -1; // index in `out` where the current class opened
  let prevClassAtomWasClassEscape = false;
  let lastAtomStart = -1; // index in `out` where the last complete atom starts (outside classes)
  const groups: { start: number; atomic: boolean }[] = [];
  let synthetic = 0; // named captures added for atomic groups and possessive quantifiers
  const atomicMatch = (body: string) => {
    synthetic++;
    return `(?:(?=(?<atomic${synthetic}>${body}))\\k<atomic${synthetic}>)`;
  };
  let i = 0;
  const fail = (reason: string): TranslatedPattern => ({ ok: false, source, reason });

  while (i < p.length) {
    const c = p[i];
    if (inClass) {
      if (c === '\\') {
        const e = readEscape(p, i, true);
        if ('unsupported' in e) return fail(`${e.unsupported} is not translated`);
        out += e.text;
        prevClassAtomWasClassEscape = e.classEscape;
        i = e.next;
        continue;
      }
      if (c === '[') return fail('nested character class is not translated');
      if (c === '&' && p[i + 1] === '&') return fail('class intersection (&&) is not translated');
      if (c === ']') {
        const atClassStart = out.length === classDepthOpen + 1 || (out.length === classDepthOpen + 2 && out.endsWith('^'));
        // Java reads a `]` first in a class as a literal; `u` mode needs it escaped.
        out += atClassStart ? '\\]' : ']';
        inClass = atClassStart;
        i++;
        continue;
      }
      if (c === '-') {
        const nextIsClassEscape = p[i + 1] === '\\' && CLASS_ESCAPES.has(p[i + 2] ?? '');
        if (prevClassAtomWasClassEscape || nextIsClassEscape) {
          out += '\\u{2d}';
          prevClassAtomWasClassEscape = false;
          i++;
          continue;
        }
      }
      out += c;
      prevClassAtomWasClassEscape = false;
      i++;
      continue;
    }
    // Outside a character class.
    if (c === '\\') {
      if (p[i + 1] === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const literal = p.slice(i + 2, end < 0 ? p.length : end);
        lastAtomStart = out.length;
        out += `(?:${[...literal].map((ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`).join('')})`;
        i = end < 0 ? p.length : end + 2;
        continue;
      }
      const e = readEscape(p, i, false);
      if ('unsupported' in e) return fail(`${e.unsupported} is not translated`);
      lastAtomStart = out.length;
      out += e.text;
      i = e.next;
      continue;
    }
    if (c === '[') {
      lastAtomStart = out.length;
      classDepthOpen = out.length;
      out += '[';
      inClass = true;
      prevClassAtomWasClassEscape = false;
      i++;
      continue;
    }
    if (c === '(') {
      if (p.startsWith('(?>', i)) {
        groups.push({ start: out.length, atomic: true });
        out += '(?:';
        i += 3;
        continue;
      }
      if (p[i + 1] === '?' && /[a-zA-Z-]/.test(p[i + 2] ?? '') && p[i + 2] !== 'P') {
        return fail(`inline flags ${p.slice(i, p.indexOf(')', i) + 1)} are not translated`);
      }
      groups.push({ start: out.length, atomic: false });
      out += '(';
      i++;
      continue;
    }
    if (c === ')') {
      const g = groups.pop();
      if (!g) return fail('unbalanced )');
      if (g.atomic) {
        out = out.slice(0, g.start) + atomicMatch(out.slice(g.start + 3));
      } else {
        out += ')';
      }
      lastAtomStart = g.start;
      i++;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      let j = i + 1;
      if (c === '{') {
        const end = p.indexOf('}', i);
        if (end < 0) return fail('unterminated {');
        q = p.slice(i, end + 1);
        j = end + 1;
      }
      if (p[j] === '?') {
        out += `${q}?`;
        i = j + 1;
        continue;
      }
      if (p[j] === '+') {
        if (lastAtomStart < 0) return fail('possessive quantifier without an atom');
        out = out.slice(0, lastAtomStart) + atomicMatch(out.slice(lastAtomStart) + q);
        i = j + 1;
        continue;
      }
      out += q;
      i = j;
      continue;
    }
    lastAtomStart = out.length;
    out += c;
    i++;
  }
  if (inClass) return fail('unterminated character class');
  if (groups.length > 0) return fail('unbalanced (');
  // The added named captures shift the numbers of the pattern's own groups.
  if (synthetic > 0 && /\\[1-9]/.test(source))
    return fail('numbered backreference next to a possessive quantifier or atomic group is not translated');
  try {
    const wrapped = `^(?:${out})$`;
    return { ok: true, regex: new RegExp(wrapped, flags), source };
  } catch (error) {
    return fail(`does not compile as JavaScript: ${(error as Error).message}`);
  }
}
