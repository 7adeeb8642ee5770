-- cleaned.currency: ToteSys currencies, typed and checked (DESIGN.md §3).
-- grain: one version of a currency, (currency_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.currency (this run)

with

source as (
    select
        cast(currency_id as varchar) as currency_id_text,
        currency_code,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.currency }}
),

typed as (
    select
        *,
        {{ text_to_int(currency_id_text) }} as currency_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when currency_id_text is null then 'currency_id is missing'
            when currency_id is null then 'currency_id is not an integer: ''' || currency_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when currency_code is null then 'currency_code is missing'
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
                currency_id,
                last_updated
            order by
                reject_reason nulls first,
                currency_code,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        currency_id,
        currency_code,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
