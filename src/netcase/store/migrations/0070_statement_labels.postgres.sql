-- PostgreSQL keeps ``statements`` as one wide table (see 0070_statement_labels.duckdb.sql): the
-- narrow layout is DuckDB's, for its append speed. Nothing to change here.
SELECT 1;
