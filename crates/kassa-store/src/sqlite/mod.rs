//! The embedded SQLite store: one file in WAL mode with `synchronous=FULL`,
//! a dedicated writer thread that group-commits, a reader thread, a
//! background checkpointer, and terminals cached in memory.
//!
//! Why not sqlx here: it costs about 20 µs per SQLite statement on these
//! machines, against a few µs for rusqlite on its own thread, and the host's
//! throughput target needs the latter (`../shared/docs/stack.md`).

mod ledger;
mod office;
mod payouts;
mod queries;
mod reports;
mod stepped;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kassa_core::{Amount, Batch, MerchantId, TerminalId, Trace};
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::{mpsc, oneshot};

use crate::model::*;
use crate::{Result, Standing, Store, StoreError};

/// Jobs one commit may carry.
pub const GROUP_COMMIT_MAX: usize = 512;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;
/// Jobs waiting for the writer (or the reader) before callers wait.
pub const QUEUE_MAX: usize = 8192;

const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_initial.sql"),
    include_str!("../../migrations/sqlite/0002_ledger.sql"),
    include_str!("../../migrations/sqlite/0003_reconciliation.sql"),
    include_str!("../../migrations/sqlite/0004_payouts.sql"),
    include_str!("../../migrations/sqlite/0005_business_date_index.sql"),
    include_str!("../../migrations/sqlite/0006_office.sql"),
    include_str!("../../migrations/sqlite/0007_risk_held.sql"),
    include_str!("../../migrations/sqlite/0008_risk_decisions.sql"),
    include_str!("../../migrations/sqlite/0009_risk_cases.sql"),
    include_str!("../../migrations/sqlite/0010_risk_rulesets.sql"),
    include_str!("../../migrations/sqlite/0011_merchant_risk_profile.sql"),
    include_str!("../../migrations/sqlite/0012_settlement_debt.sql"),
    include_str!("../../migrations/sqlite/0013_transaction_key_order.sql"),
    include_str!("../../migrations/sqlite/0014_transaction_local_time.sql"),
    include_str!("../../migrations/sqlite/0015_terminal_key_components.sql"),
    include_str!("../../migrations/sqlite/0016_otp_requester.sql"),
    include_str!("../../migrations/sqlite/0017_mobile_readers.sql"),
    include_str!("../../migrations/sqlite/0018_services.sql"),
    include_str!("../../migrations/sqlite/0019_till.sql"),
    include_str!("../../migrations/sqlite/0020_late_reversals.sql"),
];

/// Work queued for the writer thread.
trait WriteJob: Send {
    /// Whether the job may run a second time after its first run was rolled
    /// back (it keeps its inputs); such jobs run without a savepoint of their own.
    fn repeatable(&self) -> bool;
    /// Runs inside the writer's transaction; `true` means it failed, so its
    /// changes must be rolled back.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller with the commit's result (or what prevented it).
    fn complete(self: Box<Self>, commit: Result<()>);
}

/// One caller's work and the channel its answer goes back on.
struct Job<T, W> {
    work: W,
    result: Option<Result<T>>,
    answer: oneshot::Sender<Result<T>>,
}

/// Work that runs once: an `FnOnce` (the office's closures consume their inputs).
struct Once<F>(Option<F>);
/// Work that can run again: an `Fn`.
struct Again<F>(F);

trait Work<T>: Send {
    const REPEATABLE: bool;
    fn run(&mut self, conn: &Connection) -> Result<T>;
}

impl<T, F: FnOnce(&Connection) -> Result<T> + Send> Work<T> for Once<F> {
    const REPEATABLE: bool = false;
    fn run(&mut self, conn: &Connection) -> Result<T> {
        match self.0.take() {
            Some(f) => f(conn),
            None => Err(StoreError::Database("a write job ran twice".into())),
        }
    }
}

impl<T, F: Fn(&Connection) -> Result<T> + Send> Work<T> for Again<F> {
    const REPEATABLE: bool = true;
    fn run(&mut self, conn: &Connection) -> Result<T> {
        (self.0)(conn)
    }
}

impl<T: Send, W: Work<T>> WriteJob for Job<T, W> {
    fn repeatable(&self) -> bool {
        W::REPEATABLE
    }

