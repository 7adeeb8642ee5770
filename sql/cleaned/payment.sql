-- cleaned.payment: ToteSys payments, typed and checked (DESIGN.md §3).
-- grain: one version of a payment, (payment_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- upstream: raw.payment (this run)

with

source as (
    select
        cast(payment_id as varchar) as payment_id_text,
        cast(created_at as varchar) as created_at_text,
        cast(last_updated as varchar) as last_updated_text,
        cast(transaction_id as varchar) as transaction_id_text,
        cast(counterparty_id as varchar) as counterparty_id_text,
        cast(payment_amount as varchar) as payment_amount_text,
        cast(currency_id as varchar) as currency_id_text,
        cast(payment_type_id as varchar) as payment_type_id_text,
        cast(paid as varchar) as paid_text,
        cast(payment_date as varchar) as payment_date_text,
        cast(company_ac_number as varchar) as company_ac_number_text,
        cast(counterparty_ac_number as varchar) as counterparty_ac_number_text
    from {{ raw.payment }}
),

typed as (
    select
        *,
        {{ text_to_int(payment_id_text) }} as payment_id,
        {{ text_to_timestamp(created_at_text) }} as created_at,
        {{ text_to_timestamp(last_updated_text) }} as last_updated,
        {{ text_to_int(transaction_id_text) }} as transaction_id,
        {{ text_to_int(counterparty_id_text) }} as counterparty_id,
        {{ text_to_decimal(payment_amount_text) }} as payment_amount,
        {{ text_to_int(currency_id_text) }} as currency_id,
        {{ text_to_int(payment_type_id_text) }} as payment_type_id,
        case lower(trim(paid_text))
            when 'true' then true
            when 'false' then false
        end as paid,
        {{ text_to_date(payment_date_text) }} as payment_date,
        {{ text_to_int(company_ac_number_text) }} as company_ac_number,
        {{ text_to_int(counterparty_ac_number_text) }} as counterparty_ac_number
    from source
),

checked as (
    select
        *,
        case
            when payment_id_text is null then 'payment_id is missing'
            when payment_id is null then 'payment_id is not an integer: ''' || payment_id_text || ''''
            when last_updated_text is null then 'last_updated is missing'
            when last_updated is null then 'last_updated is not a timestamp: ''' || last_updated_text || ''''
            when created_at_text is null then 'created_at is missing'
            when created_at is null then 'created_at is not a timestamp: ''' || created_at_text || ''''
            when transaction_id_text is null then 'transaction_id is missing'
            when transaction_id is null then 'transaction_id is not an integer: ''' || transaction_id_text || ''''
            when counterparty_id_text is null then 'counterparty_id is missing'
            when counterparty_id is null then 'counterparty_id is not an integer: ''' || counterparty_id_text || ''''
            when payment_amount_text is null then 'payment_amount is missing'
            when payment_amount is null then 'payment_amount is not a decimal: ''' || payment_amount_text || ''''
            when currency_id_text is null then 'currency_id is missing'
            when currency_id is null then 'currency_id is not an integer: ''' || currency_id_text || ''''
            when payment_type_id_text is null then 'payment_type_id is missing'
            when payment_type_id is null then 'payment_type_id is not an integer: ''' || payment_type_id_text || ''''
            when paid_text is null then 'paid is missing'
            when paid is null then 'paid is not a boolean (true/false): ''' || paid_text || ''''
            when payment_date_text is null then 'payment_date is missing'
            when payment_date is null then 'payment_date is not a date (yyyy-mm-dd): ''' || payment_date_text || ''''
            when company_ac_number_text is null then 'company_ac_number is missing'
            when company_ac_number is null then 'company_ac_number is not an integer: ''' || company_ac_number_text || ''''
            when counterparty_ac_number_text is null then 'counterparty_ac_number is missing'
            when counterparty_ac_number is null then 'counterparty_ac_number is not an integer: ''' || counterparty_ac_number_text || ''''
        end as reject_reason
    from typed
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                payment_id,
                last_updated
            order by
                reject_reason nulls first,
                created_at,
                transaction_id,
                counterparty_id,
                payment_amount,
                currency_id,
                payment_type_id,
                paid,
                payment_date,
                company_ac_number,
                counterparty_ac_number
        ) as version_number
    from checked
),

final as (
    select
        payment_id,
        created_at,
        last_updated,
        transaction_id,
        counterparty_id,
        payment_amount,
        currency_id,
        payment_type_id,
        paid,
        payment_date,
        company_ac_number,
        counterparty_ac_number,
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
