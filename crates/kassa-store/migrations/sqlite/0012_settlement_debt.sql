-- A day whose refunds exceed its takings leaves the merchant owing: the debt
-- is carried and recovered from the next days' nets before anything is paid.
-- `paid` is what a day moved to available funds; `carried` the debt after it.
ALTER TABLE merchant_settlements ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE merchant_settlements ADD COLUMN carried INTEGER NOT NULL DEFAULT 0;
UPDATE merchant_settlements SET paid = CASE WHEN net > 0 THEN net ELSE 0 END;
