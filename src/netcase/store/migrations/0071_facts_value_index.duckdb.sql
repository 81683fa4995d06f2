-- DuckDB's index of values is an ART index on the facts' values themselves, not a copy of them in
-- ``statement_values`` (0043, 0044) with an index of its own. Writing the copy cost a medium
-- world's ingest ~3 CPU s of 13 on the store's side (1.7 M rows appended, committed and indexed
-- again); the facts' index is built once by a bulk load (netcase.store.duckdb.BULK_INDEXES) and kept by
-- DuckDB otherwise, a purge's blanked value included. Look-ups keep the indexed properties and
-- types through the labels (netcase.store.value_index). PostgreSQL keeps its table
-- (0071_facts_value_index.postgres.sql).
DROP INDEX IF EXISTS statement_values_value_idx;
DROP TABLE statement_values;
CREATE INDEX statement_facts_value_idx ON statement_facts (value);
