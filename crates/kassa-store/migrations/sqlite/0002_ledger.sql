-- The durable ledger (kassa-ledger's rules, kept in the same database as the transactions).

CREATE TABLE ledger_accounts (
    id               INTEGER PRIMARY KEY,
    owner            TEXT NOT NULL,        -- a merchant id, or 'acquirer'
    kind             TEXT NOT NULL,
    currency         INTEGER NOT NULL,
    floor            INTEGER,
    debits_posted    INTEGER NOT NULL DEFAULT 0,
    credits_posted   INTEGER NOT NULL DEFAULT 0,
    debits_pending   INTEGER NOT NULL DEFAULT 0,
    credits_pending  INTEGER NOT NULL DEFAULT 0,
    UNIQUE (owner, kind, currency)
);

-- Every posting id's first request and its result: postings are idempotent by id.
CREATE TABLE ledger_postings (
    id               TEXT PRIMARY KEY,
    request          TEXT NOT NULL,
    result           TEXT NOT NULL,        -- 'ok' or the rejection
    txn_id           INTEGER,
    created_at       INTEGER NOT NULL
);

-- What each applied posting changed: the journal.
CREATE TABLE ledger_entries (
    posting_id       TEXT NOT NULL,
    account_id       INTEGER NOT NULL REFERENCES ledger_accounts(id),
    debits_posted    INTEGER NOT NULL,
    credits_posted   INTEGER NOT NULL,
    debits_pending   INTEGER NOT NULL,
    credits_pending  INTEGER NOT NULL
);
CREATE INDEX ledger_entries_by_posting ON ledger_entries (posting_id);

CREATE TABLE ledger_holds (
    id               TEXT PRIMARY KEY,
    debit            INTEGER NOT NULL REFERENCES ledger_accounts(id),
    credit           INTEGER NOT NULL REFERENCES ledger_accounts(id),
    amount           INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    state            TEXT NOT NULL,        -- pending | posted | voided | expired
    posted           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ledger_holds_pending ON ledger_holds (expires_at) WHERE state = 'pending';

CREATE INDEX transactions_by_original ON transactions (original_id) WHERE original_id IS NOT NULL;

-- One row per merchant and business day settled: re-running a day changes nothing.
CREATE TABLE merchant_settlements (
    merchant_id      TEXT NOT NULL,
    business_date    TEXT NOT NULL,
    gross            INTEGER NOT NULL,
    voids            INTEGER NOT NULL,
    refunds          INTEGER NOT NULL,
    fees             INTEGER NOT NULL,
    held             INTEGER NOT NULL,
    net              INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, business_date)
);
