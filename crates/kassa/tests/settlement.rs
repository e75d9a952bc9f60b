//! A day's settlement after real authorizations: fees taken, the net moved
//! to the merchant's available funds, the ledger still adding up, and a
//! second run changing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use common::*;
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, TxnKind};
use kassa_settlement::FeeSchedule;
use kassa_store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_settles_once_and_the_ledger_adds_up() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let kept = sale(&mut t, &debit(), 10_000).await;
    let voided = sale(&mut t, &debit(), 5_000).await;
    t.transact(TxnKind::SaleVoid, &debit(), Amount(5_000), Some(&original_of(&voided, None))).await.unwrap();
    let clock = SystemClock { offset_minutes: 480 };
    let today = clock.local();
    t.transact(TxnKind::Refund, &debit(), Amount(2_000), Some(&original_of(&kept, Some(&today.mmdd())))).await.unwrap();

    let fees = FeeSchedule::standard();
    let date = today.yyyymmdd();
    let first = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!((first.merchants, first.newly_settled), (1, 1));
    // Takings 15,000 (the voided sale included), void 5,000, refund 2,000; fee 0.38% of
    // the 10,000 that stood (MCC 5411) = 38.
    assert_eq!((first.gross, first.voids, first.refunds, first.fees), (15_000, 5_000, 2_000, 38));
    assert_eq!(first.net, 15_000 - 5_000 - 2_000 - 38);
    let audit = w.host.store.ledger_audit().await.unwrap();
    audit.check().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit.merchants[0].1, 0, "the day's pending funds have all moved");

    let again = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!(again.newly_settled, 0, "a day settles once");
    w.host.store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
    assert!(kassa::settle::report(&again).contains("1 merchants (0 settled now, 1 before)"));
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}
