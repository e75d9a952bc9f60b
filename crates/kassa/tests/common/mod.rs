//! A whole Kassa in one test process: SQLite store, host, network simulator
//! and scripted terminals, all over real TCP on 127.0.0.1.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use kassa::world::{self, HostHandle, HostSettings, MerchantSpec, SimHandle, ZoneKeys};
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, MerchantId, TerminalId, TxnKind};
use kassa_crypto::{KeyMode, SecretKey, SoftwareSecurityModule};
use kassa_network_sim::{Faults, test_cards};
use kassa_store::AnyStore;
use kassa_store::sqlite::SqliteStore;
use kassa_terminal::{Card, Entry, OriginalRef, ScriptedTerminal, TerminalConfig, TxnAnswer};
use tokio_util::sync::CancellationToken;

pub const MID: &str = "898310048990001";
pub const DEBIT: &str = "6222021234567890128";
pub const CREDIT: &str = "6225881234567890120";
pub const POOR: &str = "6222021234500000017";
pub const EXPIRED: &str = "6222021234500000025";
pub const LOST: &str = "6222021234500000033";
pub const STOLEN: &str = "6222021234500000041";
pub const VISA: &str = "4111111111111111";
pub const UNKNOWN: &str = "6222021234599999996";

pub struct World {
    pub dir: tempfile::TempDir,
    pub host: HostHandle<AnyStore>,
    pub sim: SimHandle,
    pub terminals: Vec<(TerminalId, SecretKey)>,
    pub shutdown: CancellationToken,
    pub hsm: Arc<SoftwareSecurityModule>,
    pub zone: ZoneKeys,
    pub settings: HostSettings,
}

pub struct Options {
    pub clock: Option<Arc<dyn Clock>>,
    pub cutoff: kassa_settlement::CutOff,
    pub network_timeout: Duration,
    pub single_limit: Amount,
    pub daily_limit: Amount,
    pub mail_order: bool,
    /// A risk ruleset for the rules engine (None: limits and block lists only).
    pub ruleset: Option<String>,
    /// The merchant's business name.
    pub merchant_name: String,
    /// How long a top-up waits for the carrier.
    pub carrier_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: None,
            cutoff: kassa_settlement::CutOff::MIDNIGHT,
            network_timeout: Duration::from_secs(3),
            single_limit: Amount(5_000_000),
            daily_limit: Amount(100_000_000),
            mail_order: false,
            ruleset: None,
            merchant_name: "Kassa Test Store".into(),
            carrier_timeout: Duration::from_secs(1),
        }
    }
}

/// The operating system's clock moved to the same moment of today's local
/// date (UTC+8) after 12:00, so rules that look at the hour (the starter's
/// night-time rules) see daytime whatever hour the tests run at. The shift is
/// fixed at first use, so the clock runs on, and every date it gives is today's.
#[derive(Debug, Clone, Copy)]
pub struct DaytimeClock {
    shift_ms: i64,
}

pub fn daytime() -> DaytimeClock {
    static SHIFT: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let shift_ms = *SHIFT.get_or_init(|| {
        let hour = SystemClock { offset_minutes: 480 }.local().hour as i64;
        if (8..20).contains(&hour) { 0 } else { (12 - hour) * 3_600_000 }
    });
    DaytimeClock { shift_ms }
}

impl Clock for DaytimeClock {
    fn now_ms(&self) -> i64 {
        SystemClock { offset_minutes: 480 }.now_ms() + self.shift_ms
    }

    fn offset_minutes(&self) -> i32 {
        480
    }
}

/// SQLite by default; PostgreSQL (a fresh database) with `KASSA_TEST_STORE=postgres`.
pub async fn test_store(dir: &tempfile::TempDir) -> AnyStore {
    if std::env::var("KASSA_TEST_STORE").as_deref() == Ok("postgres") {
        let admin = std::env::var("KASSA_TEST_POSTGRES").expect("KASSA_TEST_STORE=postgres needs KASSA_TEST_POSTGRES");
        let url = kassa_store::postgres::create_database(&admin, "kassa_e2e").await.unwrap();
        return AnyStore::open(&url).await.unwrap();
    }
    AnyStore::Sqlite(SqliteStore::open(&dir.path().join("kassa.db")).unwrap())
}

