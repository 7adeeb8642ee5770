-- dim_transaction: one row per transaction (docs/architecture.md "Star schema"). SCD type 1: upserted by transaction_id.
-- Exactly one of sales_order_id / purchase_order_id is set, by transaction_type.
-- transaction_type: the source enum TransactionType, longest label 'PURCHASE' (8 bytes).
create table if not exists dim_transaction (
    transaction_id integer not null,
    transaction_type varchar(8) not null,
    sales_order_id integer,
    purchase_order_id integer,
    deleted_at timestamp,
    primary key (transaction_id)
);
