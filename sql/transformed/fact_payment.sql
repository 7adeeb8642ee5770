-- transformed.fact_payment: the payment fact (docs/architecture.md "Star schema").
-- grain: one version of a payment, (payment_id, last_updated), holding only the versions that
--        arrived in this run (history is kept by the warehouse, which adds versions it lacks).
--        Timestamps are split into a date and an `HH:MM:SS.mmm` time. Account numbers
--        (company_ac_number, counterparty_ac_number) are deliberately not carried. The surrogate
--        payment_record_id is made by the warehouse.
-- upstream: cleaned.payment (this run)
-- deletes: a delete version (change_op = 'delete') carries deleted_at = its last_updated (the time
--        of the delete); the warehouse adds no row for it but marks the key's latest version up to
--        that time with it (history kept). deleted_at is NULL on every other version.

with

payments as (
    select * from {{ cleaned.payment }}
),

final as (
    select
        payment_id,
        cast(created_at as date) as created_date,
        {{ time_of_day_text(created_at) }} as created_time,
        cast(last_updated as date) as last_updated_date,
        {{ time_of_day_text(last_updated) }} as last_updated_time,
        transaction_id,
        counterparty_id,
        payment_amount,
        currency_id,
        payment_type_id,
        paid,
        payment_date,
        case when change_op = 'delete' then last_updated end as deleted_at
    from payments
)

select * from final
