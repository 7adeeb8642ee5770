-- transformed.fact_purchase_order: the purchase order fact (docs/architecture.md "Star schema").
-- grain: one version of a purchase order, (purchase_order_id, last_updated), holding only the
--        versions that arrived in this run (history is kept by the warehouse, which adds versions
--        it lacks). Timestamps are split into a date and an `HH:MM:SS.mmm` time. The surrogate
--        purchase_record_id is made by the warehouse.
-- upstream: cleaned.purchase_order (this run)
-- deletes: a delete version (change_op = 'delete') carries deleted_at = its last_updated (the time
--        of the delete); the warehouse adds no row for it but marks the key's latest version up to
--        that time with it (history kept). deleted_at is NULL on every other version.

with

purchase_orders as (
    select * from {{ cleaned.purchase_order }}
),

final as (
    select
        purchase_order_id,
        cast(created_at as date) as created_date,
        {{ time_of_day_text(created_at) }} as created_time,
        cast(last_updated as date) as last_updated_date,
        {{ time_of_day_text(last_updated) }} as last_updated_time,
        staff_id,
        counterparty_id,
        item_code,
        item_quantity,
        item_unit_price,
        currency_id,
        agreed_delivery_date,
        agreed_payment_date,
        agreed_delivery_location_id,
        case when change_op = 'delete' then last_updated end as deleted_at
    from purchase_orders
)

select * from final
