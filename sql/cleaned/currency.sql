-- cleaned.currency: ToteSys currencies, typed and checked (docs/architecture.md "Data contracts").
-- grain: one version of a currency, (currency_id, last_updated), from this run's raw partition;
--        rows equal in every column collapse into one; of conflicting versions (same grain,
--        different values) the first in contract column order is kept and every other is
--        rejected as "conflicting version of <key> at <last_updated>"; rows that cannot be typed
--        and rejected versions are kept with reject_reason and reject_original (their raw text)
--        set (the engine writes them to _rejects/ instead of the table).
-- typing: the typed() placeholder casts each column from raw text to its type in the table
--        contract (definition/tables.ts), sets reject_reason from each column's type and
--        nullability, and applies the version rule above (core/sql/typed-source.ts).
-- upstream: raw.currency (this run)

with

typed as (
    select * from {{ typed(raw.currency) }}
),

final as (
    select
        {{ columns(cleaned.currency) }},
        reject_reason,
        reject_original
    from typed
)

select * from final
