//! The PostgreSQL store, for production and for several hosts sharing one
//! database: a connection pool, one database transaction per store call, row
//! locks (`FOR UPDATE`) where two hosts could race, and duplicate detection on
//! the same unique key as SQLite. PostgreSQL group-commits concurrent sessions
//! itself; every call returns after its commit.

mod ledger;
mod office;
mod payouts;
mod queries;
mod reports;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use kassa_core::{Amount, Batch, MerchantId, TerminalId, Trace};
use tokio_postgres::NoTls;

use crate::model::*;
use crate::{Result, Standing, Store, StoreError};

/// Connections in the pool.
pub const POOL_SIZE_MAX: usize = 32;

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_initial.sql"),
    include_str!("../../migrations/postgres/0002_ledger.sql"),
    include_str!("../../migrations/postgres/0003_reconciliation.sql"),
    include_str!("../../migrations/postgres/0004_payouts.sql"),
    include_str!("../../migrations/postgres/0005_business_date_index.sql"),
    include_str!("../../migrations/postgres/0006_office.sql"),
    include_str!("../../migrations/postgres/0007_risk_held.sql"),
    include_str!("../../migrations/postgres/0008_risk_decisions.sql"),
    include_str!("../../migrations/postgres/0009_risk_cases.sql"),
    include_str!("../../migrations/postgres/0010_risk_rulesets.sql"),
    include_str!("../../migrations/postgres/0011_merchant_risk_profile.sql"),
    include_str!("../../migrations/postgres/0012_settlement_debt.sql"),
    include_str!("../../migrations/postgres/0013_transaction_key_order.sql"),
    include_str!("../../migrations/postgres/0014_transaction_local_time.sql"),
    include_str!("../../migrations/postgres/0015_terminal_key_components.sql"),
    include_str!("../../migrations/postgres/0016_otp_requester.sql"),
    include_str!("../../migrations/postgres/0017_mobile_readers.sql"),
    include_str!("../../migrations/postgres/0018_services.sql"),
    include_str!("../../migrations/postgres/0019_till.sql"),
    include_str!("../../migrations/postgres/0020_late_reversals.sql"),
];
/// Serializes migrations of hosts starting at once.
const MIGRATION_LOCK: i64 = 0x004B_4153_5341;

pub(crate) fn pg_error(error: tokio_postgres::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

fn pool_error(error: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Database(error.to_string())
}

#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStore")
    }
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) and migrates.
    pub async fn open(url: &str) -> Result<PostgresStore> {
        let config: tokio_postgres::Config = url.parse().map_err(pg_error)?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool =
            Pool::builder(manager).max_size(POOL_SIZE_MAX).build().map_err(|e| StoreError::Database(e.to_string()))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_error)?;
        let outcome = async {
            client
                .batch_execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
                .await
                .map_err(pg_error)?;
            let row = client
                .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
                .await
                .map_err(pg_error)?;
            let version: i32 = row.get(0);
            for (index, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
                let tx = client.transaction().await.map_err(pg_error)?;
                tx.batch_execute(sql).await.map_err(pg_error)?;
                tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&((index + 1) as i32)])
                    .await
                    .map_err(pg_error)?;
                tx.commit().await.map_err(pg_error)?;
                tracing::info!(version = index + 1, "store migrated");
            }
            Ok(())
        }
        .await;
        client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_error)?;
        outcome
    }

    /// Runs back-office work in one transaction on a blocking thread (the
    /// work is synchronous; see [`crate::office`]).
    async fn office<T, F>(&self, work: F, write: bool) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let mut client = handle.block_on(pool.get()).map_err(pool_error)?;
            let tx = handle.block_on(client.transaction()).map_err(pg_error)?;
            if write {
                handle
                    .block_on(tx.execute("SELECT pg_advisory_xact_lock($1)", &[&office::OFFICE_LOCK]))
                    .map_err(pg_error)?;
            }
            let value = work(&mut office::PgSql { handle: &handle, tx: &tx, writable: write })?;
            handle.block_on(tx.commit()).map_err(pg_error)?;
            Ok(value)
        })
        .await
        .map_err(|e| StoreError::Database(format!("back-office task: {e}")))?
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }
}

