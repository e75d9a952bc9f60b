//! `kassa.toml`: every setting has a default; environment variables
//! (`KASSA_…`) override the file. `kassa config example` prints a commented
//! example.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::world::HostSettings;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub host: HostSection,
    pub network: NetworkSection,
    pub store: StoreSection,
    pub security: SecuritySection,
    pub rules: RulesSection,
    pub payouts: PayoutsSection,
    pub reconcile: ReconcileSection,
    pub api: ApiSection,
    pub risk: RiskSection,
    pub services: ServicesSection,
    pub log: LogSection,
}

/// The mobile reader's value-added services (`docs/protocol-profile.md`):
/// fees (a rate in hundredths of a percent, a minimum and a maximum, in
/// fen), limits (fen) and the top-ups' face values (fen).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServicesSection {
    pub transfer_fee: FeeSection,
    pub repayment_fee: FeeSection,
    pub top_up_fee: FeeSection,
    pub transfer_max: u64,
    pub repayment_max: u64,
    pub card_day_max: u64,
    pub face_values: Vec<u64>,
    pub carrier_timeout_ms: u64,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FeeSection {
    pub rate_bp: u32,
    pub min: u64,
    pub max: u64,
}

impl FeeSection {
    fn of(rule: kassa_core::services::FeeRule) -> FeeSection {
        FeeSection { rate_bp: rule.rate_bp, min: rule.min.0, max: rule.max.0 }
    }

    fn rule(self) -> kassa_core::services::FeeRule {
        use kassa_core::Amount;
        kassa_core::services::FeeRule { rate_bp: self.rate_bp, min: Amount(self.min), max: Amount(self.max) }
    }
}

impl Default for ServicesSection {
    fn default() -> Self {
        let rules = kassa_core::services::ServiceRules::default();
        ServicesSection {
            transfer_fee: FeeSection::of(rules.transfer_fee),
            repayment_fee: FeeSection::of(rules.repayment_fee),
            top_up_fee: FeeSection::of(rules.top_up_fee),
            transfer_max: rules.transfer_max.0,
            repayment_max: rules.repayment_max.0,
            card_day_max: rules.card_day_max.0,
            face_values: rules.face_values.iter().map(|a| a.0).collect(),
            carrier_timeout_ms: 5_000,
        }
    }
}

