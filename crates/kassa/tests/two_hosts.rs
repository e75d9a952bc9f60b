//! Two hosts over one PostgreSQL database serve the same terminals: a session
//! opened on one is honoured by the other, a repeat through the other host is
//! a duplicate, and together they agree with the network.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use kassa::world::{self, HostSettings, MerchantSpec, ZoneKeys};
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, MerchantId, TxnKind};
use kassa_crypto::{KeyMode, SoftwareSecurityModule};
use kassa_network_sim::{Faults, test_cards};
use kassa_store::{AnyStore, Store};
use kassa_terminal::{ScriptedTerminal, TerminalConfig};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_over_one_postgres_serve_the_same_terminals() {
    let Ok(admin) = std::env::var("KASSA_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "KASSA_TEST_POSTGRES must be set in CI (scripts/test sets it)");
        eprintln!("skipped: KASSA_TEST_POSTGRES is not set");
        return;
    };
    let url = kassa_store::postgres::create_database(&admin, "kassa_two").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let shutdown = CancellationToken::new();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { offset_minutes: 480 });
    let zone = ZoneKeys::generate().unwrap();
    let sim =
        world::start_simulator("127.0.0.1:0", &zone, Faults::default(), test_cards(), clock.clone(), shutdown.clone())
            .await
            .unwrap();
    let lmk = SoftwareSecurityModule::generate_lmk().unwrap();
    let merchant = MerchantSpec {
        id: MerchantId::parse(MID).unwrap(),
        name: "Two Hosts".into(),
        mcc: "5411".into(),
        mail_order: false,
        single_limit: Amount(5_000_000),
        daily_limit: Amount(900_000_000),
    };
    let provisioning = AnyStore::open(&url).await.unwrap();
    let terminals =
        world::provision(&provisioning, &SoftwareSecurityModule::new(&lmk), &merchant, 10_000_001, 3, clock.now_ms())
            .await
            .unwrap();
    let settings = HostSettings { network: sim.address.to_string(), ..HostSettings::default() };
    let mut hosts = Vec::new();
    for _ in 0..2 {
        let store = AnyStore::open(&url).await.unwrap();
        let hsm = Arc::new(SoftwareSecurityModule::new(&lmk));
        hosts.push(world::start_host(&settings, store, hsm, &zone, clock.clone(), shutdown.clone()).await.unwrap());
    }
    let config = |index: usize, host: usize| TerminalConfig {
        address: hosts[host].address.to_string(),
        terminal_id: terminals[index].0.to_string(),
        merchant_id: MID.into(),
        tmk: terminals[index].1.clone(),
        key_mode: KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: Duration::from_secs(5),
        state_path: Some(dir.path().join(format!("{index}.json"))),
    };

    // Signed in on host A, selling on host B.
    ScriptedTerminal::new(config(0, 0)).unwrap().sign_in().await.unwrap();
    let mut on_b = ScriptedTerminal::new(config(0, 1)).unwrap();
    let sold = sale(&mut on_b, &debit(), 1_500).await;
    assert_eq!(sold.code.as_str(), "00");
    // The same request again, through host A: the stored answer, no second charge.
    let mut on_a = ScriptedTerminal::new(config(0, 0)).unwrap();
    on_a.rewind_trace(1);
    let repeat = sale(&mut on_a, &debit(), 1_500).await;
    assert_eq!((repeat.code.as_str(), &repeat.rrn), ("00", &sold.rrn));

    // Two terminals at once, one on each host.
    let mut tasks = Vec::new();
    for (index, host) in [(1usize, 0usize), (2, 1)] {
        let mut t = ScriptedTerminal::new(config(index, host)).unwrap();
        tasks.push(tokio::spawn(async move {
            t.sign_in().await.unwrap();
            let mut references = Vec::new();
            for _ in 0..20 {
                let answer = t.transact(TxnKind::Sale, &credit(), Amount(300), None).await.unwrap();
                if answer.code.is_approved() {
                    references.push(answer.rrn);
                }
            }
            references
        }));
    }
    let mut references = std::collections::BTreeSet::from([sold.rrn.clone()]);
    for task in tasks {
        references.extend(task.await.unwrap());
    }
    // Reference numbers are the acquirer's (the store's transaction ids): unique
    // across the hosts sharing the store, and across restarts.
    let approved = references.len();
    assert_eq!(approved, 41, "{references:?}");
    let host_standing = hosts[0].store.standing().await.unwrap();
    let network: usize = sim.simulator.with_issuer(|i| i.standing().len());
    assert_eq!(host_standing.len(), approved);
    assert_eq!(network, approved);
    hosts[1].store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
    shutdown.cancel();
}
