-- transformed.dim_location: the location dimension, one row per ToteSys address (docs/architecture.md "Star schema").
-- grain: one address (location_id = address_id); a full current snapshot holding the latest
--        version (max last_updated, then latest run) of every address across all runs so far.
-- upstream: cleaned.address (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_addresses as (
    select * from {{ cleaned.address:latest }}
),

final as (
    select
        address_id as location_id,
        address_line_1,
        address_line_2,
        district,
        city,
        postal_code,
        country,
        phone,
        case when change_op = 'delete' then last_updated end as deleted_at
    from latest_addresses
)

select * from final
