//! One store type for the host, chosen by URL at start-up:
//! `sqlite://PATH` or `postgres://…`.

use std::path::Path;

use kassa_core::{Amount, Batch, MerchantId, TerminalId, Trace};

use crate::model::*;
use crate::postgres::PostgresStore;
use crate::sqlite::{SqliteOptions, SqliteStore};
use crate::{Result, Standing, Store, StoreError};

#[derive(Clone, Debug)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl AnyStore {
    pub async fn open(url: &str) -> Result<AnyStore> {
        AnyStore::open_with(url, SqliteOptions::default()).await
    }

    /// [`AnyStore::open`]; `sqlite` applies when the URL is SQLite's.
    pub async fn open_with(url: &str, sqlite: SqliteOptions) -> Result<AnyStore> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Ok(AnyStore::Sqlite(SqliteStore::open_with(Path::new(path), sqlite)?));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(AnyStore::Postgres(PostgresStore::open(url).await?));
        }
        Err(StoreError::Database(format!("store URL {url:?}: use sqlite://PATH or postgres://…")))
    }
}

/// Forwards a `Store` method to the store in use.
macro_rules! forward {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            AnyStore::Sqlite(store) => store.$method($($arg),*).await,
            AnyStore::Postgres(store) => store.$method($($arg),*).await,
        }
    };
}

