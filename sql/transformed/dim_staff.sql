-- transformed.dim_staff: the staff dimension, each staff member with their department (docs/architecture.md "Star schema").
-- grain: one staff member (staff_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every staff member across all runs so far,
--        joined to the latest version of their department. Values are carried as the source
--        has them (department 4's location "Leds" stays "Leds"). A staff member whose
--        department is unknown is kept, with a null department_name and location.
-- upstream: cleaned.staff, cleaned.department (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_staff as (
    select * from {{ cleaned.staff:latest }}
),

latest_departments as (
    select * from {{ cleaned.department:latest }}
),

final as (
    select
        latest_staff.staff_id,
        latest_staff.first_name,
        latest_staff.last_name,
        latest_departments.department_name,
        latest_departments.location,
        latest_staff.email_address,
        case when latest_staff.change_op = 'delete' then latest_staff.last_updated end as deleted_at
    from latest_staff
    left join latest_departments
        on latest_departments.department_id = latest_staff.department_id
)

select * from final
