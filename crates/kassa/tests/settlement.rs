//! A day's settlement after real authorizations: fees taken, the net moved
//! to the merchant's available funds, the ledger still adding up, and a
//! second run changing nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

mod common;

use std::sync::Arc;

use common::*;
use kassa_core::time::{Clock, SystemClock};
use kassa_core::{Amount, TxnKind};
use kassa_settlement::FeeSchedule;
use kassa_store::Store;
use kassa_terminal::{Entry, TxnAnswer};

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
    let declined = sale(&mut t, &card(POOR, Some("111111"), Entry::Swipe), 5_000).await;
    assert_eq!(declined.code.as_str(), "51");

    let fees = FeeSchedule::standard();
    let date = today.yyyymmdd();
    let before = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].settled, None, "not settled yet");
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

    // The day's report: two approved sales (one voided since), one decline, the void,
    // the refund, and what settlement made of it; the fee-income report agrees.
    let report = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();
    let r = &report[0];
    assert_eq!((r.approved_count, r.approved_amount, r.failed_count, r.failed_amount), (2, 15_000, 1, 5_000));
    assert_eq!((r.voids_count, r.voids_amount, r.refunds_count, r.refunds_amount), (1, 5_000, 1, 2_000));
    let settled = r.settled.clone().unwrap();
    assert_eq!((settled.fees, settled.net), (38, first.net));
    let fee_days = w.host.store.fee_income(date.clone(), date.clone()).await.unwrap();
    assert_eq!(fee_days.len(), 1);
    assert_eq!((fee_days[0].merchants, fee_days[0].takings, fee_days[0].fees), (1, 15_000, 38));
    let other = kassa_core::MerchantId::parse("123456789012345").unwrap();
    assert!(w.host.store.merchant_day_report(date.clone(), Some(other)).await.unwrap().is_empty());
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconciliation_finds_and_classifies_every_injected_break() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    for amount in [1_000, 2_000, 3_000, 4_000] {
        assert!(sale(&mut t, &debit(), amount).await.code.is_approved());
    }
    let clock = SystemClock { offset_minutes: 480 };
    let today = clock.local();
    let records = w.sim.simulator.with_issuer(|i| i.clearing(&today.mmdd()));
    let csv = kassa_network_sim::clearing_csv(&records);
    let clean = kassa_settlement::parse_clearing(&csv).unwrap();
    let run = kassa::reconcile::run(&w.host.store, &today.yyyymmdd(), &clean, clock.now_ms()).await.unwrap();
    assert_eq!((run.reconciliation.matched, run.reconciliation.breaks.len()), (4, 0), "{run:?}");

    // Inject: one host approval missing from the file, one amount changed, one
    // approval the host never saw.
    let mut broken = clean.clone();
    let dropped = broken.remove(0);
    broken[0].amount += 1;
    broken.push(kassa_settlement::ClearingItem {
        stan: 999_999,
        transmitted: "0101000000".into(),
        kind: "sale".into(),
        amount: 77,
        rrn: "X".into(),
    });
    let run = kassa::reconcile::run(&w.host.store, &today.yyyymmdd(), &broken, clock.now_ms()).await.unwrap();
    use kassa_settlement::BreakKind::*;
    let mut kinds: Vec<(kassa_settlement::BreakKind, u32)> =
        run.reconciliation.breaks.iter().map(|b| (b.kind, b.stan)).collect();
    kinds.sort();
    let mut expected = vec![(HostOnly, dropped.stan), (NetworkOnly, 999_999), (AmountMismatch, broken[0].stan)];
    expected.sort();
    assert_eq!(kinds, expected);
    assert_eq!((run.reconciliation.matched, run.newly_queued), (2, 3));
    let again = kassa::reconcile::run(&w.host.store, &today.yyyymmdd(), &broken, clock.now_ms()).await.unwrap();
    assert_eq!(again.newly_queued, 0, "a break is queued once");
    assert!(kassa::reconcile::report(&again).contains("host-only 1  network-only 1  amount mismatch 1"));
    let queue = w.host.store.exceptions(today.yyyymmdd()).await.unwrap();
    let mut queued: Vec<(String, u32)> = queue.iter().map(|e| (e.kind.clone(), e.link_stan)).collect();
    queued.sort();
    let mut expected: Vec<(String, u32)> = expected.iter().map(|(k, stan)| (k.code().to_string(), *stan)).collect();
    expected.sort();
    assert_eq!(queued, expected, "each break queued once, with its kind");
    assert!(queue.iter().all(|e| e.status == "open" && !e.reason.is_empty()));
}

