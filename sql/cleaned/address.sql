-- cleaned.address: ToteSys addresses (customer, supplier and delivery locations), typed and checked (docs/architecture.md "Data contracts").
-- grain: one version of an address, (address_id, last_updated), from this run's raw partition;
--        duplicate versions keep one row; rows that cannot be typed are kept with reject_reason
--        set (the engine writes them to _rejects/ instead of the table).
-- typing: the typed() placeholder casts each column from raw text to its type in the table
--        contract (definition/tables.ts) and sets reject_reason from each column's type and
--        nullability (core/sql/typed-source.ts); only the dedup rule below is written here.
-- upstream: raw.address (this run)

with

typed as (
    select * from {{ typed(raw.address) }}
),

numbered as (
    select
        *,
        row_number() over (
            partition by
                address_id,
                last_updated
            order by
                reject_reason nulls first,
                {{ columns(cleaned.address) }}
        ) as version_number
    from typed
),

final as (
    select
        {{ columns(cleaned.address) }},
        reject_reason
    from numbered
    where reject_reason is not null
        or version_number = 1
)

select * from final
