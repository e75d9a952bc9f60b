//! The long-running commands: `kassa demo`, `kassa serve`, `kassa network-sim`,
//! and `kassa config example`. Each runs until Ctrl-C, then shuts down gracefully.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use kassa::config::{Config, EXAMPLE, TEST_ZONE_MAC_KEY, TEST_ZONE_PIN_KEY};
use kassa::world::{self, ZoneKeys};
use kassa_core::time::{Clock, SystemClock};
use kassa_network_sim::{Faults, clearing_csv, test_cards};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many demo terminals to provision (for load tests).
    #[arg(long, default_value_t = 2)]
    terminals: u32,
    /// Where the demo keeps its files (store, keys, demo.json, terminal state).
    #[arg(long, default_value = "kassa-demo")]
    data_dir: PathBuf,
    /// The host's port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 5000)]
    port: u16,
    /// Risk rules: `starter` (the shipped ruleset) or `off` (limits and block
    /// lists only — for load tests, whose few cards on many terminals are
    /// exactly what the rules decline).
    #[arg(long, default_value = "starter", value_parser = ["starter", "off"])]
    risk: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The configuration file (every setting has a default; see `kassa config example`).
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:5800")]
    listen: String,
    /// Zone PIN key shared with the host (hex, TDES; test key by default).
    #[arg(long, default_value = TEST_ZONE_PIN_KEY)]
    zone_pin_key: String,
    /// Zone MAC key shared with the host (32 hex digits, AES-128; test key by default).
    #[arg(long, default_value = TEST_ZONE_MAC_KEY)]
    zone_mac_key: String,
    /// Delay before every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Percent of requests processed but never answered.
    #[arg(long, default_value_t = 0)]
    drop_percent: u8,
    /// Percent of requests answered 96 without being processed.
    #[arg(long, default_value_t = 0)]
    error_percent: u8,
    /// Percent of payments to cards (the credit legs of transfers and
    /// repayments) processed but never answered.
    #[arg(long, default_value_t = 0)]
    credit_drop_percent: u8,
    /// Seed of the fault rolls.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the day's clearing file (CSV) here when stopping.
    #[arg(long)]
    clearing_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SettleArgs {
    /// The business day to settle, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// The configuration file naming the store (default: the demo's store with --demo).
    #[arg(long, conflicts_with = "demo")]
    config: Option<PathBuf>,
    /// Settle the demo's store in this directory.
    #[arg(long)]
    demo: Option<PathBuf>,
    /// Settle the business day still open: each merchant's transactions from then on
    /// belong to its next business day, and voids of the settled day's sales are refused.
    #[arg(long)]
    open_day: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The business day, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// The network's clearing file (CSV, as `kassa network-sim --clearing-dir` writes it).
    #[arg(long)]
    clearing: PathBuf,
    #[arg(long, conflicts_with = "demo")]
    config: Option<PathBuf>,
    /// Reconcile the demo's store in this directory.
    #[arg(long)]
    demo: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print a commented kassa.toml with every default.
    Example,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// The runtime of a host (or of the bench): `workers` threads
/// (`kassa::config::runtime_workers`). One worker is tokio's current-thread
/// scheduler — the thread that runs the host is the worker, with no work
/// stealing to pay for and no hand-off to another thread. Against a
/// one-worker multi-thread runtime, `kassa bench` (100 × 500 on 2 cores):
/// +4.7% throughput with the demo alone on it, +6.6% with the bench too
/// (each 3 of 3 interleaved runs).
pub(crate) fn host_runtime(workers: usize) -> Result<tokio::runtime::Runtime> {
    let mut builder = match workers {
        0 | 1 => tokio::runtime::Builder::new_current_thread(),
        _ => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(workers);
            builder
        }
    };
    Ok(builder.enable_all().build()?)
}

