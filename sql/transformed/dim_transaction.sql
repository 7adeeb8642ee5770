-- transformed.dim_transaction: the transaction dimension (DESIGN.md §3).
-- grain: one transaction (transaction_id); a full current snapshot holding the latest
--        version (max last_updated, then latest run) of every transaction across all runs so far.
-- upstream: cleaned.transaction (all runs up to this one)

with

transactions as (
    select * from {{ cleaned.transaction:all }}
),

latest_transactions as (
    select
        *,
        row_number() over (
            partition by transaction_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from transactions
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
