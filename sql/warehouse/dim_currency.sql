-- dim_currency: one row per currency (docs/architecture.md "Star schema"). SCD type 1: upserted by currency_id.
-- currency_name is the English ISO 4217 name (GBP → British Pound).
create table if not exists dim_currency (
    currency_id integer not null,
    currency_code varchar not null,
    currency_name varchar not null,
    primary key (currency_id)
);
