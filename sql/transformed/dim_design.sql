-- transformed.dim_design: the design dimension (DESIGN.md §3).
-- grain: one design (design_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every design across all runs so far.
-- upstream: cleaned.design (all runs up to this one)

with

designs as (
    select * from {{ cleaned.design:all }}
),

latest_designs as (
    select
        *,
        row_number() over (
            partition by design_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from designs
),

final as (
    select
        design_id,
        design_name,
        file_location,
        file_name
    from latest_designs
    where recency = 1
)

select * from final
