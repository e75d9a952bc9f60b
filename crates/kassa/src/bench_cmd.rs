//! `kassa bench`: many terminals at once through the whole path — terminal,
//! host, network, store — against a running `kassa demo`; throughput and
//! latency percentiles, then a check that every approved sale is recorded
//! exactly once and nothing else was.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kassa::demo::DemoFacts;
use kassa_core::{Amount, Batch, TerminalId, TxnKind};
use kassa_crypto::{KeyMode, SecretKey};
use kassa_store::sqlite::SqliteStore;
use kassa_store::{Store, TxnState};
use kassa_terminal::{Card, Entry, OriginalRef, ScriptedTerminal, TerminalConfig};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The running demo's data directory.
    #[arg(long, default_value = "kassa-demo")]
    demo: PathBuf,
    /// Concurrent terminals (at most the demo's; start it with --terminals N).
    #[arg(long, default_value_t = 2)]
    terminals: usize,
    /// Transactions per terminal.
    #[arg(long, default_value_t = 1000)]
    transactions: usize,
    /// Percent of transactions that void an earlier sale; as many again refund part of one.
    #[arg(long, default_value_t = 5)]
    void_percent: u8,
    /// Pace the whole run to this many transactions per second (0: as fast as the host answers).
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Instead: seed a business day of --transactions transactions into a fresh
    /// SQLite store (no demo needed) and time its settlement and reconciliation.
    #[arg(long)]
    settlement: bool,
    /// The load generator's threads (0: half the cores, at least one — the
    /// host under test has the rest on the same machine).
    #[arg(long, default_value_t = 0)]
    workers: usize,
}

/// The demo's load-test card (see the README's test cards).
const BENCH_PAN: &str = "6222021234500000058";

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    approved_sales: Vec<(u32, u64)>,
    counts: BTreeMap<&'static str, u64>,
    declined: u64,
    errors: u64,
}

pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = if args.workers == 0 { (cores / 2).max(1) } else { args.workers };
    if args.settlement {
        let runtime = crate::run_cmd::host_runtime(workers)?;
        runtime.block_on(crate::bench_settle::run(args.transactions as u64))?;
        return Ok(ExitCode::SUCCESS);
    }
    let facts = DemoFacts::load(&args.demo).map_err(|e| anyhow!("{e}"))?;
    keep_off_the_writer(&facts);
    let runtime = crate::run_cmd::host_runtime(workers)?;
    runtime.block_on(run_async(args, facts))
}

/// The demo's process id when it runs here, as `kassa`: only then are its
/// CPU time and its CPUs ours to look at.
fn local_demo_pid(facts: &DemoFacts) -> Option<u32> {
    facts.pid.filter(|pid| {
        let local = ["127.0.0.1", "::1", "localhost"].contains(&facts.host.as_str());
        local && std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "kassa")
    })
}

/// A demo on this machine whose store writer has a CPU to itself: the load
/// generator keeps off that CPU (before its threads start, so they all do),
/// as load from other machines would.
fn keep_off_the_writer(facts: &DemoFacts) {
    let Some(writer) = facts.writer_cpu.filter(|_| local_demo_pid(facts).is_some()) else {
        return;
    };
    let others: Vec<usize> = kassa::affinity::allowed_cpus().into_iter().filter(|&cpu| cpu != writer).collect();
    if others.is_empty() {
        return;
    }
    match kassa::affinity::pin_current_thread(&others) {
        Ok(()) => eprintln!("bench: off CPU {writer}, which the demo's store writer has to itself"),
        Err(error) => eprintln!("bench: {error}"),
    }
}

