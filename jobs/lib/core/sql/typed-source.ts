/**
 * The typing step of every cleaned model, built from the table contract
 * (definition/tables.ts) instead of being written by hand in each model: a
 * model says `{{ typed(raw.<table>) }}` and gets a relation with the table's
 * columns in contract order, each typed from the raw text by the parser of
 * its type (a parsing shim where the engines differ), plus `reject_reason`,
 * which names the first column that is missing (not nullable) or cannot be
 * typed, and shows the bad value (docs/architecture.md "Data contracts",
 * cleaned zone). The relation also keeps one row per version
 * `(primary key, last_updated)` and rejects conflicting versions (see
 * typedSourceSql), and gives every rejected row its raw text
 * (`reject_original`).
 *
 * Adding a column to the contract therefore changes every model that reads
 * the table, with no edit to the model files.
 */
import { TerminalError } from '../errors';
import {
  CHANGE_OPS,
  OP_COLUMN,
  RAW_OP_COLUMN,
  type ColumnDef,
  type ColumnType,
  type SourceTableDef,
} from '../../definition/tables';
import type { Engine } from './engine';
import { REJECT_ORIGINAL_COLUMN, REJECT_REASON_COLUMN } from './materialize';
import { jsonObjectText, SHIMS } from './shims';

/**
 * The column that, with the primary key, identifies one version of a source
 * row: cleaned rows are deduplicated on `(primary key, last_updated)`
 * (docs/architecture.md "Data contracts").
 */
export const VERSION_COLUMN = 'last_updated';

/** Suffix of the raw-text copy of a typed column inside the typing relation (`<column>_text`). */
const TEXT_SUFFIX = '_text';

/** How a column type is parsed from raw text, and what the reject reason says the text is not. */
interface TextParser {
  /** SQL giving the typed value of text expression `text`, NULL when it does not parse. */
  parse: (text: string, engine: Engine) => string;
  /** Completes "<column> is not …: '<text>'". */
  expected: string;
}

/** A parser that is an engine shim (shims.ts), rendered as `{{ name(text) }}` would be. */
const shim = (name: string) => (text: string, engine: Engine) => SHIMS[name].render[engine]([`(${text})`]);

/**
 * The parser of each type a source column can have. `varchar` columns need
 * none (they are kept as landed); a type missing here cannot appear in a
 * source table (typedSourceSql throws).
 */
const TEXT_PARSERS: Partial<Record<ColumnType, TextParser>> = {
  int: { parse: shim('text_to_int'), expected: 'an integer' },
  timestamp: { parse: shim('text_to_timestamp'), expected: 'a timestamp' },
  date: { parse: shim('text_to_date'), expected: 'a date (yyyy-mm-dd)' },
  'decimal(10,2)': { parse: shim('text_to_decimal'), expected: 'a decimal' },
  // The same SQL on both engines, so not a shim: `true` / `false` in any case, blanks around ignored.
  boolean: {
    parse: (text) => `case lower(trim(${text})) when 'true' then true when 'false' then false end`,
    expected: 'a boolean (true/false)',
  },
};

const SIMPLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** A column's parser, or undefined for varchar (kept as text). */
function parserOf(table: string, column: ColumnDef): TextParser | undefined {
  if (column.type === 'varchar') return undefined;
  const parser = TEXT_PARSERS[column.type];
  if (!parser) {
    throw new TerminalError(`cannot type ${table}.${column.name} from raw text: no parser for type ${column.type}`);
  }
  return parser;
}

/**
 * The columns in the order their reject checks run: the primary key, then the
 * version column (the grain first, so a row without one is reported by it),
 * then the others in contract order.
 */
function checkOrder(def: SourceTableDef): ColumnDef[] {
  const grain = [def.primaryKey, VERSION_COLUMN];
  const byName = new Map(def.columns.map((c) => [c.name, c]));
  for (const name of grain) {
    if (!byName.has(name)) throw new TerminalError(`source table ${def.name} has no ${name} column, part of its grain`);
  }
  return [...grain.map((name) => byName.get(name)!), ...def.columns.filter((c) => !grain.includes(c.name))];
}

/**
 * The `when … then '<reason>'` lines for one column: none for a nullable text
 * column without a length limit. A text column with `maxLength` (the
 * warehouse column's varchar(n), tables.ts) is rejected as
 * "<column> is <b> bytes in UTF-8, over varchar(<n>)" when its UTF-8
 * encoding is longer than n bytes (the `utf8_bytes` shim). Bytes, not
 * characters, on every engine: Redshift's varchar(n) holds n bytes ("CHAR and
 * VARCHAR data types are defined in terms of bytes, not characters", Amazon
 * Redshift Database Developer Guide, "Character types",
 * https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html), so a
 * value of n characters with a multibyte one would pass a character count and
 * then fail the whole load. PostgreSQL counts characters and would take it;
 * the contract is the stricter one, the same on both runtimes.
 */
