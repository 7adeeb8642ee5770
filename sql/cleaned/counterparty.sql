-- cleaned.counterparty: ToteSys counterparties (the companies ToteSys trades with), typed and checked (DESIGN.md §3).
-- grain: one version of a counterparty, (counterparty_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.counterparty (this run)

with

source as (
    select
        cast(counterparty_id as varchar) as counterparty_id_text,
        counterparty_legal_name,
        cast(legal_address_id as varchar) as legal_address_id_text,
        commercial_contact,
        delivery_contact,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.counterparty }}
),

typed as (
    select
        *,
        {{ text_to_int(counterparty_id_text) }} as counterparty_id,
        {{ text_to_int(legal_address_id_text) }} as legal_address_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when counterparty_id_text is null then 'counterparty_id is missing'
            when counterparty_id is null then 'counterparty_id is not an integer: ''' || counterparty_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when counterparty_legal_name is null then 'counterparty_legal_name is missing'
            when legal_address_id_text is null then 'legal_address_id is missing'
            when legal_address_id is null then 'legal_address_id is not an integer: ''' || legal_address_id_text || ''''
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
                counterparty_id,
                last_updated
            order by
                reject_reason nulls first,
                counterparty_legal_name,
                legal_address_id,
                commercial_contact,
                delivery_contact,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        counterparty_id,
        counterparty_legal_name,
        legal_address_id,
        commercial_contact,
        delivery_contact,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