fn init_logs(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG").unwrap_or_else(|_| level.into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

async fn until_ctrl_c(shutdown: &CancellationToken) {
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("stopping…");
    shutdown.cancel();
}

pub fn demo(args: DemoArgs) -> Result<ExitCode> {
    init_logs("warn");
    if args.terminals == 0 || args.terminals > 100_000 {
        bail!("--terminals: 1 to 100000");
    }
    // The demo's store is SQLite: its writer gets a core of its own
    // (KASSA_HOST_PIN_THREADS=false leaves the threads to the kernel).
    let config = Config::load(None).map_err(|e| anyhow!(e))?;
    let placement = kassa::config::thread_placement(config.host.pin_threads, 0, &kassa::affinity::allowed_cpus(), true);
    kassa::affinity::pin_others(placement.as_ref());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    host_runtime(kassa::config::runtime_workers(0, cores, true))?.block_on(async {
        let shutdown = CancellationToken::new();
        let recorder = kassa::metrics::install_recorder().map_err(|e| anyhow!("metrics: {e}"))?;
        let rules = args.risk == "starter";
        let demo =
            kassa::demo::start(&args.data_dir, args.terminals, args.port, rules, placement.as_ref(), shutdown.clone())
                .await
                .map_err(|e| anyhow!("start the demo: {e}"))?;
        println!("{}", kassa::demo::banner(&demo));
        let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
        let cutoff = kassa_settlement::CutOff::MIDNIGHT;
        let sim = Some(demo.sim.simulator.clone());
        let hsm: Arc<dyn kassa_crypto::SecurityModule> = Arc::new(
            kassa::demo::load_or_create_lmk(&demo.dir.join("lmk.hex")).map_err(|e| anyhow!("demo keys: {e}"))?,
        );
        let run = world::DayRun {
            store: demo.host.store.clone(),
            clock,
            cutoff,
            clearing: sim.map_or(world::Clearing::None, world::Clearing::Simulator),
            payouts: Some(hsm),
            monitor: demo.host.monitor.clone(),
        };
        tokio::spawn(world::daily_settlement(run, shutdown.clone()));
        let metrics_port = if args.port == 0 { 0 } else { args.port.saturating_add(1) };
        match kassa::metrics::serve(&format!("127.0.0.1:{metrics_port}"), recorder, shutdown.clone()).await {
            Ok(address) => println!("metrics: http://{address}/metrics"),
            Err(error) => eprintln!("metrics endpoint not started: {error}"),
        }
        until_ctrl_c(&shutdown).await;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn serve(args: ServeArgs) -> Result<ExitCode> {
    let config = Config::load(args.config.as_deref()).map_err(|e| anyhow!(e))?;
    let settings = config.host_settings().map_err(|e| anyhow!(e))?;
    init_logs(&config.log.level);
    let zone = ZoneKeys::from_hex(&config.network.zone_pin_key, &config.network.zone_mac_key)
        .map_err(|e| anyhow!("network zone keys: {e}"))?;
    let placement = config.placement();
    kassa::affinity::pin_others(placement.as_ref());
    host_runtime(config.workers())?.block_on(async {
        let shutdown = CancellationToken::new();
        let store =
            kassa_store::AnyStore::open_with(&config.store.url, kassa::affinity::writer_options(placement.as_ref()))
                .await
                .map_err(|e| anyhow!("open the store at {}: {e}", config.store.url))?;
        let hsm = Arc::new(
            kassa::demo::load_or_create_lmk(&config.security.lmk_file).map_err(|e| anyhow!("local master key: {e}"))?,
        );
        let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: config.rules.utc_offset_minutes });
        let recorder = kassa::metrics::install_recorder().map_err(|e| anyhow!("metrics: {e}"))?;
        let host = world::start_host(&settings, store, hsm.clone(), &zone, clock.clone(), shutdown.clone())
            .await
            .map_err(|e| anyhow!("start the host: {e}"))?;
        let payouts: Option<Arc<dyn kassa_crypto::SecurityModule>> =
            if config.payouts.enabled().map_err(|e| anyhow!(e))? { Some(hsm.clone()) } else { None };
        let clearing = match config.reconcile.clearing_dir.as_str() {
            "" => world::Clearing::None,
            dir => world::Clearing::Directory(dir.into()),
        };
        let run = world::DayRun {
            store: host.store.clone(),
            clock: clock.clone(),
            cutoff: settings.cutoff,
            clearing,
            payouts,
            monitor: host.monitor.clone(),
        };
        tokio::spawn(world::daily_settlement(run, shutdown.clone()));
        println!("kassa host: terminals on {}, network at {}", host.address, config.network.address);
        if let Some(engine) = host.rules.clone() {
            let path = config.risk.ruleset.clone();
            if path != "starter" {
                println!("risk rules: {path} (kill -HUP {} reloads it)", std::process::id());
                tokio::spawn(reload_on_hangup(engine, path, shutdown.clone()));
            }
        }
        if !config.api.listen.is_empty() {
            let bank = Arc::new(kassa_api::office::SimulatedBankDirectory::default());
            for account in &config.api.bank_accounts {
                bank.open_account(&account.card, &account.holder);
            }
            let policies = kassa_api::Policies {
                credit_bins: config.risk.credit_bins.clone(),
                ..config.api.policies().map_err(|e| anyhow!(e))?
            };
            let office = kassa::api::office(host.store.clone(), hsm.clone(), clock.clone(), bank, policies);
            if let Ok(password) = std::env::var("KASSA_ADMIN_PASSWORD") {
                match office.create_staff(config.api.admin.clone(), kassa_merchant::StaffRole::Admin, password).await {
                    Ok(()) => println!("created the administrator {:?}", config.api.admin),
                    Err(e) if e.code == "username_taken" => {}
                    Err(e) => return Err(anyhow!("create the administrator: {}", e.reason)),
                }
            }
            let address = kassa::api::serve(&config.api.listen, office, shutdown.clone())
                .await
                .map_err(|e| anyhow!("API on {}: {e}", config.api.listen))?;
            println!("merchant and operations API: http://{address}/api/v1");
        }
        if !config.host.metrics_listen.is_empty() {
            let address = kassa::metrics::serve(&config.host.metrics_listen, recorder, shutdown.clone())
                .await
                .map_err(|e| anyhow!("metrics endpoint on {}: {e}", config.host.metrics_listen))?;
            println!("metrics: http://{address}/metrics");
        }
        until_ctrl_c(&shutdown).await;
        tokio::time::sleep(settings.limits.shutdown_grace.min(std::time::Duration::from_secs(2))).await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Re-reads the ruleset file at each SIGHUP and swaps it in; a bad file changes nothing.
async fn reload_on_hangup(engine: Arc<kassa_risk::Engine>, path: String, shutdown: CancellationToken) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
        return;
    };
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            got = hangups.recv() => if got.is_none() { return },
        }
        let outcome = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| world::reload_ruleset(&engine, &text));
        match outcome {
            Ok((previous, version)) => println!("risk rules: version {previous} replaced by {version}"),
            Err(error) => eprintln!("risk rules: {path} not reloaded: {error}"),
        }
    }
}

