/**
 * Table contracts: the source tables as the cleaned zone types them and the
 * star schema the warehouse holds. The one place column names, types and
 * nullability are declared; models, loaders and stacks read them from here.
 *
 * Source of the table shapes: the ToteSys source schema (vendored as
 * `scripts/seed/totesys-schema.sql`) and the star schema in
 * docs/architecture.md ("Star schema").
 */
import type { Zone } from './zones';

/** Column types used across the lake and the warehouse (a portable subset). */
export type ColumnType = 'int' | 'bigint' | 'varchar' | 'boolean' | 'date' | 'time' | 'timestamp' | 'decimal(10,2)';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  nullable?: boolean;
  /**
   * Longest text, in bytes of its UTF-8 encoding (Redshift's varchar(n)
   * counts bytes, not characters), a `varchar` source column may hold: the
   * length of the `varchar(n)` warehouse column it feeds through the star
   * models (sql/warehouse/*.sql, sql/transformed/*.sql; `tables.test.ts` checks
   * they agree). A longer value is rejected where the row is typed (cleaned
   * zone) instead of failing the warehouse load. Unset: no limit.
   */
  maxLength?: number;
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
const text = (name: string, nullable = false, maxLength?: number): ColumnDef =>
  maxLength === undefined ? { name, type: 'varchar', nullable } : { name, type: 'varchar', nullable, maxLength };
const date = (name: string, nullable = false): ColumnDef => ({ name, type: 'date', nullable });
const money = (name: string): ColumnDef => ({ name, type: 'decimal(10,2)' });
const time = (name: string): ColumnDef => ({ name, type: 'time' });

/**
 * The change-operation column of the cleaned zone: `insert`, `update` or
 * `delete`, or NULL for a row that landed without one (an upsert, as every
 * watermark extract lands). Raw rows carry it as {@link RAW_OP_COLUMN}; the
 * cleaned models pass it through after the contract columns, and the star
 * models turn a `delete` into {@link DELETED_AT_COLUMN}. A delete row carries
 * the key, the last values of the row, and as `last_updated` the time of the
 * delete (reconcile time, or a commit time under CDC).
 */
export const OP_COLUMN = 'change_op';

/** The raw-zone field holding a row's operation (`insert|update|delete`); rows without it are upserts. */
export const RAW_OP_COLUMN = '_op';

