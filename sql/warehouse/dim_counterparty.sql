-- dim_counterparty: one row per counterparty, with its legal address (docs/architecture.md "Star schema"). SCD type 1: upserted by counterparty_id.
create table if not exists dim_counterparty (
    counterparty_id integer not null,
    counterparty_legal_name varchar not null,
    counterparty_legal_address_line_1 varchar not null,
    counterparty_legal_address_line_2 varchar,
    counterparty_legal_district varchar,
    counterparty_legal_city varchar not null,
    counterparty_legal_postal_code varchar not null,
    counterparty_legal_country varchar not null,
    counterparty_legal_phone_number varchar not null,
    primary key (counterparty_id)
);
