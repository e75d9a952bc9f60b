//! Starting the parts: the network simulator, and the host with its store,
//! security module, network link, switch and store-and-forward worker.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kassa_core::time::Clock;
use kassa_core::{Amount, Batch, MerchantId, TerminalId};
use kassa_crypto::{KeyAlgorithm, KeyUsage, SecretKey, SecurityModule, SoftwareSecurityModule, random};
use kassa_host::{HostCounters, HostLimits};
use kassa_network::{Dialer, LinkConfig, NetworkLink};
use kassa_network_sim::{CardAccount, Faults, Issuer, SimKeys, Simulator, Today};
use kassa_store::{Merchant, MerchantStatus, Store, Terminal, TerminalStatus};
use kassa_switch::{LimitsAndBlockLists, RuleLimits, Switch, SwitchConfig};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The keys the acquirer shares with the network: the zone PIN key (TDES) and
/// the zone MAC key (AES-128, for the link's AES-CMAC).
#[derive(Clone, Debug)]
pub struct ZoneKeys {
    pub pin: SecretKey,
    pub mac: SecretKey,
}

impl ZoneKeys {
    pub fn generate() -> Result<ZoneKeys, Error> {
        Ok(ZoneKeys {
            pin: random::generate_key(KeyAlgorithm::Tdes2)?,
            mac: random::generate_key(KeyAlgorithm::Aes128)?,
        })
    }

    pub fn from_hex(pin: &str, mac: &str) -> Result<ZoneKeys, Error> {
        Ok(ZoneKeys {
            pin: SecretKey::from_hex(pin, None)?,
            mac: SecretKey::from_hex(mac, Some(KeyAlgorithm::Aes128))?,
        })
    }
}

/// A running network simulator.
#[derive(Clone, Debug)]
pub struct SimHandle {
    pub address: SocketAddr,
    pub simulator: Simulator,
}

