/**
 * SQL shims: the ONE place where the SQL models' engines differ (docs/architecture.md "SQL models").
 *
 * Models are written in the common subset of DuckDB and Athena engine v3
 * (Trino). Wherever the two disagree (regular-expression function names,
 * timestamp precision, time formatting, ISO weekday, series generation) a
 * model calls a named shim, `{{ shim_name(arg, …) }}`, and the renderer
 * (`render.ts`) substitutes the engine's SQL here. Arguments are SQL
 * expressions, pasted in as given (each is wrapped in parentheses).
 *
 * Parsing shims all take source text (anything castable to varchar) and return
 * NULL when the text does not parse, so a model can tell "missing" (input is
 * NULL) from "unparseable" (input is not NULL, result is NULL) and reject the
 * row with a reason (docs/architecture.md "Data contracts", cleaned zone).
 */
import type { Engine } from './engine';

/** One shim: its argument names (for arity checks and docs) and its SQL per engine. */
export interface ShimDef {
  /** What the shim computes, in words. */
  description: string;
  /** Argument names; calls must pass exactly this many. */
  params: readonly string[];
  /** Renders the shim for an engine; `args` are SQL expressions, already parenthesised. */
  render: Record<Engine, (args: string[]) => string>;
}

/** Anchored regular-expression test: DuckDB `regexp_matches`, Trino `regexp_like` (same RE2/Java-compatible pattern). */
const matches: Record<Engine, (text: string, pattern: string) => string> = {
  duckdb: (text, pattern) => `regexp_matches(${text}, '${pattern}')`,
  athena: (text, pattern) => `regexp_like(${text}, '${pattern}')`,
};

/** The argument as trimmed text, whatever type the catalog gave the column. */
const asText = (expr: string) => `trim(cast(${expr} as varchar))`;

// Patterns use only `[0-9]` classes, `?`, `+`, `{n}` and anchors, which mean the same in RE2 (DuckDB) and Java/Joni (Trino).
const INTEGER_TEXT = '^-?[0-9]+([.]0+)?$';
const DECIMAL_TEXT = '^-?[0-9]+([.][0-9]+)?$';
const DATE_TEXT = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const TIMESTAMP_TEXT = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$';

/** Builds one parsing shim per engine: `case when <text matches> then try_cast(<normalised text> as <type>) end`. */
function parser(pattern: string, normalise: (text: string) => string, type: Record<Engine, string>): ShimDef['render'] {
  const build = (engine: Engine) => (args: string[]) => {
    const text = asText(args[0]);
    return `(case when ${matches[engine](text, pattern)} then try_cast(${normalise(text)} as ${type[engine]}) end)`;
  };
  return { duckdb: build('duckdb'), athena: build('athena') };
}

/**
 * Every shim a model may call, by name. Keep this list short and each name a
 * description of what it does.
 */
