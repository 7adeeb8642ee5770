-- dim_payment_type: one row per payment type (docs/architecture.md "Star schema"). SCD type 1: upserted by payment_type_id.
create table if not exists dim_payment_type (
    payment_type_id integer not null,
    payment_type_name varchar not null,
    primary key (payment_type_id)
);
