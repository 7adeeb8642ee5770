-- transformed.dim_date: the date dimension (docs/architecture.md "Star schema").
-- grain: one calendar day (date_id), every day from the earliest to the latest date any fact can
--        point at: the created and last_updated dates, agreed delivery/payment dates and payment
--        dates of every sales order, purchase order and payment across all runs so far. A full
--        snapshot each run (days already loaded are simply upserted again). Names are computed
--        from numbers (no locale-dependent formatting); day_of_week is ISO (Monday 1 … Sunday 7).
-- upstream: cleaned.sales_order, cleaned.purchase_order, cleaned.payment (all runs up to this one)

with

sales_orders as (
    select * from {{ cleaned.sales_order:all }}
),

purchase_orders as (
    select * from {{ cleaned.purchase_order:all }}
),

payments as (
    select * from {{ cleaned.payment:all }}
),

fact_dates as (
    select
        min(cast(created_at as date)) as first_date,
        max(cast(created_at as date)) as last_date
    from sales_orders
    union all
    select
        min(cast(last_updated as date)),
        max(cast(last_updated as date))
    from sales_orders
    union all
    select
        min(agreed_delivery_date),
        max(agreed_delivery_date)
    from sales_orders
    union all
    select
        min(agreed_payment_date),
        max(agreed_payment_date)
    from sales_orders
    union all
    select
        min(cast(created_at as date)),
        max(cast(created_at as date))
    from purchase_orders
    union all
    select
        min(cast(last_updated as date)),
        max(cast(last_updated as date))
    from purchase_orders
    union all
    select
        min(agreed_delivery_date),
        max(agreed_delivery_date)
    from purchase_orders
    union all
    select
        min(agreed_payment_date),
        max(agreed_payment_date)
    from purchase_orders
    union all
    select
        min(cast(created_at as date)),
        max(cast(created_at as date))
    from payments
    union all
    select
        min(cast(last_updated as date)),
        max(cast(last_updated as date))
    from payments
    union all
    select
        min(payment_date),
        max(payment_date)
    from payments
),

bounds as (
    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from fact_dates
),

days as (
    select
        cast(spine.day_value as date) as date_id
    from bounds
    cross join {{ date_spine(bounds.first_date, bounds.last_date) }} as spine (day_value)
),

numbered_days as (
    select
        date_id,
        cast(extract(year from date_id) as integer) as year,
        cast(extract(month from date_id) as integer) as month,
        cast(extract(day from date_id) as integer) as day,
        {{ iso_day_of_week(date_id) }} as day_of_week,
        cast(extract(quarter from date_id) as integer) as quarter
    from days
),

final as (
    select
        date_id,
        year,
        month,
        day,
        day_of_week,
        case day_of_week
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            when 7 then 'Sunday'
        end as day_name,
        case month
            when 1 then 'January'
            when 2 then 'February'
            when 3 then 'March'
            when 4 then 'April'
            when 5 then 'May'
            when 6 then 'June'
            when 7 then 'July'
            when 8 then 'August'
            when 9 then 'September'
            when 10 then 'October'
            when 11 then 'November'
            when 12 then 'December'
        end as month_name,
        quarter
    from numbered_days
)

select * from final
