-- transformed.dim_transaction: the transaction dimension (DESIGN.md §3).
-- grain: one transaction (transaction_id), for every transaction with a version in this run: its
--        latest version (max last_updated, then latest run) across all runs so far. Transactions
--        the run did not touch are left out: one is added per order, so a full snapshot would grow
--        with the order volume, and the warehouse's SCD type 1 upsert of an untouched transaction
--        changes nothing, so the warehouse ends in the same state as with a full snapshot.
-- upstream: cleaned.transaction (this run, and all runs up to this one)

with

transactions as (
    select * from {{ cleaned.transaction:all }}
),

touched as (
    select distinct
        transaction_id
    from {{ cleaned.transaction }}
),

latest_transactions as (
    select
        transactions.*,
        row_number() over (
            partition by transactions.transaction_id
            order by
                transactions.last_updated desc,
                transactions.run_id desc
        ) as recency
    from transactions
    inner join touched
        on touched.transaction_id = transactions.transaction_id
),

final as (
    select
        transaction_id,
        transaction_type,
        sales_order_id,
        purchase_order_id
    from latest_transactions
    where recency = 1
)

select * from final
