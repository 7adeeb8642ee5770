-- cleaned.sales_order: ToteSys sales orders, typed and checked (DESIGN.md §3).
-- grain: one version of a sales order, (sales_order_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.sales_order (this run)

with

source as (
    select
        cast(sales_order_id as varchar) as sales_order_id_text,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text,
        cast(design_id as varchar) as design_id_text,
        cast(staff_id as varchar) as staff_id_text,
        cast(counterparty_id as varchar) as counterparty_id_text,
        cast(units_sold as varchar) as units_sold_text,
        cast(unit_price as varchar) as unit_price_text,
        cast(currency_id as varchar) as currency_id_text,
        cast(agreed_delivery_date as varchar) as agreed_delivery_date_text,
        cast(agreed_payment_date as varchar) as agreed_payment_date_text,
        cast(agreed_delivery_location_id as varchar) as agreed_delivery_location_id_text
    from {{ raw.sales_order }}
),

typed as (
    select
        *,
        {{ text_to_int(sales_order_id_text) }} as sales_order_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated,
        {{ text_to_int(design_id_text) }} as design_id,
        {{ text_to_int(staff_id_text) }} as staff_id,
        {{ text_to_int(counterparty_id_text) }} as counterparty_id,
        {{ text_to_int(units_sold_text) }} as units_sold,
        {{ text_to_decimal(unit_price_text) }} as unit_price,
        {{ text_to_int(currency_id_text) }} as currency_id,
        {{ text_to_date(agreed_delivery_date_text) }} as agreed_delivery_date,
        {{ text_to_date(agreed_payment_date_text) }} as agreed_payment_date,
        {{ text_to_int(agreed_delivery_location_id_text) }} as agreed_delivery_location_id
    from source
),

checked as (
    select
        *,
        case
            when sales_order_id_text is null then 'sales_order_id is missing'
            when sales_order_id is null then 'sales_order_id is not an integer: ''' || sales_order_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when created_at_text is null then 'created_at is missing'
            when created_at is null then 'created_at is not a timestamp: ''' || created_at_text || ''''
            when design_id_text is null then 'design_id is missing'
            when design_id is null then 'design_id is not an integer: ''' || design_id_text || ''''
            when staff_id_text is null then 'staff_id is missing'
            when staff_id is null then 'staff_id is not an integer: ''' || staff_id_text || ''''
            when counterparty_id_text is null then 'counterparty_id is missing'
            when counterparty_id is null then 'counterparty_id is not an integer: ''' || counterparty_id_text || ''''
            when units_sold_text is null then 'units_sold is missing'
            when units_sold is null then 'units_sold is not an integer: ''' || units_sold_text || ''''
            when unit_price_text is null then 'unit_price is missing'
            when unit_price is null then 'unit_price is not a decimal: ''' || unit_price_text || ''''
            when currency_id_text is null then 'currency_id is missing'
            when currency_id is null then 'currency_id is not an integer: ''' || currency_id_text || ''''
            when agreed_delivery_date_text is null then 'agreed_delivery_date is missing'
            when agreed_delivery_date is null then 'agreed_delivery_date is not a date (yyyy-mm-dd): ''' || agreed_delivery_date_text || ''''
            when agreed_payment_date_text is null then 'agreed_payment_date is missing'
            when agreed_payment_date is null then 'agreed_payment_date is not a date (yyyy-mm-dd): ''' || agreed_payment_date_text || ''''
            when agreed_delivery_location_id_text is null then 'agreed_delivery_location_id is missing'
            when agreed_delivery_location_id is null then 'agreed_delivery_location_id is not an integer: ''' || agreed_delivery_location_id_text || ''''
        end as reject_reason
    from typed
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                sales_order_id,
                last_updated
            order by
                reject_reason nulls first,
                created_at,
                design_id,
                staff_id,
                counterparty_id,
                units_sold,
                unit_price,
                currency_id,
                agreed_delivery_date,
                agreed_payment_date,
                agreed_delivery_location_id
        ) as version_number
    from checked
),

final as (
    select
        sales_order_id,
        created_at,
        last_updated,
        design_id,
        staff_id,
        counterparty_id,
        units_sold,
        unit_price,
        currency_id,
        agreed_delivery_date,
        agreed_payment_date,
        agreed_delivery_location_id,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