    fn run(&mut self, conn: &Connection) -> bool {
        let result = self.work.run(conn);
        let failed = result.is_err();
        self.result = Some(result);
        failed
    }

    fn complete(self: Box<Self>, commit: Result<()>) {
        let result = self.result.unwrap_or_else(|| Err(StoreError::Database("no transaction".into())));
        let _ = self.answer.send(commit.and(result));
    }
}

type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// A handle to the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: mpsc::Sender<Box<dyn WriteJob>>,
    reader: mpsc::Sender<ReadJob>,
    terminals: Arc<TerminalCache>,
    /// Stepped: no threads, every job on the caller's thread ([`SqliteOptions::stepped`]).
    stepped: Option<Arc<stepped::Stepped>>,
}

/// How long a cached terminal may be served without reading it again. Every
/// write through this store that can change a terminal or its merchant
/// empties the cache at once; the limit bounds how long a change made by
/// another process writing the same file can go unseen.
pub const TERMINAL_CACHE_TTL: Duration = Duration::from_secs(1);
/// Terminals the cache holds; it is emptied when full.
pub const TERMINAL_CACHE_MAX: usize = 100_000;

/// Terminals with their merchants as last read, so that each financial
/// request does not go to the reader thread for them.
#[derive(Debug, Default)]
struct TerminalCache {
    entries: Mutex<HashMap<TerminalId, (Instant, Terminal, Merchant)>>,
    /// Bumped by every invalidation; a read that started before one is not cached.
    generation: AtomicU64,
}

impl TerminalCache {
    fn get(&self, id: &TerminalId) -> Option<(Terminal, Merchant)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let (read_at, terminal, merchant) = entries.get(id)?;
        (read_at.elapsed() < TERMINAL_CACHE_TTL).then(|| (terminal.clone(), merchant.clone()))
    }

    fn put(&self, generation: u64, read_at: Instant, found: &(Terminal, Merchant)) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock that `invalidate` takes: no write has
        // finished since the read began.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        if entries.len() >= TERMINAL_CACHE_MAX {
            entries.clear();
        }
        entries.insert(found.0.id.clone(), (read_at, found.0.clone(), found.1.clone()));
    }

    fn invalidate(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }
}

pub(crate) fn db_error(error: rusqlite::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

/// Opens a connection with the store's settings. The writer checkpoints
/// itself only once the log holds 20,000 pages (20 MB): between the
/// background checkpointer's rounds, so that the writer — the one thread every
/// approval waits for — seldom copies pages itself. Measured against 5,000
/// with `kassa bench` (100 terminals, interleaved runs): +4.7% throughput over
/// 50,000 transactions (3 of 3), +3.8% over 150,000 (2 of 2); 50,000 pages
/// gave the same throughput and a worse p99, never (0) let the log grow.
fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(db_error)?;
    conn.execute_batch(
        "PRAGMA page_size = 1024;
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA wal_autocheckpoint = 20000;",
    )
    .map_err(db_error)?;
    // The hot path alone prepares more than rusqlite's default 16 statements.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // A stable plan per statement: without it SQLite (built with STAT4)
    // re-prepares a cached statement whenever some bound values change, and
    // the terminal lookup spent most of its time in the parser.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map_err(db_error)?;
    Ok(conn)
}

/// Runs the migrations not yet applied, each in its own transaction. Foreign
/// keys are off meanwhile (SQLite's way to rebuild a table others refer to)
/// and checked before each commit: a migration that breaks one is rolled back.
fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(db_error)?;
    let pending = MIGRATIONS.iter().enumerate().skip(version.max(0) as usize);
    conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(db_error)?;
    let outcome = pending.into_iter().try_for_each(|(index, sql)| {
        conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {};", index + 1)).map_err(db_error)?;
        let broken: Option<String> =
            conn.query_row("PRAGMA foreign_key_check", [], |row| row.get(0)).optional().map_err(db_error)?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt(format!("migration {} breaks a foreign key of {table}", index + 1)));
        }
        conn.execute_batch("COMMIT").map_err(db_error)?;
        tracing::info!(version = index + 1, "store migrated");
        Ok(())
    });
    if outcome.is_err() {
        // A failed migration leaves its transaction open: nothing of it stays.
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn.execute_batch("PRAGMA foreign_keys = ON").map_err(db_error)?;
    outcome
}

