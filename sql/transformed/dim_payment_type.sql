-- transformed.dim_payment_type: the payment type dimension (DESIGN.md §3).
-- grain: one payment type (payment_type_id); a full current snapshot holding the latest
--        version (max last_updated, then latest run) of every payment type across all runs so far.
-- upstream: cleaned.payment_type (all runs up to this one)

with

payment_types as (
    select * from {{ cleaned.payment_type:all }}
),

latest_payment_types as (
    select
        *,
        row_number() over (
            partition by payment_type_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from payment_types
),

final as (
    select
        payment_type_id,
        payment_type_name
    from latest_payment_types
    where recency = 1
)

select * from final