/** The operations a row may carry in {@link RAW_OP_COLUMN} / {@link OP_COLUMN}. */
export const CHANGE_OPS = ['insert', 'update', 'delete'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

/**
 * The soft-delete column of every star table but dim_date: the UTC-less
 * source-local time the key was deleted, NULL while it is live. Dimensions
 * carry it as a value (a delete sets it, a re-insert clears it); on facts it
 * marks the latest version of the deleted key, history kept.
 */
export const DELETED_AT_COLUMN = 'deleted_at';

/** The cleaned zone's op column as a contract column (nullable text). */
export const OP_COLUMN_DEF: ColumnDef = { name: OP_COLUMN, type: 'varchar', nullable: true };

const deletedAt = (): ColumnDef => ({ name: DELETED_AT_COLUMN, type: 'timestamp', nullable: true });

/** The ToteSys source tables (all but `_prisma_migrations`). */
export const SOURCE_TABLES: SourceTableDef[] = [
  {
    name: 'address',
    primaryKey: 'address_id',
    columns: [
      int('address_id'),
      text('address_line_1', false, 1024),
      text('address_line_2', true, 1024),
      text('district', true, 1024),
      text('city', false, 1024),
      text('postal_code', false, 1024),
      text('country', false, 1024),
      text('phone', false, 1024),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  {
    name: 'counterparty',
    primaryKey: 'counterparty_id',
    columns: [
      int('counterparty_id'),
      text('counterparty_legal_name', false, 1024),
      int('legal_address_id'),
      text('commercial_contact', true),
      text('delivery_contact', true),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  {
    name: 'currency',
    primaryKey: 'currency_id',
    columns: [int('currency_id'), text('currency_code', false, 3), ts('created_at'), ts('last_updated')],
  },
  {
    name: 'department',
    primaryKey: 'department_id',
    columns: [
      int('department_id'),
      text('department_name', false, 1024),
      text('location', true, 1024),
      text('manager', true),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  {
    name: 'design',
    primaryKey: 'design_id',
    columns: [
      int('design_id'),
      ts('created_at'),
      text('design_name', false, 1024),
      text('file_location', false, 1024),
      text('file_name', false, 1024),
      ts('last_updated'),
    ],
  },
  {
    name: 'payment',
    primaryKey: 'payment_id',
    columns: [
      int('payment_id'),
      ts('created_at'),
      ts('last_updated'),
      int('transaction_id'),
      int('counterparty_id'),
      money('payment_amount'),
      int('currency_id'),
      int('payment_type_id'),
      { name: 'paid', type: 'boolean' },
      date('payment_date'),
      int('company_ac_number'),
      int('counterparty_ac_number'),
    ],
  },
  {
    name: 'payment_type',
    primaryKey: 'payment_type_id',
    columns: [int('payment_type_id'), text('payment_type_name', false, 16), ts('created_at'), ts('last_updated')],
  },
  {
    name: 'purchase_order',
    primaryKey: 'purchase_order_id',
    columns: [
      int('purchase_order_id'),
      ts('created_at'),
      ts('last_updated'),
      int('staff_id'),
      int('counterparty_id'),
      text('item_code', false, 1024),
      int('item_quantity'),
      money('item_unit_price'),
      int('currency_id'),
      date('agreed_delivery_date'),
      date('agreed_payment_date'),
      int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'sales_order',
    primaryKey: 'sales_order_id',
    columns: [
      int('sales_order_id'),
      ts('created_at'),
      ts('last_updated'),
      int('design_id'),
      int('staff_id'),
      int('counterparty_id'),
      int('units_sold'),
      money('unit_price'),
      int('currency_id'),
      date('agreed_delivery_date'),
      date('agreed_payment_date'),
      int('agreed_delivery_location_id'),
    ],
  },
  {
    name: 'staff',
    primaryKey: 'staff_id',
    columns: [
      int('staff_id'),
      text('first_name', false, 1024),
      text('last_name', false, 1024),
      int('department_id'),
      text('email_address', false, 1024),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
  {
    name: 'transaction',
    primaryKey: 'transaction_id',
    columns: [
      int('transaction_id'),
      text('transaction_type', false, 8),
      int('sales_order_id', true),
      int('purchase_order_id', true),
      ts('created_at'),
      ts('last_updated'),
    ],
  },
];

/** A star-schema table: its lake shape (transformed zone) and warehouse shape. */
export interface StarTableDef {
  name: string;
  kind: 'dimension' | 'fact';
  /** Grain, in words (docs/architecture.md "Data contracts"). */
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
  date('created_date'),
  time('created_time'),
  date('last_updated_date'),
  time('last_updated_time'),
];

/** The star schema loaded into the warehouse (names are the ToteSys standard). */
export const STAR_TABLES: StarTableDef[] = [
  {
    name: 'dim_date',
    kind: 'dimension',
    grain: 'one calendar day',
    key: ['date_id'],
    columns: [
      date('date_id'),
      int('year'),
      int('month'),
      int('day'),
      int('day_of_week'),
      text('day_name'),
      text('month_name'),
      int('quarter'),
    ],
  },
  {
    name: 'dim_staff',
    kind: 'dimension',
    grain: 'one staff member',
    key: ['staff_id'],
    columns: [
      int('staff_id'),
      text('first_name'),
      text('last_name'),
      text('department_name', true),
      text('location', true),
      text('email_address'),
      deletedAt(),
    ],
  },
  {
    name: 'dim_location',
    kind: 'dimension',
    grain: 'one address',
    key: ['location_id'],
    columns: [
      int('location_id'),
      text('address_line_1'),
      text('address_line_2', true),
      text('district', true),
      text('city'),
      text('postal_code'),
      text('country'),
      text('phone'),
      deletedAt(),
    ],
  },
  {
    name: 'dim_currency',
    kind: 'dimension',
    grain: 'one currency',
    key: ['currency_id'],
    columns: [int('currency_id'), text('currency_code'), text('currency_name', true), deletedAt()],
  },
  {
    name: 'dim_design',
    kind: 'dimension',
    grain: 'one design',
    key: ['design_id'],
    columns: [int('design_id'), text('design_name'), text('file_location'), text('file_name'), deletedAt()],
  },
  {
    name: 'dim_counterparty',
    kind: 'dimension',
    grain: 'one counterparty',
    key: ['counterparty_id'],
    columns: [
      int('counterparty_id'),
      text('counterparty_legal_name'),
      text('counterparty_legal_address_line_1'),
      text('counterparty_legal_address_line_2', true),
      text('counterparty_legal_district', true),
      text('counterparty_legal_city'),
      text('counterparty_legal_postal_code'),
      text('counterparty_legal_country'),
      text('counterparty_legal_phone_number'),
      deletedAt(),
    ],
  },
  {
    name: 'dim_payment_type',
    kind: 'dimension',
    grain: 'one payment type',
    key: ['payment_type_id'],
    columns: [int('payment_type_id'), text('payment_type_name'), deletedAt()],
  },
  {
    name: 'dim_transaction',
    kind: 'dimension',
    grain: 'one transaction',
    key: ['transaction_id'],
    columns: [
      int('transaction_id'),
      text('transaction_type'),
      int('sales_order_id', true),
      int('purchase_order_id', true),
      deletedAt(),
    ],
  },
  {
    name: 'fact_sales_order',
    kind: 'fact',
    grain: 'one version of a sales order',
    key: ['sales_order_id'],
    surrogateKey: 'sales_record_id',
    columns: [
      int('sales_order_id'),
      ...stamps(),
      int('sales_staff_id'),
      int('counterparty_id'),
      int('units_sold'),
      money('unit_price'),
      int('currency_id'),
      int('design_id'),
      date('agreed_payment_date'),
      date('agreed_delivery_date'),
      int('agreed_delivery_location_id'),
      deletedAt(),
    ],
  },
  {
    name: 'fact_purchase_order',
    kind: 'fact',
    grain: 'one version of a purchase order',
    key: ['purchase_order_id'],
    surrogateKey: 'purchase_record_id',
    columns: [
      int('purchase_order_id'),
      ...stamps(),
      int('staff_id'),
      int('counterparty_id'),
      text('item_code'),
      int('item_quantity'),
      money('item_unit_price'),
      int('currency_id'),
      date('agreed_delivery_date'),
      date('agreed_payment_date'),
      int('agreed_delivery_location_id'),
      deletedAt(),
    ],
  },
  {
    name: 'fact_payment',
    kind: 'fact',
    grain: 'one version of a payment',
    key: ['payment_id'],
    surrogateKey: 'payment_record_id',
    columns: [
      int('payment_id'),
      ...stamps(),
      int('transaction_id'),
      int('counterparty_id'),
      money('payment_amount'),
      int('currency_id'),
      int('payment_type_id'),
      { name: 'paid', type: 'boolean' },
      date('payment_date'),
      deletedAt(),
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
