-- Shared network reads (netcase.api.shared_reads): an answer computed from the statements one
-- need-to-know profile may read (``profile``: a digest of netcase.access.policy.visibility_key),
-- under one data version (``version``: a digest of the row counts and last-run times the reads
-- depend on), kept so that every viewer of that profile, every server process and the next start
-- reuse it. Only the latest version of each (what, object, profile) is kept; the payload is the
-- answer as JSON text. Holds no per-person data: audit entries are written per read as before.
CREATE TABLE read_cache (
    what VARCHAR NOT NULL,
    object_id VARCHAR NOT NULL,
    profile VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    payload VARCHAR NOT NULL,
    PRIMARY KEY (what, object_id, profile)
);
