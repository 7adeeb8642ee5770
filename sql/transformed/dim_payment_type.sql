-- transformed.dim_payment_type: the payment type dimension (docs/architecture.md "Star schema").
-- grain: one payment type (payment_type_id); a full current snapshot holding the latest
--        version (max last_updated, then latest run) of every payment type across all runs so far.
-- upstream: cleaned.payment_type (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_payment_types as (
    select * from {{ cleaned.payment_type:latest }}
),

final as (
    select
        payment_type_id,
        payment_type_name,
        case when change_op = 'delete' then last_updated end as deleted_at
    from latest_payment_types
)

select * from final
