-- cleaned.address: ToteSys addresses (customer, supplier and delivery locations), typed and checked (DESIGN.md §3).
-- grain: one version of a address, (address_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.address (this run)

with

source as (
    select
        cast(address_id as varchar) as address_id_text,
        address_line_1,
        address_line_2,
        district,
        city,
        postal_code,
        country,
        phone,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.address }}
),

typed as (
    select
        *,
        {{ text_to_int(address_id_text) }} as address_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when address_id_text is null then 'address_id is missing'
            when address_id is null then 'address_id is not an integer: ''' || address_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when address_line_1 is null then 'address_line_1 is missing'
            when city is null then 'city is missing'
            when postal_code is null then 'postal_code is missing'
            when country is null then 'country is missing'
            when phone is null then 'phone is missing'
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
                address_id,
                last_updated
            order by
                reject_reason nulls first,
                address_line_1,
                address_line_2,
                district,
                city,
                postal_code,
                country,
                phone,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        address_id,
        address_line_1,
        address_line_2,
        district,
        city,
        postal_code,
        country,
        phone,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
