-- Point lookups of an entity's statements (every entity read of the API and the pages) through
-- DuckDB's ART index instead of a scan of every statement; PostgreSQL has had this index since
-- 0001_core.postgres.sql. Readers use it with a materialised lookup first (netcase.api.reads).
CREATE INDEX statements_entity_idx ON statements (entity_id);
