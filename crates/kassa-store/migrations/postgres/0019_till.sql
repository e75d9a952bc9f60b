-- The shop till: each merchant's catalogue, its departments and customer
-- segments, and the baskets paid at the till with their lines (kassa-till).
CREATE TABLE till_departments (
    merchant_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, name)
);
CREATE TABLE till_items (
    merchant_id  TEXT NOT NULL,
    code         TEXT NOT NULL,       -- canonical: a UPC-A as its EAN-13
    name         TEXT NOT NULL,
    price        BIGINT NOT NULL,     -- fen
    department   TEXT NOT NULL,
    active       INTEGER NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, code)
);
-- No row: the merchant uses the default settings (kassa_till::segment).
CREATE TABLE till_settings (
    merchant_id     TEXT PRIMARY KEY,
    segments        TEXT NOT NULL,    -- JSON: [{"code","name"}], key order
    keyed_price     INTEGER NOT NULL, -- the till may sell a code not in the catalogue at a keyed price
    updated_at      BIGINT NOT NULL
);
-- A basket paid by a card sale: one per sale (terminal, batch, trace), so a
-- basket sent again is the same basket. txn_id is the sale's transaction
-- (NULL only for the demo's seeded history).
CREATE TABLE baskets (
    id            BIGSERIAL PRIMARY KEY,
    merchant_id   TEXT NOT NULL,
    terminal_id   TEXT NOT NULL,
    batch         INTEGER NOT NULL,
    trace         INTEGER NOT NULL,
    rrn           TEXT,
    txn_id        BIGINT,
    total         BIGINT NOT NULL,
    items         BIGINT NOT NULL,
    segment       TEXT NOT NULL,
    local_date    TEXT NOT NULL,      -- YYYYMMDD, the shop's
    local_hour    INTEGER NOT NULL,
    recorded_at   BIGINT NOT NULL,
    UNIQUE (terminal_id, batch, trace)
);
CREATE INDEX baskets_by_day ON baskets (merchant_id, local_date);
CREATE INDEX baskets_by_txn ON baskets (txn_id);
CREATE TABLE basket_lines (
    basket_id     BIGINT NOT NULL,
    line          INTEGER NOT NULL,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    department    TEXT NOT NULL,
    unit_price    BIGINT NOT NULL,
    quantity      INTEGER NOT NULL,
    amount        BIGINT NOT NULL,
    keyed         INTEGER NOT NULL,
    returned      INTEGER NOT NULL DEFAULT 0,  -- how many of the quantity refunds took back
    returned_amount BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (basket_id, line)
);
-- What a refund took back of a basket: one row per refund and line.
CREATE TABLE basket_returns (
    refund_txn_id BIGINT NOT NULL,
    basket_id     BIGINT NOT NULL,
    line          INTEGER NOT NULL,
    quantity      INTEGER NOT NULL,
    amount        BIGINT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    PRIMARY KEY (refund_txn_id, line)
);