/// Starts the network simulator on `listen` with `cards`.
pub async fn start_simulator(
    listen: &str,
    zone: &ZoneKeys,
    faults: Faults,
    cards: Vec<CardAccount>,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> Result<SimHandle, Error> {
    let hsm = Arc::new(SoftwareSecurityModule::new(&*SoftwareSecurityModule::generate_lmk()?));
    let keys =
        SimKeys { pin: hsm.import_key(KeyUsage::Pin, &zone.pin)?, mac: hsm.import_key(KeyUsage::Mac, &zone.mac)? };
    let today = Arc::new(move || {
        let now = clock.local();
        Today { yymm: now.yymm(), mmdd: now.mmdd() }
    });
    let simulator = Simulator::new(Issuer::new(cards), hsm, keys, faults, today);
    let listener = TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    tokio::spawn(simulator.clone().serve(listener, shutdown));
    tracing::info!(%address, "network simulator listening");
    Ok(SimHandle { address, simulator })
}

/// How the host runs.
#[derive(Clone, Debug)]
pub struct HostSettings {
    pub listen: String,
    /// `host:port` of the card network.
    pub network: String,
    pub acquirer: String,
    pub network_timeout: Duration,
    pub echo_interval: Duration,
    pub limits: HostLimits,
    pub rules: RuleLimits,
    pub cutoff: kassa_settlement::CutOff,
    /// A risk ruleset (TOML) for the rules engine after the limits and block
    /// lists; `None` keeps the limits and block lists alone.
    pub ruleset: Option<String>,
    /// Issuer prefixes (6 digits) of credit cards, for the rules engine.
    pub credit_bins: Vec<String>,
    /// The mobile reader's services: fees and limits.
    pub services: kassa_core::services::ServiceRules,
    /// How long a top-up waits for the carrier.
    pub carrier_timeout: Duration,
}

impl Default for HostSettings {
    fn default() -> Self {
        HostSettings {
            listen: "127.0.0.1:0".into(),
            network: "127.0.0.1:5800".into(),
            acquirer: "49980000".into(),
            network_timeout: Duration::from_secs(10),
            echo_interval: Duration::from_secs(30),
            limits: HostLimits::default(),
            rules: RuleLimits::default(),
            cutoff: kassa_settlement::CutOff::MIDNIGHT,
            ruleset: None,
            credit_bins: Vec::new(),
            services: kassa_core::services::ServiceRules::default(),
            carrier_timeout: Duration::from_secs(5),
        }
    }
}

/// What a wired host holds beside its switch, for whoever runs it (a
/// listening host's handle, the simulation).
#[derive(Clone, Debug)]
pub struct HostParts<S: Store> {
    pub link: NetworkLink,
    pub store: S,
    pub risk: Arc<LimitsAndBlockLists>,
    /// The risk rules engine, when a ruleset is configured (for reloading).
    pub rules: Option<Arc<kassa_risk::Engine>>,
    /// The daily monitoring job's engine and credit issuers, with the rules engine on.
    pub monitor: Option<crate::monitor::Monitor>,
    /// How many in-flight transactions were reversed at start-up.
    pub recovered: u64,
    /// The simulated carrier top-ups are bought from (tests change its mode).
    pub carrier: Arc<kassa_switch::carrier::SimulatedCarrier>,
}

/// A running host: where it listens, its counters, and its parts
/// (`host.store`, `host.link`, … through `Deref`).
#[derive(Clone, Debug)]
pub struct HostHandle<S: Store> {
    pub address: SocketAddr,
    pub counters: Arc<HostCounters>,
    pub parts: HostParts<S>,
}

impl<S: Store> std::ops::Deref for HostHandle<S> {
    type Target = HostParts<S>;
    fn deref(&self) -> &HostParts<S> {
        &self.parts
    }
}

/// Starts the host: reverses what a previous run left in flight, connects the
/// network link, and serves terminals until `shutdown`.
pub async fn start_host<S: Store>(
    settings: &HostSettings,
    store: S,
    hsm: Arc<dyn SecurityModule>,
    zone: &ZoneKeys,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
) -> Result<HostHandle<S>, Error> {
    let host = assemble_host(settings, store, hsm, zone, clock, shutdown.clone(), Dialer::tcp()).await?;
    let listener = TcpListener::bind(&settings.listen).await?;
    let address = listener.local_addr()?;
    let counters = Arc::new(HostCounters::default());
    tokio::spawn(kassa_host::serve(listener, host.switch, settings.limits, counters.clone(), shutdown));
    tracing::info!(%address, "host listening for terminals");
    Ok(HostHandle { address, counters, parts: host.parts })
}

/// A host's parts, wired and running, but not listening: [`start_host`] puts
/// the switch behind a TCP listener; the simulation serves it its own streams.
#[derive(Debug)]
pub struct Assembled<S: Store> {
    pub switch: Switch<S, NetworkLink>,
    pub parts: HostParts<S>,
}

/// Recovers what the last run left in flight, links to the network through
/// `dialer`, and starts the switch with its background work (store-and-forward,
/// the services' second legs, holds expiring).
pub async fn assemble_host<S: Store>(
    settings: &HostSettings,
    store: S,
    hsm: Arc<dyn SecurityModule>,
    zone: &ZoneKeys,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    dialer: Dialer,
) -> Result<Assembled<S>, Error> {
    let recovered = store.recover_in_flight(i64::MAX, clock.now_ms()).await?;
    if recovered > 0 {
        tracing::warn!(recovered, "transactions left in flight by the last run are being reversed");
    }
    let link_config = LinkConfig {
        address: settings.network.clone(),
        acquirer: settings.acquirer.clone(),
        timeout: settings.network_timeout,
        echo_interval: settings.echo_interval,
        reconnect_delay_max: Duration::from_secs(5),
        mac_key: hsm.import_key(KeyUsage::Mac, &zone.mac)?,
    };
    let link = NetworkLink::spawn_with(link_config, hsm.clone(), shutdown.clone(), dialer);
    if !link.wait_up(Duration::from_secs(5)).await {
        tracing::warn!(network = %settings.network, "network link not up yet; will keep trying");
    }
    let risk = Arc::new(LimitsAndBlockLists::default());
    let mut rules = None;
    // The version activated in the store wins over the configured one: it is
    // what the analysts approved, and every host runs the same.
    let stored = active_ruleset(&store).await?.map(|(_, text)| text);
    let risk_step: Arc<dyn kassa_switch::Risk> = match stored.as_ref().or(settings.ruleset.as_ref()) {
        None => risk.clone(),
        Some(text) => {
            let ruleset = kassa_risk::Ruleset::from_toml(text)
                .and_then(|r| r.compile())
                .map_err(|e| format!("risk ruleset: {e}"))?;
            tracing::info!(version = ruleset.version, rules = ruleset.rules.len(), "risk rules engine on");
            let engine = Arc::new(kassa_risk::Engine::new(ruleset));
            rules = Some(engine.clone());
            tokio::spawn(follow_active_ruleset(store.clone(), engine.clone(), shutdown.clone()));
            let bins: std::collections::HashSet<String> = settings.credit_bins.iter().cloned().collect();
            let velocity = rebuild_velocity(&store, clock.now_ms(), &bins).await?;
            let engine_risk = kassa_switch::RuleEngineRisk::new(risk.clone(), engine, velocity, bins);
            let month: String = clock.local().yyyymmdd().chars().take(6).collect();
            let (last_payments, month_totals) = risk_history(&store, &month).await?;
            engine_risk.seed(last_payments, &month, month_totals);
            Arc::new(engine_risk)
        }
    };
    let config = SwitchConfig {
        acquirer: settings.acquirer.clone(),
        zone_pin_key: hsm.import_key(KeyUsage::Pin, &zone.pin)?,
        limits: settings.rules,
        cutoff: settings.cutoff,
        credit_bins: settings.credit_bins.iter().cloned().collect(),
        services: settings.services.clone(),
        carrier_timeout: settings.carrier_timeout,
    };
    let carrier = Arc::new(kassa_switch::carrier::SimulatedCarrier::default());
    let carrier_dyn: Arc<dyn kassa_switch::carrier::Carrier> = Arc::new(carrier.clone());
    let switch = Switch::new(store.clone(), link.clone(), hsm.clone(), risk_step, clock.clone(), config)
        .with_carrier(carrier_dyn.clone());
    // The services' second legs to reverse (after a failure, a terminal's
    // reversal, or this start's recovery), from the services table.
    tokio::spawn(kassa_switch::service::run(
        store.clone(),
        link.clone(),
        carrier_dyn,
        hsm.clone(),
        clock.clone(),
        settings.acquirer.clone(),
        switch.legs_wakeup(),
        shutdown.clone(),
    ));
    tokio::spawn(kassa_switch::saf::run(
        store.clone(),
        link.clone(),
        hsm.clone(),
        clock.clone(),
        settings.acquirer.clone(),
        switch.saf_wakeup(),
        shutdown.clone(),
    ));
    tokio::spawn(report_saf_depth(store.clone(), shutdown.clone()));
    tokio::spawn(expire_holds(store.clone(), clock.clone(), shutdown.clone()));
    let stale_after = settings.network_timeout * 3 + Duration::from_secs(30);
    tokio::spawn(recover_stale(store.clone(), clock.clone(), stale_after, shutdown.clone()));
    let monitor = rules.clone().map(|engine| crate::monitor::Monitor {
        engine,
        credit_bins: Arc::new(settings.credit_bins.iter().cloned().collect()),
    });
    Ok(Assembled { switch, parts: HostParts { link, store, risk, rules, monitor, recovered, carrier } })
}

/// How often a running host looks for transactions a failure left in flight.
pub const STALE_SWEEP: Duration = Duration::from_secs(30);

/// Reverses what a failure left in flight while the host runs: a request
/// whose outcome could not be recorded, nor its abandonment (the store
/// refused both), would otherwise wait for the next start — holding the
/// merchant's day open and, when the network approved it, the card's money.
/// `stale_after` is well past the longest a request can take.
async fn recover_stale<S: Store>(store: S, clock: Arc<dyn Clock>, stale_after: Duration, shutdown: CancellationToken) {
    // When each was first seen in flight, by the monotonic clock: the business
    // clock may jump (an NTP step, a clock set by hand), and a live request
    // must not look stale for it (found by `kassa sim`, seed 1029).
    let mut seen: std::collections::HashMap<i64, tokio::time::Instant> = std::collections::HashMap::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(STALE_SWEEP) => {}
        }
        let in_flight = store
            .office_read(|sql| {
                let rows = sql.query(
                    "SELECT id FROM transactions WHERE state = 'in_flight' ORDER BY id LIMIT ?1",
                    kassa_store::sql_params![STALE_SWEEP_MAX],
                )?;
                rows.iter().map(|r| r.int(0)).collect::<kassa_store::Result<std::collections::HashSet<i64>>>()
            })
            .await;
        let in_flight = match in_flight {
            Ok(ids) => ids,
            Err(error) => {
                tracing::warn!(%error, "recover transactions left in flight");
                continue;
            }
        };
        let now = tokio::time::Instant::now();
        seen.retain(|id, _| in_flight.contains(id));
        let mut stale: Vec<i64> =
            in_flight.iter().filter(|&&id| now - *seen.entry(id).or_insert(now) >= stale_after).copied().collect();
        stale.sort_unstable();
        let mut recovered = 0;
        for id in stale {
            match store.abandon(id, "96", clock.now_ms()).await {
                Ok(()) => recovered += 1,
                Err(error) => tracing::warn!(%error, txn = id, "recover a transaction left in flight"),
            }
        }
        if recovered > 0 {
            tracing::warn!(recovered, "transactions left in flight by a failure are being reversed");
        }
    }
}

