//! Crash: `kill -9` the host (a real `kassa serve` process) under load, at
//! several points, restart it, let the terminals send their reversals, then
//! check that no approved sale is lost, none is recorded twice, and the
//! network's approved-and-standing set equals the host's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kassa::world::{self, MerchantSpec, ZoneKeys};
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, MerchantId, TxnKind};
use kassa_crypto::{KeyMode, SoftwareSecurityModule, to_hex};
use kassa_network_sim::{Faults, test_cards};
use kassa_store::AnyStore;
use kassa_store::{Store, TxnState};
use kassa_terminal::{Card, Entry, ScriptedTerminal, TerminalConfig};
use tokio_util::sync::CancellationToken;

const TERMINALS: u32 = 4;
const ZPK: &str = "0123456789ABCDEFFEDCBA9876543210";
const ZAK: &str = "7CA110454A1A6E570131D9619DC1376E";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The store the host process uses: SQLite by default, a fresh PostgreSQL
/// database with `KASSA_TEST_STORE=postgres`.
async fn store_url(dir: &Path) -> String {
    if std::env::var("KASSA_TEST_STORE").as_deref() == Ok("postgres") {
        let admin = std::env::var("KASSA_TEST_POSTGRES").expect("KASSA_TEST_STORE=postgres needs KASSA_TEST_POSTGRES");
        return kassa_store::postgres::create_database(&admin, "kassa_e2e").await.unwrap();
    }
    format!("sqlite://{}", dir.join("kassa.db").display())
}

