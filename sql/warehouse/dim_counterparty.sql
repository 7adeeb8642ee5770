-- dim_counterparty: one row per counterparty, with its legal address (docs/architecture.md "Star schema"). SCD type 1: upserted by counterparty_id.
create table if not exists dim_counterparty (
    counterparty_id integer not null,
    counterparty_legal_name varchar(1024) not null,
    counterparty_legal_address_line_1 varchar(1024) not null,
    counterparty_legal_address_line_2 varchar(1024),
    counterparty_legal_district varchar(1024),
    counterparty_legal_city varchar(1024) not null,
    counterparty_legal_postal_code varchar(1024) not null,
    counterparty_legal_country varchar(1024) not null,
    counterparty_legal_phone_number varchar(1024) not null,
    deleted_at timestamp,
    primary key (counterparty_id)
);
