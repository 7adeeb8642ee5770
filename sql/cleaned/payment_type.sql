-- cleaned.payment_type: ToteSys payment types, typed and checked (DESIGN.md §3).
-- grain: one version of a payment type, (payment_type_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.payment_type (this run)

with

source as (
    select
        cast(payment_type_id as varchar) as payment_type_id_text,
        payment_type_name,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.payment_type }}
),

typed as (
    select
        *,
        {{ text_to_int(payment_type_id_text) }} as payment_type_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when payment_type_id_text is null then 'payment_type_id is missing'
            when payment_type_id is null then 'payment_type_id is not an integer: ''' || payment_type_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when payment_type_name is null then 'payment_type_name is missing'
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
                payment_type_id,
                last_updated
            order by
                reject_reason nulls first,
                payment_type_name,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        payment_type_id,
        payment_type_name,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