async fn settled_day_with_card(w: &World, card: &str) -> String {
    use kassa_crypto::SecurityModule;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 20_000).await;
    let clock = SystemClock { offset_minutes: 480 };
    let date = clock.local().yyyymmdd();
    kassa::settle::run(&w.host.store, &date, &FeeSchedule::standard(), clock.now_ms(), |_, _| {}).await.unwrap();
    let merchant = kassa_core::MerchantId::parse(MID).unwrap();
    let sealed = w.hsm.encrypt_pan(card).unwrap();
    w.host
        .store
        .put_settlement_card(merchant, sealed, kassa_core::mask_pan(card), "Kassa Test Store".into())
        .await
        .unwrap();
    date
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payout_reaches_the_card_exactly_once() {
    use kassa::payout::{SimulatedBank, run};
    let w = world(Options::default()).await;
    let date = settled_day_with_card(&w, "6222021234567890128").await;
    let clock = Arc::new(kassa_core::time::ManualClock::new(SystemClock { offset_minutes: 480 }.now_ms(), 480));
    let bank = SimulatedBank::new(Default::default(), std::time::Duration::from_millis(200), clock.clone());
    let now = || clock.now_ms();
    // The process dies after the bank took the payout and before it was recorded as sent.
    let created = w.host.store.create_payouts(date.clone(), now()).await.unwrap();
    assert_eq!(created.len(), 1);
    let net = created[0].amount;
    assert_eq!(net, 20_000 - 76, "the day's net after the 0.38% fee");
    use kassa::payout::Bank;
    bank.send(&created[0].id, "6222021234567890128", net).await.unwrap();
    // Restarted: the run sends again (the bank ignores the repeat), then waits for the result.
    let first = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), now()).await.unwrap();
    assert_eq!((first.created, first.sent, first.pending), (0, 1, 1));
    clock.advance_ms(250);
    let second = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), now()).await.unwrap();
    assert_eq!((second.created, second.sent, second.paid), (0, 0, 1));
    let third = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), now()).await.unwrap();
    assert_eq!(third, kassa::payout::RunSummary::default(), "nothing left to do");
    assert_eq!(bank.debits(), 1, "one bank debit");
    let audit = w.host.store.ledger_audit().await.unwrap();
    audit.check().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit.available, [(MID.to_string(), 0)], "paid out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_payout_returns_the_funds_and_tells_the_merchant() {
    use kassa::payout::{SimulatedBank, run};
    let w = world(Options::default()).await;
    let closed_card = "6222021234500000033";
    let date = settled_day_with_card(&w, closed_card).await;
    let bank = SimulatedBank::new(
        [closed_card.to_string()].into(),
        std::time::Duration::ZERO,
        Arc::new(SystemClock { offset_minutes: 480 }),
    );
    let now = SystemClock { offset_minutes: 480 }.now_ms();
    let summary = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), now).await.unwrap();
    assert_eq!((summary.created, summary.failed), (1, 1));
    let merchant = kassa_core::MerchantId::parse(MID).unwrap();
    let notices = w.host.store.notices(merchant).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].contains("¥199.24")
            && notices[0].contains("622202*********0033")
            && notices[0].contains("account closed"),
        "{}",
        notices[0]
    );
    assert!(!notices[0].contains(closed_card), "no card number in clear");
    // Nothing more happens on the next run; the funds are back in available (the ledger adds up).
    assert_eq!(
        run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), now).await.unwrap(),
        kassa::payout::RunSummary::default()
    );
    w.host.store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
}

