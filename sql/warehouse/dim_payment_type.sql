-- dim_payment_type: one row per payment type (docs/architecture.md "Star schema"). SCD type 1: upserted by payment_type_id.
-- payment_type_name: the source enum PaymentTypeName, longest label 'PURCHASE_PAYMENT' (16 bytes).
create table if not exists dim_payment_type (
    payment_type_id integer not null,
    payment_type_name varchar(16) not null,
    deleted_at timestamp,
    primary key (payment_type_id)
);
