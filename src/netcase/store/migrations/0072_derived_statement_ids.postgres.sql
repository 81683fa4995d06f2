-- DuckDB derives an ingested fact's statement id on read (0072_derived_statement_ids.duckdb.sql);
-- PostgreSQL's wide table keeps every id stored, in the same text (statement_id), so nothing
-- changes here.
SELECT 1;
