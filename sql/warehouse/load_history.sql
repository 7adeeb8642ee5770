-- load_history: one row per run loaded into the warehouse (the loader in docs/architecture.md "Data contracts").
-- A run found here is never loaded again; table_counts is JSON:
-- {"<table>": {"staged": n, "changed": n}, …}. loaded_at is UTC.
create table if not exists load_history (
    run_id varchar(64) not null,
    loaded_at timestamp not null,
    table_counts varchar(65535) not null,
    primary key (run_id)
);