/// In-flight transactions one sweep looks at.
const STALE_SWEEP_MAX: i64 = 10_000;

/// What the rules need beyond the velocity windows, from the store: each
/// terminal's last payment, and each merchant's approved takings in `month` (yyyymm).
#[allow(clippy::type_complexity)]
async fn risk_history<S: Store>(store: &S, month: &str) -> Result<(Vec<(String, i64)>, Vec<(String, i64)>), Error> {
    let (from, to) = (format!("{month}01"), format!("{month}99"));
    let history = store
        .office_read(move |sql| {
            let last = sql
                .query(
                    "SELECT terminal_id, MAX(created_at) FROM transactions
                     WHERE state IN ('approved', 'voided') AND kind IN ('sale', 'completion') GROUP BY terminal_id",
                    &[],
                )?
                .iter()
                .map(|r| Ok((r.text(0)?, r.int(1)?)))
                .collect::<kassa_store::Result<Vec<_>>>()?;
            let totals = sql
                .query(
                    "SELECT merchant_id, CAST(SUM(amount) AS BIGINT) FROM transactions
                     WHERE business_date >= ?1 AND business_date <= ?2 AND state = 'approved'
                       AND kind IN ('sale', 'completion', 'completion_advice') GROUP BY merchant_id",
                    kassa_store::sql_params![from, to],
                )?
                .iter()
                .map(|r| Ok((r.text(0)?, r.opt_int(1)?.unwrap_or(0))))
                .collect::<kassa_store::Result<Vec<_>>>()?;
            Ok((last, totals))
        })
        .await?;
    Ok(history)
}

