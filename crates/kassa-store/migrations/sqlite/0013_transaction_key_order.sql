-- The duplicate key leads with the terminal: (terminal, batch, trace, merchant)
-- serves a batch's queries as well as duplicate detection, so the separate
-- (terminal, batch) index goes. Every begun transaction wrote a page of each of
-- the two indexes at the terminal's own place in them: with 100 terminals, half
-- the log's pages were these two. SQLite cannot reorder a table constraint, so
-- the table is rebuilt (the migration runs with foreign keys off and checks them
-- before it commits).
CREATE TABLE transactions_rebuilt (
    id               INTEGER PRIMARY KEY,
    merchant_id      TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    trace            INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,        -- in_flight | approved | declined | voided | reversed | reversal_only
    amount           INTEGER NOT NULL,
    currency         INTEGER NOT NULL,
    pan_masked       TEXT,
    pan_hash         BLOB,                 -- keyed hash, for lookups
    pan_sealed       BLOB,                 -- encrypted by the security module
    request_digest   BLOB NOT NULL,        -- what makes a repeat "the same request"
    response_code    TEXT,
    auth_code        TEXT,
    rrn              TEXT,
    card_org         TEXT,
    original_id      INTEGER REFERENCES transactions(id),
    refunded         INTEGER NOT NULL DEFAULT 0,
    link_transmitted TEXT,
    local_date       TEXT,
    local_time       TEXT,
    business_date    TEXT NOT NULL,        -- YYYYMMDD
    entry_mode       TEXT,
    operator         TEXT,
    reversal_reason  TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    risk_held        INTEGER NOT NULL DEFAULT 0,
    location         TEXT,
    -- Duplicate detection rests on this constraint; batch queries use its prefix.
    UNIQUE (terminal_id, batch, trace, merchant_id)
);
INSERT INTO transactions_rebuilt SELECT id, merchant_id, terminal_id, batch, trace, kind, state, amount, currency,
    pan_masked, pan_hash, pan_sealed, request_digest, response_code, auth_code, rrn, card_org, original_id, refunded,
    link_transmitted, local_date, local_time, business_date, entry_mode, operator, reversal_reason, created_at,
    updated_at, risk_held, location
FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_rebuilt RENAME TO transactions;
CREATE INDEX transactions_by_rrn ON transactions (merchant_id, rrn);
CREATE INDEX transactions_in_flight ON transactions (state) WHERE state = 'in_flight';
CREATE INDEX transactions_by_day ON transactions (merchant_id, business_date);
CREATE INDEX transactions_by_original ON transactions (original_id) WHERE original_id IS NOT NULL;
CREATE INDEX transactions_by_business_date ON transactions (business_date);
