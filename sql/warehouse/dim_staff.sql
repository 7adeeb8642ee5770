-- dim_staff: one row per staff member (docs/architecture.md "Star schema"). SCD type 1: upserted by staff_id.
create table if not exists dim_staff (
    staff_id integer not null,
    first_name varchar not null,
    last_name varchar not null,
    department_name varchar not null,
    location varchar,
    email_address varchar not null,
    primary key (staff_id)
);
