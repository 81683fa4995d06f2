-- The resolution's answer, read by every later stage: each mention entity's canonical entity id.
-- An entity id absent from this table is its own canonical id. Rewritten whole by each resolution
-- run (in one transaction), so readers always see one run's answer; run_id says which.
CREATE TABLE resolved (
    entity_id VARCHAR PRIMARY KEY,
    canonical_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL
);
CREATE INDEX resolved_canonical_idx ON resolved (canonical_id);