fn start_host(dir: &Path, port: u16, network: &str, store: &str) -> Child {
    let config = format!(
        "[host]\nlisten = \"127.0.0.1:{port}\"\nmetrics_listen = \"\"\nshutdown_grace_secs = 1\n\
         [network]\naddress = \"{network}\"\ntimeout_ms = 2000\nzone_pin_key = \"{ZPK}\"\nzone_mac_key = \"{ZAK}\"\n\
         [store]\nurl = \"{store}\"\n[api]\nlisten = \"\"\n[security]\nlmk_file = \"{}\"\n[log]\nlevel = \"error\"\n",
        dir.join("lmk.hex").display()
    );
    std::fs::write(dir.join("kassa.toml"), config).unwrap();
    Command::new(env!("CARGO_BIN_EXE_kassa"))
        .args(["serve", "--config"])
        .arg(dir.join("kassa.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_listening(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("host did not start on {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_survives_kill_9_at_several_points() {
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
    let zone = ZoneKeys::from_hex(ZPK, ZAK).unwrap();
    let sim =
        world::start_simulator("127.0.0.1:0", &zone, Faults::default(), test_cards(), clock.clone(), shutdown.clone())
            .await
            .unwrap();

    // Provision, then hand the files to the host process.
    let url = store_url(dir.path()).await;
    let lmk = SoftwareSecurityModule::generate_lmk().unwrap();
    std::fs::write(dir.path().join("lmk.hex"), to_hex(lmk.as_slice())).unwrap();
    let terminals = {
        let hsm = SoftwareSecurityModule::new(&lmk);
        let store = AnyStore::open(&url).await.unwrap();
        let merchant = MerchantSpec {
            id: MerchantId::parse("898310048990001").unwrap(),
            name: "Crash Test".into(),
            mcc: "5411".into(),
            mail_order: false,
            single_limit: Amount(100_000_000),
            daily_limit: Amount(900_000_000_000),
        };
        world::provision(&store, &hsm, &merchant, 10_000_001, TERMINALS, clock.now_ms()).await.unwrap()
    };
    let port = free_port();
    let network = sim.address.to_string();
    let mut host = start_host(dir.path(), port, &network, &url);
    wait_listening(port).await;

    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for (tid, tmk) in terminals {
        let running = running.clone();
        workers.push(tokio::spawn(async move {
            let mut t = ScriptedTerminal::new(TerminalConfig {
                address: format!("127.0.0.1:{port}"),
                terminal_id: tid.to_string(),
                merchant_id: "898310048990001".into(),
                tmk,
                key_mode: KeyMode::Tdes,
                pad_nibble: 0,
                operator: "01".into(),
                timeout: Duration::from_millis(1500),
                state_path: None,
            })
            .unwrap();
            let card = Card {
                pan: "6222021234500000058".into(),
                expiry: "3012".into(),
                track2: None,
                pin: Some("888888".into()),
                entry: Entry::Swipe,
            };
            let mut approved = BTreeSet::new();
            let mut signed_in = false;
            while running.load(Ordering::Relaxed) {
                if !signed_in {
                    signed_in = t.sign_in().await.is_ok();
                    if !signed_in {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
                match t.transact(TxnKind::Sale, &card, Amount(1_000), None).await {
                    Ok(answer) if answer.code.is_approved() => {
                        approved.insert((t.state().batch, answer.trace));
                    }
                    Ok(answer) if answer.code.as_str() == "77" || answer.code.as_str() == "A0" => signed_in = false,
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            }
            // Drain: the kept reversal goes to the host before stopping.
            for _ in 0..100 {
                if t.state().pending_reversal.is_none() {
                    break;
                }
                if t.send_pending_reversal().await.is_err() {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            assert!(t.state().pending_reversal.is_none(), "a reversal could not be delivered");
            (tid, approved)
        }));
    }

    for kill_after_ms in [300u64, 700, 1_100] {
        tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
        host.kill().unwrap();
        host.wait().unwrap();
        host = start_host(dir.path(), port, &network, &url);
        wait_listening(port).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    running.store(false, Ordering::Relaxed);
    let mut seen = Vec::new();
    for worker in workers {
        seen.push(worker.await.unwrap());
    }

    // Let the restarted host send every reversal it owes.
    let store = AnyStore::open(&url).await.unwrap();
    let mut drained = false;
    for _ in 0..200 {
        if store.saf_depth().await.unwrap() == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the host still owes reversals");

    let mut approved_total = 0;
    for (tid, approved) in &seen {
        approved_total += approved.len();
        for (batch, trace) in approved {
            let key = kassa_store::TxnKey {
                merchant: MerchantId::parse("898310048990001").unwrap(),
                terminal: tid.clone(),
                batch: kassa_core::Batch(*batch),
                trace: kassa_core::Trace(*trace),
            };
            let record = store.find(key).await.unwrap().expect("an approved sale was lost");
            assert_eq!(record.state, TxnState::Approved, "an approved sale was undone: {record:?}");
        }
    }
    assert!(approved_total > 20, "too little load: {approved_total}");
    let host_standing: Vec<(u32, String)> =
        store.standing().await.unwrap().into_iter().map(|s| (s.link_stan, s.link_transmitted)).collect();
    let unique: BTreeSet<_> = host_standing.iter().cloned().collect();
    assert_eq!(unique.len(), host_standing.len(), "a sale recorded twice");
    let network_standing: BTreeSet<(u32, String)> =
        sim.simulator.with_issuer(|i| i.standing().into_keys().map(|k| (k.stan, k.transmitted)).collect());
    assert_eq!(network_standing, unique, "network and host disagree");
    assert_eq!(unique.len(), approved_total, "the host holds approvals no terminal saw");
    // The ledger sums to zero and agrees with the transaction records.
    store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
    host.kill().unwrap();
    let _ = host.wait();
    shutdown.cancel();
}

/// A crash between a service's legs (`kill -9` while the beneficiary's
/// issuer has not answered the credit): at restart the host reverses both
/// legs — never half — and the reader's own reversal finds nothing left to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_a_services_legs_reverses_both() {
    use kassa_core::services::Service;
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
    let zone = ZoneKeys::from_hex(ZPK, ZAK).unwrap();
    let quiet_credits = Faults { credit_drop_percent: 100, ..Faults::default() };
    let sim =
        world::start_simulator("127.0.0.1:0", &zone, quiet_credits, test_cards(), clock.clone(), shutdown.clone())
            .await
            .unwrap();
    let url = store_url(dir.path()).await;
    let lmk = SoftwareSecurityModule::generate_lmk().unwrap();
    std::fs::write(dir.path().join("lmk.hex"), to_hex(lmk.as_slice())).unwrap();
    let (tid, tmk) = {
        let hsm = SoftwareSecurityModule::new(&lmk);
        let store = AnyStore::open(&url).await.unwrap();
        let merchant = MerchantSpec {
            id: MerchantId::parse("898310048990001").unwrap(),
            name: "Crash Test".into(),
            mcc: "5411".into(),
            mail_order: false,
            single_limit: Amount(100_000_000),
            daily_limit: Amount(900_000_000_000),
        };
        let mut terminals = world::provision(&store, &hsm, &merchant, 19_000_001, 1, clock.now_ms()).await.unwrap();
        let (tid, tmk) = terminals.remove(0);
        let (record, _) = store.terminal(tid.clone()).await.unwrap().unwrap();
        store.put_terminal(kassa_store::Terminal { mobile_reader: true, ..record }).await.unwrap();
        (tid, tmk)
    };
    let payer = "6222021234567890128";
    let payee = "6222021234500000017";
    let funds = |pan: &str| sim.simulator.with_issuer(|i| i.card(pan).unwrap().funds.minor_units());
    let (payer_before, payee_before) = (funds(payer), funds(payee));
    let port = free_port();
    let network = sim.address.to_string();
    let mut host = start_host(dir.path(), port, &network, &url);
    wait_listening(port).await;

    let mut t = ScriptedTerminal::new(TerminalConfig {
        address: format!("127.0.0.1:{port}"),
        terminal_id: tid.to_string(),
        merchant_id: "898310048990001".into(),
        tmk,
        key_mode: KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_millis(1500),
        state_path: None,
    })
    .unwrap();
    t.set_location(Some("31.230416,121.473701".into()));
    t.sign_in().await.unwrap();
    let card = Card {
        pan: payer.into(),
        expiry: "3012".into(),
        track2: None,
        pin: Some("123456".into()),
        entry: Entry::Swipe,
    };
    let asked = tokio::spawn(async move {
        let answer = t.service(Service::Transfer, &card, Amount(100_000), Amount(200), payee).await;
        (t, answer)
    });
    // The debit is approved at once; the credit is never answered: kill the host while it waits.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let debited = funds(payer);
    assert_eq!(debited, payer_before - 100_200, "the debit was approved before the crash");
    assert_eq!(funds(payee), payee_before + 100_000, "the credit reached the beneficiary's issuer");
    host.kill().unwrap();
    host.wait().unwrap();
    let (mut t, answer) = asked.await.unwrap();
    assert!(answer.is_err(), "no answer came: {answer:?}");
    sim.simulator.set_faults(Faults::default());
    host = start_host(dir.path(), port, &network, &url);
    wait_listening(port).await;

    // The reader's kept reversal: the host has already undone it.
    let mut sent = false;
    for _ in 0..50 {
        if t.send_pending_reversal().await.is_ok() {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sent, "the reader's reversal was answered");
    let store = AnyStore::open(&url).await.unwrap();
    let mut drained = false;
    for _ in 0..200 {
        if store.saf_depth().await.unwrap() == 0 {
            drained = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(drained, "the host still owes reversals");
    assert_eq!(funds(payer), payer_before, "the debit was reversed");
    assert_eq!(funds(payee), payee_before, "the credit was reversed");
    let services = store.office_read(|sql| kassa_store::services::list(sql, None, None, None, 10)).await.unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services[0].leg_state, kassa_store::services::LegState::Reversed);
    assert_eq!(services[0].txn_state, "reversed");
    let host_standing: BTreeSet<(u32, String)> =
        store.standing().await.unwrap().into_iter().map(|s| (s.link_stan, s.link_transmitted)).collect();
    let network_standing: BTreeSet<(u32, String)> =
        sim.simulator.with_issuer(|i| i.standing().into_keys().map(|k| (k.stan, k.transmitted)).collect());
    assert_eq!(network_standing, host_standing, "network and host disagree");
    assert!(host_standing.is_empty());
    store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
    host.kill().unwrap();
    let _ = host.wait();
    shutdown.cancel();
}