/// Work the writer thread runs first, before any job: the binary uses it to
/// give the writer a core of its own.
pub type ThreadStart = Box<dyn FnOnce() + Send>;

/// How to open a store, beyond its file.
#[derive(Default)]
pub struct SqliteOptions {
    pub writer_start: Option<ThreadStart>,
    /// No writer, reader or checkpoint thread: each job runs on the caller's
    /// thread as it is submitted, in a transaction of its own, through the
    /// same job and commit code (`run_batch`) — a batch of one. The
    /// deterministic simulation uses it: a store call then completes within
    /// one step of its single-threaded runtime, so the order of everything is
    /// the seed's, while every write is still SQLite's real, durable commit.
    pub stepped: bool,
}

impl std::fmt::Debug for SqliteOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteOptions")
            .field("writer_start", &self.writer_start.is_some())
            .field("stepped", &self.stepped)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating and migrating when needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// [`SqliteStore::open`] with options.
    pub fn open_with(path: &Path, options: SqliteOptions) -> Result<SqliteStore> {
        let writer_conn = open_connection(path)?;
        migrate(&writer_conn)?;
        if options.stepped {
            // Channels nobody reads: a stepped store never sends on them.
            let (writer, _) = mpsc::channel::<Box<dyn WriteJob>>(1);
            let (reader, _) = mpsc::channel::<ReadJob>(1);
            return Ok(SqliteStore {
                writer,
                reader,
                terminals: Arc::new(TerminalCache::default()),
                stepped: Some(Arc::new(stepped::Stepped::new(writer_conn))),
            });
        }
        let reader_conn = open_connection(path)?;
        let checkpoint_conn = open_connection(path)?;
        let (writer_alive, writer_gone) = std::sync::mpsc::channel::<()>();
        thread::Builder::new()
            .name("kassa-store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoint_conn, writer_gone))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let (writer, writer_rx) = mpsc::channel::<Box<dyn WriteJob>>(QUEUE_MAX);
        let (reader, reader_rx) = mpsc::channel::<ReadJob>(QUEUE_MAX);
        thread::Builder::new()
            .name("kassa-store-writer".into())
            .spawn(move || {
                if let Some(start) = options.writer_start {
                    start();
                }
                write_loop(writer_conn, writer_rx);
                drop(writer_alive);
            })
            .map_err(|e| StoreError::Database(e.to_string()))?;
        thread::Builder::new()
            .name("kassa-store-reader".into())
            .spawn(move || read_loop(reader_conn, reader_rx))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(SqliteStore { writer, reader, terminals: Arc::new(TerminalCache::default()), stepped: None })
    }

    /// Runs `f` in the writer's transaction; resolves after the commit. The
    /// terminal cache is emptied afterwards, whatever the outcome: use it for
    /// anything that may change a terminal or a merchant.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let result = self.submit(Once(Some(f))).await;
        self.terminals.invalidate();
        result
    }

    /// [`SqliteStore::write`] for the hot path: work that touches neither
    /// terminals nor merchants (transactions, reversals, the store-and-forward
    /// queue) and can run again, so it needs no savepoint of its own.
    async fn write_keeping_terminals<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(&Connection) -> Result<T> + Send + 'static,
    {
        self.submit(Again(f)).await
    }

    /// A stepped store's process "dies": every call after this fails, as
    /// the store of a killed process would (the simulation's host crash).
    /// Nothing for a threaded store.
    pub fn fence(&self) {
        if let Some(stepped) = &self.stepped {
            stepped.fence();
        }
    }

    /// A stepped store refuses every write while `refusing` (the
    /// simulation's failing disk). Nothing for a threaded store.
    pub fn refuse_writes(&self, refusing: bool) {
        if let Some(stepped) = &self.stepped {
            stepped.refuse_writes(refusing);
        }
    }

    async fn submit<T: Send + 'static, W: Work<T> + 'static>(&self, work: W) -> Result<T> {
        let (answer, rx) = oneshot::channel();
        let job: Box<dyn WriteJob> = Box::new(Job { work, result: None, answer });
        if let Some(stepped) = &self.stepped {
            stepped.run(job)?;
            return rx.await.map_err(|_| StoreError::Closed)?;
        }
        self.writer.send(job).await.map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on the reader connection (sees committed data only).
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        if let Some(stepped) = &self.stepped {
            return stepped.read(f);
        }
        let (tx, rx) = oneshot::channel();
        let job: ReadJob = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.reader.send(job).await.map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// Takes up to [`GROUP_COMMIT_MAX`] waiting jobs, runs them in one
/// transaction, commits once, then answers them all.
fn write_loop(conn: Connection, mut jobs: mpsc::Receiver<Box<dyn WriteJob>>) {
    ledger::writer_thread();
    let mut batch: Vec<Box<dyn WriteJob>> = Vec::with_capacity(GROUP_COMMIT_MAX);
    while let Some(first) = jobs.blocking_recv() {
        batch.push(first);
        while batch.len() < GROUP_COMMIT_MAX {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Repeatable jobs first (a stable sort keeps each kind in arrival order).
        batch.sort_by_key(|job| !job.repeatable());
        let committed = run_batch(&conn, &mut batch);
        for job in batch.drain(..) {
            job.complete(committed.clone());
        }
    }
}

/// The repeatable jobs run bare: savepoints cost a statement journal of every
/// page a job touches. Should one fail, the transaction is rolled back and
/// every job runs in a savepoint of its own, so a failure undoes only its job.
fn run_batch(conn: &Connection, batch: &mut [Box<dyn WriteJob>]) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
    let repeatable = batch.iter().take_while(|job| job.repeatable()).count();
    let (bare, mut guarded) = batch.split_at_mut(repeatable);
    if !bare.iter_mut().all(|job| !job.run(conn)) {
        let _ = conn.execute_batch("ROLLBACK");
        conn.execute_batch("BEGIN IMMEDIATE").map_err(db_error)?;
        guarded = batch;
    }
    for job in guarded.iter_mut() {
        let _ = statement(conn, "SAVEPOINT job");
        if job.run(conn) {
            let _ = statement(conn, "ROLLBACK TO job");
        }
        let _ = statement(conn, "RELEASE job");
    }
    let committed = conn.execute_batch("COMMIT").map_err(db_error);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    committed
}

/// How often the checkpointer copies the log into the database.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(100);

/// Copies committed pages from the write-ahead log into the database file
/// in the background, so that the writer's own checkpoint (every
/// `wal_autocheckpoint` pages, which it needs to restart the log) finds little
/// left to copy and no longer stalls the commits behind it. Both are SQLite's
/// passive checkpoints: they never block a writer or each other. Stops when
/// the writer does.
fn checkpoint_loop(conn: Connection, writer_gone: std::sync::mpsc::Receiver<()>) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = writer_gone.recv_timeout(CHECKPOINT_INTERVAL) {
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "background checkpoint");
        }
    }
}

