//! `kassa bench --settlement`: a business day of N transactions in a fresh
//! SQLite store, then the day's settlement and reconciliation, timed.
//!
//! The day is recorded through the store's own `begin`/`finish` (so the
//! ledger postings are real), spread over merchants and terminals; the
//! clearing file is written as the network would write it, with a few
//! injected breaks, and read back with the same parser `kassa reconcile` uses.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};
use kassa::settle::{money, signed_money};
use kassa::world::{self, MerchantSpec};
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, Batch, Currency, MerchantId, TerminalId, Trace, TxnKind};
use kassa_crypto::SoftwareSecurityModule;
use kassa_store::sqlite::SqliteStore;
use kassa_store::{Begin, NewTxn, OriginalEffect, Outcome, Store, TxnKey, TxnState};

const DATE: &str = "20261122";
const MERCHANTS: u32 = 100;
const TERMINALS_PER_MERCHANT: u32 = 6;
/// Concurrent writers seeding the day (the store group-commits them).
const SEEDERS: usize = 512;
/// Every this-many transactions is a refund of part of the sale before it.
const REFUND_EVERY: u64 = 50;
/// Breaks injected into the clearing file: dropped lines, changed amounts.
const DROPPED: usize = 10;
const CHANGED: usize = 10;

/// A bounded run: at most this many transactions.
pub const TRANSACTIONS_MAX: u64 = 5_000_000;

pub async fn run(transactions: u64) -> Result<()> {
    if transactions == 0 || transactions > TRANSACTIONS_MAX {
        bail!("--transactions {transactions}: 1 to {TRANSACTIONS_MAX} with --settlement");
    }
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("kassa.db")).map_err(|e| anyhow!("open the store: {e}"))?;
    let hsm = SoftwareSecurityModule::new(&*SoftwareSecurityModule::generate_lmk()?);
    let clock = SystemClock { offset_minutes: 480 };
    let mut terminals = Vec::new();
    for m in 0..MERCHANTS {
        let id = MerchantId::parse(&format!("8983100{:08}", 48_990_100 + m)).ok_or_else(|| anyhow!("merchant id"))?;
        let spec = MerchantSpec {
            id: id.clone(),
            name: format!("Bench Store {m}"),
            mcc: if m % 4 == 0 { "5411".into() } else { "5812".into() },
            mail_order: false,
            single_limit: Amount(100_000_000),
            daily_limit: Amount(u64::MAX / 4),
        };
        let first_tid = 20_000_001 + m * TERMINALS_PER_MERCHANT;
        for (tid, _) in world::provision(&store, &hsm, &spec, first_tid, TERMINALS_PER_MERCHANT, clock.now_ms())
            .await
            .map_err(|e| anyhow!("provision: {e}"))?
        {
            terminals.push((id.clone(), tid));
        }
    }

    println!("seeding {transactions} transactions over {} terminals …", terminals.len());
    let bar = ProgressBar::new(transactions);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let terminals = Arc::new(terminals);
    let mut tasks = Vec::with_capacity(SEEDERS);
    for seeder in 0..SEEDERS as u64 {
        let (store, terminals, bar) = (store.clone(), terminals.clone(), bar.clone());
        tasks.push(tokio::spawn(async move { seed(&store, &terminals, seeder, transactions, &bar).await }));
    }
    for task in tasks {
        task.await??;
    }
    bar.finish_and_clear();
    let seeding = started.elapsed();

    let fees = kassa_settlement::FeeSchedule::standard();
    let started = Instant::now();
    let settled =
        kassa::settle::run(&store, DATE, &fees, clock.now_ms(), |_, _| {}).await.map_err(|e| anyhow!("settle: {e}"))?;
    let settle_time = started.elapsed();

    let clearing = clearing_file(&store).await?;
    let started = Instant::now();
    let items = kassa_settlement::parse_clearing(&clearing).map_err(|e| anyhow!("{e}"))?;
    let reconciled =
        kassa::reconcile::run(&store, DATE, &items, clock.now_ms()).await.map_err(|e| anyhow!("reconcile: {e}"))?;
    let reconcile_time = started.elapsed();

    let breaks = reconciled.reconciliation.breaks.len();
    if breaks != DROPPED + CHANGED {
        bail!("reconciliation found {breaks} breaks, {} injected", DROPPED + CHANGED);
    }
    let audit = store.ledger_audit().await.map_err(|e| anyhow!("ledger audit: {e}"))?;
    let seconds = |d: Duration| d.as_secs_f64();
    println!(
        "seeded   {transactions} transactions in {:.1} s ({:.0}/s, through the store's begin/finish with ledger postings)",
        seconds(seeding),
        transactions as f64 / seconds(seeding)
    );
    println!(
        "settle   {} merchants, takings {}, fees {}, net {} in {:.2} s",
        settled.merchants,
        money(settled.gross),
        money(settled.fees),
        signed_money(settled.net),
        seconds(settle_time)
    );
    println!(
        "reconcile {} clearing lines: {} matched, {breaks} breaks (all {} injected found) in {:.2} s",
        items.len(),
        reconciled.reconciliation.matched,
        DROPPED + CHANGED,
        seconds(reconcile_time)
    );
    audit.check().map_err(|e| anyhow!("after the run: {e}"))?;
    println!("settle + reconcile: {:.2} s (target ≤ 10 s); the ledger adds up", seconds(settle_time + reconcile_time));
    Ok(())
}

