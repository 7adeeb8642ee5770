-- dim_location: one row per address (location_id = address_id) (docs/architecture.md "Star schema"). SCD type 1: upserted by location_id.
create table if not exists dim_location (
    location_id integer not null,
    address_line_1 varchar(1024) not null,
    address_line_2 varchar(1024),
    district varchar(1024),
    city varchar(1024) not null,
    postal_code varchar(1024) not null,
    country varchar(1024) not null,
    phone varchar(1024) not null,
    deleted_at timestamp,
    primary key (location_id)
);
