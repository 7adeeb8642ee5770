-- cleaned.staff: ToteSys staff members, typed and checked (DESIGN.md §3).
-- grain: one version of a staff, (staff_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.staff (this run)

with

source as (
    select
        cast(staff_id as varchar) as staff_id_text,
        first_name,
        last_name,
        cast(department_id as varchar) as department_id_text,
        email_address,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text
    from {{ raw.staff }}
),

typed as (
    select
        *,
        {{ text_to_int(staff_id_text) }} as staff_id,
        {{ text_to_int(department_id_text) }} as department_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated
    from source
),

checked as (
    select
        *,
        case
            when staff_id_text is null then 'staff_id is missing'
            when staff_id is null then 'staff_id is not an integer: ''' || staff_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when first_name is null then 'first_name is missing'
            when last_name is null then 'last_name is missing'
            when department_id_text is null then 'department_id is missing'
            when department_id is null then 'department_id is not an integer: ''' || department_id_text || ''''
            when email_address is null then 'email_address is missing'
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
                staff_id,
                last_updated
            order by
                reject_reason nulls first,
                first_name,
                last_name,
                department_id,
                email_address,
                created_at
        ) as version_number
    from checked
),

final as (
    select
        staff_id,
        first_name,
        last_name,
        department_id,
        email_address,
        created_at,
        last_updated,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
