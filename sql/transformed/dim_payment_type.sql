-- transformed.dim_payment_type: the payment type dimension (docs/architecture.md "Star schema").
-- grain: one payment type (payment_type_id); a full current snapshot holding the latest
--        version (max last_updated, then latest run) of every payment type across all runs so far.
-- upstream: cleaned.payment_type (all runs up to this one)

with

latest_payment_types as (
    select * from {{ cleaned.payment_type:latest }}
),

final as (
    select
        payment_type_id,
        payment_type_name
    from latest_payment_types
)

select * from final
