-- transformed.dim_currency: the currency dimension, with each code's English ISO 4217 name (docs/architecture.md "Star schema").
-- grain: one currency (currency_id); a full current snapshot holding the latest version
--        (max last_updated, then latest run) of every currency across all runs so far.
--        currency_name comes from the lookup below; a code not in it gets a null name.
-- upstream: cleaned.currency (all runs up to this one)
-- deletes: a key whose latest version is a delete (change_op = 'delete') carries deleted_at = that
--        version's last_updated (the time of the delete); deleted_at is NULL on live rows.

with

latest_currencies as (
    select * from {{ cleaned.currency:latest }}
),

final as (
    select
        currency_id,
        currency_code,
        case upper(currency_code)
            when 'GBP' then 'British Pound'
            when 'USD' then 'US Dollar'
            when 'EUR' then 'Euro'
            when 'JPY' then 'Japanese Yen'
            when 'CHF' then 'Swiss Franc'
            when 'CAD' then 'Canadian Dollar'
            when 'AUD' then 'Australian Dollar'
            when 'NZD' then 'New Zealand Dollar'
            when 'CNY' then 'Chinese Yuan'
            when 'HKD' then 'Hong Kong Dollar'
            when 'SEK' then 'Swedish Krona'
            when 'NOK' then 'Norwegian Krone'
            when 'DKK' then 'Danish Krone'
            when 'INR' then 'Indian Rupee'
        end as currency_name,
        case when change_op = 'delete' then last_updated end as deleted_at
    from latest_currencies
)

select * from final
