-- PostgreSQL variant of 0040_access.sql: the same tables (keep the two in step) plus a partial index
-- that makes the policy's victim/minor flag look-ups index scans (a point read drops from ~0.9 s to
-- ~0.03 s at 200k statements). DuckDB scans columns fast enough and keeps ingest free of index upkeep.
-- Access: users, roles, compartments, sessions, API tokens, sharing agreements, disseminations,
-- retention (revalidations, purges, notifications) and the tamper-evident audit log.

-- Per-store settings of the access layer: the pseudonym secret, the audit signing key (when no
-- key file is configured), argon2 parameters. Values are text.
CREATE TABLE access_config (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE TABLE users (
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    agency VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    totp_secret VARCHAR NOT NULL,
    last_totp_step BIGINT,
    locked BOOLEAN NOT NULL,
    locked_reason VARCHAR,
    disabled BOOLEAN NOT NULL,
    disabled_reason VARCHAR,
    created_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);

CREATE TABLE user_roles (
    username VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (username, role)
);

CREATE TABLE user_compartments (
    username VARCHAR NOT NULL,
    compartment VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (username, compartment)
);

-- Failed log-ons, counted over a sliding 15-minute window for the lock-out.
CREATE TABLE login_failures (
    username VARCHAR NOT NULL,
    failed_at TIMESTAMP NOT NULL,
    source_ip VARCHAR,
    reason VARCHAR NOT NULL
);

-- Session tokens are stored as SHA-256 hashes only: a copy of the table cannot be replayed.
CREATE TABLE sessions (
    token_hash VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason VARCHAR,
    source_ip VARCHAR
);

CREATE TABLE api_tokens (
    token_id VARCHAR PRIMARY KEY,
    token_hash VARCHAR NOT NULL,
    username VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    scopes VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);

-- Information-sharing agreements with partner countries/agencies: no share without one.
CREATE TABLE sharing_agreements (
    agreement_id VARCHAR PRIMARY KEY,
    country VARCHAR NOT NULL,
    agency VARCHAR,
    title VARCHAR NOT NULL,
    signed_on DATE NOT NULL,
    expires_on DATE,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- 28 CFR 23.20(g): every dissemination outside the task force, with recipient, reason and date.
CREATE TABLE disseminations (
    dissemination_id VARCHAR PRIMARY KEY,
    shared_at TIMESTAMP NOT NULL,
    by_user VARCHAR NOT NULL,
    recipient VARCHAR NOT NULL,
    recipient_agency VARCHAR NOT NULL,
    recipient_country VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    agreement_id VARCHAR,
    items BIGINT NOT NULL
);

CREATE TABLE dissemination_items (
    dissemination_id VARCHAR NOT NULL,
    statement_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL
);

-- 28 CFR 23.20(h): review, revalidation, purge.
CREATE TABLE revalidations (
    statement_id VARCHAR NOT NULL,
    revalidated_at TIMESTAMP NOT NULL,
    by_user VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    previous_review_by DATE NOT NULL,
    new_review_by DATE NOT NULL
);

CREATE TABLE purges (
    statement_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    purged_on DATE NOT NULL,
    purged_at TIMESTAMP NOT NULL,
    by_user VARCHAR NOT NULL,
    reason VARCHAR NOT NULL
);

CREATE TABLE notifications (
    notification_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    recipient VARCHAR NOT NULL,
    recipient_agency VARCHAR NOT NULL,
    recipient_country VARCHAR NOT NULL,
    dissemination_id VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    sent_at TIMESTAMP
);

-- CJIS 5.4 audit log: append-only, each entry a leaf of an RFC 6962 Merkle tree.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    username VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    object_type VARCHAR,
    object_id VARCHAR,
    outcome VARCHAR NOT NULL,
    details VARCHAR NOT NULL
);
CREATE INDEX audit_log_user_idx ON audit_log (username, logged_at);

-- The current tree: size, root, the compact frontier (perfect-subtree roots) and its signature.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    root_hash VARCHAR NOT NULL,
    frontier VARCHAR NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    signature VARCHAR NOT NULL,
    key_id VARCHAR NOT NULL
);

-- Signed tree heads kept as checkpoints (also handed out as files): later heads must be consistent.
CREATE TABLE audit_tree_heads (
    tree_size BIGINT NOT NULL,
    root_hash VARCHAR NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    signature VARCHAR NOT NULL,
    key_id VARCHAR NOT NULL
);

CREATE INDEX statements_flags_idx ON statements (prop, entity_id)
    WHERE prop IN ('nc:minor', 'nc:protected', 'nc:subjectCategory', 'nc:reliefStatus');
