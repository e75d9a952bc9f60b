-- Kassa schema, version 1 (SQLite). The PostgreSQL migration has the same tables.

CREATE TABLE merchants (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    mcc           TEXT NOT NULL,
    status        TEXT NOT NULL,           -- active | frozen | closed
    mail_order    INTEGER NOT NULL DEFAULT 0,
    single_limit  INTEGER NOT NULL,        -- minor units
    daily_limit   INTEGER NOT NULL,        -- minor units
    created_at    INTEGER NOT NULL         -- unix milliseconds
);

CREATE TABLE terminals (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES merchants(id),
    serial        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,           -- active | dormant | deregistered | blocked
    tmk           TEXT NOT NULL,           -- wrapped by the security module
    pad_nibble    INTEGER NOT NULL DEFAULT 0,
    key_mode      INTEGER,                 -- 60.3 of the last sign-in; NULL when signed off
    pin_key       TEXT,
    mac_key       TEXT,
    track_key     TEXT,
    key_version   INTEGER NOT NULL DEFAULT 0,
    batch         INTEGER NOT NULL DEFAULT 1,
    batch_open    INTEGER NOT NULL DEFAULT 0,
    last_txn_at   INTEGER
);

CREATE TABLE transactions (
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
    -- Duplicate detection rests on this constraint.
    UNIQUE (merchant_id, terminal_id, batch, trace)
);
CREATE INDEX transactions_by_rrn ON transactions (merchant_id, rrn);
CREATE INDEX transactions_by_batch ON transactions (terminal_id, batch);
CREATE INDEX transactions_in_flight ON transactions (state) WHERE state = 'in_flight';
CREATE INDEX transactions_by_day ON transactions (merchant_id, business_date);

-- Reversals the host owes the network: durable until acknowledged.
CREATE TABLE saf_queue (
    id               INTEGER PRIMARY KEY,
    txn_id           INTEGER NOT NULL REFERENCES transactions(id),
    reason           TEXT NOT NULL,        -- 98 | A0 | 96 | 06 | terminal
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    done_at          INTEGER
);
CREATE INDEX saf_due ON saf_queue (next_attempt_at) WHERE done_at IS NULL;

CREATE TABLE settlements (
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    terminal_totals  TEXT NOT NULL,        -- field 48 digits as sent
    host_totals      TEXT NOT NULL,
    balanced         INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (terminal_id, batch)
);

-- Records a terminal uploaded (0320) after an unbalanced settlement.
CREATE TABLE batch_uploads (
    id               INTEGER PRIMARY KEY,
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    trace            INTEGER NOT NULL,
    amount           INTEGER NOT NULL,
    matched          INTEGER NOT NULL,     -- 1 when the host holds the same transaction
    created_at       INTEGER NOT NULL
);
