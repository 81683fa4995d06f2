-- PostgreSQL keeps ``statement_values`` (0043, 0044); DuckDB indexes its facts' values instead
-- (0071_facts_value_index.duckdb.sql). Nothing to change here.
SELECT 1;
