//! The deterministic simulation of the whole authorization path (`kassa sim`).
//!
//! The real code runs in one simulated world, driven by a seed: scripted
//! terminals (the real terminal logic, reversals kept and sent, sign-in again
//! on `A0`/`77`), the host as `kassa serve` wires it (switch, store-and-forward,
//! the network link with sign-on, echo and reconnection), the network
//! simulator, and SQLite. Everything runs on one thread under tokio's paused
//! clock, so simulated minutes pass in milliseconds and the order of events
//! is the seed's alone: tokio's current-thread scheduler is deterministic,
//! every `select!` on the path is biased, and the store runs *stepped*
//! (`SqliteOptions::stepped`): each job on the caller's thread, through the
//! same job and commit code as the writer thread, one commit per job — so a
//! store call is one step of the world, and what returned is durable.
//!
//! Faults, each by the seed: frames lost, held (and so reordered),
//! duplicated or garbled and connections cut on both links ([`net`]);
//! partitions; the host killed at any moment (its connections and tasks
//! dropped, its store fenced — what was not committed is lost) and started
//! again from its store; the network simulator answering late, not at all or
//! `96`; the business clock jumping across midnight; the disk refusing
//! writes. The [`auditor`] checks the ledger after every operation and
//! everything once the world is quiet.

pub mod auditor;
pub mod net;
pub mod rng;
mod workload;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kassa_core::time::{Clock, ManualClock};
use kassa_core::{Amount, MerchantId};
use kassa_crypto::{KeyMode, SecretKey, SecurityModule, SoftwareSecurityModule};
use kassa_host::{HostCounters, HostLimits};
use kassa_network::NetworkLink;
use kassa_network_sim::{CardAccount, CardKind, Faults, Issuer, Simulator};
use kassa_store::Store;
use kassa_store::sqlite::{SqliteOptions, SqliteStore};
use kassa_terminal::{Card, Entry, ScriptedTerminal, TerminalConfig};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::world::{self, HostSettings, MerchantSpec, ZoneKeys};
use auditor::{Auditor, Outcome};
use net::{Link, LinkFaults, SimNet};
use rng::Rng;

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    /// Terminal operations (financial requests, settlements) before the world is quieted and audited.
    pub steps: u64,
    pub terminals: usize,
    /// Faults on (off: the same workload on a perfect world).
    pub faults: bool,
    /// Keep every trace line (the hash is kept either way).
    pub keep_trace: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config { seed: 1, steps: 1_000, terminals: 6, faults: true, keep_trace: false }
    }
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct Report {
    pub seed: u64,
    /// SHA-256 of the trace: the same seed, the same hash.
    pub trace_hash: String,
    pub trace: Vec<String>,
    /// `None`: every invariant held.
    pub violation: Option<String>,
    pub operations: u64,
    pub approved: u64,
    pub crashes: u64,
    pub simulated: Duration,
    /// Frames dropped, duplicated, delayed, garbled; connections cut.
    pub net_faults: [u64; 5],
}

impl Report {
    /// The one-line verdict `kassa sim` prints.
    pub fn verdict(&self) -> String {
        let [dropped, duplicated, delayed, garbled, cut] = self.net_faults;
        let what = format!(
            "{} operations ({} approved), {} host crashes, frames dropped {dropped} duplicated {duplicated} held {delayed} garbled {garbled}, connections cut {cut}, {:.0} simulated minutes; trace {}",
            self.operations,
            self.approved,
            self.crashes,
            self.simulated.as_secs_f64() / 60.0,
            &self.trace_hash[..16]
        );
        match &self.violation {
            None => format!("seed {}: ok — {what}", self.seed),
            Some(v) => format!("seed {}: VIOLATION — {v} — {what}", self.seed),
        }
    }
}

/// The trace: every event, in order, hashed as it goes.
struct Trace {
    hash: Sha256,
    lines: Vec<String>,
    keep: bool,
    started: tokio::time::Instant,
}

impl Trace {
    fn line(&mut self, text: String) {
        let at = self.started.elapsed().as_millis();
        let line = format!("{at:>10} {text}");
        self.hash.update(line.as_bytes());
        self.hash.update(b"\n");
        if self.keep {
            self.lines.push(line);
        }
    }
}

type Shared<T> = Arc<Mutex<T>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

