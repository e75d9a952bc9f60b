//! SQL text both stores run, where the engines agree: `?N` placeholders,
//! rewritten to `$N` for PostgreSQL (`office::for_postgres`). Statements that
//! differ between the engines stay beside their store (see ARCHITECTURE.md).

/// Used by `ledger.rs`.
pub(crate) const ACCOUNT_ID: &str = "SELECT id FROM ledger_accounts WHERE owner = ?1 AND kind = ?2 AND currency = ?3";

/// Used by `ledger.rs`.
pub(crate) const ACCOUNT_ID_2: &str =
    "INSERT INTO ledger_accounts (owner, kind, currency, floor) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (owner, kind, currency) DO NOTHING";

/// Used by `ledger.rs`.
pub(crate) const APPLY: &str = "SELECT request, result FROM ledger_postings WHERE id = ?1";

/// Used by `ledger.rs`.
pub(crate) const APPLY_2: &str =
    "INSERT INTO ledger_holds (id, debit, credit, amount, expires_at, state) VALUES (?1, ?2, ?3, ?4, ?5, 'pending')";

/// Used by `ledger.rs`.
pub(crate) const APPLY_3: &str =
    "INSERT INTO ledger_postings (id, request, result, txn_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";

/// Used by `ledger.rs`.
pub(crate) const AUDIT: &str = "SELECT COUNT(*) FROM ledger_postings WHERE result <> 'ok'";

/// Used by `ledger.rs`.
pub(crate) const AUDIT_2: &str =
    "SELECT owner, credits_posted - debits_posted FROM ledger_accounts WHERE kind = 'MerchantAvailable' ORDER BY owner";

/// Used by `ledger.rs`.
pub(crate) const DAY_ITEMS: &str =
    "SELECT t.merchant_id, m.mcc, t.kind, t.amount, t.state = 'voided', t.risk_held, t.id, t.state = 'reversed'
             FROM transactions t
             JOIN merchants m ON m.id = t.merchant_id
             WHERE ((t.business_date = ?1 AND t.state IN ('approved', 'voided'))
                    OR (t.adjusted_date = ?1 AND t.state = 'reversed'))
               AND t.kind IN ('sale', 'completion', 'completion_advice', 'sale_void', 'completion_void', 'refund')
             ORDER BY t.merchant_id, t.id";

/// Used by `ledger.rs`.
/// The fifth column is the number the link trace derives from (see `STANDING`).
pub(crate) const RECONCILABLE: &str = "SELECT id, link_transmitted, kind, amount, id FROM transactions
         WHERE business_date = ?1 AND state = 'approved'
           AND kind IN ('sale', 'completion', 'completion_advice', 'refund', 'transfer', 'repayment', 'top_up')
         UNION ALL
         SELECT s.txn_id, s.leg_transmitted, 'payment_to_card', s.amount, s.txn_id + 499999 FROM services s
         WHERE s.business_date = ?1 AND s.leg_state = 'done' AND s.service IN ('transfer', 'repayment')
         ORDER BY 1, 5";

/// Used by `ledger.rs`.
pub(crate) const RECORD_BREAKS: &str =
    "INSERT INTO reconciliation_exceptions (business_date, kind, link_stan, link_transmitted, txn_id, host_amount,
             network_amount, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (business_date, link_stan, link_transmitted) DO NOTHING";

/// Used by `ledger.rs`.
pub(crate) const RECORD_SETTLEMENT: &str = "INSERT INTO merchant_settlements (merchant_id, business_date, gross, voids, refunds, fees, held, net, created_at, paid, carried, adjustments)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (merchant_id, business_date) DO NOTHING";

/// Used by `ledger.rs`.
pub(crate) const SET_HOLD_STATE: &str = "UPDATE ledger_holds SET state = ?2, posted = ?3 WHERE id = ?1";

/// Used by `ledger.rs`.
pub(crate) const WRITE_DELTA: &str =
    "UPDATE ledger_accounts SET debits_posted = debits_posted + ?2, credits_posted = credits_posted + ?3,
             debits_pending = debits_pending + ?4, credits_pending = credits_pending + ?5 WHERE id = ?1";

/// Used by `ledger.rs`.
pub(crate) const WRITE_DELTA_2: &str = "INSERT INTO ledger_entries (posting_id, account_id, debits_posted, credits_posted, debits_pending, credits_pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Used by `payouts.rs`.
pub(crate) const CREATE_PAYOUTS: &str =
    "INSERT INTO payouts (id, merchant_id, business_date, amount, card_masked, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6, ?6)";

/// Used by `payouts.rs`.
pub(crate) const FINISH_PAYOUT: &str =
    "UPDATE payouts SET state = ?2, reason = ?3, updated_at = ?4 WHERE id = ?1 AND state IN ('created', 'sent')";

/// Used by `payouts.rs`.
pub(crate) const FINISH_PAYOUT_2: &str =
    "INSERT INTO merchant_notices (merchant_id, kind, text, created_at) VALUES (?1, 'payout_failed', ?2, ?3)";

/// Used by `payouts.rs`.
pub(crate) const MARK_PAYOUT_SENT: &str =
    "UPDATE payouts SET state = 'sent', updated_at = ?2 WHERE id = ?1 AND state = 'created'";

/// Used by `payouts.rs`.
pub(crate) const NOTICES: &str = "SELECT text FROM merchant_notices WHERE merchant_id = ?1 ORDER BY id";

/// Used by `payouts.rs`.
pub(crate) const PUT_SETTLEMENT_CARD: &str =
    "INSERT INTO merchant_cards (merchant_id, pan_sealed, pan_masked, holder) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (merchant_id) DO UPDATE SET pan_sealed = ?2, pan_masked = ?3, holder = ?4";

