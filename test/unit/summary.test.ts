/**
 * The compact run summary (scripts/cli/summary.ts): one line per stage and per
 * table, the databases named without passwords, and dimensions counted as the
 * warehouse holds them rather than summed over the runs a pass touched.
 */
import type { RunRecord } from '../../jobs/lib/core/ports';
import type { Delivery } from '../../jobs/lib/runtimes/local/event-bus';
import { describeDatabases, progressLine, renderSummary } from '../../scripts/cli/summary';
import { progressMode } from '../../scripts/cli/progress';

const run = (runId: string, counts: RunRecord['counts'], rejects?: Record<string, number>): RunRecord => ({
  runId,
  origin: 'extract',
  stage: 'loaded',
  createdAt: '2026-01-01T09:00:00.000Z',
  updatedAt: '2026-01-01T09:00:01.000Z',
  history: {},
  counts,
  ...(rejects ? { rejects } : {}),
});

const delivery = (step: Delivery['step'], input: Delivery['input'], ms: number, error?: string): Delivery => ({
  route: `${step}-route`,
  step,
  input,
  event: { source: 'aws.scheduler', 'detail-type': 'Scheduled Tick', detail: { step: 'extract' } },
  ms,
  ...(error ? { error } : {}),
});

// Two runs in one pass, each with a full dim_staff snapshot of 20 rows; the warehouse holds 20.
const runs = [
  run(
    '20260101t090000z',
    {
      extracted: { staff: 20, sales_order: 5 },
      cleaned: { staff: 20, sales_order: 5 },
      transformed: { dim_staff: 20, fact_sales_order: 5 },
      loaded: { dim_staff: 20, fact_sales_order: 5 },
    },
    { sales_order: 1 },
  ),
  run('20260101t091500z', {
    extracted: { sales_order: 3 },
    cleaned: { sales_order: 3 },
    transformed: { dim_staff: 20, fact_sales_order: 3 },
    loaded: { dim_staff: 0, fact_sales_order: 3 },
  }),
];
const deliveries = [
  delivery('extract', {}, 1500),
  delivery('transform', { target: 'cleaned' }, 250),
  delivery('transform', { target: 'cleaned' }, 250),
  delivery('load', {}, 420, 'warehouse went away'),
];

describe('renderSummary', () => {
  const lines = renderSummary({
    runs,
    deliveries,
    totalMs: 3210,
    warehouseRows: { dim_staff: 20, fact_sales_order: 8 },
    databases: {
      source: 'postgres://lake:***@db.internal:5432/totesys',
      warehouse: 'embedded PGlite in /home/.lakehouse/warehouse-db',
    },
  });
  const line = (pattern: RegExp) => lines.find((l) => pattern.test(l));

  it('counts a dimension as the warehouse holds it, not summed over the runs of the pass', () => {
    expect(line(/ dim_staff /)).toMatch(/ OK +dim_staff \.+ \[20 rows, 20 new or changed\]$/);
    expect(lines.join('\n')).not.toMatch(/\b40\b/);
  });

  it('sums a fact over the runs (each run adds new versions) beside what the warehouse holds', () => {
    expect(line(/ fact_sales_order /)).toMatch(/fact_sales_order \.+ \[8 rows, 8 new\]$/);
  });

  it('prints one line per stage, dbt style, with rows, seconds, deliveries and failures', () => {
    expect(line(/ extract /)).toBe(progressLine(1, 3, 'OK', 'extract', '28 rows in 1.50s'));
    expect(line(/ cleaned /)).toMatch(/^2 of 3 OK +cleaned \.+ \[28 rows, 1 rejected in 0.50s \(2 deliveries\)\]$/);
    expect(line(/ load /)).toMatch(/^3 of 3 FAIL load \.+ \[28 rows new or changed in 0.42s\]$/);
    expect(lines.at(-1)).toBe('total 3.21s');
  });

  it('prints one line per source table, warning on rejects', () => {
    expect(line(/ sales_order /)).toMatch(/ WARN sales_order \.+ \[8 extracted, 8 cleaned, 1 rejected\]$/);
    expect(line(/ staff /)).toMatch(/ OK +staff \.+ \[20 extracted, 20 cleaned, 0 rejected\]$/);
    expect(lines.filter((l) => / of 11 /.test(l))).toHaveLength(22); // 11 source tables, 11 star tables
  });

  it('names the source and the warehouse first, and returns lines a caller can append to', () => {
    expect(lines.slice(0, 2)).toEqual([
      'source: postgres://lake:***@db.internal:5432/totesys',
      'warehouse: embedded PGlite in /home/.lakehouse/warehouse-db',
    ]);
    expect(Array.isArray(lines)).toBe(true);
  });
});

describe('row counts', () => {
  it('say "1 row", not "1 rows", in the stage and star-table lines', () => {
    const one = run('20260101t100000z', {
      extracted: { currency: 1 },
      cleaned: { currency: 1 },
      transformed: { dim_currency: 1 },
      loaded: { dim_currency: 1 },
    });
    const text = renderSummary({
      runs: [one],
      deliveries: [delivery('extract', {}, 100), delivery('transform', { target: 'cleaned' }, 100)],
      totalMs: 200,
      warehouseRows: { dim_currency: 1 },
      databases: { source: 'embedded PGlite in /s', warehouse: 'embedded PGlite in /w' },
    }).join('\n');
    expect(text).toMatch(/ extract \.+ \[1 row in 0\.10s\]$/m);
    expect(text).toMatch(/ cleaned \.+ \[1 row, 0 rejected in 0\.10s\]$/m);
    expect(text).toMatch(/ dim_currency \.+ \[1 row, 1 new or changed\]$/m);
    expect(text).not.toMatch(/\b1 rows\b/);
  });
});

describe('describeDatabases', () => {
  it('redacts a server password and names an embedded database by its folder', () => {
    expect(
      describeDatabases(
        { sourceUrl: 'postgres://lake:s3cret@db.internal:5432/totesys', warehouseUrl: undefined },
        { sourceDb: '/h/.lakehouse/source-db', warehouseDb: '/h/.lakehouse/warehouse-db' },
      ),
    ).toEqual({
      source: 'postgres://lake:***@db.internal:5432/totesys',
      warehouse: 'embedded PGlite in /h/.lakehouse/warehouse-db',
    });
  });
});

describe('progressMode', () => {
  it('is silent for --json, a live list on a terminal, plain lines otherwise', () => {
    expect(progressMode({ json: true, isTTY: true })).toBe('silent');
    expect(progressMode({ isTTY: true, columns: 100 })).toBe('tty');
    expect(progressMode({ isTTY: false, columns: 100 })).toBe('plain');
    expect(progressMode({ isTTY: true, columns: 0 })).toBe('plain'); // a pseudo-terminal without a size
  });
});
