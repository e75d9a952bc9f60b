-- A transaction of a settled day reversed afterwards (a terminal's reversal
-- that came late) is settled with the merchant's next open day, the other way
-- round: `adjusted_date` is that day; the settlement records what it adjusted.
ALTER TABLE transactions ADD COLUMN adjusted_date TEXT;
CREATE INDEX transactions_by_adjusted_date ON transactions (adjusted_date) WHERE adjusted_date IS NOT NULL;
ALTER TABLE merchant_settlements ADD COLUMN adjustments BIGINT NOT NULL DEFAULT 0;