/// Runs a parameterless statement, prepared once per connection.
fn statement(conn: &Connection, sql: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute([])
}

fn read_loop(conn: Connection, mut jobs: mpsc::Receiver<ReadJob>) {
    while let Some(job) = jobs.blocking_recv() {
        job(&conn);
    }
}

impl Store for SqliteStore {
    async fn put_merchant(&self, merchant: Merchant, now_ms: i64) -> Result<()> {
        self.write(move |c| queries::put_merchant(c, &merchant, now_ms)).await
    }

    async fn put_terminal(&self, terminal: Terminal) -> Result<()> {
        self.write(move |c| queries::put_terminal(c, &terminal)).await
    }

    async fn terminal(&self, id: TerminalId) -> Result<Option<(Terminal, Merchant)>> {
        if let Some(found) = self.terminals.get(&id) {
            return Ok(Some(found));
        }
        let (generation, read_at) = (self.terminals.generation.load(Ordering::Acquire), Instant::now());
        let found = self.read(move |c| queries::terminal(c, &id)).await?;
        if let Some(found) = &found {
            self.terminals.put(generation, read_at, found);
        }
        Ok(found)
    }

    async fn sign_in(&self, id: TerminalId, session: Session) -> Result<Batch> {
        self.write(move |c| queries::sign_in(c, &id, &session)).await
    }

    async fn sign_off(&self, id: TerminalId) -> Result<()> {
        self.write(move |c| queries::sign_off(c, &id)).await
    }

    async fn begin(&self, txn: NewTxn) -> Result<Begin> {
        self.write_keeping_terminals(move |c| queries::begin(c, &txn)).await
    }