const MID: &str = "898310048990001";
const FIRST_TID: u32 = 20_000_001;

/// One life of the host: its store handle, what stops it, its connections.
struct HostLife {
    store: SqliteStore,
    shutdown: CancellationToken,
    switch: kassa_switch::Switch<SqliteStore, NetworkLink>,
    connections: Vec<tokio::task::JoinHandle<()>>,
}

struct World {
    dir: tempfile::TempDir,
    hsm: Arc<SoftwareSecurityModule>,
    zone: ZoneKeys,
    clock: ManualClock,
    net: SimNet,
    simulator: Simulator,
    settings: HostSettings,
    host: Shared<Option<HostLife>>,
    counters: Arc<HostCounters>,
    trace: Shared<Trace>,
    auditor: Shared<Auditor>,
    violation: Shared<Option<String>>,
    crashes: AtomicU64,
}

impl World {
    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("kassa.db")
    }

    fn note(&self, text: impl Into<String>) {
        lock(&self.trace).line(text.into());
    }

    fn fail(&self, text: String) {
        let mut v = lock(&self.violation);
        if v.is_none() {
            lock(&self.trace).line(format!("VIOLATION {text}"));
            *v = Some(text);
        }
    }

    fn store(&self) -> Option<SqliteStore> {
        lock(&self.host).as_ref().map(|h| h.store.clone())
    }

    /// Starts the host from its store (recovering what the last life left in flight).
    async fn start_host(self: &Arc<Self>) -> Result<(), String> {
        let store = SqliteStore::open_with(&self.db(), SqliteOptions { stepped: true, ..SqliteOptions::default() })
            .map_err(|e| format!("open the store: {e}"))?;
        let shutdown = CancellationToken::new();
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        let assembled = world::assemble_host(
            &self.settings,
            store.clone(),
            self.hsm.clone(),
            &self.zone,
            clock,
            shutdown.clone(),
            self.net.dialer(Link::Network),
        )
        .await
        .map_err(|e| format!("start the host: {e}"))?;
        self.note(format!("host up, {} in flight recovered", assembled.parts.recovered));
        *lock(&self.host) = Some(HostLife { store, shutdown, switch: assembled.switch, connections: Vec::new() });
        Ok(())
    }

    /// Kills the host at once: its connections and tasks stop where they are,
    /// and its store answers nothing more (as a dead process's would not).
    fn kill_host(&self) {
        if let Some(life) = lock(&self.host).take() {
            life.store.fence();
            life.shutdown.cancel();
            for c in life.connections {
                c.abort();
            }
            self.crashes.fetch_add(1, Ordering::Relaxed);
            self.note("host killed");
        }
    }

    /// A terminal connection, served by the host's current life.
    fn serve_terminal(&self, stream: kassa_network::BoxStream) -> bool {
        let mut host = lock(&self.host);
        let Some(life) = host.as_mut() else { return false };
        let (switch, shutdown, counters) = (life.switch.clone(), life.shutdown.clone(), self.counters.clone());
        let limits = self.settings.limits;
        life.connections.retain(|c| !c.is_finished());
        life.connections.push(tokio::spawn(async move {
            kassa_host::serve_connection(stream, "sim".into(), switch, limits, &counters, shutdown).await;
        }));
        true
    }
}

/// The test cards, as a terminal presents them (debit cards with their PIN).
fn cards() -> Vec<(CardAccount, Card)> {
    kassa_network_sim::test_cards()
        .into_iter()
        .map(|c| {
            let card = Card {
                pan: c.pan.clone(),
                expiry: c.expiry.clone(),
                track2: Some(c.track2()),
                pin: (c.kind == CardKind::Debit).then(|| c.pin.clone()),
                entry: Entry::Swipe,
            };
            (c, card)
        })
        .collect()
}

/// Runs one simulation; blocking (it builds its own runtime).
pub fn run(config: &Config) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(simulate(config.clone()))
}

