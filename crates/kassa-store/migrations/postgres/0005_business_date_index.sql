-- Settlement, reconciliation and reports read a whole business day across merchants:
-- without this index each of them scans every transaction ever recorded.
CREATE INDEX transactions_by_business_date ON transactions (business_date);
