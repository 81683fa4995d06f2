-- Entity resolution's own tables (netcase.resolve). `resolved` (0010) stays the contract for later
-- stages; these keep the model, the scored pairs, the analysts' judgements and the run log.

-- Trained Splink models, as Splink JSON; the newest is reused until `netcase resolve --retrain`.
CREATE TABLE resolve_models (
    model_id VARCHAR PRIMARY KEY,
    version VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    trained_on BIGINT NOT NULL,
    settings_json VARCHAR NOT NULL
);

-- One row per resolution run.
CREATE TABLE resolve_runs (
    run_id VARCHAR PRIMARY KEY,
    model_id VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    mentions BIGINT NOT NULL,
    new_mentions BIGINT NOT NULL,
    entities BIGINT NOT NULL,
    pairs_scored BIGINT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    review_low DOUBLE PRECISION NOT NULL
);

-- The mentions the last run resolved, with a fingerprint of their values (to find what changed).
CREATE TABLE resolve_mentions (
    entity_id VARCHAR PRIMARY KEY,
    schema VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_record VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);

-- Scored candidate pairs at or above the review threshold, with each comparison's match weight
-- (JSON object comparison -> weight): the evidence `netcase explain` shows.
CREATE TABLE resolve_edges (
    entity_l VARCHAR NOT NULL,
    entity_r VARCHAR NOT NULL,
    match_probability DOUBLE PRECISION NOT NULL,
    match_weight DOUBLE PRECISION NOT NULL,
    weights VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
CREATE INDEX resolve_edges_l_idx ON resolve_edges (entity_l);
CREATE INDEX resolve_edges_r_idx ON resolve_edges (entity_r);

-- Analyst judgements on a pair of mentions (or the canonical ids that name them): append-only,
-- the newest per pair wins. 'same' always merges, 'not-same' never, 'unsure' leaves it to the model.
CREATE TABLE resolve_judgements (
    entity_a VARCHAR NOT NULL,
    entity_b VARCHAR NOT NULL,
    judgement VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL,
    created TIMESTAMP NOT NULL,
    note VARCHAR
);
