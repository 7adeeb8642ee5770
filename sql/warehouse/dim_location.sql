-- dim_location: one row per address (location_id = address_id) (docs/architecture.md "Star schema"). SCD type 1: upserted by location_id.
create table if not exists dim_location (
    location_id integer not null,
    address_line_1 varchar not null,
    address_line_2 varchar,
    district varchar,
    city varchar not null,
    postal_code varchar not null,
    country varchar not null,
    phone varchar not null,
    primary key (location_id)
);