/// How often a host looks for a newly activated ruleset version.
pub const RULESET_POLL: Duration = Duration::from_secs(1);

/// The ruleset version active in the store, if any: (version, TOML).
pub async fn active_ruleset<S: Store>(store: &S) -> Result<Option<(i64, String)>, Error> {
    Ok(store.office_read(|sql| kassa_api::rulesets::active_text(sql)).await?)
}

/// Swaps the engine to the store's active version whenever it changes (the
/// console's activation, on every host sharing the store). A version that no
/// longer compiles is logged and the running one kept.
async fn follow_active_ruleset<S: Store>(store: S, engine: Arc<kassa_risk::Engine>, shutdown: CancellationToken) {
    let mut failed = None;
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(RULESET_POLL) => {}
        }
        // The version number each second; the text only when it changed.
        let version =
            store.office_read(|sql| sql.scalar("SELECT version FROM risk_rulesets WHERE state = 'active'", &[])).await;
        let Ok(version) = version else { continue };
        if version == 0 || i64::from(engine.active().version) == version || failed == Some(version) {
            continue;
        }
        let Ok(Some((version, text))) = active_ruleset(&store).await else { continue };
        match reload_ruleset(&engine, &text) {
            Ok(_) => failed = None,
            Err(error) => {
                tracing::error!(version, %error, "the active ruleset does not compile; keeping the running one");
                failed = Some(version);
            }
        }
    }
}

