-- A transaction the risk engine held: its takings go to frozen funds at settlement.
ALTER TABLE transactions ADD COLUMN risk_held BOOLEAN NOT NULL DEFAULT FALSE;
