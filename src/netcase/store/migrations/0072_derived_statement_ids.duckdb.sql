-- An ingested fact stores no statement id: the id is derived on read from the fact's entity,
-- property and value (netcase.model.statement.statement_id: the entity id, a dot, and 16 hex digits
-- of the md5 of property and value). Hashing and storing a 40-character id per fact cost a medium
-- world's ingest ~5 of its ~19 store-side CPU seconds and a fifth of the file. An id names its
-- entity, so a look-up by id is a look-up by the entity index (statement_id_filter). Facts written
-- with an id of their own (imports, fixtures, facts stored before this version) keep it.
-- PostgreSQL keeps its ids stored (0072_derived_statement_ids.postgres.sql).
DROP VIEW statements;
DROP INDEX IF EXISTS statement_facts_entity_idx;
DROP INDEX IF EXISTS statement_facts_value_idx;
ALTER TABLE statement_facts ALTER COLUMN id DROP NOT NULL;
CREATE INDEX statement_facts_entity_idx ON statement_facts (entity_id);
CREATE INDEX statement_facts_value_idx ON statement_facts (value);

CREATE VIEW statements AS
SELECT coalesce(f.id, (f.entity_id || '.' || left(md5(l.prop || chr(31) || f.value), 16))) AS id,
       f.entity_id, l.schema, l.prop, l.prop_type, f.value, f.original_value, l.dataset, l.source_file,
       f.source_record, l.agency, l.batch_id, f.observed, l.ingested, l.caveat, l.releasable_to, l.tlp,
       l.victim_sensitive, l.compartment, l.predicate, l.reliability, l.validity, l.submitting_agency, l.review_by
FROM statement_facts f JOIN statement_labels l ON l.label = f.label;