pub fn network_sim(args: SimArgs) -> Result<ExitCode> {
    init_logs("info");
    if args.drop_percent > 100 || args.error_percent > 100 {
        bail!("--drop-percent and --error-percent are percentages: 0 to 100");
    }
    let zone = ZoneKeys::from_hex(&args.zone_pin_key, &args.zone_mac_key).map_err(|e| anyhow!("zone keys: {e}"))?;
    let faults = Faults {
        delay_ms: args.delay_ms,
        drop_percent: args.drop_percent,
        error_percent: args.error_percent,
        credit_drop_percent: args.credit_drop_percent.min(100),
        seed: args.seed,
    };
    runtime()?.block_on(async {
        let shutdown = CancellationToken::new();
        let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
        let sim = world::start_simulator(&args.listen, &zone, faults, test_cards(), clock.clone(), shutdown.clone())
            .await
            .map_err(|e| anyhow!("start the simulator: {e}"))?;
        println!("kassa network simulator on {} ({} test cards)", sim.address, test_cards().len());
        until_ctrl_c(&shutdown).await;
        if let Some(dir) = &args.clearing_dir {
            let date = clock.local().mmdd();
            let records = sim.simulator.with_issuer(|issuer| issuer.clearing(&date));
            std::fs::create_dir_all(dir)?;
            let path = dir.join(format!("clearing-{}.csv", clock.local().yyyymmdd()));
            std::fs::write(&path, clearing_csv(&records))?;
            println!("clearing file: {} ({} records)", path.display(), records.len());
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn config(command: ConfigCommand) -> Result<ExitCode> {
    match command {
        ConfigCommand::Example => print!("{EXAMPLE}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn business_date(text: &str) -> Result<String> {
    let date: String = text.chars().filter(char::is_ascii_digit).collect();
    if date.len() != 8 || kassa_core::time::day_number_of(&date).is_none() {
        bail!("--date {text:?} is not a date: use YYYY-MM-DD (a day its month has)");
    }
    Ok(date)
}

pub(crate) fn store_url(config: Option<&std::path::Path>, demo: Option<&std::path::Path>) -> Result<String> {
    Ok(match demo {
        Some(dir) => format!("sqlite://{}", dir.join("kassa.db").display()),
        None => Config::load(config).map_err(|e| anyhow!(e))?.store.url,
    })
}

/// `kassa reconcile --date YYYY-MM-DD --clearing FILE`: matches the day against the
/// network's clearing file and queues every break; safe to run again.
pub fn reconcile(args: ReconcileArgs) -> Result<ExitCode> {
    init_logs("warn");
    let date = business_date(&args.date)?;
    let url = store_url(args.config.as_deref(), args.demo.as_deref())?;
    let text = std::fs::read_to_string(&args.clearing).map_err(|e| anyhow!("read {}: {e}", args.clearing.display()))?;
    let clearing = kassa_settlement::parse_clearing(&text).map_err(|e| anyhow!("{e}"))?;
    runtime()?.block_on(async {
        let store = kassa_store::AnyStore::open(&url).await.map_err(|e| anyhow!("open the store at {url}: {e}"))?;
        let clock = SystemClock { offset_minutes: 480 };
        let summary = kassa::reconcile::run(&store, &date, &clearing, clock.now_ms())
            .await
            .map_err(|e| anyhow!("reconcile {date}: {e}"))?;
        print!("{}", kassa::reconcile::report(&summary));
        Ok(ExitCode::SUCCESS)
    })
}

/// `kassa settle --date YYYY-MM-DD`: settles a business day; safe to run again.
pub fn settle(args: SettleArgs) -> Result<ExitCode> {
    init_logs("warn");
    let date = business_date(&args.date)?;
    let url = store_url(args.config.as_deref(), args.demo.as_deref())?;
    // The demo pays out through its simulated bank under its own key; a configured
    // host through its configured adapter under its configured key.
    // With a ruleset active in the store or configured, the merchant-day rules run first
    // (as the scheduled run does).
    let (cutoff, offset_minutes, payout_key, configured, bins) = match args.demo.as_deref() {
        Some(dir) => (kassa_settlement::CutOff::MIDNIGHT, 480, Some(dir.join("lmk.hex")), None, Vec::new()),
        None => {
            let config = Config::load(args.config.as_deref()).map_err(|e| anyhow!(e))?;
            let settings = config.host_settings().map_err(|e| anyhow!(e))?;
            let key = config.payouts.enabled().map_err(|e| anyhow!(e))?.then(|| config.security.lmk_file.clone());
            (settings.cutoff, config.rules.utc_offset_minutes, key, settings.ruleset, settings.credit_bins)
        }
    };
    let clock = SystemClock { offset_minutes };
    let open = cutoff.business_date(&kassa_core::time::LocalTime::from_unix_ms(clock.now_ms(), offset_minutes));
    if date >= open && !args.open_day {
        bail!(
            "business day {date} has not closed yet (cut-off {:02}:{:02}); a day settles once, so its later \
             transactions would go to the next day and its sales could no longer be voided. Wait for the \
             cut-off, or pass --open-day to settle it anyway.",
            cutoff.hour,
            cutoff.minute
        );
    }
    runtime()?.block_on(async {
        let store = kassa_store::AnyStore::open(&url).await.map_err(|e| anyhow!("open the store at {url}: {e}"))?;
        let stored = world::active_ruleset(&store).await.map_err(|e| anyhow!("read the active ruleset: {e}"))?;
        if let Some(text) = stored.map(|(_, text)| text).or(configured) {
            let ruleset = kassa_risk::Ruleset::from_toml(&text)
                .and_then(|r| r.compile())
                .map_err(|e| anyhow!("risk ruleset: {e}"))?;
            let monitor = kassa::monitor::Monitor {
                engine: Arc::new(kassa_risk::Engine::new(ruleset)),
                credit_bins: Arc::new(bins.into_iter().collect()),
            };
            let found = kassa::monitor::run(&store, &monitor, &date, clock.now_ms())
                .await
                .map_err(|e| anyhow!("risk monitoring {date}: {e}"))?;
            print!("{}", kassa::monitor::report(&found));
        }
        let bar = indicatif::ProgressBar::new(0);
        let fees = kassa_settlement::FeeSchedule::standard();
        let summary = kassa::settle::run(&store, &date, &fees, clock.now_ms(), |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await
        .map_err(|e| anyhow!("settle {date}: {e}"))?;
        bar.finish_and_clear();
        print!("{}", kassa::settle::report(&summary));
        if let Some(key) = payout_key {
            let hsm = kassa::demo::load_or_create_lmk(&key).map_err(|e| anyhow!("local master key: {e}"))?;
            let bank =
                kassa::payout::SimulatedBank::new(Default::default(), std::time::Duration::ZERO, Arc::new(clock));
            let payouts = kassa::payout::run(&store, &bank, &hsm, Some(&date), clock.now_ms())
                .await
                .map_err(|e| anyhow!("pay out {date}: {e}"))?;
            print!("{}", kassa::payout::report(&payouts));
        }
        Ok(ExitCode::SUCCESS)
    })
}