/// The demo's nightly run, end to end: sales, the terminal closes its batch,
/// the cut-off passes, and the scheduled run settles, reconciles against the
/// network and pays out — with nothing left over on the ledger.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_run_settles_reconciles_and_pays_out() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 30_000).await;
    sale(&mut t, &credit(), 12_000).await;
    t.settle().await.unwrap();
    let merchant = kassa_core::MerchantId::parse(MID).unwrap();
    let card = "6222020200112233446";
    let sealed = kassa_crypto::SecurityModule::encrypt_pan(w.hsm.as_ref(), card).unwrap();
    w.host
        .store
        .put_settlement_card(merchant.clone(), sealed, kassa_core::mask_pan(card), "Shop".into())
        .await
        .unwrap();

    // A clock just short of the run five minutes after the next local midnight.
    let real = SystemClock { offset_minutes: 480 };
    let date = real.local().yyyymmdd();
    let clock = just_before_the_nightly_run(&real);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let run = kassa::world::DayRun {
        store: w.host.store.clone(),
        clock,
        cutoff: kassa_settlement::CutOff::MIDNIGHT,
        clearing: kassa::world::Clearing::Simulator(w.sim.simulator.clone()),
        payouts: Some(w.hsm.clone()),
        monitor: w.host.monitor.clone(),
    };
    tokio::spawn(kassa::world::daily_settlement(run, shutdown.clone()));
    let mut report = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        report = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();
        // Settled, the net moved out of available funds, and no payout still open: paid.
        let settled = report.first().is_some_and(|r| r.settled.is_some());
        let available = w.host.store.ledger_audit().await.unwrap().available;
        if settled && available.iter().all(|(_, a)| *a == 0) && w.host.store.open_payouts().await.unwrap().is_empty() {
            break;
        }
    }
    shutdown.cancel();
    let settled = report[0].settled.clone().expect("the day was settled by the schedule");
    // Debit 300.00 at 0.38% (MCC 5411) = 1.14; credit 120.00 = 0.456 → 0.46.
    assert_eq!((report[0].approved_count, settled.fees), (2, 114 + 46));
    let audit = w.host.store.ledger_audit().await.unwrap();
    audit.check().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit.available, [(MID.to_string(), 0)], "the net was paid out");
    assert!(w.host.store.notices(merchant).await.unwrap().is_empty(), "nothing failed");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

/// `kassa serve`'s scheduled run reconciles each day from the network's
/// clearing file in `reconcile.clearing_dir`: a record missing from the file
/// is a host-only break in the exception queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduled_run_reconciles_from_the_clearing_directory() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    sale(&mut t, &debit(), 30_000).await;
    sale(&mut t, &credit(), 12_000).await;
    let real = SystemClock { offset_minutes: 480 };
    let date = real.local().yyyymmdd();
    // The network's file for the day, with the second sale missing from it.
    let mut records = w.sim.simulator.with_issuer(|issuer| issuer.clearing(&real.local().mmdd()));
    assert_eq!(records.len(), 2);
    records.pop();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(format!("clearing-{date}.csv")), kassa_network_sim::clearing_csv(&records)).unwrap();

    let clock = just_before_the_nightly_run(&real);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let run = kassa::world::DayRun {
        store: w.host.store.clone(),
        clock,
        cutoff: kassa_settlement::CutOff::MIDNIGHT,
        clearing: kassa::world::Clearing::Directory(dir.path().to_path_buf()),
        payouts: None,
        monitor: None,
    };
    tokio::spawn(kassa::world::daily_settlement(run, shutdown.clone()));
    let mut exceptions = Vec::new();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        exceptions = w.host.store.exceptions(date.clone()).await.unwrap();
        if !exceptions.is_empty() {
            break;
        }
    }
    shutdown.cancel();
    assert_eq!(exceptions.len(), 1, "{exceptions:?}");
    assert_eq!(exceptions[0].kind, "host_only", "{exceptions:?}");
}

