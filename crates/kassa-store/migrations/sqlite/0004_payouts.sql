-- Each merchant's settlement card, sealed by the security module.
CREATE TABLE merchant_cards (
    merchant_id      TEXT PRIMARY KEY,
    pan_sealed       BLOB NOT NULL,
    pan_masked       TEXT NOT NULL,
    holder           TEXT NOT NULL
);

-- One payout per merchant and settled day: its id is its idempotency key at the bank.
CREATE TABLE payouts (
    id               TEXT PRIMARY KEY,
    merchant_id      TEXT NOT NULL,
    business_date    TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    card_masked      TEXT NOT NULL,
    state            TEXT NOT NULL,        -- created | sent | paid | failed
    reason           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX payouts_open ON payouts (state) WHERE state IN ('created', 'sent');

-- What the merchant is told (a failed payout, …).
CREATE TABLE merchant_notices (
    id               INTEGER PRIMARY KEY,
    merchant_id      TEXT NOT NULL,
    kind             TEXT NOT NULL,
    text             TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