function rejectChecks(def: SourceTableDef, column: ColumnDef, engine: Engine): string[] {
  const name = column.name;
  const required = !column.nullable || name === def.primaryKey || name === VERSION_COLUMN;
  const parser = parserOf(def.name, column);
  if (!parser) {
    const max = column.maxLength;
    if (max !== undefined && !(Number.isSafeInteger(max) && max > 0))
      throw new TerminalError(`source column ${def.name}.${name} has a maxLength that is not a positive integer: ${max}`);
    const bytes = SHIMS.utf8_bytes.render[engine]([`(${name})`]);
    const tooLong =
      max === undefined
        ? []
        : [`when ${bytes} > ${max} then '${name} is ' || cast(${bytes} as varchar) || ' bytes in UTF-8, over varchar(${max})'`];
    return [...(required ? [`when ${name} is null then '${name} is missing'`] : []), ...tooLong];
  }
  const text = name + TEXT_SUFFIX;
  const notTyped = `'${name} is not ${parser.expected}: ''' || ${text} || ''''`;
  if (!required) return [`when ${text} is not null and ${name} is null then ${notTyped}`];
  return [`when ${text} is null then '${name} is missing'`, `when ${name} is null then ${notTyped}`];
}

/** Internal column names of the typing relation; a contract column must not use them. */
const TYPING_REASON = 'typing_reason';
const VERSION_NUMBER = 'version_number';
const VARIANT_NUMBER = 'variant_number';

/**
 * The typing relation of a cleaned model: for source table `def` read from
 * `source` (a SQL relation of raw rows, columns as text or anything castable
 * to varchar), a parenthesised SELECT with the contract's columns in order,
 * typed for `engine`, then `reject_reason` (NULL on a good row) and
 * `reject_original` (on a rejected row, the row's raw text as a JSON object
 * of its contract columns; NULL on a good row).
 *
 * Typing: a column that is not nullable, and the grain (primary key and
 * `last_updated`) always, is rejected as "<column> is missing" when NULL; a
 * typed column whose text does not parse is rejected as "<column> is not
 * <type>: '<text>'"; a text column longer than its `maxLength` (the warehouse
 * column's varchar(n)) in UTF-8 bytes as "<column> is <b> bytes in UTF-8, over
 * varchar(<n>)" (see rejectChecks). Checks run in the order of checkOrder; the
 * first that fails gives the reason.
 *
 * Versions (docs/architecture.md "Data contracts", README "Rejects and schema
 * drift"): the good rows keep one row per grain `(primary key, last_updated)`.
 * Rows equal in every typed contract column are the same version and collapse
 * into one without a trace. Rows of one grain that differ in any typed
 * column are conflicting versions: the first in contract column order
 * (ascending, NULLs last, the rule the models always had) is kept, so a key
 * never vanishes from the zone and a re-run keeps the same row; every other
 * row (each copy of it) is rejected with the reason
 * "conflicting version of <key column> <key> at <last_updated>" (both as
 * their raw text), and so counted, alerted and kept with its values.
 *
 * @param def     the source table contract (definition/tables.ts)
 * @param source  the relation holding the raw rows, e.g. a rendered `{{ raw.<table> }}`
 * @param engine  the engine the shims are rendered for
 * @param withOp  whether `source` has the raw op column `_op` (tables.ts RAW_OP_COLUMN): then
 *   `change_op` is its lower-cased text and a row whose op is not insert|update|delete is
 *   rejected; otherwise `change_op` is NULL on every row (upserts)
 * @returns SQL text of a parenthesised relation (usable after `from`), the contract columns
 *   then `change_op` and `reject_reason`
 * @throws TerminalError when a column name is not a plain lowercase identifier,
 *   a typed column's text name collides with another column, a column is
 *   named like the relation's own columns (reject_reason, reject_original,
 *   typing_reason, version_number, variant_number), the grain columns are
 *   missing, a column has a type with no text parser (bigint, time), or a
 *   `maxLength` that is not a positive integer
 */