/// Seeder `seeder` records every `SEEDERS`-th transaction of the day.
async fn seed(
    store: &SqliteStore,
    terminals: &[(MerchantId, TerminalId)],
    seeder: u64,
    transactions: u64,
    bar: &ProgressBar,
) -> Result<()> {
    // Each seeder keeps to its own terminals (every SEEDERS-th), so its keys never collide.
    let owned: Vec<&(MerchantId, TerminalId)> = terminals.iter().skip(seeder as usize).step_by(SEEDERS).collect();
    if owned.is_empty() {
        bail!("seeder {seeder} has no terminal");
    }
    let mut counters = vec![0u64; owned.len()];
    let mut last_sale: Option<i64> = None;
    let mut n = seeder;
    while n < transactions {
        let slot = (n / SEEDERS as u64) as usize % owned.len();
        let (merchant, terminal) = owned[slot];
        let count = counters[slot];
        counters[slot] += 1;
        let key = TxnKey {
            merchant: merchant.clone(),
            terminal: terminal.clone(),
            batch: Batch(1 + (count / 999_999) as u32),
            trace: Trace((count % 999_999 + 1) as u32),
        };
        let refund_of = last_sale.filter(|_| (n / SEEDERS as u64) % REFUND_EVERY == REFUND_EVERY - 1);
        let amount = 1_000 + (n * 7_919) % 99_000;
        let (kind, amount, effect) = match refund_of {
            Some(original_id) => (TxnKind::Refund, 500, OriginalEffect::Refund { original_id, amount: Amount(500) }),
            None => (TxnKind::Sale, amount, OriginalEffect::None),
        };
        let second = n * 86_399 / transactions.max(1);
        let transmitted = format!("1122{:02}{:02}{:02}", second / 3600, second / 60 % 60, second % 60);
        let txn = NewTxn {
            key: key.clone(),
            kind,
            amount: Amount(amount),
            currency: Currency::CNY,
            pan_masked: Some("622202*********0058".into()),
            pan_hash: Some([5; 32]),
            pan_sealed: Some(vec![0; 40]),
            request_digest: [n as u8; 32],
            original_id: refund_of,
            local_date: "1122".into(),
            local_time: transmitted[4..].to_string(),
            business_date: DATE.into(),
            entry_mode: "021".into(),
            operator: "01 ".into(),
            location: None,
            link_transmitted: transmitted,
            now_ms: 0,
        };
        let id = match store.begin(txn).await.map_err(|e| anyhow!("begin: {e}"))? {
            Begin::Started(record) => record.id,
            Begin::Existing(_) => bail!("seeding reused a key: {key:?}"),
        };
        let outcome = Outcome {
            state: TxnState::Approved,
            response_code: "00".into(),
            auth_code: Some("000001".into()),
            rrn: Some(format!("{id:012}")),
            card_org: Some("CUP".into()),
        };
        store.finish(id, outcome, effect, 0).await.map_err(|e| anyhow!("finish: {e}"))?;
        if kind == TxnKind::Sale {
            last_sale = Some(id);
        }
        bar.inc(1);
        n += SEEDERS as u64;
    }
    Ok(())
}

/// The network's clearing file for the day, with `DROPPED` lines missing and
/// `CHANGED` amounts off by one fen.
async fn clearing_file(store: &SqliteStore) -> Result<String> {
    let host = store.reconcilable(DATE.into()).await.map_err(|e| anyhow!("reconcilable: {e}"))?;
    let mut text = String::with_capacity(host.len() * 80 + 100);
    text.push_str("date,stan,transmitted,kind,merchant,terminal,pan,amount,rrn,auth_code\n");
    let step = (host.len() / (DROPPED + CHANGED + 1)).max(1);
    for (i, item) in host.iter().enumerate() {
        let k = i / step;
        let injected = i % step == 0 && (1..=DROPPED + CHANGED).contains(&k);
        if injected && k <= DROPPED {
            continue;
        }
        let amount = if injected { item.amount + 1 } else { item.amount };
        let _ = writeln!(
            text,
            "{DATE},{:06},{},{},898310048990100,20000001,622202*********0058,{amount},{:012},000001",
            item.stan, item.transmitted, item.kind, item.txn_id
        );
    }
    Ok(text)
}
