-- The durable ledger (kassa-ledger's rules, kept in the same database as the transactions).

CREATE TABLE ledger_accounts (
    id               BIGSERIAL PRIMARY KEY,
    owner            TEXT NOT NULL,        -- a merchant id, or 'acquirer'
    kind             TEXT NOT NULL,
    currency         INTEGER NOT NULL,
    floor            BIGINT,
    debits_posted    BIGINT NOT NULL DEFAULT 0,
    credits_posted   BIGINT NOT NULL DEFAULT 0,
    debits_pending   BIGINT NOT NULL DEFAULT 0,
    credits_pending  BIGINT NOT NULL DEFAULT 0,
    UNIQUE (owner, kind, currency)
);

-- Every posting id's first request and its result: postings are idempotent by id.
CREATE TABLE ledger_postings (
    id               TEXT PRIMARY KEY,
    request          TEXT NOT NULL,
    result           TEXT NOT NULL,        -- 'ok' or the rejection
    txn_id           BIGINT,
    created_at       BIGINT NOT NULL
);

-- What each applied posting changed: the journal.
CREATE TABLE ledger_entries (
    posting_id       TEXT NOT NULL,
    account_id       BIGINT NOT NULL REFERENCES ledger_accounts(id),
    debits_posted    BIGINT NOT NULL,
    credits_posted   BIGINT NOT NULL,
    debits_pending   BIGINT NOT NULL,
    credits_pending  BIGINT NOT NULL
);
CREATE INDEX ledger_entries_by_posting ON ledger_entries (posting_id);

CREATE TABLE ledger_holds (
    id               TEXT PRIMARY KEY,
    debit            BIGINT NOT NULL REFERENCES ledger_accounts(id),
    credit           BIGINT NOT NULL REFERENCES ledger_accounts(id),
    amount           BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    state            TEXT NOT NULL,        -- pending | posted | voided | expired
    posted           BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ledger_holds_pending ON ledger_holds (expires_at) WHERE state = 'pending';


-- One row per merchant and business day settled: re-running a day changes nothing.
CREATE TABLE merchant_settlements (
    merchant_id      TEXT NOT NULL,
    business_date    TEXT NOT NULL,
    gross            BIGINT NOT NULL,
    voids            BIGINT NOT NULL,
    refunds          BIGINT NOT NULL,
    fees             BIGINT NOT NULL,
    held             BIGINT NOT NULL,
    net              BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, business_date)
);
