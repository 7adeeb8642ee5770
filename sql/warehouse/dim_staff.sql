-- dim_staff: one row per staff member (docs/architecture.md "Star schema"). SCD type 1: upserted by staff_id.
-- department_name is null when the staff member's department is unknown (the model keeps the row).
create table if not exists dim_staff (
    staff_id integer not null,
    first_name varchar(1024) not null,
    last_name varchar(1024) not null,
    department_name varchar(1024),
    location varchar(1024),
    email_address varchar(1024) not null,
    deleted_at timestamp,
    primary key (staff_id)
);
