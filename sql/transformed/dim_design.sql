-- transformed.dim_design: the design dimension (docs/architecture.md "Star schema").
-- grain: one design (design_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every design across all runs so far.
-- upstream: cleaned.design (all runs up to this one)

with

latest_designs as (
    select * from {{ cleaned.design:latest }}
),

final as (
    select
        design_id,
        design_name,
        file_location,
        file_name
    from latest_designs
)

select * from final
