-- transformed.fact_sales_order: the sales order fact (docs/architecture.md "Star schema").
-- grain: one version of a sales order, (sales_order_id, last_updated), holding only the versions
--        that arrived in this run (history is kept by the warehouse, which adds versions it lacks).
--        Timestamps are split into a date and an `HH:MM:SS.mmm` time; sales_staff_id is the
--        order's staff_id. The surrogate sales_record_id is made by the warehouse.
-- upstream: cleaned.sales_order (this run)
-- deletes: a delete version (change_op = 'delete') carries deleted_at = its last_updated (the time
--        of the delete); the warehouse adds no row for it but marks the key's latest version up to
--        that time with it (history kept). deleted_at is NULL on every other version.

with

sales_orders as (
    select * from {{ cleaned.sales_order }}
),

final as (
    select
        sales_order_id,
        cast(created_at as date) as created_date,
        {{ time_of_day_text(created_at) }} as created_time,
        cast(last_updated as date) as last_updated_date,
        {{ time_of_day_text(last_updated) }} as last_updated_time,
        staff_id as sales_staff_id,
        counterparty_id,
        units_sold,
        unit_price,
        currency_id,
        design_id,
        agreed_payment_date,
        agreed_delivery_date,
        agreed_delivery_location_id,
        case when change_op = 'delete' then last_updated end as deleted_at
    from sales_orders
)

select * from final