/// Runs `$body` with `$tx` a transaction on a pooled connection, and commits.
macro_rules! in_transaction {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let $tx = client.transaction().await.map_err(pg_error)?;
        let value = $body;
        $tx.commit().await.map_err(pg_error)?;
        Ok(value)
    }};
}

impl Store for PostgresStore {
    async fn put_merchant(&self, merchant: Merchant, now_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| queries::put_merchant(&tx, &merchant, now_ms).await?)
    }

    async fn put_terminal(&self, terminal: Terminal) -> Result<()> {
        in_transaction!(self, |tx| queries::put_terminal(&tx, &terminal).await?)
    }

    async fn terminal(&self, id: TerminalId) -> Result<Option<(Terminal, Merchant)>> {
        queries::terminal(&self.client().await?, &id).await
    }

    async fn sign_in(&self, id: TerminalId, session: Session) -> Result<Batch> {
        in_transaction!(self, |tx| queries::sign_in(&tx, &id, &session).await?)
    }

    async fn sign_off(&self, id: TerminalId) -> Result<()> {
        in_transaction!(self, |tx| queries::sign_off(&tx, &id).await?)
    }

    async fn begin(&self, txn: NewTxn) -> Result<Begin> {
        in_transaction!(self, |tx| queries::begin(&tx, &txn).await?)
    }

    async fn finish(&self, id: i64, outcome: Outcome, effect: OriginalEffect, now_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| queries::finish(&tx, id, &outcome, effect, now_ms).await?)
    }

    async fn abandon(&self, id: i64, reason: &'static str, now_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| queries::abandon(&tx, id, reason, now_ms).await?)
    }

    async fn find(&self, key: TxnKey) -> Result<Option<TxnRecord>> {
        queries::find(&self.client().await?, &key, false).await
    }

    async fn find_by_id(&self, id: i64) -> Result<Option<TxnRecord>> {
        queries::find_by_id(&self.client().await?, id).await
    }

    async fn find_by_rrn(&self, merchant: MerchantId, rrn: String) -> Result<Option<TxnRecord>> {
        queries::find_by_rrn(&self.client().await?, &merchant, &rrn).await
    }

    async fn children(&self, original_id: i64) -> Result<Vec<TxnRecord>> {
        queries::children(&self.client().await?, original_id).await
    }

    async fn reverse(&self, request: ReversalRequest) -> Result<ReversalOutcome> {
        in_transaction!(self, |tx| queries::reverse(&tx, &request).await?)
    }

    async fn batch_totals(&self, terminal: TerminalId, batch: Batch) -> Result<BatchTotals> {
        queries::batch_totals(&self.client().await?, &terminal, batch).await
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
        in_transaction!(self, |tx| queries::settle(
            &tx,
            &terminal,
            batch,
            &terminal_totals,
            &host_totals,
            balanced,
            now_ms
        )
        .await?)
    }

    async fn record_upload(
        &self,
        terminal: TerminalId,
        batch: Batch,
        trace: Trace,
        amount: Amount,
        now_ms: i64,
    ) -> Result<bool> {
        in_transaction!(self, |tx| queries::record_upload(&tx, &terminal, batch, trace, amount, now_ms).await?)
    }

    async fn saf_due(&self, now_ms: i64, limit: usize) -> Result<Vec<SafItem>> {
        queries::saf_due(&self.client().await?, now_ms, limit).await
    }

    async fn saf_done(&self, id: i64, now_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| queries::saf_done(&tx, id, now_ms).await?)
    }

    async fn saf_retry(&self, id: i64, next_attempt_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| queries::saf_retry(&tx, id, next_attempt_ms).await?)
    }

    async fn saf_depth(&self) -> Result<u64> {
        queries::saf_depth(&self.client().await?).await
    }

    async fn recover_in_flight(&self, started_before_ms: i64, now_ms: i64) -> Result<u64> {
        in_transaction!(self, |tx| queries::recover_in_flight(&tx, started_before_ms, now_ms).await?)
    }

    async fn daily_total(&self, merchant: MerchantId, business_date: String) -> Result<Amount> {
        queries::daily_total(&self.client().await?, &merchant, &business_date).await
    }

    async fn batch_transactions(&self, terminal: TerminalId, batch: Batch) -> Result<Vec<TxnRecord>> {
        queries::batch_transactions(&self.client().await?, &terminal, batch).await
    }

    async fn day_items(&self, business_date: String) -> Result<Vec<kassa_settlement::SettleItem>> {
        ledger::day_items(&self.client().await?, &business_date).await
    }

    async fn record_settlement(
        &self,
        day: crate::ledger::MerchantSettlement,
        digest: crate::ledger::DayDigest,
        now_ms: i64,
    ) -> Result<crate::ledger::Recorded> {
        in_transaction!(self, |tx| ledger::record_settlement(&tx, &day, digest, now_ms).await?)
    }

    async fn day_settled(&self, merchant: MerchantId, business_date: String) -> Result<bool> {
        queries::day_settled(&self.client().await?, &merchant, &business_date).await
    }

    async fn reconcilable(&self, business_date: String) -> Result<Vec<kassa_settlement::HostItem>> {
        ledger::reconcilable(&self.client().await?, &business_date).await
    }

    async fn record_breaks(
        &self,
        business_date: String,
        breaks: Vec<kassa_settlement::Break>,
        now_ms: i64,
    ) -> Result<u64> {
        in_transaction!(self, |tx| ledger::record_breaks(&tx, &business_date, &breaks, now_ms).await?)
    }

    async fn put_settlement_card(
        &self,
        merchant: MerchantId,
        sealed: Vec<u8>,
        masked: String,
        holder: String,
    ) -> Result<()> {
        in_transaction!(self, |tx| payouts::put_settlement_card(&tx, &merchant, &sealed, &masked, &holder).await?)
    }

    async fn create_payouts(&self, business_date: String, now_ms: i64) -> Result<Vec<crate::ledger::Payout>> {
        in_transaction!(self, |tx| payouts::create_payouts(&tx, &business_date, now_ms).await?)
    }

    async fn open_payouts(&self) -> Result<Vec<crate::ledger::Payout>> {
        payouts::open_payouts(&self.client().await?).await
    }

    async fn mark_payout_sent(&self, id: String, now_ms: i64) -> Result<()> {
        in_transaction!(self, |tx| payouts::mark_payout_sent(&tx, &id, now_ms).await?)
    }

    async fn finish_payout(&self, id: String, paid: bool, reason: Option<String>, now_ms: i64) -> Result<bool> {
        in_transaction!(self, |tx| payouts::finish_payout(&tx, &id, paid, reason.as_deref(), now_ms).await?)
    }

    async fn notices(&self, merchant: MerchantId) -> Result<Vec<String>> {
        payouts::notices(&self.client().await?, &merchant).await
    }

    async fn merchant_day_report(
        &self,
        business_date: String,
        merchant: Option<MerchantId>,
    ) -> Result<Vec<crate::reports::MerchantDayReport>> {
        reports::merchant_day_report(&self.client().await?, &business_date, merchant.as_ref()).await
    }

    async fn exceptions(&self, business_date: String) -> Result<Vec<crate::reports::ExceptionItem>> {
        reports::exceptions(&self.client().await?, &business_date).await
    }

    async fn fee_income(&self, from: String, to: String) -> Result<Vec<crate::reports::FeeIncomeDay>> {
        reports::fee_income(&self.client().await?, &from, &to).await
    }

    async fn ledger_expire(&self, now_ms: i64) -> Result<u64> {
        in_transaction!(self, |tx| ledger::expire_due(&tx, now_ms).await?)
    }

    async fn ledger_audit(&self) -> Result<crate::ledger::LedgerAudit> {
        ledger::audit(&self.client().await?).await
    }

    async fn standing(&self) -> Result<Vec<Standing>> {
        queries::standing(&self.client().await?).await
    }

    async fn office_write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        self.office(work, true).await
    }

    async fn office_read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        self.office(work, false).await
    }
}

/// Creates a new, empty database next to the one `admin_url` names and
/// returns its URL. For tests and tools that need a database of their own.
pub async fn create_database(admin_url: &str, prefix: &str) -> Result<String> {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let (client, connection) = tokio_postgres::connect(admin_url, NoTls).await.map_err(pg_error)?;
    tokio::spawn(connection);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("{prefix}_{}_{nanos}_{n}", std::process::id());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.map_err(pg_error)?;
    let (base, _) = admin_url.rsplit_once('/').ok_or_else(|| StoreError::Database("URL without a database".into()))?;
    Ok(format!("{base}/{name}"))
}
