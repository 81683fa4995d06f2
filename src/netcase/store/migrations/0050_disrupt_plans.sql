-- Disruption plans (netcase.disrupt): every plan made, kept so that it can be listed, shown again
-- and audited later. A plan is never rewritten: a new plan is a new row. Who made it (user, agency,
-- country, the compartments whose facts the plan could see), on what (a stored network and the graph
-- build run it was read from, or an external graph file), the inputs (budget, objective, account
-- budget, constraints, recovery rules, seed) and the whole result, both as JSON kept as VARCHAR.
CREATE TABLE disrupt_plans (
    plan_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    made_by VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    country VARCHAR NOT NULL,
    compartments VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    network_id VARCHAR,
    graph_run VARCHAR,
    graph_file VARCHAR,
    budget BIGINT NOT NULL,
    objective VARCHAR NOT NULL,
    recommended VARCHAR NOT NULL,
    robustness DOUBLE PRECISION NOT NULL,
    members BIGINT NOT NULL,
    targets BIGINT NOT NULL,
    inputs VARCHAR NOT NULL,
    result VARCHAR NOT NULL
);
CREATE INDEX disrupt_plans_network_idx ON disrupt_plans (network_id);
CREATE INDEX disrupt_plans_created_idx ON disrupt_plans (created_at);
