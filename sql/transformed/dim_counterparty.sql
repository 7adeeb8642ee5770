-- transformed.dim_counterparty: the counterparty dimension, each counterparty with its legal address (DESIGN.md §3).
-- grain: one counterparty (counterparty_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every counterparty across all runs so far, joined
--        to the latest version of its legal address (so an address change shows up even when the
--        counterparty itself did not change). The phone number is the legal address's phone.
--        A counterparty whose address is unknown is kept, with null address columns.
-- upstream: cleaned.counterparty, cleaned.address (all runs up to this one)

with

counterparties as (
    select * from {{ cleaned.counterparty:all }}
),

addresses as (
    select * from {{ cleaned.address:all }}
),

latest_counterparties as (
    select
        *,
        row_number() over (
            partition by counterparty_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from counterparties
),

latest_addresses as (
    select
        *,
        row_number() over (
            partition by address_id
            order by
                last_updated desc,
                run_id desc
        ) as recency
    from addresses
),

final as (
    select
        latest_counterparties.counterparty_id,
        latest_counterparties.counterparty_legal_name,
        latest_addresses.address_line_1 as counterparty_legal_address_line_1,
        latest_addresses.address_line_2 as counterparty_legal_address_line_2,
        latest_addresses.district as counterparty_legal_district,
        latest_addresses.city as counterparty_legal_city,
        latest_addresses.postal_code as counterparty_legal_postal_code,
        latest_addresses.country as counterparty_legal_country,
        latest_addresses.phone as counterparty_legal_phone_number
    from latest_counterparties
    left join latest_addresses
        on latest_addresses.address_id = latest_counterparties.legal_address_id
        and latest_addresses.recency = 1
    where latest_counterparties.recency = 1
)

select * from final