pub async fn world(options: Options) -> World {
    let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn").try_init();
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = options.clock.clone().unwrap_or_else(|| Arc::new(SystemClock { offset_minutes: 480 }));
    let zone = ZoneKeys::generate().unwrap();
    let sim =
        world::start_simulator("127.0.0.1:0", &zone, Faults::default(), test_cards(), clock.clone(), shutdown.clone())
            .await
            .unwrap();
    let hsm = Arc::new(SoftwareSecurityModule::new(&[5; 32]));
    let store = test_store(&dir).await;
    let merchant = MerchantSpec {
        id: MerchantId::parse(MID).unwrap(),
        name: options.merchant_name.clone(),
        mcc: "5411".into(),
        mail_order: options.mail_order,
        single_limit: options.single_limit,
        daily_limit: options.daily_limit,
    };
    let terminals = world::provision(&store, hsm.as_ref(), &merchant, 10_000_001, 3, clock.now_ms()).await.unwrap();
    let settings = HostSettings {
        network: sim.address.to_string(),
        network_timeout: options.network_timeout,
        cutoff: options.cutoff,
        ruleset: options.ruleset.clone(),
        // The simulator's credit cards, by their issuer prefix.
        credit_bins: test_cards()
            .iter()
            .filter(|c| c.kind == kassa_network_sim::CardKind::Credit)
            .map(|c| c.pan[..6].to_string())
            .collect(),
        carrier_timeout: options.carrier_timeout,
        ..HostSettings::default()
    };
    let host = world::start_host(&settings, store, hsm.clone(), &zone, clock, shutdown.clone()).await.unwrap();
    assert!(host.link.wait_up(Duration::from_secs(5)).await);
    World { dir, host, sim, terminals, shutdown, hsm, zone, settings }
}

impl World {
    pub fn terminal(&self, index: usize) -> ScriptedTerminal {
        self.terminal_with(index, KeyMode::Tdes)
    }

    pub fn terminal_with(&self, index: usize, mode: KeyMode) -> ScriptedTerminal {
        self.terminal_on(index, mode, self.host.address)
    }

    /// Terminal `index` talking to the host at `address` (another host over the same store).
    pub fn terminal_at(&self, index: usize, address: std::net::SocketAddr) -> ScriptedTerminal {
        self.terminal_on(index, KeyMode::Tdes, address)
    }

    /// Terminal `index` keeping its state (and what it keeps beside it) in `state`.
    pub fn terminal_kept(&self, index: usize, state: std::path::PathBuf) -> ScriptedTerminal {
        let (tid, tmk) = &self.terminals[index];
        ScriptedTerminal::new(TerminalConfig {
            address: self.host.address.to_string(),
            terminal_id: tid.to_string(),
            merchant_id: MID.into(),
            tmk: tmk.clone(),
            key_mode: KeyMode::Tdes,
            pad_nibble: 0,
            operator: "01".into(),
            timeout: Duration::from_secs(5),
            state_path: Some(state),
        })
        .unwrap()
    }

    fn terminal_on(&self, index: usize, mode: KeyMode, address: std::net::SocketAddr) -> ScriptedTerminal {
        let (tid, tmk) = &self.terminals[index];
        ScriptedTerminal::new(TerminalConfig {
            address: address.to_string(),
            terminal_id: tid.to_string(),
            merchant_id: MID.into(),
            tmk: tmk.clone(),
            key_mode: mode,
            pad_nibble: 0,
            operator: "01".into(),
            timeout: Duration::from_secs(5),
            state_path: None,
        })
        .unwrap()
    }

