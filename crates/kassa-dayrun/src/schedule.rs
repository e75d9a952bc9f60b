//! The schedule: after each business day's cut-off, the merchant-day rules,
//! the settlement, the reconciliation (from the simulator, or from the
//! network's clearing files as they arrive) and the payouts, in that order.

use std::sync::Arc;
use std::time::Duration;

use kassa_core::time::Clock;
use kassa_crypto::SecurityModule;
use kassa_store::Store;
use tokio_util::sync::CancellationToken;

/// Where a business day's clearing records come from for reconciliation.
#[derive(Clone, Debug)]
pub enum Clearing {
    /// Not reconciled on the schedule (`kassa reconcile --clearing FILE` on demand).
    None,
    /// The embedded network simulator (the demo).
    Simulator(kassa_network_sim::Simulator),
    /// A directory the network's files arrive in, `clearing-YYYYMMDD.csv` per
    /// business day; a file not there yet is looked for again every
    /// [`CLEARING_RETRY`], [`CLEARING_TRIES`] times.
    Directory(std::path::PathBuf),
}

/// How often, and how many times, a clearing file not yet arrived is looked for.
pub const CLEARING_RETRY: Duration = Duration::from_secs(600);
pub const CLEARING_TRIES: u32 = 36;

/// What the scheduled day run does after each cut-off.
#[derive(Clone)]
pub struct DayRun<S: Store> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub cutoff: kassa_settlement::CutOff,
    pub clearing: Clearing,
    /// The security module that unseals settlement cards: payouts on when given.
    pub payouts: Option<Arc<dyn SecurityModule>>,
    /// The merchant-day rules, when the rules engine is on.
    pub monitor: Option<crate::monitor::Monitor>,
}

impl<S: Store> std::fmt::Debug for DayRun<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DayRun")
            .field("cutoff", &self.cutoff)
            .field("clearing", &self.clearing)
            .field("payouts", &self.payouts.is_some())
            .field("monitor", &self.monitor.is_some())
            .finish()
    }
}

/// Reconciles `date` from a clearing file in `dir`, waiting for it to arrive.
async fn reconcile_from_file<S: Store>(store: S, clock: Arc<dyn Clock>, dir: std::path::PathBuf, date: String) {
    let path = dir.join(format!("clearing-{date}.csv"));
    for _ in 0..CLEARING_TRIES {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                match kassa_settlement::parse_clearing(&text) {
                    Ok(items) => match crate::reconcile::run(&store, &date, &items, clock.now_ms()).await {
                        Ok(summary) => tracing::info!(
                            date,
                            matched = summary.reconciliation.matched,
                            breaks = summary.reconciliation.breaks.len(),
                            "business day reconciled"
                        ),
                        Err(error) => tracing::error!(date, %error, "reconciliation run"),
                    },
                    Err(error) => tracing::error!(date, path = %path.display(), %error, "clearing file unreadable"),
                }
                return;
            }
            Err(_) => tokio::time::sleep(CLEARING_RETRY).await,
        }
    }
    tracing::warn!(date, path = %path.display(), "no clearing file arrived; reconcile with kassa reconcile");
}

/// Settles each business day shortly after its cut-off, for as long as the
/// host runs: the merchant-day rules first, then the settlement, the
/// reconciliation (from the simulator in the demo, or from the network's
/// clearing files), and the payouts through the simulated bank.
pub async fn daily_settlement<S: Store>(run: DayRun<S>, shutdown: CancellationToken) {
    let DayRun { store, clock, cutoff, clearing, payouts, monitor } = run;
    let simulator = match &clearing {
        Clearing::Simulator(simulator) => Some(simulator.clone()),
        _ => None,
    };
    let fees = kassa_settlement::FeeSchedule::standard();
    let bank = crate::payout::SimulatedBank::new(Default::default(), Duration::ZERO, clock.clone());
    loop {
        let (delay_ms, date) = cutoff.next_run(clock.now_ms(), clock.offset_minutes());
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(delay_ms.max(0) as u64)) => {}
        }
        // The demo (which has the simulator) also shows the day to the person watching.
        let show = |text: String| {
            if simulator.is_some() {
                print!("{text}");
            }
        };
        show(format!("\n— business day {date} closed —\n"));
        // The merchant-day rules first: a hold must be marked before the day settles.
        if let Some(monitor) = &monitor {
            match crate::monitor::run(&store, monitor, &date, clock.now_ms()).await {
                Ok(summary) => {
                    tracing::info!(date, hits = summary.hits.len(), held = summary.held, "risk monitoring run");
                    show(crate::monitor::report(&summary));
                }
                Err(error) => tracing::error!(date, %error, "risk monitoring run"),
            }
        }
        match crate::settle::run(&store, &date, &fees, clock.now_ms(), |_, _| {}).await {
            Ok(summary) => {
                tracing::info!(date, merchants = summary.merchants, net = summary.net, "business day settled");
                show(crate::settle::report(&summary));
            }
            Err(error) => tracing::error!(date, %error, "settlement run"),
        }
        if let Some(simulator) = &simulator {
            let clearing_items: Vec<kassa_settlement::ClearingItem> = simulator
                .with_issuer(|issuer| issuer.clearing(date.get(4..).unwrap_or_default()))
                .into_iter()
                .map(|r| kassa_settlement::ClearingItem {
                    stan: r.stan,
                    transmitted: r.transmitted,
                    kind: r.kind.to_string(),
                    amount: r.amount,
                    rrn: r.rrn,
                })
                .collect();
            match crate::reconcile::run(&store, &date, &clearing_items, clock.now_ms()).await {
                Ok(summary) => {
                    tracing::info!(
                        date,
                        matched = summary.reconciliation.matched,
                        breaks = summary.reconciliation.breaks.len(),
                        "business day reconciled"
                    );
                    show(crate::reconcile::report(&summary));
                }
                Err(error) => tracing::error!(date, %error, "reconciliation run"),
            }
        }
        if let Clearing::Directory(dir) = &clearing {
            tokio::spawn(reconcile_from_file(store.clone(), clock.clone(), dir.clone(), date.clone()));
        }
        let Some(hsm) = &payouts else { continue };
        match crate::payout::run(&store, &bank, hsm.as_ref(), Some(&date), clock.now_ms()).await {
            Ok(s) => {
                tracing::info!(date, created = s.created, paid = s.paid, failed = s.failed, "payouts run");
                show(crate::payout::report(&s));
            }
            Err(error) => tracing::error!(date, %error, "payouts run"),
        }
    }
}
