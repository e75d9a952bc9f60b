-- Reconciliation breaks: the exception queue, one row per item and day.
CREATE TABLE reconciliation_exceptions (
    id               INTEGER PRIMARY KEY,
    business_date    TEXT NOT NULL,
    kind             TEXT NOT NULL,        -- host_only | network_only | amount_mismatch
    link_stan        INTEGER NOT NULL,
    link_transmitted TEXT NOT NULL,
    txn_id           INTEGER,
    host_amount      INTEGER,
    network_amount   INTEGER,
    reason           TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'open',
    created_at       INTEGER NOT NULL,
    UNIQUE (business_date, link_stan, link_transmitted)
);
