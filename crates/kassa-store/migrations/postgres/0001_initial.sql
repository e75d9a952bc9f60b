-- Kassa schema, version 1 (PostgreSQL). The same tables as the SQLite migration.

CREATE TABLE merchants (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    mcc           TEXT NOT NULL,
    status        TEXT NOT NULL,
    mail_order    BOOLEAN NOT NULL DEFAULT FALSE,
    single_limit  BIGINT NOT NULL,
    daily_limit   BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);

CREATE TABLE terminals (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES merchants(id),
    serial        TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL,
    tmk           TEXT NOT NULL,
    pad_nibble    SMALLINT NOT NULL DEFAULT 0,
    key_mode      INTEGER,
    pin_key       TEXT,
    mac_key       TEXT,
    track_key     TEXT,
    key_version   INTEGER NOT NULL DEFAULT 0,
    batch         INTEGER NOT NULL DEFAULT 1,
    batch_open    BOOLEAN NOT NULL DEFAULT FALSE,
    last_txn_at   BIGINT
);

CREATE TABLE transactions (
    id               BIGSERIAL PRIMARY KEY,
    merchant_id      TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    trace            INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    currency         INTEGER NOT NULL,
    pan_masked       TEXT,
    pan_hash         BYTEA,
    pan_sealed       BYTEA,
    request_digest   BYTEA NOT NULL,
    response_code    TEXT,
    auth_code        TEXT,
    rrn              TEXT,
    card_org         TEXT,
    original_id      BIGINT REFERENCES transactions(id),
    refunded         BIGINT NOT NULL DEFAULT 0,
    link_transmitted TEXT,
    local_date       TEXT,
    local_time       TEXT,
    business_date    TEXT NOT NULL,
    entry_mode       TEXT,
    operator         TEXT,
    reversal_reason  TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    -- Duplicate detection rests on this constraint, across every host sharing the database.
    UNIQUE (merchant_id, terminal_id, batch, trace)
);
CREATE INDEX transactions_by_rrn ON transactions (merchant_id, rrn);
CREATE INDEX transactions_by_batch ON transactions (terminal_id, batch);
CREATE INDEX transactions_in_flight ON transactions (state) WHERE state = 'in_flight';
CREATE INDEX transactions_by_day ON transactions (merchant_id, business_date);
CREATE INDEX transactions_by_original ON transactions (original_id) WHERE original_id IS NOT NULL;

CREATE TABLE saf_queue (
    id               BIGSERIAL PRIMARY KEY,
    txn_id           BIGINT NOT NULL REFERENCES transactions(id),
    reason           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    done_at          BIGINT
);
CREATE INDEX saf_due ON saf_queue (next_attempt_at) WHERE done_at IS NULL;

CREATE TABLE settlements (
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    terminal_totals  TEXT NOT NULL,
    host_totals      TEXT NOT NULL,
    balanced         BOOLEAN NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (terminal_id, batch)
);

CREATE TABLE batch_uploads (
    id               BIGSERIAL PRIMARY KEY,
    terminal_id      TEXT NOT NULL,
    batch            INTEGER NOT NULL,
    trace            INTEGER NOT NULL,
    amount           BIGINT NOT NULL,
    matched          BOOLEAN NOT NULL,
    created_at       BIGINT NOT NULL
);
