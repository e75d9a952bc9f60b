//! `kassa demo`: the whole platform in one process on an embedded store —
//! network simulator, host, a demo merchant with terminals, and test cards —
//! with the facts written to `DIR/demo.json` for scripts and tools.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, MerchantId};
use kassa_crypto::{SecretKey, SoftwareSecurityModule, to_hex};
use kassa_network_sim::{CardKind, CardState, Faults, test_cards};
use kassa_store::sqlite::SqliteStore;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

pub mod till;

use crate::world::{self, Error, HostHandle, HostSettings, MerchantSpec, SimHandle, ZoneKeys};

pub const DEMO_MID: &str = "898310048990001";
pub const DEMO_MERCHANT_NAME: &str = "Kassa Demo Store";
/// The first demo terminal id; the others follow.
pub const DEMO_FIRST_TID: u32 = 10_000_001;
/// The demo's card reader paired with the merchant's phone (`kassa terminal --mobile`).
pub const DEMO_READER_TID: u32 = 19_000_001;
/// The demo merchant's own bank card, where its settled takings are paid out.
pub const DEMO_PAYOUT_CARD: &str = "6222020200112233446";
/// The demo merchant's log-in: its legal person, phone and passwords.
pub const DEMO_LEGAL_NAME: &str = "张三";
pub const DEMO_ID_NUMBER: &str = "11010519491231002X";
pub const DEMO_PHONE: &str = "13800138000";
pub const DEMO_PASSWORD: &str = "kassa-demo-1";
pub const DEMO_PAYMENT_PASSWORD: &str = "135790";
/// A second card of the demo merchant's legal person, for binding.
pub const DEMO_SECOND_CARD: &str = "6222021234567890128";
/// Someone else's card: binding it is refused.
pub const DEMO_OTHER_CARD: &str = "6228480402564890018";
/// Operations staff of the demo, one per role, all with [`DEMO_PASSWORD`].
pub const DEMO_STAFF: [(&str, kassa_merchant::StaffRole); 4] = [
    ("admin", kassa_merchant::StaffRole::Admin),
    ("ops", kassa_merchant::StaffRole::Operations),
    ("risk", kassa_merchant::StaffRole::Risk),
    ("support", kassa_merchant::StaffRole::Support),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoTerminal {
    pub tid: String,
    /// The terminal master key, clear (demo test keys only).
    pub tmk: String,
    pub kcv: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCard {
    pub pan: String,
    pub track2: String,
    pub expiry: String,
    pub pin: String,
    pub kind: CardKind,
    pub state: CardState,
    /// Debit: balance; credit: limit. Minor units.
    pub funds: u64,
}

/// What `demo.json` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFacts {
    pub host: String,
    pub port: u16,
    pub mid: String,
    /// Countertop terminals (what `kassa bench` drives).
    pub terminals: Vec<DemoTerminal>,
    /// Card readers paired with the merchant's phone: their requests carry
    /// the phone's location (field 59), or the host refuses them.
    #[serde(default)]
    pub mobile_readers: Vec<DemoTerminal>,
    /// The merchant and operations API and the console, `host:port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    pub cards: Vec<DemoCard>,
    /// The value-added services' fees and limits, as the mobile readers are
    /// given them (they show the fee before the PIN; the host checks it).
    #[serde(default)]
    pub services: kassa_core::services::ServiceRules,
    /// The demo's process id, so that `kassa bench` on the same machine can
    /// report the host's CPU time per transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The CPU the demo's store writer has to itself, when it is pinned: a
    /// `kassa bench` on the same machine keeps off it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writer_cpu: Option<usize>,
}

impl DemoFacts {
    pub fn load(dir: &Path) -> Result<DemoFacts, Error> {
        let path = dir.join("demo.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("read {}: {e} (is `kassa demo` running?)", path.display()))?;
        Ok(serde_json::from_str(&text)?)
    }
}

#[derive(Debug)]
pub struct Demo {
    pub facts: DemoFacts,
    pub host: HostHandle<SqliteStore>,
    pub sim: SimHandle,
    pub dir: PathBuf,
    /// The merchant and operations API.
    pub api: std::net::SocketAddr,
    pub office: Arc<kassa_api::Office>,
}

/// Reads the local master key from `path`, creating it (owner-only) when missing.
pub fn load_or_create_lmk(path: &Path) -> Result<SoftwareSecurityModule, Error> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(SoftwareSecurityModule::from_hex(text.trim())?);
    }
    let lmk = SoftwareSecurityModule::generate_lmk()?;
    std::fs::write(path, to_hex(lmk.as_slice()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(SoftwareSecurityModule::new(&lmk))
}

/// Starts the demo in `dir` with `terminals` terminals, the host on `port` (0: any).
/// `rules`: the starter risk ruleset on (off for load tests). `placement`:
/// the CPU for the store's writer (the caller has pinned itself to the others).
pub async fn start(
    dir: &Path,
    terminals: u32,
    port: u16,
    rules: bool,
    placement: Option<&crate::config::Placement>,
    shutdown: CancellationToken,
) -> Result<Demo, Error> {
    std::fs::create_dir_all(dir.join("terminals"))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
    let hsm = Arc::new(load_or_create_lmk(&dir.join("lmk.hex"))?);
    let store = SqliteStore::open_with(&dir.join("kassa.db"), crate::affinity::writer_options(placement))?;
    let zone = ZoneKeys::generate()?;
    let sim =
        world::start_simulator("127.0.0.1:0", &zone, Faults::default(), test_cards(), clock.clone(), shutdown.clone())
            .await?;

    let last = DemoFacts::load(dir).ok();
    // `--port 0` on a data directory that ran before takes the same ports again
    // (a terminal left running finds its host), unless something else holds them now.
    let (port, api_port) = match &last {
        Some(facts) if port == 0 => {
            let api = facts.api.as_deref().and_then(|a| a.parse::<std::net::SocketAddr>().ok()).map(|a| a.port());
            (free_or_any(facts.port), api.map_or(0, free_or_any))
        }
        _ => (port, if port == 0 { 0 } else { port.saturating_add(2) }),
    };
    let previous = last.filter(|f| f.terminals.len() == terminals as usize);
    // A restart keeps what the merchant did (its name, state, settlement card):
    // the demo merchant is set up only in a new store.
    let mid = MerchantId::parse(DEMO_MID).ok_or("demo merchant id")?;
    let known = kassa_store::Store::terminal(
        &store,
        kassa_core::TerminalId::parse(&format!("{DEMO_FIRST_TID:08}")).ok_or("demo terminal id")?,
    )
    .await?
    .is_some();
    let demo_terminal = |(tid, tmk): &(kassa_core::TerminalId, SecretKey)| DemoTerminal {
        tid: tid.to_string(),
        tmk: to_hex(tmk.expose()),
        kcv: tmk.check_value_hex(),
    };
    let demo_terminals = match &previous {
        Some(facts) => facts.terminals.clone(),
        None => {
            let merchant = MerchantSpec {
                id: MerchantId::parse(DEMO_MID).ok_or("demo merchant id")?,
                name: DEMO_MERCHANT_NAME.into(),
                mcc: "5411".into(),
                mail_order: true,
                single_limit: Amount(5_000_000),
                // High enough that repeated load tests never reach it.
                daily_limit: Amount(900_000_000_000),
            };
            let provisioned = if known {
                world::provision_terminals(&store, hsm.as_ref(), &mid, DEMO_FIRST_TID, terminals, false).await?
            } else {
                world::provision(&store, hsm.as_ref(), &merchant, DEMO_FIRST_TID, terminals, clock.now_ms()).await?
            };
            // Fresh master keys: old terminal state (keys under the old TMKs) is void.
            for entry in std::fs::read_dir(dir.join("terminals"))?.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
            provisioned.iter().map(demo_terminal).collect()
        }
    };
    let kept_readers = previous.as_ref().map(|f| f.mobile_readers.clone()).filter(|r| !r.is_empty());
    let mobile_readers = match kept_readers {
        Some(readers) => readers,
        None => {
            let provisioned = world::provision_terminals(&store, hsm.as_ref(), &mid, DEMO_READER_TID, 1, true).await?;
            let readers: Vec<DemoTerminal> = provisioned.iter().map(demo_terminal).collect();
            for reader in &readers {
                let _ = std::fs::remove_file(dir.join("terminals").join(format!("{}.json", reader.tid)));
            }
            readers
        }
    };
    // Risk control on, with the starter ruleset, as an acquirer would run it
    // (a version activated in the console takes over from it).
    let settings = HostSettings {
        listen: format!("127.0.0.1:{port}"),
        network: sim.address.to_string(),
        ruleset: rules.then(|| kassa_risk::STARTER.to_string()),
        credit_bins: kassa_network_sim::test_cards()
            .iter()
            .filter(|c| c.kind == CardKind::Credit)
            .filter_map(|c| c.pan.get(..6).map(str::to_string))
            .collect(),
        ..HostSettings::default()
    };
    if !known {
        let sealed = kassa_crypto::SecurityModule::encrypt_pan(hsm.as_ref(), DEMO_PAYOUT_CARD)?;
        let masked = kassa_core::mask_pan(DEMO_PAYOUT_CARD);
        kassa_store::Store::put_settlement_card(&store, mid, sealed, masked, DEMO_MERCHANT_NAME.into()).await?;
    }
    let bank = Arc::new(kassa_api::office::SimulatedBankDirectory::default());
    bank.open_account(DEMO_PAYOUT_CARD, DEMO_MERCHANT_NAME);
    bank.open_account(DEMO_SECOND_CARD, DEMO_LEGAL_NAME);
    bank.open_account(DEMO_OTHER_CARD, "李四");
    // Codes go to an outbox here, so the demo lets a phone have one every 5 s (not 60 s).
    let policies = kassa_api::Policies {
        otp: kassa_merchant::OtpPolicy { resend_after_ms: 5_000, ..kassa_merchant::OtpPolicy::default() },
        // Its phones are not real: an admin may read the outbox's codes (audited).
        reveal_sms_codes: true,
        ..kassa_api::Policies::default()
    };
    let office =
        crate::api::office(kassa_store::AnyStore::Sqlite(store.clone()), hsm.clone(), clock.clone(), bank, policies);
    seed_office(&office, known).await?;
    let api = crate::api::serve(&format!("127.0.0.1:{api_port}"), office.clone(), shutdown.clone()).await?;
    let host = world::start_host(&settings, store, hsm, &zone, clock, shutdown).await?;
    let facts = DemoFacts {
        host: host.address.ip().to_string(),
        port: host.address.port(),
        mid: DEMO_MID.into(),
        terminals: demo_terminals,
        mobile_readers,
        api: Some(api.to_string()),
        services: settings.services.clone(),
        pid: Some(std::process::id()),
        writer_cpu: placement.map(|p| p.writer),
        cards: test_cards()
            .into_iter()
            .map(|c| DemoCard {
                track2: c.track2(),
                pan: c.pan,
                expiry: c.expiry,
                pin: c.pin,
                kind: c.kind,
                state: c.state,
                funds: c.funds.minor_units(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&facts)?;
    std::fs::write(dir.join("demo.json.tmp"), text)?;
    std::fs::rename(dir.join("demo.json.tmp"), dir.join("demo.json"))?;
    Ok(Demo { facts, host, sim, dir: dir.to_path_buf(), api, office })
}

/// `port` when nothing listens on it now, else 0 (any).
fn free_or_any(port: u16) -> u16 {
    match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(_) => port,
        Err(_) => 0,
    }
}

/// The demo's staff (one per role) and the demo merchant's log-in; kept when
/// they exist. The merchant's registered location only in a new store
/// (`known`: the store had the demo merchant already), so a restart keeps an
/// operator's change.
async fn seed_office(office: &kassa_api::Office, known: bool) -> Result<(), Error> {
    for (name, role) in DEMO_STAFF {
        match office.create_staff(name.into(), role, DEMO_PASSWORD.into()).await {
            Ok(()) => {}
            Err(e) if e.code == "username_taken" => {}
            Err(e) => return Err(e.to_string().into()),
        }
    }
    office
        .adopt_merchant(
            MerchantId::parse(DEMO_MID).ok_or("demo merchant id")?,
            DEMO_LEGAL_NAME.into(),
            DEMO_ID_NUMBER.into(),
            DEMO_PHONE.into(),
            "北京市朝阳区建国路1号".into(),
            DEMO_PASSWORD.into(),
            DEMO_PAYMENT_PASSWORD.into(),
        )
        .await
        .map_err(|e| e.to_string())?;
    if known {
        return Ok(());
    }
    // Registered in Beijing (its address): a mobile reader far from it is reviewed.
    let admin = kassa_api::Actor::Staff { id: 0, username: "demo".into(), role: kassa_merchant::StaffRole::Admin };
    office.set_merchant_location(admin, DEMO_MID.into(), "39.9087,116.4605".into()).await.map_err(|e| e.to_string())?;
    // The shop: its catalogue, and two weeks of baskets for the analytics.
    till::seed(office, DEMO_MID).await?;
    Ok(())
}

/// What a person sees when the demo starts.
pub fn banner(demo: &Demo) -> String {
    let f = &demo.facts;
    let mut out = String::new();
    out.push_str("Kassa demo — everything in this process, on an embedded store.\n\n");
    out.push_str(&format!("  terminals connect to  {}:{}\n", f.host, f.port));
    out.push_str(&format!("  merchant              {} ({DEMO_MERCHANT_NAME})\n", f.mid));
    out.push_str(&format!("  payouts to            {}\n", kassa_core::mask_pan(DEMO_PAYOUT_CARD)));
    out.push_str(&format!("  data                  {}\n", demo.dir.display()));
    out.push_str(&format!("  merchant & ops API    http://{}/api/v1  (OpenAPI: /api/v1/openapi.json)\n", demo.api));
    out.push_str(&format!(
        "  merchant log-in       phone {DEMO_PHONE}, password {DEMO_PASSWORD}, payment password {DEMO_PAYMENT_PASSWORD}\n"
    ));
    out.push_str(&format!("  staff log-ins         admin, ops, risk, support — password {DEMO_PASSWORD}\n"));
    out.push_str(&format!("  SMS codes             kassa sms outbox --demo {}\n\n", demo.dir.display()));
    out.push_str("  terminal   master key (TEST KEY)                kcv\n");
    for t in f.terminals.iter().take(10) {
        out.push_str(&format!("  {}   {}     {}\n", t.tid, t.tmk, t.kcv));
    }
    if f.terminals.len() > 10 {
        out.push_str(&format!("  … and {} more in demo.json\n", f.terminals.len() - 10));
    }
    for t in &f.mobile_readers {
        out.push_str(&format!("  {}   {}     {}  mobile reader\n", t.tid, t.tmk, t.kcv));
    }
    out.push_str("\n  card  number               PIN     kind    state   expiry  funds\n");
    for (i, c) in f.cards.iter().enumerate() {
        let kind = if c.kind == CardKind::Debit { "debit" } else { "credit" };
        let state = match c.state {
            CardState::Active => "active",
            CardState::Lost => "lost",
            CardState::Stolen => "stolen",
        };
        let funds = Amount(c.funds).display(kassa_core::Currency::CNY);
        out.push_str(&format!(
            "  {:<4}  {:<19}  {:<6}  {kind:<6}  {state:<6}  {}    {funds}\n",
            i + 1,
            c.pan,
            c.pin,
            c.expiry
        ));
    }
    let dir = demo.dir.display();
    let api = demo.api;
    out.push_str(&format!(
        "\nTry, in another window:\n\
         \x20 kassa terminal --demo {dir}            the POS on screen: operator 01, password 0000\n\
         \x20 kassa terminal --demo {dir} --mobile   the card reader paired with a phone\n\
         \nor one transaction per command:\n\
         \x20 kassa terminal --demo {dir} sign-in\n\
         \x20 kassa terminal --demo {dir} sale --amount 9900 --card 1\n\
         \x20 kassa terminal --demo {dir} balance --card 1\n\
         \x20 kassa terminal --demo {dir} void --trace <trace of the sale>\n\
         \x20 kassa terminal --demo {dir} settle\n\
         \x20 kassa terminal --demo {dir} till --item 6901234560015x2 --item 1003 --segment 6 --card 2\n\
         \nThe console: http://{api}/console (admin, ops, risk, support; password {DEMO_PASSWORD})\n\
         Ctrl-C stops the demo.\n"
    ));
    out
}