async fn simulate(config: Config) -> Result<Report, String> {
    let seed = Rng::new(config.seed);
    let started = tokio::time::Instant::now();
    let trace =
        Arc::new(Mutex::new(Trace { hash: Sha256::new(), lines: Vec::new(), keep: config.keep_trace, started }));
    let mut dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    // KASSA_SIM_KEEP=1 leaves the host's database behind to look into.
    if std::env::var_os("KASSA_SIM_KEEP").is_some() {
        dir.disable_cleanup(true);
        eprintln!("seed {}: the host's database is kept in {}", config.seed, dir.path().display());
    }
    // 2026-12-07 09:00 in China, whatever the machine's clock says.
    let clock = ManualClock::new(1_796_605_200_000, 480);
    let hsm =
        Arc::new(SoftwareSecurityModule::new(&*SoftwareSecurityModule::generate_lmk().map_err(|e| e.to_string())?));
    let zone = ZoneKeys::generate().map_err(|e| e.to_string())?;
    let net = SimNet::new(seed.fork(1));
    // The network simulator, served through the simulated network.
    let sim_hsm =
        Arc::new(SoftwareSecurityModule::new(&*SoftwareSecurityModule::generate_lmk().map_err(|e| e.to_string())?));
    let keys = kassa_network_sim::SimKeys {
        pin: sim_hsm.import_key(kassa_crypto::KeyUsage::Pin, &zone.pin).map_err(|e| e.to_string())?,
        mac: sim_hsm.import_key(kassa_crypto::KeyUsage::Mac, &zone.mac).map_err(|e| e.to_string())?,
    };
    let today_clock = clock.clone();
    let today = Arc::new(move || {
        let now = today_clock.local();
        kassa_network_sim::Today { yymm: now.yymm(), mmdd: now.mmdd() }
    });
    let cards = cards();
    let simulator = Simulator::new(
        Issuer::new(cards.iter().map(|(a, _)| a.clone()).collect()),
        sim_hsm,
        keys,
        Faults { seed: seed.fork(2).next_u64(), ..Faults::default() },
        today,
    );
    let network_shutdown = CancellationToken::new();
    {
        let (simulator, shutdown) = (simulator.clone(), network_shutdown.clone());
        net.set_server(
            Link::Network,
            Some(Arc::new(move |stream| {
                let (simulator, shutdown) = (simulator.clone(), shutdown.clone());
                tokio::spawn(async move { simulator.serve_stream(stream, "host".into(), shutdown).await });
                true
            })),
        );
    }
    let settings = HostSettings {
        network: "network".into(),
        network_timeout: Duration::from_secs(10),
        limits: HostLimits { idle_timeout: Duration::from_secs(120), ..HostLimits::default() },
        ..HostSettings::default()
    };
    // The merchant and its terminals, in the store before the host's first life.
    let terminals = {
        let store = SqliteStore::open_with(
            &dir.path().join("kassa.db"),
            SqliteOptions { stepped: true, ..SqliteOptions::default() },
        )
        .map_err(|e| e.to_string())?;
        let merchant = MerchantSpec {
            id: MerchantId::parse(MID).ok_or("merchant id")?,
            name: "Kassa Sim Store".into(),
            mcc: "5411".into(),
            mail_order: false,
            single_limit: Amount(100_000_000),
            daily_limit: Amount(100_000_000_000),
        };
        let count = u32::try_from(config.terminals).map_err(|e| e.to_string())?;
        world::provision(&store, hsm.as_ref(), &merchant, FIRST_TID, count, clock.now_ms())
            .await
            .map_err(|e| e.to_string())?
    };
    let world = Arc::new(World {
        dir,
        hsm,
        zone,
        clock: clock.clone(),
        net: net.clone(),
        simulator: simulator.clone(),
        settings,
        host: Arc::new(Mutex::new(None)),
        counters: Arc::new(HostCounters::default()),
        trace,
        auditor: Arc::new(Mutex::new(Auditor::new(MID))),
        violation: Arc::new(Mutex::new(None)),
        crashes: AtomicU64::new(0),
    });
    {
        let w = Arc::downgrade(&world);
        net.set_server(
            Link::Terminal,
            Some(Arc::new(move |stream| w.upgrade().is_some_and(|w| w.serve_terminal(stream)))),
        );
    }
    world.start_host().await?;
    if config.faults {
        net.set_faults(Link::Terminal, BASELINE_TERMINAL);
        net.set_faults(Link::Network, BASELINE_NETWORK);
    }
    // The business clock moves with simulated time.
    let ticking = CancellationToken::new();
    {
        let (clock, ticking) = (clock.clone(), ticking.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    biased;
                    _ = ticking.cancelled() => return,
                    _ = tick.tick() => clock.advance_ms(1_000),
                }
            }
        });
    }
    let budget = Arc::new(AtomicU64::new(config.steps));
    let operations = Arc::new(AtomicU64::new(0));
    let stop_faults = Arc::new(AtomicBool::new(false));
    let faults = config.faults.then(|| tokio::spawn(fault_driver(world.clone(), seed.fork(3), stop_faults.clone())));
    let office = tokio::spawn(back_office(world.clone(), seed.fork(4), stop_faults.clone()));
    let mut workers = Vec::new();
    for (i, (tid, tmk)) in terminals.iter().enumerate() {
        let t = terminal(tid.as_str(), tmk.clone(), &net);
        let rng = seed.fork(100 + i as u64);
        workers.push(tokio::spawn(workload::worker(world.clone(), t, rng, budget.clone(), operations.clone())));
    }
    let mut kept = Vec::new();
    for w in workers {
        kept.push(w.await.map_err(|e| format!("a terminal stopped: {e}"))?);
    }
    stop_faults.store(true, Ordering::SeqCst);
    if let Some(f) = faults {
        let _ = f.await;
    }
    let _ = office.await;
    quiet(&world, &mut kept).await;
    let day_runs = settle_days(&world).await;
    if lock(&world.violation).is_none() {
        let store = world.store().ok_or("no host at the end")?;
        let network: BTreeSet<(u32, String)> =
            simulator.with_issuer(|i| i.standing().into_keys().map(|k| (k.stan, k.transmitted)).collect());
        let mut auditor = std::mem::replace(&mut *lock(&world.auditor), Auditor::new(MID));
        match day_runs {
            Err(e) => world.fail(e),
            Ok(runs) => {
                if let Err(e) = auditor.check(&store, network, &runs).await {
                    world.fail(e);
                }
            }
        }
        *lock(&world.auditor) = auditor;
    }
    ticking.cancel();
    network_shutdown.cancel();
    world.kill_host();
    let approved = lock(&world.auditor).seen.iter().filter(|s| s.outcome == Outcome::Approved).count() as u64;
    let crashes = world.crashes.load(Ordering::Relaxed).saturating_sub(1);
    let violation = lock(&world.violation).clone();
    let (trace_hash, lines) = {
        let t = lock(&world.trace);
        (hex(&t.hash.clone().finalize()), t.lines.clone())
    };
    Ok(Report {
        seed: config.seed,
        trace_hash,
        trace: lines,
        violation,
        operations: operations.load(Ordering::Relaxed),
        approved,
        crashes,
        simulated: started.elapsed(),
        net_faults: net.counts(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const BASELINE_TERMINAL: LinkFaults =
    LinkFaults { drop: 8, duplicate: 8, delay: 40, delay_max_ms: 2_000, garble: 4, cut: 4 };
const BASELINE_NETWORK: LinkFaults =
    LinkFaults { drop: 8, duplicate: 8, delay: 60, delay_max_ms: 3_000, garble: 4, cut: 3 };
const STORM: LinkFaults =
    LinkFaults { drop: 150, duplicate: 60, delay: 300, delay_max_ms: 15_000, garble: 40, cut: 30 };

fn terminal(tid: &str, tmk: SecretKey, net: &SimNet) -> ScriptedTerminal {
    let mut t = match ScriptedTerminal::new(TerminalConfig {
        address: "host".into(),
        terminal_id: tid.to_string(),
        merchant_id: MID.into(),
        tmk,
        key_mode: KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_secs(30),
        state_path: None,
    }) {
        Ok(t) => t,
        Err(e) => unreachable!("a terminal with no state file cannot fail to start: {e}"),
    };
    t.set_dialer(net.dialer(Link::Terminal));
    t
}

/// Faults, one after another, by the seed, until told to stop.
async fn fault_driver(world: Arc<World>, mut rng: Rng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(rng.between(3_000, 40_000))).await;
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let hold = Duration::from_millis(rng.between(1_000, 20_000));
        match rng.weighted(&[5, 3, 3, 3, 3, 2, 3]) {
            0 => {
                world.kill_host();
                tokio::time::sleep(hold).await;
                if let Err(e) = world.start_host().await {
                    world.fail(e);
                    return;
                }
            }
            1 => {
                world.note(format!("terminal link partitioned for {} ms", hold.as_millis()));
                world.net.partition(Link::Terminal, true);
                tokio::time::sleep(hold).await;
                world.net.partition(Link::Terminal, false);
            }
            2 => {
                world.note(format!("network link partitioned for {} ms", hold.as_millis()));
                world.net.partition(Link::Network, true);
                tokio::time::sleep(hold).await;
                world.net.partition(Link::Network, false);
            }
            3 => {
                let faults = Faults {
                    delay_ms: rng.between(0, 12_000),
                    drop_percent: rng.between(0, 30) as u8,
                    error_percent: rng.between(0, 30) as u8,
                    credit_drop_percent: 0,
                    seed: rng.next_u64(),
                };
                world.note(format!("network simulator faulty for {} ms: {faults:?}", hold.as_millis()));
                world.simulator.set_faults(faults);
                tokio::time::sleep(hold).await;
                world.simulator.set_faults(Faults { seed: rng.next_u64(), ..Faults::default() });
            }
            4 => {
                let link = if rng.below(2) == 0 { Link::Terminal } else { Link::Network };
                world.note(format!("{link:?} link storm for {} ms", hold.as_millis()));
                world.net.set_faults(link, STORM);
                tokio::time::sleep(hold).await;
                world.net.set_faults(link, if link == Link::Terminal { BASELINE_TERMINAL } else { BASELINE_NETWORK });
            }
            5 => {
                // To half a minute before the next midnight in China: the business day turns.
                let local = world.clock.local();
                let into_day =
                    (i64::from(local.hour) * 3600 + i64::from(local.minute) * 60 + i64::from(local.second)) * 1000;
                let jump = 86_400_000 - into_day - 30_000;
                if jump > 0 {
                    world.note(format!("the clock jumps {jump} ms, to before midnight"));
                    world.clock.advance_ms(jump);
                }
            }
            _ => {
                world.note(format!("the disk refuses writes for {} ms", hold.as_millis()));
                if let Some(store) = world.store() {
                    store.refuse_writes(true);
                    tokio::time::sleep(hold).await;
                    store.refuse_writes(false);
                }
            }
        }
    }
}

/// The operations team: now and then, each business day whose cut-off has
/// passed is settled while the terminals carry on and the faults go on (a
/// run that finds the day changing or in flight says so, and is run again
/// at the next round).
async fn back_office(world: Arc<World>, mut rng: Rng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(rng.between(10_000, 60_000))).await;
        let Some(store) = world.store() else { continue };
        let today = kassa_settlement::CutOff::MIDNIGHT.business_date(&world.clock.local());
        let Ok(dates) = business_days(&store, true).await else { continue };
        for date in dates.into_iter().filter(|d| *d < today) {
            let fees = kassa_settlement::FeeSchedule::standard();
            match kassa_dayrun::settle::run(&store, &date, &fees, world.clock.now_ms(), |_, _| {}).await {
                Ok(summary) => world.note(format!(
                    "the back office settles {date}: gross {} voids {} refunds {}",
                    summary.gross, summary.voids, summary.refunds
                )),
                Err(e) => world.note(format!("the back office could not settle {date} yet: {}", error_kind(&e))),
            }
        }
    }
}