    async fn finish(&self, id: i64, outcome: Outcome, effect: OriginalEffect, now_ms: i64) -> Result<()> {
        self.write_keeping_terminals(move |c| queries::finish(c, id, &outcome, effect, now_ms)).await
    }

    async fn abandon(&self, id: i64, reason: &'static str, now_ms: i64) -> Result<()> {
        self.write_keeping_terminals(move |c| queries::abandon(c, id, reason, now_ms)).await
    }

    async fn find(&self, key: TxnKey) -> Result<Option<TxnRecord>> {
        self.read(move |c| queries::find(c, &key)).await
    }

    async fn find_by_id(&self, id: i64) -> Result<Option<TxnRecord>> {
        self.read(move |c| queries::find_by_id(c, id)).await
    }

    async fn find_by_rrn(&self, merchant: MerchantId, rrn: String) -> Result<Option<TxnRecord>> {
        self.read(move |c| queries::find_by_rrn(c, &merchant, &rrn)).await
    }

    async fn children(&self, original_id: i64) -> Result<Vec<TxnRecord>> {
        self.read(move |c| queries::children(c, original_id)).await
    }

    async fn reverse(&self, request: ReversalRequest) -> Result<ReversalOutcome> {
        self.write_keeping_terminals(move |c| queries::reverse(c, &request)).await
    }

    async fn batch_totals(&self, terminal: TerminalId, batch: Batch) -> Result<BatchTotals> {
        self.read(move |c| queries::batch_totals(c, &terminal, batch)).await
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
        self.write(move |c| queries::settle(c, &terminal, batch, &terminal_totals, &host_totals, balanced, now_ms))
            .await
    }

    async fn record_upload(
        &self,
        terminal: TerminalId,
        batch: Batch,
        trace: Trace,
        amount: Amount,
        now_ms: i64,
    ) -> Result<bool> {
        self.write_keeping_terminals(move |c| queries::record_upload(c, &terminal, batch, trace, amount, now_ms)).await
    }

    async fn saf_due(&self, now_ms: i64, limit: usize) -> Result<Vec<SafItem>> {
        self.read(move |c| queries::saf_due(c, now_ms, limit)).await
    }

    async fn saf_done(&self, id: i64, now_ms: i64) -> Result<()> {
        self.write_keeping_terminals(move |c| queries::saf_done(c, id, now_ms)).await
    }

    async fn saf_retry(&self, id: i64, next_attempt_ms: i64) -> Result<()> {
        self.write_keeping_terminals(move |c| queries::saf_retry(c, id, next_attempt_ms)).await
    }

    async fn saf_depth(&self) -> Result<u64> {
        self.read(queries::saf_depth).await
    }

    async fn recover_in_flight(&self, started_before_ms: i64, now_ms: i64) -> Result<u64> {
        self.write(move |c| queries::recover_in_flight(c, started_before_ms, now_ms)).await
    }

    async fn daily_total(&self, merchant: MerchantId, business_date: String) -> Result<Amount> {
        self.read(move |c| queries::daily_total(c, &merchant, &business_date)).await
    }

    async fn batch_transactions(&self, terminal: TerminalId, batch: Batch) -> Result<Vec<TxnRecord>> {
        self.read(move |c| queries::batch_transactions(c, &terminal, batch)).await
    }

    async fn day_items(&self, business_date: String) -> Result<Vec<kassa_settlement::SettleItem>> {
        self.read(move |c| ledger::day_items(c, &business_date)).await
    }

    async fn record_settlement(
        &self,
        day: crate::ledger::MerchantSettlement,
        digest: crate::ledger::DayDigest,
        now_ms: i64,
    ) -> Result<crate::ledger::Recorded> {
        self.write(move |c| ledger::record_settlement(c, &day, digest, now_ms)).await
    }

    async fn day_settled(&self, merchant: MerchantId, business_date: String) -> Result<bool> {
        self.read(move |c| queries::day_settled(c, &merchant, &business_date)).await
    }

    async fn reconcilable(&self, business_date: String) -> Result<Vec<kassa_settlement::HostItem>> {
        self.read(move |c| ledger::reconcilable(c, &business_date)).await
    }