export function typedSourceSql(def: SourceTableDef, source: string, engine: Engine, withOp = false): string {
  const names = def.columns.map((c) => c.name);
  for (const column of def.columns) {
    const name = column.name;
    if (!SIMPLE_NAME.test(name))
      throw new TerminalError(`source column ${def.name}.${JSON.stringify(name)} is not a plain identifier`);
    if (parserOf(def.name, column) && names.includes(name + TEXT_SUFFIX)) {
      throw new TerminalError(
        `source table ${def.name} has both ${name} and ${name}${TEXT_SUFFIX}; the typing relation needs the latter name`,
      );
    }
  }
  for (const reserved of [
    OP_COLUMN,
    REJECT_REASON_COLUMN,
    REJECT_ORIGINAL_COLUMN,
    TYPING_REASON,
    VERSION_NUMBER,
    VARIANT_NUMBER,
  ]) {
    if (names.includes(reserved)) throw new TerminalError(`source table ${def.name} must not have a ${reserved} column`);
  }
  // Raises the grain errors before anything else is built.
  const order = checkOrder(def);

  /** The raw text of a column inside the relation: `<column>_text` for a typed column, else the column. */
  const textOf = (c: ColumnDef) => (parserOf(def.name, c) ? c.name + TEXT_SUFFIX : c.name);
  const column = (name: string) => def.columns.find((c) => c.name === name)!;
  const asText = [
    ...def.columns.map((c) => (parserOf(def.name, c) ? `cast(${c.name} as varchar) as ${c.name}${TEXT_SUFFIX}` : c.name)),
    withOp ? `lower(trim(cast(${RAW_OP_COLUMN} as varchar))) as ${OP_COLUMN}` : `cast(null as varchar) as ${OP_COLUMN}`,
  ];
  const typed = def.columns.flatMap((c) => {
    const parser = parserOf(def.name, c);
    return parser ? [`${parser.parse(c.name + TEXT_SUFFIX, engine)} as ${c.name}`] : [];
  });
  // Never empty: the grain columns are always checked.
  const opChecks = withOp
    ? [
        `when ${OP_COLUMN} is not null and ${OP_COLUMN} not in (${CHANGE_OPS.map((op) => `'${op}'`).join(', ')}) then '${RAW_OP_COLUMN} is not ${CHANGE_OPS.join('|')}: ''' || ${OP_COLUMN} || ''''`,
      ]
    : [];
  const checks = [...order.flatMap((c) => rejectChecks(def, c, engine)), ...opChecks];
  const reason = ['case', ...checks.map((line) => `    ${line}`), `end as ${TYPING_REASON}`];

  // Good rows first, then the contract columns and the operation: equal rows are peers (same dense rank), NULLs equal.
  const window =
    `over (partition by ${def.primaryKey}, ${VERSION_COLUMN} ` +
    `order by ${TYPING_REASON} nulls first, ${[...names, OP_COLUMN].map((n) => `${n} nulls last`).join(', ')})`;
  const conflict = `${TYPING_REASON} is null and ${VARIANT_NUMBER} > 1`;
  const conflictReason =
    `'conflicting version of ${def.primaryKey} ' || ${textOf(column(def.primaryKey))} || ` +
    `' at ' || ${textOf(column(VERSION_COLUMN))}`;
  const original = jsonObjectText[engine](def.columns.map((c) => [c.name, textOf(c)] as const));

  const list = (items: string[], indent: string) => items.map((item, i) => `${indent}${item}${i < items.length - 1 ? ',' : ''}`);
  return [
    '(',
    '    select',
    ...list(
      [
        ...names,
        OP_COLUMN,
        `case when ${conflict} then ${conflictReason} else ${TYPING_REASON} end as ${REJECT_REASON_COLUMN}`,
        `case when ${TYPING_REASON} is not null or ${VARIANT_NUMBER} > 1 then ${original} end as ${REJECT_ORIGINAL_COLUMN}`,
      ],
      '        ',
    ),
    '    from (',
    '        select',
    ...list(['*', `row_number() ${window} as ${VERSION_NUMBER}`, `dense_rank() ${window} as ${VARIANT_NUMBER}`], '            '),
    '        from (',
    '            select',
    '                *,',
    ...reason.map((line) => `                ${line}`),
    '            from (',
    '                select',
    ...list(['*', ...typed], '                    '),
    '                from (',
    '                    select',
    ...list(asText, '                        '),
    `                    from ${source}`,
    '                ) as source_text',
    '            ) as typed_text',
    '        ) as checked',
    '    ) as ranked',
    `    where ${TYPING_REASON} is not null or ${VERSION_NUMBER} = 1 or ${VARIANT_NUMBER} > 1`,
    ')',
  ].join('\n');
}
