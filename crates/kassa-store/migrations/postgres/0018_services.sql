-- The mobile reader's value-added services (docs/protocol-profile.md): one
-- row per service, beside its transaction (the payer's debit, kind
-- transfer / repayment / top_up). The row follows the second leg — the
-- payment to the beneficiary's card, or the carrier's top-up — and is the
-- durable queue of second legs to reverse.
CREATE TABLE services (
    txn_id             BIGINT PRIMARY KEY,
    service            TEXT NOT NULL,
    merchant_id        TEXT NOT NULL,
    terminal_id        TEXT NOT NULL,
    business_date      TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    fee                BIGINT NOT NULL,
    payer_hash         BYTEA NOT NULL,
    payer_masked       TEXT NOT NULL,
    beneficiary_masked TEXT NOT NULL,
    beneficiary_hash   BYTEA NOT NULL,
    beneficiary_sealed BYTEA NOT NULL,
    -- waiting (the debit not approved yet), in_flight (debit approved and
    -- posted, the second leg asked), done, refused (second leg refused, the
    -- debit reversed), reversing (the second leg to undo), reversed,
    -- delivered_late (the carrier delivered after the debit's reversal).
    leg_state          TEXT NOT NULL DEFAULT 'waiting',
    debit_posted       INTEGER NOT NULL DEFAULT 0,
    -- Set when the transaction is reversed by anyone; cleared once both
    -- legs' postings are undone (unwound).
    unwind_due         INTEGER NOT NULL DEFAULT 0,
    unwound            INTEGER NOT NULL DEFAULT 0,
    leg_transmitted    TEXT,
    leg_code           TEXT,
    leg_reference      TEXT,
    leg_attempts       INTEGER NOT NULL DEFAULT 0,
    leg_next_at        BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX services_leg_state ON services (leg_state, leg_next_at);
CREATE INDEX services_unwind_due ON services (unwind_due);
CREATE INDEX services_payer_day ON services (payer_hash, business_date);
CREATE INDEX services_beneficiary_day ON services (beneficiary_hash, business_date);
CREATE INDEX services_merchant_day ON services (merchant_id, business_date);
