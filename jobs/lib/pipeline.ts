/**
 * The pipeline definition: zones, source tables, star tables, SQL models and
 * the event routes that chain the steps. Read by the local runner, the Lambda
 * handlers and the cdktf stacks alike, so every runtime applies the same routes.
 *
 * Source of the table shapes: `../shared/data/totesys/source-schema.sql` and
 * the star schema in DESIGN.md §3.
 */

/** The three lake zones, in chain order. */
export const ZONES = ['raw', 'cleaned', 'transformed'] as const;
export type Zone = (typeof ZONES)[number];

/** Column types used across the lake and the warehouse (a portable subset). */
export type ColumnType =
  | 'int'
  | 'bigint'
  | 'varchar'
  | 'boolean'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'decimal(10,2)';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

/** A source (OLTP) table as the cleaned zone types it. */
export interface SourceTableDef {
  name: string;
  primaryKey: string;
  /** Typed columns of the cleaned zone table, in order. */
  columns: ColumnDef[];
}

const ts = (name: string): ColumnDef => ({ name, type: 'timestamp' });
const int = (name: string, nullable = false): ColumnDef => ({ name, type: 'int', nullable });
const text = (name: string, nullable = false): ColumnDef => ({ name, type: 'varchar', nullable });
const date = (name: string, nullable = false): ColumnDef => ({ name, type: 'date', nullable });
const money = (name: string): ColumnDef => ({ name, type: 'decimal(10,2)' });
const time = (name: string): ColumnDef => ({ name, type: 'time' });

