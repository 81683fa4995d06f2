-- The statements of a DuckDB store, stored narrow: what varies per fact in ``statement_facts``,
-- what a batch (or a source field, or a row's handling) shares in ``statement_labels``, and the
-- ``statements`` view joining them back into the one statement every reader knows.
--
-- Why: appending a statement cost DuckDB ~1.8 us over 24 columns, of which 14 are the same for
-- every fact of a batch (dataset, file, agency, marking, 28 CFR 23 fields) and 3 the same for
-- every fact of a mapping field (schema, property, type). A fact now carries 7 columns and a
-- label number; a batch holds a few hundred labels (9,678 in the medium world's 3.5 M
-- statements). Labels are numbered in the order they are written, so a batch's labels are one
-- run of numbers and its facts one run of row groups.
-- PostgreSQL keeps the wide table (0070_statement_labels.postgres.sql): its indexes serve the
-- API's point reads there, and the ingest target is DuckDB's.
CREATE TABLE statement_labels (
    label INTEGER PRIMARY KEY,
    schema VARCHAR NOT NULL,
    prop VARCHAR NOT NULL,
    prop_type VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    ingested TIMESTAMP NOT NULL,
    caveat VARCHAR NOT NULL,
    releasable_to VARCHAR NOT NULL,
    tlp VARCHAR NOT NULL,
    victim_sensitive BOOLEAN NOT NULL,
    compartment VARCHAR,
    predicate VARCHAR,
    reliability VARCHAR NOT NULL,
    validity VARCHAR NOT NULL,
    submitting_agency VARCHAR NOT NULL,
    review_by DATE NOT NULL
);

INSERT INTO statement_labels
SELECT CAST(row_number() OVER (ORDER BY min_rowid) AS INTEGER), * EXCLUDE (min_rowid) FROM (
    SELECT schema, prop, prop_type, dataset, source_file, agency, batch_id, ingested, caveat, releasable_to, tlp,
           victim_sensitive, compartment, predicate, reliability, validity, submitting_agency, review_by,
           min(rowid) AS min_rowid
    FROM statements
    GROUP BY ALL
);

CREATE TABLE statement_facts (
    id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    original_value VARCHAR,
    source_record VARCHAR NOT NULL,
    observed DATE,
    label INTEGER NOT NULL
);

INSERT INTO statement_facts
SELECT s.id, s.entity_id, s.value, s.original_value, s.source_record, s.observed, l.label
FROM statements s JOIN statement_labels l
  ON  l.schema = s.schema AND l.prop = s.prop AND l.prop_type = s.prop_type AND l.dataset = s.dataset
  AND l.source_file = s.source_file AND l.agency = s.agency AND l.batch_id = s.batch_id
  AND l.ingested = s.ingested AND l.caveat = s.caveat AND l.releasable_to = s.releasable_to AND l.tlp = s.tlp
  AND l.victim_sensitive = s.victim_sensitive AND l.compartment IS NOT DISTINCT FROM s.compartment
  AND l.predicate IS NOT DISTINCT FROM s.predicate AND l.reliability = s.reliability
  AND l.validity = s.validity AND l.submitting_agency = s.submitting_agency AND l.review_by = s.review_by
ORDER BY s.rowid;

DROP INDEX statements_entity_idx;
DROP TABLE statements;

-- Point lookups of an entity's statements (0042's index, now on the facts).
CREATE INDEX statement_facts_entity_idx ON statement_facts (entity_id);

CREATE VIEW statements AS
SELECT f.id, f.entity_id, l.schema, l.prop, l.prop_type, f.value, f.original_value, l.dataset, l.source_file,
       f.source_record, l.agency, l.batch_id, f.observed, l.ingested, l.caveat, l.releasable_to, l.tlp,
       l.victim_sensitive, l.compartment, l.predicate, l.reliability, l.validity, l.submitting_agency, l.review_by
FROM statement_facts f JOIN statement_labels l ON l.label = f.label;