/// Used by `queries.rs`.
pub(crate) const ABANDON: &str = "UPDATE transactions SET state = 'reversed', reversal_reason = ?2, updated_at = ?3
             WHERE id = ?1 AND state = 'in_flight'";

/// Used by `queries.rs`.
pub(crate) const BEGIN: &str =
    "INSERT INTO transactions (merchant_id, terminal_id, batch, trace, kind, state, amount, currency,
                 pan_masked, pan_hash, pan_sealed, request_digest, original_id, link_transmitted, local_date,
                 local_time, business_date, entry_mode, operator, created_at, updated_at, location)
             VALUES (?1, ?2, ?3, ?4, ?5, 'in_flight', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?19, ?20)
             ON CONFLICT (terminal_id, batch, trace, merchant_id) DO NOTHING
             RETURNING id";

/// Used by `queries.rs`.
pub(crate) const ENQUEUE_REVERSAL: &str =
    "INSERT INTO saf_queue (txn_id, reason, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?3)";

/// Used by `queries.rs`.
pub(crate) const FINISH: &str =
    "UPDATE transactions SET state = 'voided', updated_at = ?2 WHERE id = ?1 AND state = 'approved'";

/// Used by `queries.rs`.
pub(crate) const FINISH_2: &str = "UPDATE transactions SET refunded = refunded + ?2, updated_at = ?3 WHERE id = ?1";

/// Used by `queries.rs`.
pub(crate) const PUT_MERCHANT: &str =
    "INSERT INTO merchants (id, name, mcc, status, mail_order, single_limit, daily_limit, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET name = ?2, mcc = ?3, status = ?4, mail_order = ?5,
             single_limit = ?6, daily_limit = ?7";

/// Used by `queries.rs`.
pub(crate) const PUT_TERMINAL: &str =
    "INSERT INTO terminals (id, merchant_id, serial, status, tmk, pad_nibble, key_mode, pin_key, mac_key,
             track_key, key_version, batch, batch_open, mobile_reader)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET merchant_id = ?2, serial = ?3, status = ?4, tmk = ?5, pad_nibble = ?6,
             key_mode = ?7, pin_key = ?8, mac_key = ?9, track_key = ?10, key_version = ?11, batch = ?12,
             batch_open = ?13, mobile_reader = ?14";

/// Used by `queries.rs`.
pub(crate) const RECORD_UPLOAD: &str =
    "SELECT EXISTS (SELECT 1 FROM transactions WHERE terminal_id = ?1 AND batch = ?2 AND trace = ?3
                 AND amount = ?4 AND state IN ('approved', 'voided'))";

/// Used by `queries.rs`.
pub(crate) const RECORD_UPLOAD_2: &str =
    "INSERT INTO batch_uploads (terminal_id, batch, trace, amount, matched, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// Used by `queries.rs`.
pub(crate) const REVERSE: &str =
    "UPDATE transactions SET state = 'reversed', reversal_reason = ?2, updated_at = ?3 WHERE id = ?1";

/// Used by `queries.rs`: the host's reversals not yet acknowledged, and the
/// services' second legs still to unwind or reverse.
pub(crate) const SAF_DEPTH: &str = "SELECT (SELECT COUNT(*) FROM saf_queue WHERE done_at IS NULL)
         + (SELECT COUNT(*) FROM services WHERE leg_state = 'reversing' OR unwind_due = 1)";

/// Used by `queries.rs` and `services.rs`: a reversed transaction's service (if
/// it is one) is to be unwound.
pub(crate) const SERVICE_UNWIND_DUE: &str = "UPDATE services SET unwind_due = 1 WHERE txn_id = ?1 AND unwound = 0";

/// Used by `queries.rs`.
pub(crate) const SAF_DONE: &str = "UPDATE saf_queue SET done_at = ?2 WHERE id = ?1";

/// Used by `queries.rs`.
pub(crate) const SAF_RETRY: &str = "UPDATE saf_queue SET attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1";

/// Used by `queries.rs`.
pub(crate) const SETTLE: &str =
    "INSERT INTO settlements (terminal_id, batch, terminal_totals, host_totals, balanced, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (terminal_id, batch) DO UPDATE SET terminal_totals = ?3, host_totals = ?4, balanced = ?5";

/// Used by `queries.rs`.
/// The first column is the number the link trace derives from: a
/// transaction's id, or a service's credit leg's (`services::LEG_STAN_OFFSET`).
pub(crate) const STANDING: &str = "SELECT id, link_transmitted, kind, amount FROM transactions
             WHERE state IN ('approved', 'voided')
         UNION ALL
         SELECT txn_id + 499999, leg_transmitted, 'payment_to_card', amount FROM services
             WHERE leg_state = 'done' AND service IN ('transfer', 'repayment')
         ORDER BY 1";
/// Used by `queries.rs` (SQLite takes `FALSE` for 0).
pub(crate) const SIGN_OFF_CLEAR: &str = "UPDATE terminals SET key_mode = NULL, pin_key = NULL, mac_key = NULL, track_key = NULL, batch_open = FALSE WHERE id = ?1";

/// Used by `queries.rs` (SQLite takes `FALSE` for 0).
pub(crate) const CLOSE_BATCH: &str = "UPDATE terminals SET batch_open = FALSE WHERE id = ?1 AND batch = ?2";

/// Used by `queries.rs`: a late reversal's adjustment day (`?2`) for transaction `?1`.
pub(crate) const ADJUST: &str = "UPDATE transactions SET adjusted_date = ?2 WHERE id = ?1";