/// Keeps the `kassa_saf_depth` gauge current.
async fn report_saf_depth<S: Store>(store: S, shutdown: CancellationToken) {
    loop {
        if let Ok(depth) = store.saf_depth().await {
            metrics::gauge!("kassa_saf_depth").set(depth as f64);
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

/// Releases pre-authorization holds that were never completed, once a minute.
async fn expire_holds<S: Store>(store: S, clock: Arc<dyn Clock>, shutdown: CancellationToken) {
    loop {
        match store.ledger_expire(clock.now_ms()).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "pre-authorization holds expired"),
            Err(error) => tracing::error!(%error, "expire holds"),
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
    }
}

pub use kassa_dayrun::schedule::{CLEARING_RETRY, CLEARING_TRIES, Clearing, DayRun, daily_settlement};

/// A merchant to provision.
#[derive(Clone, Debug)]
pub struct MerchantSpec {
    pub id: MerchantId,
    pub name: String,
    pub mcc: String,
    pub mail_order: bool,
    pub single_limit: Amount,
    pub daily_limit: Amount,
}

/// Provisions a merchant and `count` terminals numbered from `first_tid`;
/// returns each terminal id with its clear master key (test keys only).
pub async fn provision<S: Store>(
    store: &S,
    hsm: &dyn SecurityModule,
    merchant: &MerchantSpec,
    first_tid: u32,
    count: u32,
    now_ms: i64,
) -> Result<Vec<(TerminalId, SecretKey)>, Error> {
    store
        .put_merchant(
            Merchant {
                id: merchant.id.clone(),
                name: merchant.name.clone(),
                mcc: merchant.mcc.clone(),
                status: MerchantStatus::Active,
                mail_order: merchant.mail_order,
                single_limit: merchant.single_limit,
                daily_limit: merchant.daily_limit,
                location: None,
                profile_changes: Vec::new(),
                tier: "standard".into(),
            },
            now_ms,
        )
        .await?;
    provision_terminals(store, hsm, &merchant.id, first_tid, count, false).await
}

/// Terminals `first_tid`… of an existing merchant, each with a fresh master
/// key (returned in clear for the scripted terminals), the merchant left as it
/// is; `mobile_reader`: card readers paired with a phone (they send its location).
pub async fn provision_terminals<S: Store>(
    store: &S,
    hsm: &dyn SecurityModule,
    merchant: &MerchantId,
    first_tid: u32,
    count: u32,
    mobile_reader: bool,
) -> Result<Vec<(TerminalId, SecretKey)>, Error> {
    let mut terminals = Vec::with_capacity(count as usize);
    for n in first_tid..first_tid + count {
        let id = TerminalId::parse(&format!("{n:08}")).ok_or("terminal numbers have at most 8 digits")?;
        let tmk = random::generate_key(KeyAlgorithm::Tdes2)?;
        let terminal = Terminal {
            id: id.clone(),
            merchant: merchant.clone(),
            serial: format!("KS{n:010}"),
            status: TerminalStatus::Active,
            tmk: hsm.import_key(KeyUsage::Master, &tmk)?,
            pad_nibble: 0,
            session: None,
            batch: Batch(0),
            batch_open: false,
            mobile_reader,
        };
        store.put_terminal(terminal).await?;
        terminals.push((id, tmk));
    }
    Ok(terminals)
}

/// Transactions read per page when the risk windows are rebuilt.
pub const VELOCITY_PAGE: i64 = 5_000;

/// The risk engine's velocity windows as the last day's transactions left
/// them, read from the store at start-up (so a restart forgets nothing).
pub async fn rebuild_velocity<S: Store>(
    store: &S,
    now_ms: i64,
    credit_bins: &std::collections::HashSet<String>,
) -> Result<kassa_risk::Velocity, Error> {
    let since = now_ms - kassa_risk::velocity::WINDOW_MAX_MS;
    let mut velocity = kassa_risk::Velocity::new();
    let mut after = 0i64;
    loop {
        let page = store
            .office_read(move |sql| {
                sql.query(
                    "SELECT id, created_at, business_date, pan_hash, terminal_id, merchant_id, amount, kind,
                            COALESCE(response_code, '96'), SUBSTR(COALESCE(pan_masked, ''), 1, 6)
                     FROM transactions WHERE id > ?1 AND created_at > ?2 AND pan_hash IS NOT NULL ORDER BY id LIMIT ?3",
                    kassa_store::sql_params![after, since, VELOCITY_PAGE],
                )
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = last.int(0)?;
        for row in &page {
            let card: String = row.blob(3)?.iter().map(|b| format!("{b:02x}")).collect();
            velocity.record(&kassa_risk::VelocityEvent {
                at_ms: row.int(1)?,
                day: kassa_core::time::day_number_of(&row.text(2)?).unwrap_or(0),
                card,
                terminal: row.text(4)?,
                merchant: row.text(5)?,
                amount: row.int(6)?,
                credit: credit_bins.contains(&row.text(9)?),
                kind: row.text(7)?,
                code: row.text(8)?,
            });
        }
        if (page.len() as i64) < VELOCITY_PAGE {
            break;
        }
    }
    Ok(velocity)
}

/// Compiles `text` and makes it the active ruleset without a restart; answers
/// (the version replaced, the version now active). A ruleset that does not
/// compile changes nothing.
pub fn reload_ruleset(engine: &kassa_risk::Engine, text: &str) -> Result<(u32, u32), String> {
    let compiled = kassa_risk::Ruleset::from_toml(text).and_then(|r| r.compile()).map_err(|e| e.to_string())?;
    let version = compiled.version;
    let previous = engine.swap(compiled);
    tracing::info!(previous, version, "risk ruleset reloaded");
    Ok((previous, version))
}
