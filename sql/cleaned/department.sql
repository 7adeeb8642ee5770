-- cleaned.department: ToteSys departments, typed and checked (DESIGN.md §3).
-- grain: one version of a department, (department_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.department (this run)

with

source as (
    select
        cast(department_id as varchar) as department_id_text,
        department_name,
        location,
        manager,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.department }}
),

typed as (
    select
        *,
        {{ text_to_int(department_id_text) }} as department_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when department_id_text is null then 'department_id is missing'
            when department_id is null then 'department_id is not an integer: ''' || department_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when department_name is null then 'department_name is missing'
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
                department_id,
                last_updated
            order by
                reject_reason nulls first,
                department_name,
                location,
                manager,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        department_id,
        department_name,
        location,
        manager,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
