-- Networks stage (netcase.graph, netcase.assess): one build run's answer, rewritten whole by each
-- run in one transaction, except `networks`, which keeps every id ever issued so ids stay stable.
CREATE TABLE graph_runs (
    run_id VARCHAR PRIMARY KEY,
    started TIMESTAMP NOT NULL,
    finished TIMESTAMP NOT NULL,
    resolved_run VARCHAR,
    params VARCHAR NOT NULL,
    persons BIGINT NOT NULL,
    links BIGINT NOT NULL,
    networks BIGINT NOT NULL,
    seconds DOUBLE PRECISION NOT NULL
);

-- Values or entities that link too many people to mean anything (paying agents, shelters, terminals).
CREATE TABLE graph_hubs (
    run_id VARCHAR NOT NULL,
    node_id VARCHAR NOT NULL,
    node_type VARCHAR NOT NULL,
    label VARCHAR,
    people BIGINT NOT NULL,
    communities BIGINT,
    rule VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    action VARCHAR NOT NULL
);

-- Every network id ever issued; a network keeps its id across runs while its membership overlaps.
CREATE TABLE networks (
    network_id VARCHAR PRIMARY KEY,
    first_run VARCHAR NOT NULL,
    last_run VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    label VARCHAR
);

CREATE TABLE network_members (
    run_id VARCHAR NOT NULL,
    network_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    cell VARCHAR,
    role VARCHAR NOT NULL,
    role_score DOUBLE PRECISION NOT NULL,
    strength DOUBLE PRECISION NOT NULL,
    evidence VARCHAR NOT NULL
);
CREATE INDEX network_members_entity_idx ON network_members (entity_id);
CREATE INDEX network_members_network_idx ON network_members (network_id);

-- Events, payments and other non-person entities attached to a network's members.
CREATE TABLE network_objects (
    run_id VARCHAR NOT NULL,
    network_id VARCHAR NOT NULL,
    object_id VARCHAR NOT NULL,
    schema VARCHAR NOT NULL
);
CREATE INDEX network_objects_network_idx ON network_objects (network_id);

-- Protected people (victims, migrants) seen with a network: counted, never scored or ranked.
CREATE TABLE network_protected (
    run_id VARCHAR NOT NULL,
    network_id VARCHAR NOT NULL,
    entity_id VARCHAR NOT NULL,
    category VARCHAR NOT NULL
);

CREATE TABLE network_assessments (
    run_id VARCHAR NOT NULL,
    network_id VARCHAR NOT NULL,
    priority DOUBLE PRECISION NOT NULL,
    rank BIGINT NOT NULL,
    factors VARCHAR NOT NULL
);
