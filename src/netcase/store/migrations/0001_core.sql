-- Core tables: ingested batches, statements (append-only), quarantined rows.
CREATE TABLE batches (
    batch_id VARCHAR PRIMARY KEY,
    content_hash VARCHAR NOT NULL UNIQUE,
    source_file VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    mapping VARCHAR,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_accepted BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    statements BIGINT NOT NULL
);

CREATE TABLE statements (
    id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    schema VARCHAR NOT NULL,
    prop VARCHAR NOT NULL,
    prop_type VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    original_value VARCHAR,
    dataset VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_record VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    observed DATE,
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

CREATE TABLE quarantine (
    batch_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    value VARCHAR,
    raw VARCHAR
);
