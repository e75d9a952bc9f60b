//! The authorization path end to end over real TCP: terminal → host → network
//! simulator, on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use common::*;
use kassa_core::{Amount, TxnKind};
use kassa_crypto::KeyMode;
use kassa_terminal::Entry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_signs_in_and_sells() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    let (batch, check_values) = t.sign_in().await.unwrap();
    assert_eq!(batch, 1);
    assert_eq!(check_values.len(), 2);
    let answer = sale(&mut t, &debit(), 9_900).await;
    assert_eq!(answer.code.as_str(), "00", "{answer:?}");
    assert_eq!(answer.rrn.len(), 12);
    // The acquirer's reference: the transaction's id in the store, so it never
    // starts again after a restart, nor repeats on another host over the store.
    assert_eq!(answer.rrn, format!("{:012}", record_of(&w, &answer).await.id));
    assert_eq!(answer.card_organisation, "CUP");
    let chip = sale(&mut t, &credit(), 12_345).await;
    assert_eq!(chip.code.as_str(), "00");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert_eq!(host.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_mode_signs_in_and_macs() {
    let w = world(Options::default()).await;
    for (index, mode) in [(0, KeyMode::Des), (1, KeyMode::TdesWithTrack), (2, KeyMode::Tdes)] {
        let mut t = w.terminal_with(index, mode);
        t.sign_in().await.unwrap();
        let answer = sale(&mut t, &debit(), 100).await;
        assert_eq!(answer.code.as_str(), "00", "{mode:?}: {answer:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_decline_reason_reaches_the_terminal() {
    let w = world(Options { single_limit: Amount(50_000), ..Options::default() }).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let cases = [
        (card(UNKNOWN, Some("123456"), Entry::Swipe), 100, "14"),
        (card(LOST, Some("333333"), Entry::Swipe), 100, "41"),
        (card(STOLEN, Some("444444"), Entry::Swipe), 100, "43"),
        (card(POOR, Some("111111"), Entry::Swipe), 5_000, "51"),
        (card(EXPIRED, Some("222222"), Entry::Swipe), 100, "54"),
        (card(DEBIT, Some("000000"), Entry::Swipe), 100, "55"),
        (card(DEBIT, Some("123456"), Entry::Swipe), 50_001, "61"),
        (card(DEBIT, Some("123456"), Entry::Keyed), 100, "12"),
        (card("6222021234567890127", Some("123456"), Entry::Keyed), 100, "12"),
    ];
    for (card, amount, code) in cases {
        let answer = t.transact(TxnKind::Sale, &card, Amount(amount), None).await.unwrap();
        assert_eq!(answer.code.as_str(), code, "{} {amount}", card.pan);
    }
    let wrong = card(CREDIT, Some("999999"), Entry::Swipe);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(t.transact(TxnKind::Sale, &wrong, Amount(100), None).await.unwrap().code.as_str().to_string());
    }
    assert_eq!(seen, ["55", "55", "75", "75"]);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert!(host.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voids_follow_the_rules() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let sold = sale(&mut t, &debit(), 8_800).await;
    let original = original_of(&sold, None);
    let wrong_amount = t.transact(TxnKind::SaleVoid, &debit(), Amount(8_000), Some(&original)).await.unwrap();
    assert_eq!(wrong_amount.code.as_str(), "64");
    let other_card = card(CREDIT, Some("123456"), Entry::Swipe);
    let wrong_card = t.transact(TxnKind::SaleVoid, &other_card, Amount(8_800), Some(&original)).await.unwrap();
    assert_eq!(wrong_card.code.as_str(), "14");
    let voided = t.transact(TxnKind::SaleVoid, &debit(), Amount(8_800), Some(&original)).await.unwrap();
    assert_eq!(voided.code.as_str(), "00");
    let again = t.transact(TxnKind::SaleVoid, &debit(), Amount(8_800), Some(&original)).await.unwrap();
    assert_eq!(again.code.as_str(), "25");
    let missing = kassa_terminal::OriginalRef { batch: 1, trace: 999, ..Default::default() };
    let not_found = t.transact(TxnKind::SaleVoid, &debit(), Amount(8_800), Some(&missing)).await.unwrap();
    assert_eq!(not_found.code.as_str(), "25");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_add_up_and_completions_stop_at_115_percent() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let sold = sale(&mut t, &credit(), 10_000).await;
    let today = Some(sold_date(&w));
    let original = original_of(&sold, today.as_deref());
    let first = t.transact(TxnKind::Refund, &credit(), Amount(6_000), Some(&original)).await.unwrap();
    assert_eq!(first.code.as_str(), "00");
    let too_much = t.transact(TxnKind::Refund, &credit(), Amount(4_001), Some(&original)).await.unwrap();
    assert_eq!(too_much.code.as_str(), "61");
    let rest = t.transact(TxnKind::Refund, &credit(), Amount(4_000), Some(&original)).await.unwrap();
    assert_eq!(rest.code.as_str(), "00");

    let held = t.transact(TxnKind::PreAuth, &credit(), Amount(20_000), None).await.unwrap();
    assert_eq!(held.code.as_str(), "00");
    let hold = original_of(&held, today.as_deref());
    let over = t.transact(TxnKind::Completion, &credit(), Amount(23_001), Some(&hold)).await.unwrap();
    assert_eq!(over.code.as_str(), "64");
    let done = t.transact(TxnKind::Completion, &credit(), Amount(23_000), Some(&hold)).await.unwrap();
    assert_eq!(done.code.as_str(), "00");
    let twice = t.transact(TxnKind::Completion, &credit(), Amount(100), Some(&hold)).await.unwrap();
    assert_eq!(twice.code.as_str(), "25");
    let completion = original_of(&done, None);
    let undone = t.transact(TxnKind::CompletionVoid, &credit(), Amount(23_000), Some(&completion)).await.unwrap();
    assert_eq!(undone.code.as_str(), "00");

    let other = t.transact(TxnKind::PreAuth, &credit(), Amount(5_000), None).await.unwrap();
    let other_ref = original_of(&other, today.as_deref());
    let bad_void = t.transact(TxnKind::PreAuthVoid, &credit(), Amount(4_999), Some(&other_ref)).await.unwrap();
    assert_eq!(bad_void.code.as_str(), "64");
    let void = t.transact(TxnKind::PreAuthVoid, &credit(), Amount(5_000), Some(&other_ref)).await.unwrap();
    assert_eq!(void.code.as_str(), "00");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

fn sold_date(_w: &World) -> String {
    use kassa_core::time::Clock;
    kassa_core::time::SystemClock { offset_minutes: 480 }.local().mmdd()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_inquiry_returns_balances() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let answer = t.transact(TxnKind::BalanceInquiry, &debit(), Amount::ZERO, None).await.unwrap();
    assert_eq!(answer.code.as_str(), "00");
    assert_eq!(answer.balances.as_deref().map(str::len), Some(40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cut_off_ends_the_business_day() {
    use std::sync::Arc;
    // 2026-11-22 22:59:00 in China (UTC+8).
    let clock = kassa_core::time::ManualClock::new(1_795_359_540_000, 480);
    let options = Options {
        clock: Some(Arc::new(clock.clone())),
        cutoff: kassa_settlement::CutOff { hour: 23, minute: 0 },
        ..Options::default()
    };
    let w = world(options).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let before = sale(&mut t, &debit(), 2_000).await;
    let void_in_time = sale(&mut t, &debit(), 3_000).await;
    let voided =
        t.transact(TxnKind::SaleVoid, &debit(), Amount(3_000), Some(&original_of(&void_in_time, None))).await.unwrap();
    assert_eq!(voided.code.as_str(), "00", "still the same business day");
    clock.advance_ms(120_000); // 23:01: the next business day
    let late = t.transact(TxnKind::SaleVoid, &debit(), Amount(2_000), Some(&original_of(&before, None))).await.unwrap();
    assert_eq!(late.code.as_str(), "25", "a void after the cut-off is a day late");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

/// A merchant's business name travels to the network in GBK (field 43):
/// Chinese, mixed and longest names sell and answer balance inquiries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_merchant_names_sell() {
    for name in ["李四便利店", "Kassa 咖啡 No.7 (朝阳店)", "北京市朝阳区建国路八十八号现代城购物中心二层东侧"]
    {
        let w = world(Options { merchant_name: name.into(), ..Options::default() }).await;
        let mut t = w.terminal(0);
        t.sign_in().await.unwrap();
        assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "00", "{name}");
        let inquiry = t.transact(TxnKind::BalanceInquiry, &debit(), Amount::ZERO, None).await.unwrap();
        assert_eq!(inquiry.code.as_str(), "00", "{name}");
    }
}

/// A keyed card number is taken only from a mail/telephone-order merchant,
/// and never for a debit card (product.md §2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyed_entry_is_refused_for_debit_cards() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let keyed_credit = card(CREDIT, None, Entry::Keyed);
    assert_eq!(sale(&mut t, &keyed_credit, 1_000).await.code.as_str(), "12", "no mail-order agreement");
    // Operations give the merchant its agreement (off by default).
    let office = kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        std::sync::Arc::new(kassa_core::time::SystemClock { offset_minutes: 480 }),
        std::sync::Arc::new(kassa_api::office::SimulatedBankDirectory::default()),
        kassa_api::Policies::default(),
    );
    let ops = kassa_api::Actor::Staff { id: 1, username: "ops".into(), role: kassa_merchant::StaffRole::Operations };
    office.set_mail_order(ops, MID.into(), true, "signed agreement".into()).await.unwrap();
    let keyed_debit = card(DEBIT, Some("123456"), Entry::Keyed);
    assert_eq!(sale(&mut t, &keyed_debit, 1_000).await.code.as_str(), "12", "debit, keyed");
    assert_eq!(sale(&mut t, &keyed_credit, 1_000).await.code.as_str(), "00", "credit, keyed, mail order");
    assert_eq!(sale(&mut t, &debit(), 1_000).await.code.as_str(), "00", "debit, swiped");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

/// A mobile reader must send the phone's location (product.md §2): a request
/// without it, or with one that is not `lat,lon`, is refused `30` and nothing
/// is recorded; with it, it sells. A countertop terminal needs none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mobile_reader_without_its_location_is_refused() {
    use kassa_store::Store;
    let w = world(Options::default()).await;
    let (reader, _) = w.host.store.terminal(w.terminals[1].0.clone()).await.unwrap().unwrap();
    w.host.store.put_terminal(kassa_store::Terminal { mobile_reader: true, ..reader }).await.unwrap();
    let mut t = w.terminal(1);
    t.sign_in().await.unwrap();
    for location in [None, Some("north of the river"), Some("91.0,200.0")] {
        t.set_location(location.map(str::to_string));
        let answer = sale(&mut t, &debit(), 1_500).await;
        assert_eq!(answer.code.as_str(), "30", "{location:?}: {answer:?}");
    }
    let refused = t.transact(TxnKind::BalanceInquiry, &debit(), Amount::ZERO, None).await.unwrap();
    assert_eq!(refused.code.as_str(), "30", "a balance inquiry too");
    assert!(w.host.store.standing().await.unwrap().is_empty(), "nothing went to the network");
    t.set_location(Some("39.9100,116.4600".into()));
    assert_eq!(sale(&mut t, &debit(), 1_500).await.code.as_str(), "00");
    let mut countertop = w.terminal(0);
    countertop.sign_in().await.unwrap();
    assert_eq!(sale(&mut countertop, &debit(), 1_500).await.code.as_str(), "00", "a countertop sends none");
}
