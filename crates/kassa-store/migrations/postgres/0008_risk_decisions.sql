-- The risk engine's decisions that hit at least one rule, per transaction:
-- which rules, in which ruleset version, and what was done.
CREATE TABLE risk_decisions (
    txn_id            BIGINT PRIMARY KEY,
    merchant_id       TEXT NOT NULL,
    ruleset_version   BIGINT NOT NULL,
    outcome           TEXT NOT NULL,
    score             BIGINT NOT NULL,
    hits              TEXT NOT NULL,         -- JSON: [{rule, version, score, action, enforced}]
    created_at        BIGINT NOT NULL
);
CREATE INDEX risk_decisions_by_merchant ON risk_decisions (merchant_id, created_at);
