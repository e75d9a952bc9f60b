//! Kassa's durable store, the only crate that knows SQL.
//!
//! [`Store`] is what the host needs, in domain terms. [`sqlite::SqliteStore`] is
//! the embedded default: one file in WAL mode, a dedicated writer thread that
//! group-commits, and a reader thread; a write's answer leaves only after its
//! commit is durable.

pub mod any;
pub mod cases;
pub mod ledger;
pub mod model;
pub mod office;
pub mod postgres;
pub mod reports;
pub mod services;
mod sql;
pub mod sqlite;
pub mod till;

use std::future::Future;

use kassa_core::{Amount, Batch, MerchantId, TerminalId, Trace};

pub use any::AnyStore;
pub use model::*;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(String),
    #[error("the store has shut down")]
    Closed,
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The ledger refused a posting the operation needs (funds below a
    /// floor, a hold already resolved, …); nothing of the operation was kept.
    #[error("{0}")]
    Refused(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A transaction the network approved and that still stands, for checking
/// host and network agree.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Standing {
    pub link_stan: u32,
    pub link_transmitted: String,
    pub kind: String,
    pub amount: u64,
}

/// What the host asks of its store. Every write is durable when its future resolves.
pub trait Store: Clone + Send + Sync + 'static {
    fn put_merchant(&self, merchant: Merchant, now_ms: i64) -> impl Future<Output = Result<()>> + Send;
    fn put_terminal(&self, terminal: Terminal) -> impl Future<Output = Result<()>> + Send;
    /// A terminal with its merchant.
    fn terminal(&self, id: TerminalId) -> impl Future<Output = Result<Option<(Terminal, Merchant)>>> + Send;
    /// Records a sign-in's keys. Opens the next batch when the last one was
    /// closed; returns the terminal's batch.
    fn sign_in(&self, id: TerminalId, session: Session) -> impl Future<Output = Result<Batch>> + Send;
    /// Forgets the session keys and closes the batch.
    fn sign_off(&self, id: TerminalId) -> impl Future<Output = Result<()>> + Send;

    /// Records a transaction as in flight, before the network is asked. The
    /// key (merchant, terminal, batch, trace) is unique: a taken key returns the
    /// existing record instead.
    fn begin(&self, txn: NewTxn) -> impl Future<Output = Result<Begin>> + Send;
    /// Records the network's answer and its effect on the original, in one
    /// commit. Does nothing when the transaction was reversed meanwhile.
    fn finish(
        &self,
        id: i64,
        outcome: Outcome,
        effect: OriginalEffect,
        now_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Gives up on an in-flight transaction (no answer in time, bad MAC): marks
    /// it reversed and queues a 0420, in one commit.
    fn abandon(&self, id: i64, reason: &'static str, now_ms: i64) -> impl Future<Output = Result<()>> + Send;
    fn find(&self, key: TxnKey) -> impl Future<Output = Result<Option<TxnRecord>>> + Send;
    fn find_by_id(&self, id: i64) -> impl Future<Output = Result<Option<TxnRecord>>> + Send;
    fn find_by_rrn(&self, merchant: MerchantId, rrn: String) -> impl Future<Output = Result<Option<TxnRecord>>> + Send;
    /// The approved (not reversed or voided) transactions referring to `original_id`.
    fn children(&self, original_id: i64) -> impl Future<Output = Result<Vec<TxnRecord>>> + Send;
    /// Applies a terminal's reversal (`protocol.md` §6), in one commit.
    fn reverse(&self, request: ReversalRequest) -> impl Future<Output = Result<ReversalOutcome>> + Send;

    fn batch_totals(&self, terminal: TerminalId, batch: Batch) -> impl Future<Output = Result<BatchTotals>> + Send;
    /// Records a 0500 and closes the batch.
    #[allow(clippy::too_many_arguments)]
    fn settle(
        &self,
        terminal: TerminalId,
        batch: Batch,
        terminal_totals: String,
        host_totals: String,
        balanced: bool,
        now_ms: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Records one uploaded (0320) transaction; true when the host holds it too.
    fn record_upload(
        &self,
        terminal: TerminalId,
        batch: Batch,
        trace: Trace,
        amount: Amount,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Reversals due for (re)sending.
    fn saf_due(&self, now_ms: i64, limit: usize) -> impl Future<Output = Result<Vec<SafItem>>> + Send;
    fn saf_done(&self, id: i64, now_ms: i64) -> impl Future<Output = Result<()>> + Send;
    fn saf_retry(&self, id: i64, next_attempt_ms: i64) -> impl Future<Output = Result<()>> + Send;
    fn saf_depth(&self) -> impl Future<Output = Result<u64>> + Send;
    /// Every transaction still in flight that started before
    /// `started_before_ms` is reversed and queued for a 0420 — at start-up all
    /// of them (`i64::MAX`); while running, those a failure left behind (their
    /// outcome could not be recorded, nor their abandonment). Returns how many.
    fn recover_in_flight(&self, started_before_ms: i64, now_ms: i64) -> impl Future<Output = Result<u64>> + Send;

    /// Approved sales and completions of a merchant's business day.
    fn daily_total(&self, merchant: MerchantId, business_date: String) -> impl Future<Output = Result<Amount>> + Send;
    /// Every transaction of a terminal's batch (for settlement reports and verification).
    fn batch_transactions(
        &self,
        terminal: TerminalId,
        batch: Batch,
    ) -> impl Future<Output = Result<Vec<TxnRecord>>> + Send;
    /// The transactions of a business day that settlement counts: sales,
    /// completions, voids and refunds, approved (or approved and later voided).
    fn day_items(
        &self,
        business_date: String,
    ) -> impl Future<Output = Result<Vec<kassa_settlement::SettleItem>>> + Send;
    /// Records a merchant's settled day with its ledger postings, in one
    /// commit, when the day is still what `digest` says was read and nothing
    /// that could change it is in flight (else [`ledger::Recorded::Retry`]).
    /// From then on the day takes no more: a new transaction of the merchant
    /// goes to the next open day, and a void of one of its sales is refused.
    fn record_settlement(
        &self,
        day: ledger::MerchantSettlement,
        digest: ledger::DayDigest,
        now_ms: i64,
    ) -> impl Future<Output = Result<ledger::Recorded>> + Send;
    /// Whether the merchant's business day is settled.
    fn day_settled(&self, merchant: MerchantId, business_date: String) -> impl Future<Output = Result<bool>> + Send;
    /// The day's approved, standing sales, completions and refunds, as the
    /// network's clearing file should list them.
    fn reconcilable(
        &self,
        business_date: String,
    ) -> impl Future<Output = Result<Vec<kassa_settlement::HostItem>>> + Send;
    /// Puts reconciliation breaks in the exception queue; a break already
    /// queued for that day is not queued again. Returns how many are new.
    fn record_breaks(
        &self,
        business_date: String,
        breaks: Vec<kassa_settlement::Break>,
        now_ms: i64,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Sets a merchant's settlement card (sealed by the security module).
    fn put_settlement_card(
        &self,
        merchant: MerchantId,
        sealed: Vec<u8>,
        masked: String,
        holder: String,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Creates the payouts of a settled day (positive net, a card on file, no
    /// payout yet), each reserving its amount on the ledger in the same commit.
    fn create_payouts(
        &self,
        business_date: String,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<ledger::Payout>>> + Send;
    /// Payouts created or sent and not yet finished.
    fn open_payouts(&self) -> impl Future<Output = Result<Vec<ledger::Payout>>> + Send;
    fn mark_payout_sent(&self, id: String, now_ms: i64) -> impl Future<Output = Result<()>> + Send;
    /// Ends a payout once: paid, or failed (funds back to available, a notice
    /// for the merchant). `false` when it had ended already.
    fn finish_payout(
        &self,
        id: String,
        paid: bool,
        reason: Option<String>,
        now_ms: i64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// What the merchant has been told, oldest first.
    fn notices(&self, merchant: MerchantId) -> impl Future<Output = Result<Vec<String>>> + Send;
    /// Per merchant (or just `merchant`): the business day's approved and
    /// failed counts and amounts, voids, refunds, and what settlement recorded.
    fn merchant_day_report(
        &self,
        business_date: String,
        merchant: Option<MerchantId>,
    ) -> impl Future<Output = Result<Vec<reports::MerchantDayReport>>> + Send;
    /// The reconciliation exception queue of a business day, oldest first
    /// (at most `reports::EXCEPTIONS_MAX`).
    fn exceptions(&self, business_date: String) -> impl Future<Output = Result<Vec<reports::ExceptionItem>>> + Send;
    /// Fee income per settled business day from `from` to `to` (YYYYMMDD, inclusive).
    fn fee_income(&self, from: String, to: String) -> impl Future<Output = Result<Vec<reports::FeeIncomeDay>>> + Send;
    /// Expires every pre-auth hold whose time has come, releasing it; returns how many.
    fn ledger_expire(&self, now_ms: i64) -> impl Future<Output = Result<u64>> + Send;
    /// The ledger's totals and each merchant's pending funds beside the
    /// transaction records (for audits and tests).
    fn ledger_audit(&self) -> impl Future<Output = Result<ledger::LedgerAudit>> + Send;
    /// Everything the network approved that still stands (for verification).
    fn standing(&self) -> impl Future<Output = Result<Vec<Standing>>> + Send;

    /// Runs back-office work in one database transaction, committed when
    /// `work` returns `Ok` and rolled back otherwise (see [`office`]).
    fn office_write<T, F>(&self, work: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn office::Sql) -> Result<T> + Send + 'static;
    /// Runs back-office reads on committed data.
    fn office_read<T, F>(&self, work: F) -> impl Future<Output = Result<T>> + Send
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn office::Sql) -> Result<T> + Send + 'static;
}