    async fn record_breaks(
        &self,
        business_date: String,
        breaks: Vec<kassa_settlement::Break>,
        now_ms: i64,
    ) -> Result<u64> {
        self.write(move |c| ledger::record_breaks(c, &business_date, &breaks, now_ms)).await
    }

    async fn put_settlement_card(
        &self,
        merchant: MerchantId,
        sealed: Vec<u8>,
        masked: String,
        holder: String,
    ) -> Result<()> {
        self.write(move |c| payouts::put_settlement_card(c, &merchant, &sealed, &masked, &holder)).await
    }

    async fn create_payouts(&self, business_date: String, now_ms: i64) -> Result<Vec<crate::ledger::Payout>> {
        self.write(move |c| payouts::create_payouts(c, &business_date, now_ms)).await
    }

    async fn open_payouts(&self) -> Result<Vec<crate::ledger::Payout>> {
        self.read(payouts::open_payouts).await
    }

    async fn mark_payout_sent(&self, id: String, now_ms: i64) -> Result<()> {
        self.write(move |c| payouts::mark_payout_sent(c, &id, now_ms)).await
    }

    async fn finish_payout(&self, id: String, paid: bool, reason: Option<String>, now_ms: i64) -> Result<bool> {
        self.write(move |c| payouts::finish_payout(c, &id, paid, reason.as_deref(), now_ms)).await
    }

    async fn notices(&self, merchant: MerchantId) -> Result<Vec<String>> {
        self.read(move |c| payouts::notices(c, &merchant)).await
    }

    async fn merchant_day_report(
        &self,
        business_date: String,
        merchant: Option<MerchantId>,
    ) -> Result<Vec<crate::reports::MerchantDayReport>> {
        self.read(move |c| reports::merchant_day_report(c, &business_date, merchant.as_ref())).await
    }

    async fn exceptions(&self, business_date: String) -> Result<Vec<crate::reports::ExceptionItem>> {
        self.read(move |c| reports::exceptions(c, &business_date)).await
    }

    async fn fee_income(&self, from: String, to: String) -> Result<Vec<crate::reports::FeeIncomeDay>> {
        self.read(move |c| reports::fee_income(c, &from, &to)).await
    }

    async fn ledger_expire(&self, now_ms: i64) -> Result<u64> {
        self.write(move |c| ledger::expire_due(c, now_ms)).await
    }

    async fn ledger_audit(&self) -> Result<crate::ledger::LedgerAudit> {
        self.read(ledger::audit).await
    }

    async fn standing(&self) -> Result<Vec<Standing>> {
        self.read(queries::standing).await
    }

