-- transformed.dim_staff: the staff dimension, each staff member with their department (DESIGN.md §3).
-- grain: one staff member (staff_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every staff member across all runs so far,
--        joined to the latest version of their department. Values are carried as the source
--        has them (department 4's location "Leds" stays "Leds"). A staff member whose
--        department is unknown is kept, with a null department_name and location.
-- upstream: cleaned.staff, cleaned.department (all runs up to this one)

with

staff as (
    select * from {{ cleaned.staff:all }}
),

departments as (
    select * from {{ cleaned.department:all }}
),

latest_staff as (
    select
        *,
        row_number() over (
            partition by staff_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from staff
),

latest_departments as (
    select
        *,
        row_number() over (
            partition by department_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from departments
),

final as (
    select
        latest_staff.staff_id,
        latest_staff.first_name,
        latest_staff.last_name,
        latest_departments.department_name,
        latest_departments.location,
        latest_staff.email_address
    from latest_staff
    left join latest_departments
        on latest_departments.department_id = latest_staff.department_id
        and latest_departments.recency = 1
    where latest_staff.recency = 1
)

select * from final