/// A day of refunds above takings leaves the merchant owing: nothing is paid,
/// the debt is carried, and the next days' takings cover it before anything
/// is paid again — on a ledger that adds up every day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_owing_money_is_carried_until_takings_cover_it() {
    let real = SystemClock { offset_minutes: 480 };
    let clock = Arc::new(kassa_core::time::ManualClock::new(real.now_ms(), 480));
    let w = world(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let fees = FeeSchedule::standard();
    let day_ms = 86_400_000;
    let settle = async |expect: (i64, u64, u64)| {
        let date = kassa_core::time::Clock::local(clock.as_ref()).yyyymmdd();
        let summary = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
        let day = &summary.days[0];
        assert_eq!((day.net, day.paid, day.carried), expect, "{date}");
        w.host.store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{date}: {e}"));
        clock.advance_ms(day_ms);
    };
    // Day 1: ¥1,000 taken (fee ¥3.80): paid.
    let first = sale(&mut t, &debit(), 100_000).await;
    let first_date = kassa_core::time::Clock::local(clock.as_ref()).mmdd();
    settle((99_620, 99_620, 0)).await;
    // Day 2: ¥800 refunded, nothing taken: owes ¥800.
    let refund = t
        .transact(TxnKind::Refund, &debit(), Amount(80_000), Some(&original_of(&first, Some(&first_date))))
        .await
        .unwrap();
    assert_eq!(refund.code.as_str(), "00");
    settle((-80_000, 0, 80_000)).await;
    // Day 3: ¥500 taken (fee ¥1.90) covers part of it.
    sale(&mut t, &debit(), 50_000).await;
    settle((49_810, 0, 30_190)).await;
    // Day 4: ¥1,000 taken: the rest of the debt, then paid.
    sale(&mut t, &debit(), 100_000).await;
    settle((99_620, 99_620 - 30_190, 0)).await;
    // The day's report (and the merchant's statement) says what was paid and what is owed.
    let day3 = kassa_core::time::LocalTime::from_unix_ms(clock.now_ms() - 2 * day_ms, 480).yyyymmdd();
    let report = w.host.store.merchant_day_report(day3, None).await.unwrap();
    let settled = report[0].settled.clone().unwrap();
    assert_eq!((settled.net, settled.paid, settled.carried), (49_810, 0, 30_190));
}

/// Found by `kassa sim`: a sale of a day already settled (and paid), reversed
/// after (the terminal's reversal came late), was undone at the issuer while
/// the merchant kept the money. The merchant's next open day takes it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_reversal_of_a_settled_day_is_taken_back_the_next_day() {
    let real = SystemClock { offset_minutes: 480 };
    let clock = Arc::new(kassa_core::time::ManualClock::new(real.now_ms(), 480));
    let w = world(Options { clock: Some(clock.clone()), ..Options::default() }).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let fees = FeeSchedule::standard();
    let settle = async || {
        let date = kassa_core::time::Clock::local(clock.as_ref()).yyyymmdd();
        let summary = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
        w.host.store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{date}: {e}"));
        summary.days[0].clone()
    };
    let sold = sale(&mut t, &debit(), 100_000).await;
    let first = settle().await;
    assert_eq!((first.gross, first.paid, first.adjustments), (100_000, 99_620, 0));
    assert!(reverse_sale(&w, &mut t, &sold, 100_000).await, "the reversal is taken");
    assert!(saf_drained(&w, std::time::Duration::from_secs(5)).await);
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
    assert!(network.is_empty(), "undone at the issuer");
    // The next day: ¥500 taken (fee ¥1.90), the ¥1,000 taken back: owes ¥501.90.
    clock.advance_ms(86_400_000);
    sale(&mut t, &debit(), 50_000).await;
    let second = settle().await;
    assert_eq!((second.gross, second.adjustments, second.net), (50_000, -100_000, 50_000 - 190 - 100_000));
    assert_eq!((second.paid, second.carried), (0, 50_190));
    // The day settled first stays as it was settled.
    let day_one = kassa_core::time::LocalTime::from_unix_ms(clock.now_ms() - 86_400_000, 480).yyyymmdd();
    let report = w.host.store.merchant_day_report(day_one, None).await.unwrap();
    assert_eq!(report[0].settled.clone().unwrap().paid, 99_620);
}

/// A clock 200 ms short of the day run, five minutes after the next local midnight.
fn just_before_the_nightly_run(real: &SystemClock) -> Arc<kassa_core::time::ManualClock> {
    let day_ms = 86_400_000;
    let offset_ms = 480 * 60_000;
    let next_midnight = ((real.now_ms() + offset_ms) / day_ms + 1) * day_ms - offset_ms;
    Arc::new(kassa_core::time::ManualClock::new(next_midnight + 5 * 60_000 - 200, 480))
}

/// What a sale gave back: its void (the whole amount) and its refunds.
async fn returned(w: &World, answer: &TxnAnswer) -> (u64, u64) {
    let sale = record_of(w, answer).await;
    let voided = if sale.state == kassa_store::TxnState::Voided { sale.amount.minor_units() } else { 0 };
    (sale.amount.minor_units(), voided + sale.refunded.minor_units())
}

