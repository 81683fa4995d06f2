-- Case coordination: investigations and their targets, planned operations, prosecutions,
-- forfeitures, international requests, deconfliction alerts (with history) and watchlists.
-- Case records are relational rows that point at entity ids; ``resolved`` maps them to canonical ids.
CREATE TABLE investigations (
    investigation_id VARCHAR PRIMARY KEY,
    agency VARCHAR NOT NULL,
    case_number VARCHAR NOT NULL,
    district VARCHAR,
    lead_agent VARCHAR NOT NULL,
    contact_phone VARCHAR,
    contact_email VARCHAR,
    status VARCHAR NOT NULL,
    opened DATE,
    closed DATE,
    predicate VARCHAR,
    compartment VARCHAR,
    source_file VARCHAR,
    batch_id VARCHAR
);

-- One target: a person mention (entity_id: the mention's entity, or a canonical id given by an
-- agent) and the raw strong identifiers, normalised (phone E.164, account, plate, document).
CREATE TABLE case_targets (
    target_id VARCHAR PRIMARY KEY,
    investigation_id VARCHAR NOT NULL,
    entity_id VARCHAR,
    name VARCHAR,
    dob DATE,
    phone VARCHAR,
    account VARCHAR,
    plate VARCHAR,
    document VARCHAR,
    address VARCHAR,
    added TIMESTAMP,
    source_file VARCHAR,
    batch_id VARCHAR
);
CREATE INDEX case_targets_inv_idx ON case_targets (investigation_id);
CREATE INDEX case_targets_entity_idx ON case_targets (entity_id);

CREATE TABLE operations (
    operation_id VARCHAR PRIMARY KEY,
    investigation_id VARCHAR,
    agency VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    address VARCHAR,
    starts TIMESTAMP NOT NULL,
    ends TIMESTAMP NOT NULL,
    source_file VARCHAR,
    batch_id VARCHAR
);

CREATE TABLE court_cases (
    case_id VARCHAR PRIMARY KEY,
    district VARCHAR NOT NULL,
    case_number VARCHAR NOT NULL,
    filing_type VARCHAR NOT NULL,
    filing_date DATE NOT NULL,
    investigation_id VARCHAR,
    source_file VARCHAR,
    batch_id VARCHAR
);

CREATE TABLE defendants (
    case_id VARCHAR NOT NULL,
    defendant_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    dob DATE,
    disposition VARCHAR,
    disposition_date DATE,
    sentence_months DOUBLE PRECISION,
    fine_usd DOUBLE PRECISION,
    appeal VARCHAR,
    source_file VARCHAR,
    batch_id VARCHAR,
    PRIMARY KEY (case_id, defendant_id)
);
CREATE INDEX defendants_entity_idx ON defendants (entity_id);

CREATE TABLE charges (
    case_id VARCHAR NOT NULL,
    defendant_id VARCHAR NOT NULL,
    statute VARCHAR NOT NULL,
    counts BIGINT NOT NULL
);

CREATE TABLE forfeitures (
    forfeiture_id VARCHAR PRIMARY KEY,
    case_id VARCHAR,
    asset_type VARCHAR NOT NULL,
    description VARCHAR,
    value_usd DOUBLE PRECISION NOT NULL,
    status VARCHAR NOT NULL,
    event_date DATE,
    org_hint VARCHAR,
    source_file VARCHAR,
    batch_id VARCHAR
);

CREATE TABLE legal_requests (
    request_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    direction VARCHAR NOT NULL,
    partner_country VARCHAR NOT NULL,
    person_name VARCHAR,
    person_dob DATE,
    case_id VARCHAR,
    status VARCHAR NOT NULL,
    sent DATE,
    decided DATE,
    source_file VARCHAR,
    batch_id VARCHAR
);

-- Target deconfliction alerts: one row per conflicting pair of targets; never deleted, withdrawn
-- alerts keep their row with the run that withdrew them. ``deconfliction_log`` is the history.
CREATE TABLE deconfliction_alerts (
    alert_id VARCHAR PRIMARY KEY,
    target_a VARCHAR NOT NULL,
    target_b VARCHAR NOT NULL,
    investigation_a VARCHAR NOT NULL,
    investigation_b VARCHAR NOT NULL,
    basis VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_change TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE deconfliction_log (
    run_id VARCHAR NOT NULL,
    alert_id VARCHAR NOT NULL,
    change_kind VARCHAR NOT NULL,
    basis VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    resolution_run VARCHAR
);

CREATE TABLE operation_alerts (
    alert_id VARCHAR PRIMARY KEY,
    operation_a VARCHAR NOT NULL,
    operation_b VARCHAR NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
    overlap_start TIMESTAMP NOT NULL,
    overlap_end TIMESTAMP NOT NULL,
    first_seen TIMESTAMP NOT NULL
);

-- Watchlists: what a user watches, the statements already reported to them, and their alerts.
CREATE TABLE watches (
    watch_id VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    extra VARCHAR,
    created TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL
);

CREATE TABLE watch_seen (
    watch_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL
);
CREATE INDEX watch_seen_idx ON watch_seen (watch_id, statement_id);

CREATE TABLE watch_alerts (
    alert_id VARCHAR PRIMARY KEY,
    watch_id VARCHAR NOT NULL,
    username VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    entity_id VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    changes VARCHAR NOT NULL
);
