-- cleaned.transaction: ToteSys transactions (one per sales or purchase order), typed and checked (DESIGN.md §3).
-- grain: one version of a transaction, (transaction_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.transaction (this run)

with

source as (
    select
        cast(transaction_id as varchar) as transaction_id_text,
        transaction_type,
        cast(sales_order_id as varchar) as sales_order_id_text,
        cast(purchase_order_id as varchar) as purchase_order_id_text,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.transaction }}
),

typed as (
    select
        *,
        {{ text_to_int(transaction_id_text) }} as transaction_id,
        {{ text_to_int(sales_order_id_text) }} as sales_order_id,
        {{ text_to_int(purchase_order_id_text) }} as purchase_order_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when transaction_id_text is null then 'transaction_id is missing'
            when transaction_id is null then 'transaction_id is not an integer: ''' || transaction_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when transaction_type is null then 'transaction_type is missing'
            when sales_order_id_text is not null and sales_order_id is null then 'sales_order_id is not an integer: ''' || sales_order_id_text || ''''
            when purchase_order_id_text is not null and purchase_order_id is null then 'purchase_order_id is not an integer: ''' || purchase_order_id_text || ''''
            when created_at_text is null then 'created_at is missing'
            when created_at is null then 'created_at is not a timestamp: ''' || created_at_text || ''''
        end as reject_reason
    from typed
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                transaction_id,
                last_updated
            order by
                reject_reason nulls first,
                transaction_type,
                sales_order_id,
                purchase_order_id,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        transaction_id,
        transaction_type,
        sales_order_id,
        purchase_order_id,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
