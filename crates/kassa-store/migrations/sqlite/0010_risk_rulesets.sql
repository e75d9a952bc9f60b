-- Risk ruleset versions in the store (product.md §6): draft → approved (by a
-- second person) → active → retired, or discarded. Exactly one is active; the
-- hosts run it. The text is the TOML of `kassa-risk` and never changes.
CREATE TABLE risk_rulesets (
    version           INTEGER PRIMARY KEY,
    text              TEXT NOT NULL,
    rules             INTEGER NOT NULL,
    note              TEXT NOT NULL,
    state             TEXT NOT NULL,         -- draft | approved | active | retired | discarded
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    approved_by       TEXT,
    approved_at       INTEGER,
    activated_by      TEXT,
    activated_at      INTEGER
);
CREATE UNIQUE INDEX risk_rulesets_one_active ON risk_rulesets (state) WHERE state = 'active';
