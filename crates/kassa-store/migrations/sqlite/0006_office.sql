-- The back office: merchant log-ins, staff, sessions, applications and their
-- documents, one-time codes, the SMS outbox, the audit log, bank cards, the
-- terminal inventory, deposits, withdrawals and cancellations. The
-- PostgreSQL migration has the same tables.

CREATE TABLE merchant_users (
    id                INTEGER PRIMARY KEY,
    phone             TEXT NOT NULL UNIQUE,
    login_hash        TEXT NOT NULL,         -- Argon2id PHC string
    payment_hash      TEXT NOT NULL,         -- Argon2id PHC string
    merchant_id       TEXT,                  -- set when the application is approved
    login_failures    INTEGER NOT NULL DEFAULT 0,
    login_locked_until INTEGER,
    pay_failures      INTEGER NOT NULL DEFAULT 0,
    pay_locked_until  INTEGER,
    created_at        INTEGER NOT NULL
);

CREATE TABLE staff (
    id                INTEGER PRIMARY KEY,
    username          TEXT NOT NULL UNIQUE,
    role              TEXT NOT NULL,         -- admin | operations | risk | support
    login_hash        TEXT NOT NULL,
    login_failures    INTEGER NOT NULL DEFAULT 0,
    login_locked_until INTEGER,
    created_at        INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_digest      BLOB PRIMARY KEY,      -- SHA-256 of the bearer token
    kind              TEXT NOT NULL,         -- merchant | staff
    subject           INTEGER NOT NULL,      -- merchant_users.id or staff.id
    created_at        INTEGER NOT NULL,
    last_seen         INTEGER NOT NULL,
    ended             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_by_subject ON sessions (kind, subject);

CREATE TABLE applications (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES merchant_users(id),
    legal_name        TEXT NOT NULL,
    id_hash           BLOB NOT NULL,         -- keyed hash, for duplicate checks
    id_masked         TEXT NOT NULL,
    id_sealed         BLOB NOT NULL,
    phone             TEXT NOT NULL,
    business_name     TEXT NOT NULL,
    address           TEXT NOT NULL,
    mcc               TEXT NOT NULL,
    card_hash         BLOB NOT NULL,
    card_masked       TEXT NOT NULL,
    card_sealed       BLOB NOT NULL,
    card_holder       TEXT NOT NULL,
    state             TEXT NOT NULL,         -- submitted | approved | rejected
    checks            TEXT NOT NULL,         -- the automatic checks, JSON
    decided_by        TEXT,
    decision_reason   TEXT,
    merchant_id       TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX applications_by_identity ON applications (id_hash);

CREATE TABLE merchant_profiles (
    merchant_id       TEXT PRIMARY KEY,
    application_id    INTEGER NOT NULL,
    legal_name        TEXT NOT NULL,
    id_hash           BLOB NOT NULL,
    id_masked         TEXT NOT NULL,
    phone             TEXT NOT NULL,
    address           TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    owner_kind        TEXT NOT NULL,         -- application | cancellation
    owner_id          INTEGER NOT NULL,
    kind              TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size              INTEGER NOT NULL,
    sha256            BLOB NOT NULL,
    data              BLOB NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX documents_by_owner ON documents (owner_kind, owner_id);

CREATE TABLE otp_codes (
    id                INTEGER PRIMARY KEY,
    phone             TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    digest            BLOB NOT NULL,         -- SHA-256 of id and code; never the digits
    sent_at           INTEGER NOT NULL,
    tries             INTEGER NOT NULL DEFAULT 0,
    used              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX otp_by_phone ON otp_codes (phone, sent_at);

CREATE TABLE sms_outbox (
    id                INTEGER PRIMARY KEY,
    phone             TEXT NOT NULL,
    text              TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id                INTEGER PRIMARY KEY,
    at                INTEGER NOT NULL,
    actor             TEXT NOT NULL,         -- merchant:<id> | staff:<username> | system
    action            TEXT NOT NULL,
    target            TEXT NOT NULL,
    detail            TEXT NOT NULL
);

CREATE TABLE block_list (
    kind              TEXT NOT NULL,         -- id_number | phone | card
    value_hash        BLOB NOT NULL,
    reason            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (kind, value_hash)
);

CREATE TABLE bank_cards (
    id                INTEGER PRIMARY KEY,
    merchant_id       TEXT NOT NULL,
    pan_hash          BLOB NOT NULL,
    pan_masked        TEXT NOT NULL,
    pan_sealed        BLOB NOT NULL,
    holder            TEXT NOT NULL,
    settlement        INTEGER NOT NULL DEFAULT 0,
    removed           INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);
CREATE INDEX bank_cards_by_merchant ON bank_cards (merchant_id);

CREATE TABLE terminal_inventory (
    serial            TEXT PRIMARY KEY,
    terminal_id       TEXT NOT NULL UNIQUE,
    tmk               TEXT NOT NULL,         -- wrapped by the security module
    kcv               TEXT NOT NULL,
    model             TEXT NOT NULL,
    state             TEXT NOT NULL,         -- in_stock | assigned | active | dormant | deregistered
    merchant_id       TEXT,
    activation_digest BLOB,
    activation_tries  INTEGER NOT NULL DEFAULT 0,
    assigned_day      INTEGER,
    last_active_day   INTEGER,
    deposit           INTEGER NOT NULL DEFAULT 0,
    deposit_state     TEXT NOT NULL DEFAULT 'none', -- none | held | refunded | forfeited
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE terminal_operators (
    terminal_id       TEXT NOT NULL,
    operator          TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    PRIMARY KEY (terminal_id, operator)
);

CREATE TABLE withdrawals (
    id                INTEGER PRIMARY KEY,
    merchant_id       TEXT NOT NULL,
    amount            INTEGER NOT NULL,
    payout_id         TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);

CREATE TABLE cancellations (
    id                INTEGER PRIMARY KEY,
    merchant_id       TEXT NOT NULL,
    terminal_serial   TEXT,                  -- set for a terminal-only cancellation
    state             TEXT NOT NULL,         -- submitted | cooling_off | closed | rejected | withdrawn
    channel           TEXT NOT NULL,         -- self | phone | email
    opened_by         TEXT NOT NULL,
    phone_confirmation TEXT,
    decided_by        TEXT,
    decision_reason   TEXT,
    close_day         INTEGER,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX cancellations_by_merchant ON cancellations (merchant_id);

CREATE TABLE office_counters (
    name              TEXT PRIMARY KEY,
    value             INTEGER NOT NULL
);
