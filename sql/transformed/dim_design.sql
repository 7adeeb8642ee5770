-- transformed.dim_design: the design dimension (docs/architecture.md "Star schema").
-- grain: one design (design_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every design across all runs so far.
-- upstream: cleaned.design (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_designs as (
    select * from {{ cleaned.design:latest }}
),

final as (
    select
        design_id,
        design_name,
        file_location,
        file_name,
        case when change_op = 'delete' then last_updated end as deleted_at
    from latest_designs
)

select * from final
