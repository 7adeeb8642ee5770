-- dim_design: one row per design (docs/architecture.md "Star schema"). SCD type 1: upserted by design_id.
create table if not exists dim_design (
    design_id integer not null,
    design_name varchar(1024) not null,
    file_location varchar(1024) not null,
    file_name varchar(1024) not null,
    deleted_at timestamp,
    primary key (design_id)
);
