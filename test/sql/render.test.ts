/**
 * Placeholder rendering (docs/architecture.md "SQL models"): table placeholders resolve per engine
 * and run, shims expand per engine, and anything unknown is a TerminalError.
 */
import { TerminalError } from '../../jobs/lib/core/errors';
import { renderModel, splitArguments, type RenderContext } from '../../jobs/lib/core/sql/render';

const RUN = '20250225t132609z';
const duck: RenderContext = { engine: 'duckdb', runId: RUN, relation: (z, t) => `"${z}"."${t}"` };
const athena: RenderContext = { engine: 'athena', runId: RUN, relation: (z, t) => `"lakehouse_${z}"."${t}"` };

describe('renderModel: table placeholders', () => {
  it('resolves a plain reference to the current run only', () => {
    expect(renderModel('select * from {{ raw.sales_order }}', duck)).toBe(
      `select * from (select * from "raw"."sales_order" where run_id = '${RUN}')`,
    );
  });

  it('resolves :all to every run up to and including the current one, through the engine relation', () => {
    expect(renderModel('select * from {{cleaned.address:all}} a', athena)).toBe(
      `select * from (select * from "lakehouse_cleaned"."address" where run_id <= '${RUN}') a`,
    );
  });

  it('resolves :latest to the newest version per primary key among the runs :all would read', () => {
    const sql = renderModel('select * from {{ cleaned.address:latest }}', athena);
    expect(sql).toContain(`from (select * from "lakehouse_cleaned"."address" where run_id <= '${RUN}')`);
    expect(sql).toContain('row_number() over (partition by address_id order by last_updated desc, run_id desc)');
    expect(sql).toMatch(/^select \* from \(select address_id, address_line_1, .*, last_updated, change_op, run_id from /);
  });

  it('resolves star tables in the transformed zone and several placeholders in one model', () => {
    const sql = renderModel('{{ transformed.dim_date }} {{ cleaned.payment }}', duck);
    expect(sql).toContain(`"transformed"."dim_date" where run_id = '${RUN}'`);
    expect(sql).toContain(`"cleaned"."payment" where run_id = '${RUN}'`);
  });

  it.each([
    ['an unknown zone', '{{ landing.sales_order }}', /unknown zone/],
    ['a table not in definition/tables.ts', '{{ raw.sales_orders }}', /unknown table/],
    ['a star table in the cleaned zone', '{{ cleaned.dim_date }}', /unknown table/],
    ['a source table in the transformed zone', '{{ transformed.address }}', /unknown table/],
    ['an unknown qualifier', '{{ cleaned.address:newest }}', /unknown qualifier/],
    ['an unknown shim', '{{ parse_money(x) }}', /unknown shim parse_money/],
    ['a shim with the wrong number of arguments', '{{ text_to_int(a, b) }}', /takes 1 argument/],
    ['a placeholder that is neither', '{{ 1 + 1 }}', /unknown placeholder/],
    ['an unclosed placeholder', 'select * from {{ raw.address', /unresolved placeholder/],
    ['a nested placeholder', '{{ text_to_int({{ raw.address }}) }}', /unknown placeholder|unresolved/],
    ['stray closing braces', 'select 1 }}', /unresolved placeholder/],
  ])('throws TerminalError on %s', (_what, sql, message) => {
    expect(() => renderModel(sql, duck)).toThrow(TerminalError);
    expect(() => renderModel(sql, duck)).toThrow(message);
  });

  it('throws TerminalError on a run id that could inject SQL', () => {
    expect(() => renderModel('select 1', { ...duck, runId: "x' or 1=1 --" })).toThrow(TerminalError);
  });

  it('leaves SQL without placeholders unchanged', () => {
    expect(renderModel('select 1 as one', athena)).toBe('select 1 as one');
  });
});

describe('renderModel: shims', () => {
  it('renders the same shim differently per engine', () => {
    const model = 'select {{ time_of_day_text(last_updated) }} from t';
    expect(renderModel(model, duck)).toBe("select strftime((last_updated), '%H:%M:%S.%g') from t");
    expect(renderModel(model, athena)).toBe("select format_datetime((last_updated), 'HH:mm:ss.SSS') from t");
  });

  it('passes arguments that contain commas inside brackets and strings as one argument', () => {
    const sql = renderModel("{{ date_spine(coalesce(a, b), cast('2022-01-01,x' as date)) }}", athena);
    expect(sql).toBe(
      "unnest(sequence(cast((coalesce(a, b)) as date), cast((cast('2022-01-01,x' as date)) as date), interval '1' day))",
    );
  });
});

describe('splitArguments', () => {
  it('splits on top-level commas only', () => {
    expect(splitArguments("a, f(b, c), 'd, ''e''', [1, 2]")).toEqual(['a', 'f(b, c)', "'d, ''e'''", '[1, 2]']);
    expect(splitArguments('  ')).toEqual([]);
  });

  it.each([['f(a'], ['a)'], ["'open"], ['a,,b']])('rejects malformed argument text %s', (text) => {
    expect(() => splitArguments(text)).toThrow(TerminalError);
  });
});