/// A day run's error in words that do not vary between runs.
fn error_kind(e: &kassa_dayrun::Error) -> &'static str {
    match e {
        kassa_dayrun::Error::Refused(_) => "the day kept changing",
        _ => "the store failed",
    }
}

/// The business days with transactions or late reversals put on them, in
/// order; only those with no settlement recorded yet when `unsettled`.
async fn business_days(store: &SqliteStore, unsettled: bool) -> kassa_store::Result<Vec<String>> {
    store
        .office_read(move |sql| {
            let rows = sql.query(
                "SELECT d FROM (SELECT business_date AS d FROM transactions
                                UNION SELECT adjusted_date FROM transactions WHERE adjusted_date IS NOT NULL) days
                 WHERE ?1 = 0 OR NOT EXISTS (SELECT 1 FROM merchant_settlements s WHERE s.business_date = days.d)
                 ORDER BY d",
                kassa_store::sql_params![i64::from(unsettled)],
            )?;
            rows.iter().map(|r| r.text(0)).collect::<kassa_store::Result<Vec<_>>>()
        })
        .await
}

/// Ends the faults and lets every kept reversal and queued one through.
async fn quiet(world: &Arc<World>, kept: &mut [ScriptedTerminal]) {
    world.note("quiet: faults off".to_string());
    world.net.set_faults(Link::Terminal, LinkFaults::default());
    world.net.set_faults(Link::Network, LinkFaults::default());
    world.net.partition(Link::Terminal, false);
    world.net.partition(Link::Network, false);
    world.simulator.set_faults(Faults::default());
    if let Some(store) = world.store() {
        store.refuse_writes(false);
    }
    if world.store().is_none()
        && let Err(e) = world.start_host().await
    {
        world.fail(e);
        return;
    }
    for t in kept.iter_mut() {
        for _ in 0..20 {
            match t.send_pending_reversal().await {
                Ok(_) => break,
                Err(kassa_terminal::TerminalError::NotSignedIn | kassa_terminal::TerminalError::ReversalKept(_)) => {
                    let _ = t.sign_in().await;
                }
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        }
        if t.state().pending_reversal.is_some() {
            world.fail(format!("{}: its reversal could not be sent on a quiet network", workload::id(t)));
        }
    }
    // What a crash or a refusing disk left in flight is swept up by the host
    // (`world::recover_stale`, after three network timeouts), and the host's
    // own queue of reversals drains.
    let in_flight = |store: SqliteStore| async move {
        store
            .office_read(|sql| sql.query("SELECT id FROM transactions WHERE state = 'in_flight'", &[]).map(|r| r.len()))
            .await
            .unwrap_or(usize::MAX)
    };
    for (what, limit) in [("in flight", 600), ("queued for reversal", 600)] {
        let mut left = usize::MAX;
        for _ in 0..limit {
            left = match world.store() {
                Some(store) if what == "in flight" => in_flight(store).await,
                Some(store) => store.saf_depth().await.map_or(usize::MAX, |d| d as usize),
                None => usize::MAX,
            };
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        if left > 0 {
            world.fail(format!("{left} transactions still {what} after {limit} s on a quiet network"));
            return;
        }
    }
    // Each terminal settles its open batch, uploading it if the totals differ.
    for t in kept.iter_mut() {
        let _ = t.sign_in().await;
        workload::settle(world, t).await;
    }
}

/// The settlement run of every business day the store has (and every day a
/// late reversal was put on), and what each recorded.
async fn settle_days(world: &World) -> Result<BTreeMap<String, auditor::Settled>, String> {
    let store = world.store().ok_or("no host")?;
    let dates = business_days(&store, false).await.map_err(|e| e.to_string())?;
    let fees = kassa_settlement::FeeSchedule::standard();
    let mut runs = BTreeMap::new();
    for date in dates {
        kassa_dayrun::settle::run(&store, &date, &fees, world.clock.now_ms(), |_, _| {})
            .await
            .map_err(|e| format!("the settlement run of {date}: {e}"))?;
        // What was recorded (and paid), not what the day reads as now: a day the
        // back office settled earlier must have stayed as it was settled.
        let key = date.clone();
        let settled = store
            .office_read(move |sql| {
                let rows = sql.query(
                    "SELECT COALESCE(SUM(gross), 0), COALESCE(SUM(voids), 0), COALESCE(SUM(refunds), 0),
                            COALESCE(SUM(adjustments), 0)
                     FROM merchant_settlements WHERE business_date = ?1",
                    kassa_store::sql_params![key],
                )?;
                let row = rows.first().ok_or(kassa_store::StoreError::NotFound("sums".into()))?;
                Ok(auditor::Settled {
                    gross: row.int(0)?.unsigned_abs(),
                    voids: row.int(1)?.unsigned_abs(),
                    refunds: row.int(2)?.unsigned_abs(),
                    adjustments: row.int(3)?,
                })
            })
            .await
            .map_err(|e| e.to_string())?;
        world.note(format!(
            "day {date} settled: gross {} voids {} refunds {} late reversals {}",
            settled.gross, settled.voids, settled.refunds, settled.adjustments
        ));
        runs.insert(date, settled);
    }
    Ok(runs)
}
