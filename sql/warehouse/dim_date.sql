-- dim_date: one row per calendar day (docs/architecture.md "Star schema"). SCD type 1: upserted by date_id.
-- day_of_week is ISO (Monday 1 … Sunday 7); quarter is 1–4.
create table if not exists dim_date (
    date_id date not null,
    year integer not null,
    month integer not null,
    day integer not null,
    day_of_week integer not null,
    day_name varchar not null,
    month_name varchar not null,
    quarter integer not null,
    primary key (date_id)
);