async fn run_async(args: BenchArgs, facts: DemoFacts) -> Result<ExitCode> {
    if args.terminals == 0 || args.terminals > facts.terminals.len() {
        bail!("--terminals {}: the demo has {} (start it with --terminals N)", args.terminals, facts.terminals.len());
    }
    if args.void_percent > 30 {
        bail!("--void-percent: at most 30");
    }
    let card = facts.cards.iter().find(|c| c.pan == BENCH_PAN).context("the demo has no load-test card")?;
    let card = Card {
        pan: card.pan.clone(),
        expiry: card.expiry.clone(),
        track2: Some(card.track2.clone()),
        pin: Some(card.pin.clone()),
        entry: Entry::Swipe,
    };
    let total = (args.terminals * args.transactions) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let done = Arc::new(AtomicU64::new(0));

    // Each terminal: sign in, settle whatever an earlier run left, sign in to a fresh batch.
    let mut terminals = Vec::with_capacity(args.terminals);
    for demo_terminal in facts.terminals.iter().take(args.terminals) {
        let mut t = ScriptedTerminal::new(TerminalConfig {
            address: format!("{}:{}", facts.host, facts.port),
            terminal_id: demo_terminal.tid.clone(),
            merchant_id: facts.mid.clone(),
            tmk: SecretKey::from_hex(&demo_terminal.tmk, None)?,
            key_mode: KeyMode::Tdes,
            pad_nibble: 0,
            operator: "01".into(),
            timeout: Duration::from_secs(30),
            state_path: None,
        })?;
        t.sign_in().await.with_context(|| format!("sign in {}", demo_terminal.tid))?;
        t.settle().await?;
        let (batch, _) = t.sign_in().await?;
        terminals.push((demo_terminal.tid.clone(), batch, t));
    }

    let demo_pid = local_demo_pid(&facts);
    let demo_cpu = || demo_pid.and_then(|pid| cpu_seconds(&format!("/proc/{pid}/stat")));
    let own_cpu = || cpu_seconds("/proc/self/stat");
    let cpu_before = (demo_cpu(), own_cpu());
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(terminals.len());
    for (index, (tid, batch, mut t)) in terminals.into_iter().enumerate() {
        let (card, bar, done) = (card.clone(), bar.clone(), done.clone());
        let (count, void_percent) = (args.transactions, u64::from(args.void_percent));
        // Each terminal's share of the rate, started at a staggered offset.
        let pace = (args.rate > 0).then(|| Duration::from_secs_f64(args.terminals as f64 / args.rate as f64));
        let offset = pace.map(|p| p.mul_f64(index as f64 / args.terminals as f64)).unwrap_or_default();
        tasks.push(tokio::spawn(async move {
            let mut ticks = pace.map(|p| {
                let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + offset, p);
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                interval
            });
            let mut tally = Tally::default();
            let mut open_sales: Vec<(u32, u64, String)> = Vec::new();
            let mut roll = 0x9E37_79B9u64.wrapping_mul(index as u64 + 1);
            for n in 0..count {
                roll = roll.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let dice = (roll >> 33) % 100;
                let amount = 100 + (roll >> 40) % 9_900;
                let (kind, amount, original) = match open_sales.len() {
                    0 => (TxnKind::Sale, amount, None),
                    _ if dice < void_percent => {
                        let (trace, amount, rrn) = open_sales.swap_remove((roll as usize >> 7) % open_sales.len());
                        (
                            TxnKind::SaleVoid,
                            amount,
                            Some(OriginalRef { batch, trace, rrn: Some(rrn), ..Default::default() }),
                        )
                    }
                    _ if dice < 2 * void_percent => {
                        let (trace, amount, rrn) = open_sales.swap_remove((roll as usize >> 9) % open_sales.len());
                        let date = Some(
                            kassa_core::time::Clock::local(&kassa_core::time::SystemClock { offset_minutes: 480 })
                                .mmdd(),
                        );
                        (
                            TxnKind::Refund,
                            amount.div_ceil(2),
                            Some(OriginalRef { batch, trace, date, rrn: Some(rrn), ..Default::default() }),
                        )
                    }
                    _ => (TxnKind::Sale, amount, None),
                };
                if let Some(ticks) = ticks.as_mut() {
                    ticks.tick().await;
                }
                let begun = Instant::now();
                let answer = t.transact(kind, &card, Amount(amount), original.as_ref()).await;
                tally.latencies_us.push(begun.elapsed().as_micros() as u64);
                match answer {
                    Ok(answer) if answer.code.is_approved() => {
                        *tally.counts.entry(kind.code()).or_default() += 1;
                        if kind == TxnKind::Sale {
                            tally.approved_sales.push((answer.trace, amount));
                            open_sales.push((answer.trace, amount, answer.rrn));
                        }
                        if kind == TxnKind::SaleVoid
                            && let Some(o) = &original
                        {
                            tally.approved_sales.retain(|(trace, _)| *trace != o.trace);
                        }
                    }
                    Ok(_) => tally.declined += 1,
                    Err(_) => tally.errors += 1,
                }
                if n % 64 == 63 {
                    bar.inc(64);
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
            (TerminalId::parse(&tid), batch, tally)
        }));
    }
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await?);
    }
    let elapsed = started.elapsed();
    let cpu = [(cpu_before.0, demo_cpu()), (cpu_before.1, own_cpu())].map(|pair| match pair {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    });
    bar.finish_and_clear();
    report(&args, &results, elapsed)?;
    let count = total as f64;
    match cpu {
        [Some(host), Some(bench)] => println!(
            "  cpu             demo process {:.0} µs/transaction ({:.0}% of a core), bench {:.0} µs/transaction",
            host * 1e6 / count,
            host * 100.0 / elapsed.as_secs_f64().max(1e-9),
            bench * 1e6 / count
        ),
        [None, Some(bench)] => println!("  cpu             bench {:.0} µs/transaction", bench * 1e6 / count),
        _ => {}
    }
    verify(&args, &results).await
}

