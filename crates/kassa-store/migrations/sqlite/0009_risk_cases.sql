-- Risk cases (product.md §6): what analysts work when the rules hit, the
-- history of each case, the transactions it holds as evidence, and the
-- expiring allow-list overrides made from cases.

-- A merchant whose settlement a case holds: each settled day's net goes to
-- frozen funds until a case releases it.
ALTER TABLE merchants ADD COLUMN settlement_held INTEGER NOT NULL DEFAULT 0;

CREATE TABLE risk_cases (
    id                INTEGER PRIMARY KEY,
    merchant_id       TEXT NOT NULL,
    terminal_id       TEXT,
    title             TEXT NOT NULL,
    priority          TEXT NOT NULL,         -- high | medium | low
    state             TEXT NOT NULL,         -- open | investigating | action_pending | actioned | closed
    resolution        TEXT,                  -- confirmed | refuted | inconclusive
    opened_at         INTEGER NOT NULL,
    due_at            INTEGER NOT NULL,      -- the SLA
    locked_by         TEXT,
    locked_until      INTEGER NOT NULL DEFAULT 0,
    proposal          TEXT,                  -- JSON {action, target, by, reason}
    updated_at        INTEGER NOT NULL
);
CREATE INDEX risk_cases_queue ON risk_cases (state, due_at);
CREATE INDEX risk_cases_by_merchant ON risk_cases (merchant_id, opened_at);

CREATE TABLE risk_case_events (
    id                INTEGER PRIMARY KEY,
    case_id           INTEGER NOT NULL,
    at                INTEGER NOT NULL,
    actor             TEXT NOT NULL,
    kind              TEXT NOT NULL,         -- opened | txn | claimed | note | proposed | approved | ...
    detail            TEXT NOT NULL
);
CREATE INDEX risk_case_events_by_case ON risk_case_events (case_id, id);

CREATE TABLE risk_case_txns (
    case_id           INTEGER NOT NULL,
    txn_id            INTEGER NOT NULL,
    PRIMARY KEY (case_id, txn_id)
);

CREATE TABLE risk_overrides (
    id                INTEGER PRIMARY KEY,
    case_id           INTEGER NOT NULL,
    kind              TEXT NOT NULL,         -- merchant | card
    value             TEXT NOT NULL,         -- merchant id, or the card's keyed hash in hex
    label             TEXT NOT NULL,         -- what a person reads: the merchant id or the masked card
    reason            TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL
);
CREATE INDEX risk_overrides_by_value ON risk_overrides (kind, value, expires_at);

-- Where a mobile reader was (field 59, "lat,lon"), for the case's location trail.
ALTER TABLE transactions ADD COLUMN location TEXT;
