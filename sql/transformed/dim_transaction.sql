-- transformed.dim_transaction: the transaction dimension (docs/architecture.md "Star schema").
-- grain: one transaction (transaction_id), for every transaction with a version in this run: its
--        latest version (max last_updated, then latest run) across all runs so far. Transactions
--        the run did not touch are left out: one is added per order, so a full snapshot would grow
--        with the order volume, and the warehouse's SCD type 1 upsert of an untouched transaction
--        changes nothing, so the warehouse ends in the same state as with a full snapshot.
-- upstream: cleaned.transaction (this run, and all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_transactions as (
    select * from {{ cleaned.transaction:latest }}
),

touched as (
    select distinct
        transaction_id
    from {{ cleaned.transaction }}
),

final as (
    select
        latest_transactions.transaction_id,
        latest_transactions.transaction_type,
        latest_transactions.sales_order_id,
        latest_transactions.purchase_order_id,
        case when latest_transactions.change_op = 'delete' then latest_transactions.last_updated end as deleted_at
    from latest_transactions
    inner join touched
        on touched.transaction_id = latest_transactions.transaction_id
)

select * from final