fn report(args: &BenchArgs, results: &[(Option<TerminalId>, u32, Tally)], elapsed: Duration) -> Result<()> {
    let mut latencies: Vec<u64> = results.iter().flat_map(|(_, _, t)| t.latencies_us.iter().copied()).collect();
    latencies.sort_unstable();
    let pick = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0);
    let total = latencies.len() as f64;
    let sales: u64 = results.iter().map(|(_, _, t)| t.counts.get("sale").copied().unwrap_or(0)).sum();
    let declined: u64 = results.iter().map(|(_, _, t)| t.declined).sum();
    let errors: u64 = results.iter().map(|(_, _, t)| t.errors).sum();
    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, _, t) in results {
        for (k, v) in &t.counts {
            *kinds.entry(k).or_default() += v;
        }
    }
    let seconds = elapsed.as_secs_f64().max(1e-9);
    let paced = if args.rate > 0 { format!(", paced at {} transactions/s", args.rate) } else { String::new() };
    println!(
        "kassa bench: {} terminals × {} transactions in {:.2} s{paced}",
        args.terminals, args.transactions, seconds
    );
    println!("  throughput      {:.0} transactions/s, {:.0} approved sales/s", total / seconds, sales as f64 / seconds);
    println!(
        "  latency         p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        pick(0.50) as f64 / 1000.0,
        pick(0.95) as f64 / 1000.0,
        pick(0.99) as f64 / 1000.0,
        latencies.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    let mix: Vec<String> = kinds.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("  approved        {}   declined {declined}   errors {errors}", mix.join(", "));
    Ok(())
}

/// CPU time (user + system) a process has used so far, from its `/proc/*/stat`.
fn cpu_seconds(stat_path: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(stat_path).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 1..)?.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / USER_HZ)
}

/// The unit of `/proc/*/stat` times: Linux reports them in USER_HZ, 100 a
/// second on every architecture it supports.
const USER_HZ: f64 = 100.0;

/// Every sale the terminals saw approved (and not voided) is in the store
/// exactly once as approved, and the store holds no other approved sale in
/// those batches.
async fn verify(args: &BenchArgs, results: &[(Option<TerminalId>, u32, Tally)]) -> Result<ExitCode> {
    let store = SqliteStore::open(&args.demo.join("kassa.db")).context("open the demo's store")?;
    let mut problems = 0usize;
    for (tid, batch, tally) in results {
        let Some(tid) = tid else { continue };
        let records = store.batch_transactions(tid.clone(), Batch(*batch)).await?;
        let mut stored: Vec<(u32, u64)> = records
            .iter()
            .filter(|r| r.kind == TxnKind::Sale && r.state == TxnState::Approved)
            .map(|r| (r.key.trace.0, r.amount.minor_units()))
            .collect();
        stored.sort_unstable();
        let mut seen = tally.approved_sales.clone();
        seen.sort_unstable();
        if stored != seen {
            problems += 1;
            eprintln!("terminal {tid} batch {batch:06}: {} approved sales seen, {} stored", seen.len(), stored.len());
        }
    }
    if problems == 0 {
        println!("  verified        every approved sale recorded exactly once, nothing else approved");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("  VERIFY FAILED for {problems} terminals");
        Ok(ExitCode::from(1))
    }
}