/** The ToteSys source tables (all but `_prisma_migrations`). */
export const SOURCE_TABLES: SourceTableDef[] = [
  {
    name: 'address',
    primaryKey: 'address_id',
    columns: [
      int('address_id'), text('address_line_1'), text('address_line_2', true), text('district', true),
      text('city'), text('postal_code'), text('country'), text('phone'), ts('created_at'), ts('last_updated'),
    ],
  },
  {
    name: 'counterparty',
    primaryKey: 'counterparty_id',
    columns: [
      int('counterparty_id'), text('counterparty_legal_name'), int('legal_address_id'),
      text('commercial_contact', true), text('delivery_contact', true), ts('created_at'), ts('last_updated'),
    ],
  },
  {
    name: 'currency',
    primaryKey: 'currency_id',
    columns: [int('currency_id'), text('currency_code'), ts('created_at'), ts('last_updated')],
  },
  {
    name: 'department',
    primaryKey: 'department_id',
    columns: [
      int('department_id'), text('department_name'), text('location', true), text('manager', true),
      ts('created_at'), ts('last_updated'),
    ],
  },
  {
    name: 'design',
    primaryKey: 'design_id',
    columns: [
      int('design_id'), ts('created_at'), text('design_name'), text('file_location'), text('file_name'),
      ts('last_updated'),
    ],
  },
  {
    name: 'payment',
    primaryKey: 'payment_id',
    columns: [
      int('payment_id'), ts('created_at'), ts('last_updated'), int('transaction_id'), int('counterparty_id'),
      money('payment_amount'), int('currency_id'), int('payment_type_id'), { name: 'paid', type: 'boolean' },
      date('payment_date'), int('company_ac_number'), int('counterparty_ac_number'),
    ],
  },
  {
    name: 'payment_type',
    primaryKey: 'payment_type_id',
    columns: [int('payment_type_id'), text('payment_type_name'), ts('created_at'), ts('last_updated')],
  },
  {
    name: 'purchase_order',
    primaryKey: 'purchase_order_id',
    columns: [
      int('purchase_order_id'), ts('created_at'), ts('last_updated'), int('staff_id'), int('counterparty_id'),
      text('item_code'), int('item_quantity'), money('item_unit_price'), int('currency_id'),
      date('agreed_delivery_date'), date('agreed_payment_date'), int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'sales_order',
    primaryKey: 'sales_order_id',
    columns: [
      int('sales_order_id'), ts('created_at'), ts('last_updated'), int('design_id'), int('staff_id'),
      int('counterparty_id'), int('units_sold'), money('unit_price'), int('currency_id'),
      date('agreed_delivery_date'), date('agreed_payment_date'), int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'staff',
    primaryKey: 'staff_id',
    columns: [
      int('staff_id'), text('first_name'), text('last_name'), int('department_id'), text('email_address'),
      ts('created_at'), ts('last_updated'),
    ],
  },
  {
    name: 'transaction',
    primaryKey: 'transaction_id',
    columns: [
      int('transaction_id'), text('transaction_type'), int('sales_order_id', true), int('purchase_order_id', true),
      ts('created_at'), ts('last_updated'),
    ],
  },
];

/** A star-schema table: its lake shape (transformed zone) and warehouse shape. */
export interface StarTableDef {
  name: string;
  kind: 'dimension' | 'fact';
  /** Grain, in words (DESIGN.md §3). */
  grain: string;
  /**
   * Columns in lake (Parquet) order; the warehouse has the same columns plus,
   * for facts, the surrogate key first. `time` columns are `HH:MM:SS.mmm`
   * strings in the lake and `time` in the warehouse.
   */
  columns: ColumnDef[];
  /** Dimensions: the primary key. Facts: the natural key that, with the last_updated pair, identifies a version. */
  key: string[];
  /** Facts only: the surrogate key column generated by the warehouse. */
  surrogateKey?: string;
}

const stamps = (): ColumnDef[] => [
  date('created_date'), time('created_time'), date('last_updated_date'), time('last_updated_time'),
];

/** The star schema loaded into the warehouse (names are the ToteSys standard). */
export const STAR_TABLES: StarTableDef[] = [
  {
    name: 'dim_date',
    kind: 'dimension',
    grain: 'one calendar day',
    key: ['date_id'],
    columns: [
      date('date_id'), int('year'), int('month'), int('day'), int('day_of_week'), text('day_name'),
      text('month_name'), int('quarter'),
    ],
  },
  {
    name: 'dim_staff',
    kind: 'dimension',
    grain: 'one staff member',
    key: ['staff_id'],
    columns: [
      int('staff_id'), text('first_name'), text('last_name'), text('department_name'), text('location', true),
      text('email_address'),
    ],
  },
  {
    name: 'dim_location',
    kind: 'dimension',
    grain: 'one address',
    key: ['location_id'],
    columns: [
      int('location_id'), text('address_line_1'), text('address_line_2', true), text('district', true),
      text('city'), text('postal_code'), text('country'), text('phone'),
    ],
  },
  {
    name: 'dim_currency',
    kind: 'dimension',
    grain: 'one currency',
    key: ['currency_id'],
    columns: [int('currency_id'), text('currency_code'), text('currency_name')],
  },
  {
    name: 'dim_design',
    kind: 'dimension',
    grain: 'one design',
    key: ['design_id'],
    columns: [int('design_id'), text('design_name'), text('file_location'), text('file_name')],
  },
  {
    name: 'dim_counterparty',
    kind: 'dimension',
    grain: 'one counterparty',
    key: ['counterparty_id'],
    columns: [
      int('counterparty_id'), text('counterparty_legal_name'), text('counterparty_legal_address_line_1'),
      text('counterparty_legal_address_line_2', true), text('counterparty_legal_district', true),
      text('counterparty_legal_city'), text('counterparty_legal_postal_code'), text('counterparty_legal_country'),
      text('counterparty_legal_phone_number'),
    ],
  },
  {
    name: 'dim_payment_type',
    kind: 'dimension',
    grain: 'one payment type',
    key: ['payment_type_id'],
    columns: [int('payment_type_id'), text('payment_type_name')],
  },
  {
    name: 'dim_transaction',
    kind: 'dimension',
    grain: 'one transaction',
    key: ['transaction_id'],
    columns: [
      int('transaction_id'), text('transaction_type'), int('sales_order_id', true), int('purchase_order_id', true),
    ],
  },
  {
    name: 'fact_sales_order',
    kind: 'fact',
    grain: 'one version of a sales order',
    key: ['sales_order_id'],
    surrogateKey: 'sales_record_id',
    columns: [
      int('sales_order_id'), ...stamps(), int('sales_staff_id'), int('counterparty_id'), int('units_sold'),
      money('unit_price'), int('currency_id'), int('design_id'), date('agreed_payment_date'),
      date('agreed_delivery_date'), int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'fact_purchase_order',
    kind: 'fact',
    grain: 'one version of a purchase order',
    key: ['purchase_order_id'],
    surrogateKey: 'purchase_record_id',
    columns: [
      int('purchase_order_id'), ...stamps(), int('staff_id'), int('counterparty_id'), text('item_code'),
      int('item_quantity'), money('item_unit_price'), int('currency_id'), date('agreed_delivery_date'),
      date('agreed_payment_date'), int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'fact_payment',
    kind: 'fact',
    grain: 'one version of a payment',
    key: ['payment_id'],
    surrogateKey: 'payment_record_id',
    columns: [
      int('payment_id'), ...stamps(), int('transaction_id'), int('counterparty_id'), money('payment_amount'),
      int('currency_id'), int('payment_type_id'), { name: 'paid', type: 'boolean' }, date('payment_date'),
    ],
  },
];

/** The version columns that, with a fact's natural key, identify one version. */
export const FACT_VERSION_COLUMNS = ['last_updated_date', 'last_updated_time'] as const;

/** Tables a zone holds: the cleaned zone mirrors the source, the transformed zone is the star schema. */
export function zoneTables(zone: Exclude<Zone, 'raw'>): string[] {
  return zone === 'cleaned' ? SOURCE_TABLES.map((t) => t.name) : STAR_TABLES.map((t) => t.name);
}

/** Looks up a source table definition; throws when the name is not a source table. */
export function sourceTable(name: string): SourceTableDef {
  const def = SOURCE_TABLES.find((t) => t.name === name);
  if (!def) throw new Error(`unknown source table: ${name}`);
  return def;
}

/** Looks up a star table definition; throws when the name is not a star table. */
export function starTable(name: string): StarTableDef {
  const def = STAR_TABLES.find((t) => t.name === name);
  if (!def) throw new Error(`unknown star table: ${name}`);
  return def;
}

// ---------------------------------------------------------------------------
// Object key layout (DESIGN.md §3). Keys are relative to their zone's bucket.
// ---------------------------------------------------------------------------

export const MANIFEST_PREFIX = '_manifests/';
export const LANDING_PREFIX = 'landing/';
export const REJECTS_PREFIX = '_rejects/';
/** Where ingest moves a landed file once it became a run (`_processed/landing/<table>/<file>`); expired by lifecycle. */
export const PROCESSED_LANDING_PREFIX = '_processed/';
/** Where ingest moves a landed file it cannot read (`_quarantine/landing/…`, with `.error.txt`); kept for a person. */
export const QUARANTINE_PREFIX = '_quarantine/';

export const keys = {
  /** Raw part file: `<table>/run_id=<run>/part-00000.jsonl.gz`. */
  rawPart: (table: string, runId: string, part: number) =>
    `${table}/run_id=${runId}/part-${String(part).padStart(5, '0')}.jsonl.gz`,
  /** A run's folder for a table in any zone: `<table>/run_id=<run>/`. */
  runFolder: (table: string, runId: string) => `${table}/run_id=${runId}/`,
  /** The run manifest in the raw zone: `_manifests/<run>.json`. */
  manifest: (runId: string) => `${MANIFEST_PREFIX}${runId}.json`,
  /** Rejected rows of a cleaned table: `_rejects/<table>/run_id=<run>/`. */
  rejectsFolder: (table: string, runId: string) => `${REJECTS_PREFIX}${table}/run_id=${runId}/`,
};

// ---------------------------------------------------------------------------
// Steps, run stages and event routes (DESIGN.md §4).
// ---------------------------------------------------------------------------

/** The jobs of the chain. Each has `jobs/<step>/`. */
export const STEPS = ['extract', 'ingest', 'crawl', 'transform', 'load', 'scan-logs', 'sweep'] as const;
export type Step = (typeof STEPS)[number];

/**
 * Where a run stands. A run is created `extracted` when its manifest is
 * written; each step moves the runs that wait for it one stage on.
 */
export const RUN_STAGES = ['extracted', 'cleaned', 'transformed', 'loaded'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

/** The stage a run must be at for a transform into `zone` (cleaned or transformed) to pick it up. */
export const STAGE_BEFORE: Record<'cleaned' | 'transformed' | 'loaded', RunStage> = {
  cleaned: 'extracted',
  transformed: 'cleaned',
  loaded: 'transformed',
};

/** Event sources, with the names AWS uses so the same patterns deploy to EventBridge. */
export const EVENT_SOURCES = {
  s3: 'aws.s3',
  glue: 'aws.glue',
  athena: 'aws.athena',
  scheduler: 'aws.scheduler',
  lakehouse: 'lakehouse',
} as const;

export const DETAIL_TYPES = {
  objectCreated: 'Object Created',
  crawlerStateChange: 'Glue Crawler State Change',
  athenaQueryStateChange: 'Athena Query State Change',
  zoneWritten: 'ZoneWritten',
  scheduledTick: 'Scheduled Tick',
} as const;

/**
 * A pipeline event, in the EventBridge envelope shape (source, detail-type,
 * detail) so local and AWS events are the same data.
 */
export type PipelineEvent =
  | { source: 'aws.scheduler'; 'detail-type': 'Scheduled Tick'; detail: { step: 'extract' | 'sweep' } }
  | { source: 'aws.s3'; 'detail-type': 'Object Created'; detail: { bucket: { name: string }; object: { key: string; size?: number }; zone: Zone } }
  | {
      source: 'aws.glue';
      'detail-type': 'Glue Crawler State Change';
      detail: { crawlerName: string; state: 'Succeeded' | 'Failed'; zone: Zone; errorMessage?: string };
    }
  | { source: 'lakehouse'; 'detail-type': 'ZoneWritten'; detail: { zone: Zone; runs: string[] } };

/** A route: which events start which step, and with what input. */
export interface Route {
  /** Stable name (also the EventBridge rule name suffix). */
  name: string;
  /** What the event must look like. */
  on: {
    source: PipelineEvent['source'];
    detailType: PipelineEvent['detail-type'];
    /** Zone the event concerns (S3 bucket, crawler, custom event). */
    zone?: Zone;
    /** S3 only: object keys must start with this prefix. */
    keyPrefix?: string;
    /** S3 only: object keys must end with this suffix. */
    keySuffix?: string;
    /** Glue only: crawler state. */
    state?: 'Succeeded' | 'Failed';
    /** Scheduler only: which schedule. */
    step?: 'extract' | 'sweep';
  };
  /** The step the route starts. */
  step: Step;
  /** Static input for the step (e.g. which zone a crawl or transform targets). */
  input: { zone?: Zone; target?: 'cleaned' | 'transformed' };
}

/** Every route of the chain. The stacks deploy exactly these; the local bus applies exactly these. */
export const ROUTES: Route[] = [
  {
    name: 'schedule-extract',
    on: { source: 'aws.scheduler', detailType: 'Scheduled Tick', step: 'extract' },
    step: 'extract',
    input: {},
  },
  {
    name: 'landing-ingest',
    on: { source: 'aws.s3', detailType: 'Object Created', zone: 'raw', keyPrefix: LANDING_PREFIX },
    step: 'ingest',
    input: {},
  },
  {
    name: 'manifest-crawl-raw',
    on: { source: 'aws.s3', detailType: 'Object Created', zone: 'raw', keyPrefix: MANIFEST_PREFIX, keySuffix: '.json' },
    step: 'crawl',
    input: { zone: 'raw' },
  },
  {
    // The stuck-run sweep's nudge for runs waiting at `extracted` (jobs/sweep/sweep.ts):
    // EventBridge does not let us re-publish an aws.s3 "Object Created", so the sweep says "raw written".
    name: 'raw-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'raw' },
    step: 'crawl',
    input: { zone: 'raw' },
  },
  {
    name: 'raw-crawled-transform-cleaned',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'raw', state: 'Succeeded' },
    step: 'transform',
    input: { target: 'cleaned' },
  },
  {
    name: 'cleaned-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'cleaned' },
    step: 'crawl',
    input: { zone: 'cleaned' },
  },
  {
    name: 'cleaned-crawled-transform-transformed',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'cleaned', state: 'Succeeded' },
    step: 'transform',
    input: { target: 'transformed' },
  },
  {
    name: 'transformed-written-crawl',
    on: { source: 'lakehouse', detailType: 'ZoneWritten', zone: 'transformed' },
    step: 'crawl',
    input: { zone: 'transformed' },
  },
  {
    name: 'transformed-crawled-load',
    on: { source: 'aws.glue', detailType: 'Glue Crawler State Change', zone: 'transformed', state: 'Succeeded' },
    step: 'load',
    input: {},
  },
  {
    name: 'schedule-sweep',
    on: { source: 'aws.scheduler', detailType: 'Scheduled Tick', step: 'sweep' },
    step: 'sweep',
    input: {},
  },
];

/** The zone an event concerns, or undefined for zone-less events (schedule ticks). */
export function eventZone(event: PipelineEvent): Zone | undefined {
  return 'zone' in event.detail ? event.detail.zone : undefined;
}

/** True when `event` satisfies `route.on`. Pure; shared by the local bus and the stack tests. */
export function routeMatches(route: Route, event: PipelineEvent): boolean {
  const on = route.on;
  if (on.source !== event.source || on.detailType !== event['detail-type']) return false;
  if (on.zone && eventZone(event) !== on.zone) return false;
  if (event.source === 'aws.s3') {
    const key = event.detail.object.key;
    if (on.keyPrefix && !key.startsWith(on.keyPrefix)) return false;
    if (on.keySuffix && !key.endsWith(on.keySuffix)) return false;
  }
  if (event.source === 'aws.glue' && on.state && event.detail.state !== on.state) return false;
  if (event.source === 'aws.scheduler' && on.step && event.detail.step !== on.step) return false;
  return true;
}

/** The routes an event starts, in declaration order. */
export function routesFor(event: PipelineEvent): Route[] {
  return ROUTES.filter((r) => routeMatches(r, event));
}