    async fn office_write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        self.write(move |conn| work(&mut office::SqliteSql { conn, writable: true })).await
    }

    async fn office_read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn crate::office::Sql) -> Result<T> + Send + 'static,
    {
        self.read(move |conn| work(&mut office::SqliteSql { conn, writable: false })).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<T: Send + 'static, W: Work<T> + 'static>(work: W) -> (Box<dyn WriteJob>, oneshot::Receiver<Result<T>>) {
        let (answer, rx) = oneshot::channel();
        (Box::new(Job { work, result: None, answer }), rx)
    }

    fn insert(conn: &Connection, value: i64) -> Result<()> {
        conn.execute("INSERT INTO t (v) VALUES (?1)", [value]).map(drop).map_err(db_error)
    }

    /// Migration 14 gives every earlier transaction the host's local date and
    /// time from when it was recorded (UTC+8), and leaves those it had alone.
    #[test]
    fn earlier_transactions_get_their_local_date_and_time() {
        let conn = Connection::open_in_memory().unwrap();
        for (index, sql) in MIGRATIONS.iter().enumerate().take(13) {
            conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", index + 1)).unwrap();
        }
        let insert = "INSERT INTO transactions (id, merchant_id, terminal_id, batch, trace, kind, state, amount,
                currency, request_digest, business_date, created_at, updated_at, local_date, local_time)
            VALUES (?1, 'M1', 'T1', 1, ?1, 'sale', 'approved', 100, 156, x'00', '20261122', ?2, 0, ?3, ?4)";
        // 2026-11-22 01:13:36 UTC is 09:13:36 in China.
        conn.execute(insert, rusqlite::params![1, 1_795_310_016_000_i64, "", ""]).unwrap();
        conn.execute(insert, rusqlite::params![2, 1_795_310_016_000_i64, None::<String>, None::<String>]).unwrap();
        conn.execute(insert, rusqlite::params![3, 1_795_310_016_000_i64, "1121", "235959"]).unwrap();
        migrate(&conn).unwrap();
        let rows: Vec<(String, String)> = conn
            .prepare("SELECT local_date, local_time FROM transactions ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let at = ("1122".to_string(), "091336".to_string());
        assert_eq!(rows, vec![at.clone(), at, ("1121".into(), "235959".into())]);
    }

    /// Migration 13 rebuilds `transactions` under other tables' foreign keys:
    /// rows, ids and references survive, and the new key both refuses a
    /// duplicate and serves a batch's query.
    #[test]
    fn rebuilding_the_transactions_table_keeps_rows_and_references() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        for (index, sql) in MIGRATIONS.iter().enumerate().take(12) {
            conn.execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", index + 1)).unwrap();
        }
        let insert = "INSERT INTO transactions (id, merchant_id, terminal_id, batch, trace, kind, state, amount,
                currency, request_digest, business_date, original_id, created_at, updated_at, risk_held, location)
            VALUES (?1, 'M1', 'T1', 1, ?2, ?3, 'approved', 100, 156, x'00', '20261122', ?4, 0, 0, ?5, ?6)";
        conn.execute(insert, rusqlite::params![7, 1, "sale", None::<i64>, 1, "Hangzhou"]).unwrap();
        conn.execute(insert, rusqlite::params![9, 2, "sale_void", Some(7), 0, None::<String>]).unwrap();
        conn.execute(
            "INSERT INTO saf_queue (txn_id, reason, next_attempt_at, created_at) VALUES (9, 'timeout', 0, 0)",
            [],
        )
        .unwrap();

        migrate(&conn).unwrap();

        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0)).unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        let foreign_keys: i64 = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0)).unwrap();
        assert_eq!(foreign_keys, 1, "foreign keys are on again");
        let rows: Vec<(i64, Option<i64>, i64, Option<String>)> = conn
            .prepare("SELECT id, original_id, risk_held, location FROM transactions ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows, vec![(7, None, 1, Some("Hangzhou".into())), (9, Some(7), 0, None)]);
        let queued: i64 = conn.query_row("SELECT txn_id FROM saf_queue", [], |row| row.get(0)).unwrap();
        assert_eq!(queued, 9);
        // The queue still refers to the rebuilt table, and the key still holds.
        assert!(
            conn.execute(
                "INSERT INTO saf_queue (txn_id, reason, next_attempt_at, created_at) VALUES (99, 'x', 0, 0)",
                []
            )
            .is_err()
        );
        assert!(conn.execute(insert, rusqlite::params![10, 1, "sale", None::<i64>, 0, None::<String>]).is_err());
        let plan: String = conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM transactions WHERE terminal_id = 'T1' AND batch = 1",
                [],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("sqlite_autoindex_transactions_1"), "{plan}");
    }

    #[test]
    fn a_failing_job_undoes_only_itself() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (v INTEGER)").unwrap();
        let (a, a_rx) = job(Again(|c: &Connection| insert(c, 1)));
        let (b, b_rx) = job(Again(|c: &Connection| {
            insert(c, 2)?;
            Err::<(), _>(StoreError::Database("refused".into()))
        }));
        let (c, c_rx) = job(Once(Some(|c: &Connection| insert(c, 3))));
        let (d, d_rx) = job(Again(|c: &Connection| insert(c, 4)));
        let mut batch = vec![a, b, c, d];
        batch.sort_by_key(|job| !job.repeatable());
        let committed = run_batch(&conn, &mut batch);
        assert!(committed.is_ok());
        batch.drain(..).for_each(|job| job.complete(committed.clone()));
        let mut values: Vec<i64> = conn
            .prepare("SELECT v FROM t ORDER BY v")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .flatten()
            .collect();
        values.sort();
        assert_eq!(values, [1, 3, 4], "the failed job's row is gone, the others' are kept once");
        assert!(a_rx.blocking_recv().unwrap().is_ok());
        assert!(b_rx.blocking_recv().unwrap().is_err());
        assert!(c_rx.blocking_recv().unwrap().is_ok());
        assert!(d_rx.blocking_recv().unwrap().is_ok());
    }
}