impl Store for AnyStore {
    async fn put_merchant(&self, merchant: Merchant, now_ms: i64) -> Result<()> {
        forward!(self.put_merchant(merchant, now_ms))
    }
    async fn put_terminal(&self, terminal: Terminal) -> Result<()> {
        forward!(self.put_terminal(terminal))
    }
    async fn terminal(&self, id: TerminalId) -> Result<Option<(Terminal, Merchant)>> {
        forward!(self.terminal(id))
    }
    async fn sign_in(&self, id: TerminalId, session: Session) -> Result<Batch> {
        forward!(self.sign_in(id, session))
    }
    async fn sign_off(&self, id: TerminalId) -> Result<()> {
        forward!(self.sign_off(id))
    }
    async fn begin(&self, txn: NewTxn) -> Result<Begin> {
        forward!(self.begin(txn))
    }
    async fn finish(&self, id: i64, outcome: Outcome, effect: OriginalEffect, now_ms: i64) -> Result<()> {
        forward!(self.finish(id, outcome, effect, now_ms))
    }
    async fn abandon(&self, id: i64, reason: &'static str, now_ms: i64) -> Result<()> {
        forward!(self.abandon(id, reason, now_ms))
    }
    async fn find(&self, key: TxnKey) -> Result<Option<TxnRecord>> {
        forward!(self.find(key))
    }
    async fn find_by_id(&self, id: i64) -> Result<Option<TxnRecord>> {
        forward!(self.find_by_id(id))
    }
    async fn find_by_rrn(&self, merchant: MerchantId, rrn: String) -> Result<Option<TxnRecord>> {
        forward!(self.find_by_rrn(merchant, rrn))
    }
    async fn children(&self, original_id: i64) -> Result<Vec<TxnRecord>> {
        forward!(self.children(original_id))
    }
    async fn reverse(&self, request: ReversalRequest) -> Result<ReversalOutcome> {
        forward!(self.reverse(request))
    }
    async fn batch_totals(&self, terminal: TerminalId, batch: Batch) -> Result<BatchTotals> {
        forward!(self.batch_totals(terminal, batch))
    }
    async fn settle(
        &self,
        terminal: TerminalId,
        batch: Batch,
        terminal_totals: String,
        host_totals: String,
        balanced: bool,
        now_ms: i64,
    ) -> Result<()> {
        forward!(self.settle(terminal, batch, terminal_totals, host_totals, balanced, now_ms))
    }
    async fn record_upload(
        &self,
        terminal: TerminalId,
        batch: Batch,
        trace: Trace,
        amount: Amount,
        now_ms: i64,
    ) -> Result<bool> {
        forward!(self.record_upload(terminal, batch, trace, amount, now_ms))
    }
    async fn saf_due(&self, now_ms: i64, limit: usize) -> Result<Vec<SafItem>> {
        forward!(self.saf_due(now_ms, limit))
    }
    async fn saf_done(&self, id: i64, now_ms: i64) -> Result<()> {
        forward!(self.saf_done(id, now_ms))
    }
    async fn saf_retry(&self, id: i64, next_attempt_ms: i64) -> Result<()> {
        forward!(self.saf_retry(id, next_attempt_ms))
    }
    async fn saf_depth(&self) -> Result<u64> {
        forward!(self.saf_depth())
    }
    async fn recover_in_flight(&self, started_before_ms: i64, now_ms: i64) -> Result<u64> {
        forward!(self.recover_in_flight(started_before_ms, now_ms))
    }
    async fn daily_total(&self, merchant: MerchantId, business_date: String) -> Result<Amount> {
        forward!(self.daily_total(merchant, business_date))
    }
    async fn batch_transactions(&self, terminal: TerminalId, batch: Batch) -> Result<Vec<TxnRecord>> {
        forward!(self.batch_transactions(terminal, batch))
    }
    async fn day_items(&self, business_date: String) -> Result<Vec<kassa_settlement::SettleItem>> {
        forward!(self.day_items(business_date))
    }
    async fn record_settlement(
        &self,
        day: crate::ledger::MerchantSettlement,
        digest: crate::ledger::DayDigest,
        now_ms: i64,
    ) -> Result<crate::ledger::Recorded> {
        forward!(self.record_settlement(day, digest, now_ms))
    }
    async fn day_settled(&self, merchant: MerchantId, business_date: String) -> Result<bool> {
        forward!(self.day_settled(merchant, business_date))
    }
    async fn reconcilable(&self, business_date: String) -> Result<Vec<kassa_settlement::HostItem>> {
        forward!(self.reconcilable(business_date))
    }
    async fn record_breaks(
        &self,
        business_date: String,
        breaks: Vec<kassa_settlement::Break>,
        now_ms: i64,
    ) -> Result<u64> {
        forward!(self.record_breaks(business_date, breaks, now_ms))
    }
    async fn put_settlement_card(
        &self,
        merchant: MerchantId,
        sealed: Vec<u8>,
        masked: String,
        holder: String,
    ) -> Result<()> {
        forward!(self.put_settlement_card(merchant, sealed, masked, holder))
    }
    async fn create_payouts(&self, business_date: String, now_ms: i64) -> Result<Vec<crate::ledger::Payout>> {
        forward!(self.create_payouts(business_date, now_ms))
    }
    async fn open_payouts(&self) -> Result<Vec<crate::ledger::Payout>> {
        forward!(self.open_payouts())
    }
    async fn mark_payout_sent(&self, id: String, now_ms: i64) -> Result<()> {
        forward!(self.mark_payout_sent(id, now_ms))
    }
    async fn finish_payout(&self, id: String, paid: bool, reason: Option<String>, now_ms: i64) -> Result<bool> {
        forward!(self.finish_payout(id, paid, reason, now_ms))
    }
    async fn notices(&self, merchant: MerchantId) -> Result<Vec<String>> {
        forward!(self.notices(merchant))
    }
    async fn merchant_day_report(
        &self,
        business_date: String,
        merchant: Option<MerchantId>,
    ) -> Result<Vec<crate::reports::MerchantDayReport>> {
        forward!(self.merchant_day_report(business_date, merchant))
    }
    async fn exceptions(&self, business_date: String) -> Result<Vec<crate::reports::ExceptionItem>> {
        forward!(self.exceptions(business_date))
    }
    async fn fee_income(&self, from: String, to: String) -> Result<Vec<crate::reports::FeeIncomeDay>> {
        forward!(self.fee_income(from, to))
    }
    async fn ledger_expire(&self, now_ms: i64) -> Result<u64> {
        forward!(self.ledger_expire(now_ms))
    }
    async fn ledger_audit(&self) -> Result<crate::ledger::LedgerAudit> {
        forward!(self.ledger_audit())
    }
    async fn standing(&self) -> Result<Vec<Standing>> {
        forward!(self.standing())
    }

    async fn office_write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        forward!(self.office_write(work))
    }

    async fn office_read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        forward!(self.office_read(work))
    }
}
