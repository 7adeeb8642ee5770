-- transformed.dim_counterparty: the counterparty dimension, each counterparty with its legal address (docs/architecture.md "Star schema").
-- grain: one counterparty (counterparty_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every counterparty across all runs so far, joined
--        to the latest version of its legal address (so an address change shows up even when the
--        counterparty itself did not change). The phone number is the legal address's phone.
--        A counterparty whose address is unknown is kept, with null address columns.
-- upstream: cleaned.counterparty, cleaned.address (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_counterparties as (
    select * from {{ cleaned.counterparty:latest }}
),

latest_addresses as (
    select * from {{ cleaned.address:latest }}
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
        latest_addresses.phone as counterparty_legal_phone_number,
        case when latest_counterparties.change_op = 'delete' then latest_counterparties.last_updated end as deleted_at
    from latest_counterparties
    left join latest_addresses
        on latest_addresses.address_id = latest_counterparties.legal_address_id
)

select * from final