    /// What the network holds approved, and what the host does, as comparable sets.
    pub async fn agreement(&self) -> (Vec<(u32, String)>, Vec<(u32, String)>) {
        use kassa_store::Store;
        let network: Vec<(u32, String)> =
            self.sim.simulator.with_issuer(|i| i.standing().into_keys().map(|k| (k.stan, k.transmitted)).collect());
        let mut host: Vec<(u32, String)> =
            self.host.store.standing().await.unwrap().into_iter().map(|s| (s.link_stan, s.link_transmitted)).collect();
        host.sort();
        let mut network = network;
        network.sort();
        // The ledger sums to zero and agrees with the transaction records.
        let audit = self.host.store.ledger_audit().await.unwrap();
        audit.check().unwrap_or_else(|e| panic!("{e}"));
        (network, host)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub fn card(pan: &str, pin: Option<&str>, entry: Entry) -> Card {
    let expiry = match pan {
        EXPIRED => "2001",
        _ => "3012",
    };
    Card { pan: pan.into(), expiry: expiry.into(), track2: None, pin: pin.map(str::to_string), entry }
}

pub fn debit() -> Card {
    card(DEBIT, Some("123456"), Entry::Swipe)
}

pub fn credit() -> Card {
    card(CREDIT, None, Entry::Chip)
}

pub async fn sale(terminal: &mut ScriptedTerminal, card: &Card, amount: u64) -> TxnAnswer {
    terminal.transact(TxnKind::Sale, card, Amount(amount), None).await.unwrap()
}

pub fn original_of(answer: &TxnAnswer, date: Option<&str>) -> OriginalRef {
    OriginalRef {
        batch: answer.batch,
        trace: answer.trace,
        date: date.map(str::to_string),
        rrn: Some(answer.rrn.clone()),
        auth_code: Some(answer.auth_code.clone()),
    }
}

/// Sends raw bytes (a whole frame, length included) on a fresh or given
/// connection and reads one answer frame (without its length), if any comes.
pub async fn raw_exchange(stream: &mut tokio::net::TcpStream, bytes: &[u8], wait: Duration) -> Option<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(bytes).await.ok()?;
    let mut length = [0u8; 2];
    tokio::time::timeout(wait, stream.read_exact(&mut length)).await.ok()?.ok()?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(length))];
    tokio::time::timeout(wait, stream.read_exact(&mut body)).await.ok()?.ok()?;
    Some(body)
}

/// A frame around `body` with the demo TPDU and header.
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 11) as u16).to_be_bytes().to_vec();
    out.extend_from_slice(&[0x60, 0x00, 0x03, 0x00, 0x00, 0x60, 0x31, 0x00, 0x31, 0x13, 0x01]);
    out.extend_from_slice(body);
    out
}

/// The message in an answer frame body (TPDU and header stripped).
pub fn answer_message(frame: &[u8]) -> kassa_iso8583::Message {
    let parts = kassa_iso8583::split_body(frame).unwrap();
    kassa_iso8583::unpack(&kassa_iso8583::TERMINAL, parts.body).unwrap()
}

/// Waits until the host owes the network no reversal.
pub async fn saf_drained(w: &World, limit: Duration) -> bool {
    use kassa_store::Store;
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if w.host.store.saf_depth().await.unwrap() == 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The host's record of what terminal 0 was answered `answer` for.
pub async fn record_of(w: &World, answer: &TxnAnswer) -> kassa_store::TxnRecord {
    use kassa_store::Store;
    let key = kassa_store::TxnKey {
        merchant: MerchantId::parse(MID).unwrap(),
        terminal: w.terminals[0].0.clone(),
        batch: kassa_core::Batch(answer.batch),
        trace: kassa_core::Trace(answer.trace),
    };
    w.host.store.find(key).await.unwrap().unwrap()
}

/// Has terminal 0 keep a reversal of its sale `sold` of `amount`, as when its
/// answer never arrived, and send it; true when the host answered it.
pub async fn reverse_sale(w: &World, t: &mut ScriptedTerminal, sold: &TxnAnswer, amount: u64) -> bool {
    let mut m = kassa_iso8583::Message::new(kassa_iso8583::Mti::new("0200").unwrap());
    m.set(3, "000000").set(4, format!("{amount:012}")).set(11, format!("{:06}", sold.trace)).set(22, "021");
    m.set(25, "00").set(41, w.terminals[0].0.to_string()).set(42, MID).set(49, "156");
    m.set(60, format!("22{:06}000", sold.batch));
    let fields = m.fields().map(|(n, v)| (n, kassa_crypto::to_hex(v))).collect();
    t.state_mut().pending_reversal =
        Some(kassa_terminal::PendingReversal { fields, card_sealed: None, reason: "98".into() });
    t.send_pending_reversal().await.unwrap()
}