/// A void takes the whole sale back, so it is refused once any refund of the
/// sale stands, and a refund is refused once the sale is voided: a sale never
/// returns more than it took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voids_and_refunds_never_return_more_than_the_sale() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let today = SystemClock { offset_minutes: 480 }.local().mmdd();
    let refund = async |t: &mut kassa_terminal::ScriptedTerminal, of: &TxnAnswer, amount: u64| {
        t.transact(TxnKind::Refund, &debit(), Amount(amount), Some(&original_of(of, Some(&today)))).await.unwrap()
    };
    let void = async |t: &mut kassa_terminal::ScriptedTerminal, of: &TxnAnswer, amount: u64| {
        t.transact(TxnKind::SaleVoid, &debit(), Amount(amount), Some(&original_of(of, None))).await.unwrap()
    };
    // Refunded in full, then voided.
    let full = sale(&mut t, &debit(), 17_500).await;
    assert_eq!(refund(&mut t, &full, 17_500).await.code.as_str(), "00");
    assert_eq!(void(&mut t, &full, 17_500).await.code.as_str(), "25");
    assert_eq!(returned(&w, &full).await, (17_500, 17_500));
    // Refunded in part, then voided.
    let part = sale(&mut t, &debit(), 3_000).await;
    assert_eq!(refund(&mut t, &part, 1_000).await.code.as_str(), "00");
    assert_eq!(void(&mut t, &part, 3_000).await.code.as_str(), "25");
    assert_eq!(returned(&w, &part).await, (3_000, 1_000));
    // Voided, then refunded.
    let voided = sale(&mut t, &debit(), 5_000).await;
    assert_eq!(void(&mut t, &voided, 5_000).await.code.as_str(), "00");
    assert_eq!(refund(&mut t, &voided, 1).await.code.as_str(), "25");
    assert_eq!(returned(&w, &voided).await, (5_000, 5_000));
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}

/// Once a merchant's day is settled nothing changes it: a void of one of its
/// sales is refused, a refund and a new sale belong to the next day, and the
/// settled day's report stays what it was, adding up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settled_day_takes_nothing_more() {
    let w = world(Options::default()).await;
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    let clock = SystemClock { offset_minutes: 480 };
    let today = clock.local();
    let date = today.yyyymmdd();
    let kept = sale(&mut t, &debit(), 20_000).await;
    let other = sale(&mut t, &debit(), 10_000).await;
    let fees = FeeSchedule::standard();
    let first = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!((first.newly_settled, first.gross), (1, 30_000));
    let before = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();

    let void = t.transact(TxnKind::SaleVoid, &debit(), Amount(10_000), Some(&original_of(&other, None))).await.unwrap();
    assert_eq!(void.code.as_str(), "25", "a settled day's sale is not voided");
    let refund = t
        .transact(TxnKind::Refund, &debit(), Amount(5_000), Some(&original_of(&kept, Some(&today.mmdd()))))
        .await
        .unwrap();
    assert_eq!(refund.code.as_str(), "00");
    let later = sale(&mut t, &debit(), 3_000).await;
    assert_eq!(later.code.as_str(), "00");
    let next = kassa_core::time::date_of_day_number(kassa_core::time::day_number_of(&date).unwrap() + 1);
    for answer in [&refund, &later] {
        let record = record_of(&w, answer).await;
        assert_eq!(record.business_date, next, "after settlement, the merchant's next day");
    }

    let after = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();
    assert_eq!(after, before, "a settled day never changes");
    let r = &after[0];
    let settled = r.settled.clone().unwrap();
    assert_eq!(
        r.approved_amount as i64 - (r.voids_amount + r.refunds_amount + settled.fees + settled.held) as i64,
        settled.net,
        "approved − voids − refunds − fees − held = net"
    );
    let again = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!((again.newly_settled, again.gross), (0, 30_000), "a day settles once, as it was");
    // The next day counts them.
    let second = kassa::settle::run(&w.host.store, &next, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!((second.newly_settled, second.gross, second.refunds), (1, 3_000, 5_000));
    let (network, host) = w.agreement().await;
    assert_eq!(network, host);
}
