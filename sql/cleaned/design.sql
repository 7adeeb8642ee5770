-- cleaned.design: ToteSys tote bag designs, typed and checked (DESIGN.md §3).
-- grain: one version of a design, (design_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.design (this run)

with

source as (
    select
        cast(design_id as varchar) as design_id_text,
        cast(created_at as varchar) as created_at_text,
        design_name,
        file_location,
        file_name,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.design }}
),

typed as (
    select
        *,
        {{ text_to_int(design_id_text) }} as design_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when design_id_text is null then 'design_id is missing'
            when design_id is null then 'design_id is not an integer: ''' || design_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when created_at_text is null then 'created_at is missing'
            when created_at is null then 'created_at is not a timestamp: ''' || created_at_text || ''''
            when design_name is null then 'design_name is missing'
            when file_location is null then 'file_location is missing'
            when file_name is null then 'file_name is missing'
        end as reject_reason
    from typed
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                design_id,
                last_updated
            order by
                reject_reason nulls first,
                created_at,
                design_name,
                file_location,
                file_name
        ) as version_number
    from checked
),

final as (
    select
        design_id,
        created_at,
        design_name,
        file_location,
        file_name,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
