-- The duplicate key leads with the terminal: (terminal, batch, trace, merchant)
-- serves a batch's queries as well as duplicate detection, so the separate
-- (terminal, batch) index goes (as on SQLite, where it was half the log's pages).
ALTER TABLE transactions DROP CONSTRAINT transactions_merchant_id_terminal_id_batch_trace_key;
ALTER TABLE transactions ADD CONSTRAINT transactions_key UNIQUE (terminal_id, batch, trace, merchant_id);
DROP INDEX transactions_by_batch;