impl ServicesSection {
    pub fn rules(&self) -> kassa_core::services::ServiceRules {
        use kassa_core::Amount;
        kassa_core::services::ServiceRules {
            transfer_fee: self.transfer_fee.rule(),
            repayment_fee: self.repayment_fee.rule(),
            top_up_fee: self.top_up_fee.rule(),
            transfer_max: Amount(self.transfer_max),
            repayment_max: Amount(self.repayment_max),
            card_day_max: Amount(self.card_day_max),
            face_values: self.face_values.iter().copied().map(Amount).collect(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RiskSection {
    /// The rules engine's ruleset: "" (off: limits and block lists only),
    /// "starter" (the shipped ruleset) or the path of a ruleset file.
    pub ruleset: String,
    /// Issuer prefixes (6 digits) of credit cards; other cards count as debit.
    pub credit_bins: Vec<String>,
}

impl RiskSection {
    /// The ruleset's text, when the rules engine is on.
    pub fn ruleset_text(&self) -> Result<Option<String>, String> {
        match self.ruleset.as_str() {
            "" => Ok(None),
            "starter" => Ok(Some(kassa_risk::STARTER.to_string())),
            path => std::fs::read_to_string(path).map(Some).map_err(|e| format!("risk.ruleset {path}: {e}")),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HostSection {
    pub listen: String,
    /// Where `GET /metrics` (Prometheus) is served; empty turns it off.
    pub metrics_listen: String,
    pub connections_max: usize,
    pub idle_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    /// Runtime worker threads; 0 chooses (see [`runtime_workers`]).
    pub workers: usize,
    /// With SQLite and `workers = 0`: the writer thread alone on a core (see
    /// [`thread_placement`]).
    pub pin_threads: bool,
}

impl Default for HostSection {
    fn default() -> Self {
        HostSection {
            listen: "127.0.0.1:5000".into(),
            metrics_listen: "127.0.0.1:9100".into(),
            connections_max: 4096,
            idle_timeout_secs: 300,
            shutdown_grace_secs: 10,
            workers: 0,
            pin_threads: true,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkSection {
    pub address: String,
    pub acquirer: String,
    pub timeout_ms: u64,
    pub echo_interval_secs: u64,
    /// Zone PIN and MAC keys shared with the network, hex (test keys only:
    /// production keys arrive as components into the security module).
    pub zone_pin_key: String,
    pub zone_mac_key: String,
}

/// Well-known test zone keys, the same defaults `kassa network-sim` uses.
pub const TEST_ZONE_PIN_KEY: &str = "0123456789ABCDEFFEDCBA9876543210";
pub const TEST_ZONE_MAC_KEY: &str = "7CA110454A1A6E570131D9619DC1376E";

impl Default for NetworkSection {
    fn default() -> Self {
        NetworkSection {
            address: "127.0.0.1:5800".into(),
            acquirer: "49980000".into(),
            timeout_ms: 10_000,
            echo_interval_secs: 30,
            zone_pin_key: TEST_ZONE_PIN_KEY.into(),
            zone_mac_key: TEST_ZONE_MAC_KEY.into(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    /// `sqlite://PATH` (embedded, the default) or `postgres://…`.
    pub url: String,
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection { url: "sqlite://kassa.db".into() }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySection {
    /// A file holding the local master key (64 hex digits); created when missing.
    pub lmk_file: PathBuf,
}

impl Default for SecuritySection {
    fn default() -> Self {
        SecuritySection { lmk_file: PathBuf::from("kassa-lmk.hex") }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct RulesSection {
    pub refund_days_max: i64,
    pub completion_days_max: i64,
    pub completion_percent_max: u64,
    /// Local time zone, minutes east of UTC (China: 480).
    pub utc_offset_minutes: i32,
    /// The business day's cut-off, local `HH:MM`: later transactions belong to the next day.
    pub cutoff: String,
}

impl Default for RulesSection {
    fn default() -> Self {
        RulesSection {
            refund_days_max: 30,
            completion_days_max: 30,
            completion_percent_max: 115,
            utc_offset_minutes: 480,
            cutoff: "23:00".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReconcileSection {
    /// Where the network's clearing files arrive (`clearing-YYYYMMDD.csv`):
    /// each settled day is reconciled from its file on the schedule. Empty:
    /// only on demand (`kassa reconcile`).
    pub clearing_dir: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PayoutsSection {
    /// The bank adapter settled days are paid out through: `simulated` (the
    /// default, the only adapter so far) or `none` (settle, pay nothing out).
    pub bank: String,
}

impl Default for PayoutsSection {
    fn default() -> Self {
        PayoutsSection { bank: "simulated".into() }
    }
}

impl PayoutsSection {
    /// Whether payouts run; an unknown adapter is an error.
    pub fn enabled(&self) -> Result<bool, String> {
        match self.bank.as_str() {
            "simulated" => Ok(true),
            "none" => Ok(false),
            other => Err(format!("payouts.bank {other:?}: use \"simulated\" or \"none\"")),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ApiSection {
    /// Where the merchant and operations API listens; empty turns it off.
    pub listen: String,
    /// The first administrator, created at start-up when missing, with the
    /// password from the environment variable `KASSA_ADMIN_PASSWORD`.
    pub admin: String,
    /// Accounts the simulated bank knows (card number → holder), for binding cards.
    pub bank_accounts: Vec<BankAccount>,
    /// Public holidays (YYYYMMDD) and weekend days that are working days, for
    /// the cooling-off of cancellations.
    pub holidays: Vec<String>,
    pub working_weekends: Vec<String>,
    /// Terminal lifecycle: days without a transaction before dormancy and deregistration.
    pub dormant_after_days: i64,
    pub deregister_after_days: i64,
    /// The terminal deposit, and what a cancellation within the minimum term keeps (fen).
    pub deposit: u64,
    pub early_termination_penalty: u64,
    pub minimum_term_days: i64,
}

impl ApiSection {
    /// The back office's policies from these settings.
    pub fn policies(&self) -> Result<kassa_api::Policies, String> {
        let calendar = kassa_merchant::BusinessCalendar::new(&self.holidays, &self.working_weekends)
            .map_err(|e| format!("api.{e}"))?;
        if self.dormant_after_days < 1 || self.deregister_after_days <= self.dormant_after_days {
            return Err("api.dormant_after_days must be at least 1 and less than api.deregister_after_days".into());
        }
        Ok(kassa_api::Policies {
            calendar,
            lifecycle: kassa_merchant::terminal::LifecyclePolicy {
                dormant_after_days: self.dormant_after_days,
                deregister_after_days: self.deregister_after_days,
                deposit: self.deposit,
                early_termination_penalty: self.early_termination_penalty,
                minimum_term_days: self.minimum_term_days,
            },
            ..kassa_api::Policies::default()
        })
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    pub card: String,
    pub holder: String,
}

impl Default for ApiSection {
    fn default() -> Self {
        ApiSection {
            listen: "127.0.0.1:8080".into(),
            admin: "admin".into(),
            bank_accounts: Vec::new(),
            holidays: Vec::new(),
            working_weekends: Vec::new(),
            dormant_after_days: 90,
            deregister_after_days: 180,
            deposit: 9900,
            early_termination_penalty: 5000,
            minimum_term_days: 365,
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// A tracing filter: `info`, `kassa=debug,warn`, …
    pub level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection { level: "info".into() }
    }
}

pub const EXAMPLE: &str = r#"# kassa.toml — every setting shown with its default.
# Environment variables override the file: KASSA_HOST_LISTEN, KASSA_HOST_WORKERS,
# KASSA_NETWORK_ADDRESS, KASSA_STORE_URL, KASSA_SECURITY_LMK_FILE, KASSA_LOG_LEVEL.

[host]
listen = "127.0.0.1:5000"        # where terminals connect
metrics_listen = "127.0.0.1:9100" # GET /metrics for Prometheus; "" turns it off
connections_max = 4096           # terminal connections at once; more are refused
idle_timeout_secs = 300          # a silent connection is closed after this
shutdown_grace_secs = 10         # how long shutdown waits for requests in progress
workers = 0                      # runtime threads; 0: one per core, less one for SQLite's writer thread
pin_threads = true               # SQLite, workers = 0, 2+ cores: the writer alone on the last core, the rest on the others

[network]
address = "127.0.0.1:5800"       # the card network (kassa network-sim listens here by default)
acquirer = "49980000"            # our acquiring institution id (fields 32, 44)
timeout_ms = 10000               # no answer in this time: reverse, and answer the terminal 98
echo_interval_secs = 30
zone_pin_key = "0123456789ABCDEFFEDCBA9876543210"   # TEST KEYS: shared with the simulator; TDES
zone_mac_key = "7CA110454A1A6E570131D9619DC1376E"   # AES-128: the link's AES-CMAC

[store]
url = "sqlite://kassa.db"        # or postgres://user@host/db

[security]
lmk_file = "kassa-lmk.hex"       # the software security module's local master key; created when missing

[rules]
refund_days_max = 30
completion_days_max = 30
completion_percent_max = 115
utc_offset_minutes = 480         # local time for fields 12/13 and the business day
cutoff = "23:00"                 # later transactions belong to the next business day

[payouts]
bank = "simulated"               # the bank adapter each settled day is paid out through; "none": no payouts

[reconcile]
clearing_dir = ""                # where the network's clearing-YYYYMMDD.csv files arrive; each day is reconciled from its file

[api]
listen = "127.0.0.1:8080"        # the merchant and operations HTTP API; "" turns it off
admin = "admin"                  # created at start-up when missing, password from KASSA_ADMIN_PASSWORD
bank_accounts = []               # the simulated bank's accounts: [{ card = "6222…", holder = "张三" }]
holidays = []                    # public holidays, "YYYYMMDD": cancellations cool off 15 working days
working_weekends = []            # weekend days that are working days (调休), "YYYYMMDD"
dormant_after_days = 90          # a terminal with no transaction this long is dormant (needs a new activation code)
deregister_after_days = 180      # … and this long, deregistered (its deposit forfeited)
deposit = 9900                   # the terminal deposit taken on assignment, fen
early_termination_penalty = 5000 # kept from the deposit when a terminal is cancelled within the minimum term, fen
minimum_term_days = 365

[risk]
ruleset = ""                     # the rules engine after the limits: "" off, "starter", or a ruleset file
credit_bins = []                 # issuer prefixes (6 digits) of credit cards, e.g. ["622588"]; others count as debit

[services]                       # the mobile reader's repayment, transfer and top-up (fen; rates in 0.01 %)
transfer_fee = { rate_bp = 10, min = 200, max = 2500 }
repayment_fee = { rate_bp = 10, min = 200, max = 2500 }
top_up_fee = { rate_bp = 0, min = 0, max = 0 }
transfer_max = 2000000           # one transfer, at most ¥20,000
repayment_max = 5000000          # one repayment, at most ¥50,000
card_day_max = 5000000           # transfers and repayments of one payer card in a business day
face_values = [3000, 5000, 10000, 20000, 30000, 50000]
carrier_timeout_ms = 5000        # how long a top-up waits for the carrier's confirmation

[log]
level = "info"
"#;

/// Worker threads for the host's runtime: `configured` when not 0, else one
/// per core — less one with SQLite, whose writer thread is busy on a core of
/// its own (on 2 cores, one worker and the writer beat two workers sharing
/// with it: `kassa bench` about 5% faster) — and always at least one.
pub fn runtime_workers(configured: usize, cores: usize, sqlite: bool) -> usize {
    match configured {
        0 if sqlite => cores.saturating_sub(1).max(1),
        0 => cores.max(1),
        n => n,
    }
}

pub use crate::affinity::Placement;

/// Where the host's threads run, given the CPUs the process may use: the
/// SQLite writer — the one thread every approval waits for, twice — alone on
/// the last, every other thread on the rest, so that the writer never waits
/// for a core when its log sync ends or work arrives. Only with `pin` on,
/// SQLite, the workers chosen automatically (one per core less one) and at
/// least two CPUs; otherwise the kernel places every thread. On 2 cores
/// `kassa bench` measured about 9% more throughput with the writer alone on
/// its core (100 × 500, 6 of 7 interleaved runs).
pub fn thread_placement(pin: bool, configured_workers: usize, cpus: &[usize], sqlite: bool) -> Option<Placement> {
    let (writer, others) = cpus.split_last()?;
    (pin && sqlite && configured_workers == 0 && !others.is_empty())
        .then(|| Placement { writer: *writer, others: others.to_vec() })
}

impl Config {
    /// Reads `path` (when given) and applies environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(v) = var("KASSA_HOST_LISTEN") {
            self.host.listen = v;
        }
        if let Some(v) = var("KASSA_HOST_WORKERS") {
            self.host.workers = v.parse().map_err(|_| format!("KASSA_HOST_WORKERS {v:?}: a number of threads"))?;
        }
        if let Some(v) = var("KASSA_HOST_PIN_THREADS") {
            self.host.pin_threads = v.parse().map_err(|_| format!("KASSA_HOST_PIN_THREADS {v:?}: true or false"))?;
        }
        if let Some(v) = var("KASSA_NETWORK_ADDRESS") {
            self.network.address = v;
        }
        if let Some(v) = var("KASSA_STORE_URL") {
            self.store.url = v;
        }
        if let Some(v) = var("KASSA_SECURITY_LMK_FILE") {
            self.security.lmk_file = PathBuf::from(v);
        }
        if let Some(v) = var("KASSA_LOG_LEVEL") {
            self.log.level = v;
        }
        Ok(())
    }

    /// The runtime's worker threads for this configuration's store.
    pub fn workers(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        runtime_workers(self.host.workers, cores, self.store.url.starts_with("sqlite:"))
    }

    /// Where this configuration's threads run, on the CPUs this process may use.
    pub fn placement(&self) -> Option<Placement> {
        let sqlite = self.store.url.starts_with("sqlite:");
        thread_placement(self.host.pin_threads, self.host.workers, &crate::affinity::allowed_cpus(), sqlite)
    }

    /// The host's settings; an unreadable cut-off is an error.
    pub fn host_settings(&self) -> Result<HostSettings, String> {
        self.payouts.enabled()?;
        let cutoff = kassa_settlement::CutOff::parse(&self.rules.cutoff)
            .ok_or_else(|| format!("rules.cutoff {:?}: use HH:MM", self.rules.cutoff))?;
        Ok(HostSettings {
            cutoff,
            ruleset: self.risk.ruleset_text()?,
            credit_bins: self.risk.credit_bins.clone(),
            services: self.services.rules(),
            carrier_timeout: Duration::from_millis(self.services.carrier_timeout_ms.max(1)),
            listen: self.host.listen.clone(),
            network: self.network.address.clone(),
            acquirer: self.network.acquirer.clone(),
            network_timeout: Duration::from_millis(self.network.timeout_ms),
            echo_interval: Duration::from_secs(self.network.echo_interval_secs.max(1)),
            limits: kassa_host::HostLimits {
                connections_max: self.host.connections_max,
                idle_timeout: Duration::from_secs(self.host.idle_timeout_secs),
                shutdown_grace: Duration::from_secs(self.host.shutdown_grace_secs),
            },
            rules: kassa_switch::RuleLimits {
                refund_days_max: self.rules.refund_days_max,
                completion_days_max: self.rules.completion_days_max,
                completion_percent_max: self.rules.completion_percent_max,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_is_the_defaults() {
        let parsed: Config = toml::from_str(EXAMPLE).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut config = Config::default();
        config.apply_env(|name| (name == "KASSA_HOST_LISTEN").then(|| "0.0.0.0:6000".to_string())).unwrap();
        assert_eq!(config.host.listen, "0.0.0.0:6000");
        config.apply_env(|name| (name == "KASSA_HOST_WORKERS").then(|| "3".to_string())).unwrap();
        assert_eq!(config.host.workers, 3);
        let refused = config.apply_env(|name| (name == "KASSA_HOST_WORKERS").then(|| "many".to_string()));
        assert!(refused.is_err_and(|e| e.contains("KASSA_HOST_WORKERS")));
        config.apply_env(|name| (name == "KASSA_HOST_PIN_THREADS").then(|| "false".to_string())).unwrap();
        assert!(!config.host.pin_threads);
        let refused = config.apply_env(|name| (name == "KASSA_HOST_PIN_THREADS").then(|| "no".to_string()));
        assert!(refused.is_err_and(|e| e.contains("KASSA_HOST_PIN_THREADS")));
    }

    #[test]
    fn sqlite_leaves_a_core_to_its_writer() {
        assert_eq!(runtime_workers(0, 2, true), 1);
        assert_eq!(runtime_workers(0, 8, true), 7);
        assert_eq!(runtime_workers(0, 1, true), 1, "never none");
        assert_eq!(runtime_workers(0, 2, false), 2, "PostgreSQL writes on its own server");
        assert_eq!(runtime_workers(4, 2, true), 4, "a configured count is kept");
    }

    #[test]
    fn the_writer_gets_the_last_cpu_to_itself() {
        let placed = thread_placement(true, 0, &[0, 1], true);
        assert_eq!(placed, Some(Placement { writer: 1, others: vec![0] }));
        let placed = thread_placement(true, 0, &[2, 5, 7], true);
        assert_eq!(placed, Some(Placement { writer: 7, others: vec![2, 5] }));
        assert_eq!(thread_placement(true, 0, &[0], true), None, "one CPU: nothing to share out");
        assert_eq!(thread_placement(true, 0, &[], true), None, "CPUs unknown");
        assert_eq!(thread_placement(false, 0, &[0, 1], true), None, "turned off");
        assert_eq!(thread_placement(true, 3, &[0, 1], true), None, "workers chosen by hand");
        assert_eq!(thread_placement(true, 0, &[0, 1], false), None, "PostgreSQL has no writer thread here");
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(toml::from_str::<Config>("[host]\nlisen = \"x\"").is_err());
    }

    #[test]
    fn payouts_take_a_known_bank_adapter() {
        let mut config = Config::default();
        assert_eq!(config.payouts.enabled(), Ok(true));
        config.payouts.bank = "none".into();
        assert_eq!(config.payouts.enabled(), Ok(false));
        config.payouts.bank = "acme".into();
        let error = config.host_settings().err().unwrap_or_default();
        assert!(error.contains("payouts.bank \"acme\""), "{error}");
    }
}
