-- dim_currency: one row per currency (docs/architecture.md "Star schema"). SCD type 1: upserted by currency_id.
-- currency_name is the English ISO 4217 name (GBP → British Pound).
-- currency_code: source varchar(3); currency_name: the model's lookup, null for a code it lacks (64 bytes
-- hold the longest English ISO 4217 names).
create table if not exists dim_currency (
    currency_id integer not null,
    currency_code varchar(3) not null,
    currency_name varchar(64),
    deleted_at timestamp,
    primary key (currency_id)
);