export const SHIMS: Record<string, ShimDef> = {
  text_to_timestamp: {
    description:
      'Source timestamp text (`2022-11-03T14:20:52.186` or `2022-11-03 14:20:52.187000`) to a timestamp with ' +
      'millisecond precision (extra fractional digits are truncated, not rounded); NULL when it does not parse.',
    params: ['text'],
    // substr(…, 1, 23) keeps `yyyy-mm-dd hh:mm:ss.mmm`; both engines then parse the space-separated form.
    render: parser(TIMESTAMP_TEXT, (t) => `replace(substr(${t}, 1, 23), 'T', ' ')`, {
      duckdb: 'timestamp',
      athena: 'timestamp(3)',
    }),
  },
  text_to_date: {
    description: 'Text `yyyy-mm-dd` to a date; NULL when it does not parse or is not a real calendar day.',
    params: ['text'],
    render: parser(DATE_TEXT, (t) => t, { duckdb: 'date', athena: 'date' }),
  },
  text_to_int: {
    description:
      'Integer text, also float-ified (`2.0`, `7.00`), to a 32-bit integer; NULL for a non-whole (`2.5`), ' +
      'out-of-range or non-numeric value.',
    params: ['text'],
    render: parser(INTEGER_TEXT, (t) => `split_part(${t}, '.', 1)`, { duckdb: 'integer', athena: 'integer' }),
  },
  text_to_decimal: {
    description:
      'Plain decimal text (`552548.62`, `3.94`, `12`) to decimal(10,2), rounding extra fraction digits; NULL ' +
      'when it does not parse or does not fit decimal(10,2).',
    params: ['text'],
    render: parser(DECIMAL_TEXT, (t) => t, { duckdb: 'decimal(10,2)', athena: 'decimal(10,2)' }),
  },
  time_of_day_text: {
    description: "A timestamp's time of day as `HH:MM:SS.mmm` text (24-hour clock, always three decimals).",
    params: ['timestamp'],
    render: {
      duckdb: ([ts]) => `strftime(${ts}, '%H:%M:%S.%g')`,
      athena: ([ts]) => `format_datetime(${ts}, 'HH:mm:ss.SSS')`,
    },
  },
  iso_day_of_week: {
    description: 'ISO 8601 day of the week of a date: Monday 1 … Sunday 7, as an integer.',
    params: ['date'],
    render: {
      duckdb: ([d]) => `cast(isodow(${d}) as integer)`,
      athena: ([d]) => `cast(day_of_week(${d}) as integer)`,
    },
  },
  utf8_bytes: {
    description:
      'Length of a text in bytes of its UTF-8 encoding (what a Redshift varchar(n) counts), as an integer; ' +
      'NULL for NULL. `length` counts characters on both engines, so it cannot tell `Zł€` (6 bytes) from `abc`.',
    params: ['text'],
    render: {
      // DuckDB: strlen is "number of bytes in string" (checked on the bundled DuckDB: strlen('Zł€') = 6, length = 3).
      duckdb: ([t]) => `strlen(cast(${t} as varchar))`,
      // Trino (Athena engine v3): to_utf8(string) -> varbinary, length(binary) -> bigint "length of binary in bytes"
      // (Trino docs, "String functions" and "Binary functions and operators").
      athena: ([t]) => `length(to_utf8(cast(${t} as varchar)))`,
    },
  },
  date_spine: {
    description:
      'A FROM item (use as `cross join {{ date_spine(a, b) }} as days (day_value)`) yielding one row per day ' +
      'from the first date to the last, inclusive; no rows when either is NULL. The value may be a timestamp ' +
      'at midnight on DuckDB: cast it to date. Trino caps a sequence at 10,000 elements (about 27 years).',
    params: ['first_date', 'last_date'],
    render: {
      duckdb: ([a, b]) => `unnest(generate_series(cast(${a} as date), cast(${b} as date), interval '1' day))`,
      athena: ([a, b]) => `unnest(sequence(cast(${a} as date), cast(${b} as date), interval '1' day))`,
    },
  },
};

/** The names of all shims, sorted. */
export function shimNames(): string[] {
  return Object.keys(SHIMS).sort();
}

/**
 * A JSON object of text values, as varchar (`{"a":"1","b":null}`): the raw
 * row a reject keeps as its `original`. Not a model shim (its arity varies
 * with the table), built by the typing step (typed-source.ts). `entries` are
 * `[key, SQL expression]`; keys must be plain identifiers; each value is cast
 * to varchar, and NULL becomes JSON null. DuckDB keeps the keys in the given
 * order; Trino (a map cast to JSON) writes them sorted.
 */
export const jsonObjectText: Record<Engine, (entries: readonly (readonly [string, string])[]) => string> = {
  duckdb: (entries) =>
    `cast(json_object(${entries.map(([key, value]) => `'${key}', cast(${value} as varchar)`).join(', ')}) as varchar)`,
  athena: (entries) =>
    `json_format(cast(map(array[${entries.map(([key]) => `'${key}'`).join(', ')}], ` +
    `array[${entries.map(([, value]) => `cast(${value} as varchar)`).join(', ')}]) as json))`,
};
