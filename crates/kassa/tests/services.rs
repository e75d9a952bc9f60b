//! The mobile reader's value-added services end to end, over TCP: a
//! scripted reader, the host, the network simulator and the simulated
//! carrier (`docs/protocol-profile.md`). Each test ends with the network's
//! standing set equal to the host's and the ledger adding up.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use std::time::Duration;

use common::*;
use kassa_core::services::{Service, ServiceRules};
use kassa_core::{Amount, TxnKind};
use kassa_network_sim::Faults;
use kassa_store::Store;
use kassa_store::services::{self as services, LegState};
use kassa_switch::carrier::CarrierMode;
use kassa_terminal::{ScriptedTerminal, TxnAnswer};

/// A debit card of another customer: the transfer's beneficiary.
const PAYEE: &str = "6222021234500000017";
const PHONE: &str = "13812345678";

/// Terminal 1 made a mobile reader, signed in, with the phone's location.
async fn reader(w: &World) -> ScriptedTerminal {
    let (record, _) = w.host.store.terminal(w.terminals[1].0.clone()).await.unwrap().unwrap();
    w.host.store.put_terminal(kassa_store::Terminal { mobile_reader: true, ..record }).await.unwrap();
    let mut t = w.terminal(1);
    t.set_location(Some("31.230416,121.473701".into()));
    t.sign_in().await.unwrap();
    t
}

/// A service of `amount` with the default schedule's fee.
async fn ask(t: &mut ScriptedTerminal, service: Service, beneficiary: &str, amount: u64) -> TxnAnswer {
    let fee = ServiceRules::default().price(service, Amount(amount)).unwrap().fee;
    t.service(service, &debit(), Amount(amount), fee, beneficiary).await.unwrap()
}

fn funds(w: &World, pan: &str) -> (u64, u64) {
    w.sim.simulator.with_issuer(|i| {
        let card = i.card(pan).unwrap();
        (card.funds.minor_units(), card.used.minor_units())
    })
}

/// Waits for the host to owe nothing (reversals, second legs), then checks
/// that the network and the host hold the same approvals and the ledger adds up.
async fn settled_up(w: &World) {
    assert!(saf_drained(w, Duration::from_secs(10)).await, "the host still owes reversals");
    let (network, host) = w.agreement().await;
    assert_eq!(network, host, "network and host disagree");
}

async fn service_of(w: &World, answer: &TxnAnswer) -> services::ServiceRecord {
    let key = kassa_store::TxnKey {
        merchant: kassa_core::MerchantId::parse(MID).unwrap(),
        terminal: w.terminals[1].0.clone(),
        batch: kassa_core::Batch(answer.batch),
        trace: kassa_core::Trace(answer.trace),
    };
    let record = w.host.store.find(key).await.unwrap().unwrap();
    w.host.store.office_read(move |sql| services::find(sql, record.id)).await.unwrap().unwrap()
}

/// The service accounts of the acquirer: (beneficiary funds, carrier payable, fee income).
async fn service_accounts(w: &World) -> (i64, i64, i64) {
    w.host
        .store
        .office_read(|sql| {
            let balance = |sql: &mut dyn kassa_store::office::Sql, kind: &str| {
                sql.scalar(
                    "SELECT CAST(COALESCE(SUM(credits_posted - debits_posted), 0) AS BIGINT) FROM ledger_accounts
                     WHERE owner = 'acquirer' AND kind = ?1",
                    kassa_store::sql_params![kind],
                )
            };
            Ok((balance(sql, "BeneficiaryFunds")?, balance(sql, "CarrierPayable")?, balance(sql, "ServiceFeeIncome")?))
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_moves_the_money_both_ways_and_only_then_answers_00() {
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    let (payer_before, _) = funds(&w, DEBIT);
    let (payee_before, _) = funds(&w, PAYEE);
    let (_, credit_used_before) = funds(&w, CREDIT);

    // Transfer ¥1,000.00: fee 0.1 % = ¥1, raised to ¥2.
    let transfer = ask(&mut t, Service::Transfer, PAYEE, 100_000).await;
    assert_eq!(transfer.code.as_str(), "00", "{transfer:?}");
    assert_eq!(transfer.card_organisation, "CUPB");
    assert!(!transfer.rrn.is_empty() && !transfer.auth_code.is_empty());
    assert_eq!(funds(&w, PAYEE).0, payee_before + 100_000, "the beneficiary got the amount");
    let record = service_of(&w, &transfer).await;
    assert_eq!((record.amount, record.fee, record.leg_state), (Amount(100_000), Amount(200), LegState::Done));
    assert_eq!(record.beneficiary_masked, "622202*********0017");

    // Repayment ¥3,000.00 into the credit card: its spending goes down.
    w.sim.simulator.with_issuer(|i| {
        let mut card = i.card(CREDIT).unwrap().clone();
        card.used = Amount(500_000);
        i.add_card(card);
    });
    let repayment = ask(&mut t, Service::Repayment, CREDIT, 300_000).await;
    assert_eq!(repayment.code.as_str(), "00", "{repayment:?}");
    assert_eq!(funds(&w, CREDIT).1, 500_000 - 300_000);
    let _ = credit_used_before;

    // Top-up ¥50 to a phone: the carrier confirms with its number in 63.
    let top_up = ask(&mut t, Service::TopUp, PHONE, 5_000).await;
    assert_eq!(top_up.code.as_str(), "00", "{top_up:?}");
    assert!(top_up.card_organisation.starts_with("CUPBCM"), "{top_up:?}");
    let order = format!("{:012}", record_of_reader(&w, &top_up).await.id);
    assert_eq!(w.host.carrier.delivered().get(&order), Some(&(PHONE.to_string(), Amount(5_000))));
    assert_eq!(service_of(&w, &top_up).await.beneficiary_masked, "138****5678");

    // The payer paid every amount and every fee, once.
    let fees = 200 + 300;
    assert_eq!(funds(&w, DEBIT).0, payer_before - 100_000 - 300_000 - 5_000 - fees);
    // The ledger: fee income, the top-up owed to the carrier, nothing left in transit.
    assert_eq!(service_accounts(&w).await, (0, 5_000, fees as i64));
    settled_up(&w).await;

    // Services are not the merchant's takings: the batch counts none.
    let totals = t.totals();
    assert_eq!(totals.domestic.debit_count + totals.foreign.debit_count, 0);
    let settled = t.settle().await.unwrap();
    assert_eq!(settled.code.as_str(), "00", "the host's totals agree: {settled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_services_reconciles_both_legs_and_settles_apart_from_the_takings() {
    use kassa_core::time::{Clock, SystemClock};
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    assert!(sale(&mut t, &debit(), 10_000).await.code.is_approved());
    assert_eq!(ask(&mut t, Service::Transfer, PAYEE, 100_000).await.code.as_str(), "00");
    assert_eq!(ask(&mut t, Service::TopUp, PHONE, 5_000).await.code.as_str(), "00");
    assert_eq!(ask(&mut t, Service::Transfer, LOST, 30_000).await.code.as_str(), "41", "refused: reversed");
    settled_up(&w).await;

    // The clearing file holds the sale, each service's debit and the
    // transfer's credit leg; the host matches every one of them.
    let clock = SystemClock { offset_minutes: 480 };
    let today = clock.local();
    let records = w.sim.simulator.with_issuer(|i| i.clearing(&today.mmdd()));
    let kinds: Vec<&str> = records.iter().map(|r| r.kind).collect();
    assert!(kinds.contains(&"payment_to_card"), "the credit leg is cleared: {kinds:?}");
    let clearing = kassa_settlement::parse_clearing(&kassa_network_sim::clearing_csv(&records)).unwrap();
    let run = kassa::reconcile::run(&w.host.store, &today.yyyymmdd(), &clearing, clock.now_ms()).await.unwrap();
    assert_eq!((run.reconciliation.matched, run.reconciliation.breaks.len()), (4, 0), "{run:?}");

    // Settlement pays the merchant its sale less its fee, and nothing of the services.
    let date = today.yyyymmdd();
    let fees = kassa_settlement::FeeSchedule::standard();
    let settled = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!((settled.gross, settled.voids, settled.refunds), (10_000, 0, 0), "{settled:?}");
    w.host.store.ledger_audit().await.unwrap().check().unwrap_or_else(|e| panic!("{e}"));
    let report = w.host.store.merchant_day_report(date.clone(), None).await.unwrap();
    assert_eq!((report[0].approved_count, report[0].approved_amount), (1, 10_000), "services are not takings");

    // The day per service: what was completed, its fees, what was undone.
    let totals = w.host.store.office_read(move |sql| services::day_totals(sql, Some(MID), &date)).await.unwrap();
    let line = |service: &str| totals.iter().find(|l| l.service == service).cloned().unwrap();
    let transfer = line("transfer");
    assert_eq!((transfer.completed_count, transfer.amount, transfer.fees), (1, 100_000, 200));
    assert_eq!((transfer.undone_count, transfer.open_count), (1, 0));
    let top_up = line("top_up");
    assert_eq!((top_up.completed_count, top_up.amount, top_up.fees, top_up.undone_count), (1, 5_000, 0, 0));
    assert!(totals.iter().all(|l| l.service != "repayment"), "no repayment that day");
}

async fn record_of_reader(w: &World, answer: &TxnAnswer) -> kassa_store::TxnRecord {
    let key = kassa_store::TxnKey {
        merchant: kassa_core::MerchantId::parse(MID).unwrap(),
        terminal: w.terminals[1].0.clone(),
        batch: kassa_core::Batch(answer.batch),
        trace: kassa_core::Trace(answer.trace),
    };
    w.host.store.find(key).await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_a_clear_code_and_move_no_money() {
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    let (payer_before, _) = funds(&w, DEBIT);
    let cases: [(Service, &str, u64, &str, &str); 8] = [
        (Service::Transfer, "6222021234500000018", 10_000, "14", "B"), // fails Luhn
        (Service::Transfer, "62220212", 10_000, "14", "B"),            // too short
        (Service::Transfer, CREDIT, 10_000, "12", "B"),                // a transfer goes to a debit card
        (Service::Transfer, DEBIT, 10_000, "12", "B"),                 // the payer's own card
        (Service::Repayment, PAYEE, 10_000, "12", "B"),                // a repayment goes to a credit card
        (Service::TopUp, PHONE, 4_000, "13", "P"),                     // no such face value
        (Service::TopUp, "2381234567", 5_000, "14", "B"),              // not a mobile number
        (Service::Transfer, PAYEE, 2_000_001, "61", "P"),              // over one transfer's limit
    ];
    for (service, beneficiary, amount, code, side) in cases {
        let answer = ask(&mut t, service, beneficiary, amount).await;
        assert_eq!(answer.code.as_str(), code, "{service:?} {beneficiary} {amount}: {answer:?}");
        assert!(answer.card_organisation.ends_with(side), "{service:?} {beneficiary}: {answer:?}");
    }
    // A fee that is not the schedule's.
    let wrong_fee = t.service(Service::Transfer, &debit(), Amount(100_000), Amount(100), PAYEE).await.unwrap();
    assert_eq!(wrong_fee.code.as_str(), "13");
    // A credit card cannot pay.
    let by_credit = t.service(Service::Transfer, &credit(), Amount(100_000), Amount(200), PAYEE).await.unwrap();
    assert_eq!((by_credit.code.as_str(), by_credit.card_organisation.as_str()), ("12", "   P"));
    // A countertop terminal offers no services.
    let mut countertop = w.terminal(0);
    countertop.sign_in().await.unwrap();
    let there = countertop.service(Service::Transfer, &debit(), Amount(100_000), Amount(200), PAYEE).await.unwrap();
    assert_eq!(there.code.as_str(), "58");
    // The payer card's day: ¥20,000 + ¥20,000, then ¥15,000 passes ¥50,000.
    for _ in 0..2 {
        assert_eq!(ask(&mut t, Service::Transfer, PAYEE, 2_000_000).await.code.as_str(), "00");
    }
    let over_day = ask(&mut t, Service::Transfer, PAYEE, 1_500_000).await;
    assert_eq!((over_day.code.as_str(), over_day.card_organisation.as_str()), ("61", "   P"));
    assert_eq!(funds(&w, DEBIT).0, payer_before - 2 * (2_000_000 + 2_000), "only the two transfers moved money");
    settled_up(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_service_gets_its_first_answer_and_is_never_charged_twice() {
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    let (payer_before, _) = funds(&w, DEBIT);
    let first = ask(&mut t, Service::Transfer, PAYEE, 50_000).await;
    assert_eq!(first.code.as_str(), "00");
    t.rewind_trace(1);
    let again = ask(&mut t, Service::Transfer, PAYEE, 50_000).await;
    assert_eq!((again.code.as_str(), again.rrn.as_str()), ("00", first.rrn.as_str()));
    // A failed one too: its answer stands, nothing charged.
    let failed = ask(&mut t, Service::Transfer, LOST, 50_000).await;
    assert_eq!(failed.code.as_str(), "41");
    t.rewind_trace(1);
    let failed_again = ask(&mut t, Service::Transfer, LOST, 50_000).await;
    assert_eq!((failed_again.code.as_str(), failed_again.card_organisation.as_str()), ("41", "CUPB"));
    settled_up(&w).await;
    assert_eq!(funds(&w, DEBIT).0, payer_before - 50_000 - 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or_silent_second_leg_reverses_the_debit_once() {
    let w = world(Options { network_timeout: Duration::from_millis(800), ..Options::default() }).await;
    let mut t = reader(&w).await;
    let (payer_before, _) = funds(&w, DEBIT);
    let (payee_before, _) = funds(&w, PAYEE);

    // The beneficiary's issuer refuses (a lost card): 41 on the beneficiary's side.
    let refused = ask(&mut t, Service::Transfer, LOST, 100_000).await;
    assert_eq!((refused.code.as_str(), refused.card_organisation.as_str()), ("41", "CUPB"), "{refused:?}");
    assert_eq!(service_of(&w, &refused).await.leg_state, LegState::Refused);
    settled_up(&w).await;
    assert_eq!(funds(&w, DEBIT).0, payer_before, "the debit was reversed");

    // The beneficiary's issuer goes quiet: 98, the debit and the credit both reversed.
    w.sim.simulator.set_faults(Faults { credit_drop_percent: 100, ..Faults::default() });
    let silent = ask(&mut t, Service::Transfer, PAYEE, 100_000).await;
    assert_eq!((silent.code.as_str(), silent.card_organisation.as_str()), ("98", "CUPB"), "{silent:?}");
    assert!(t.state().pending_reversal.is_none(), "the host answered: the host reverses");
    w.sim.simulator.set_faults(Faults::default());
    settled_up(&w).await;
    assert_eq!(service_of(&w, &silent).await.leg_state, LegState::Reversed);
    assert_eq!(funds(&w, DEBIT).0, payer_before, "the debit was reversed");
    assert_eq!(funds(&w, PAYEE).0, payee_before, "the credit was reversed");

    // The carrier refuses, stays silent, or confirms late: never charged.
    for (mode, code) in [(CarrierMode::Refuse, "05"), (CarrierMode::Silent, "98"), (CarrierMode::Late, "98")] {
        w.host.carrier.set_mode(mode);
        let answer = ask(&mut t, Service::TopUp, PHONE, 10_000).await;
        assert_eq!(answer.code.as_str(), code, "{mode:?}: {answer:?}");
        assert!(answer.card_organisation.ends_with('B'), "{mode:?}: {answer:?}");
        settled_up(&w).await;
        assert_eq!(funds(&w, DEBIT).0, payer_before, "{mode:?}: the top-up's debit was reversed");
    }
    // The late one is in the exception queue, for operations to recover from the carrier.
    let late = w
        .host
        .store
        .office_read(|sql| {
            sql.scalar("SELECT COUNT(*) FROM reconciliation_exceptions WHERE kind = 'top_up_delivered_late'", &[])
        })
        .await
        .unwrap();
    assert_eq!(late, 1);
    assert_eq!(service_accounts(&w).await, (0, 0, 0), "every posting undone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_reversal_undoes_both_legs_of_a_completed_service() {
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    let (payer_before, _) = funds(&w, DEBIT);
    let (payee_before, _) = funds(&w, PAYEE);
    let done = ask(&mut t, Service::Transfer, PAYEE, 80_000).await;
    assert_eq!(done.code.as_str(), "00");
    // As if the answer had been lost: the reader sends its reversal.
    let record = record_of_reader(&w, &done).await;
    assert_eq!(record.kind, TxnKind::Transfer);
    let mut m = kassa_iso8583::Message::new(kassa_iso8583::Mti::new("0200").unwrap());
    m.set(3, "400000").set(4, format!("{:012}", 80_200)).set(11, format!("{:06}", done.trace)).set(22, "021");
    m.set(25, "00").set(28, "D00000200").set(41, w.terminals[1].0.to_string()).set(42, MID).set(48, PAYEE);
    m.set(49, "156").set(60, format!("40{:06}000", done.batch));
    let fields = m.fields().map(|(n, v)| (n, kassa_crypto::to_hex(v))).collect();
    t.state_mut().pending_reversal =
        Some(kassa_terminal::PendingReversal { fields, card_sealed: None, reason: "98".into() });
    assert!(t.send_pending_reversal().await.unwrap());
    settled_up(&w).await;
    assert_eq!(service_of(&w, &done).await.leg_state, LegState::Reversed);
    assert_eq!(funds(&w, DEBIT).0, payer_before);
    assert_eq!(funds(&w, PAYEE).0, payee_before);
    assert_eq!(service_accounts(&w).await, (0, 0, 0));
}

/// The scripted reader against `kassa demo`, as the README walks through it:
/// one command per service, the fee shown, the answer in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scripted_reader_runs_each_service_against_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let shutdown = tokio_util::sync::CancellationToken::new();
    let _demo = kassa::demo::start(dir.path(), 1, 0, true, None, shutdown.clone()).await.unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kassa"))
            .args(["terminal", "--demo", &data, "--mobile"])
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stdout).to_string())
    };
    let (code, _) = tokio::task::block_in_place(|| run(&["sign-in"]));
    assert_eq!(code, Some(0));
    let cases: [(&[&str], i32, &str); 6] = [
        (&["transfer", "--amount", "100000", "--to", PAYEE, "--card", "1"], 0, "fee ¥2.00  total debited ¥1002.00"),
        (&["repay", "--amount", "50000", "--to", CREDIT, "--card", "1"], 0, "622588*********0120 credited ¥500.00"),
        (&["top-up", "--amount", "5000", "--phone", PHONE, "--card", "1"], 0, "the carrier's confirmation CM"),
        (&["transfer", "--amount", "1000", "--to", LOST, "--card", "1"], 1, "the payer's card is not charged"),
        // The reader app's calculator, and its result collected as a sale.
        (&["calc", "12*3+4.5"], 0, "12*3+4.5 = ¥40.50"),
        (&["calc", "19.99*3", "--collect", "--card", "1"], 0, "sale ¥59.97"),
    ];
    for (args, want, says) in cases {
        let (code, out) = tokio::task::block_in_place(|| run(args));
        assert_eq!(code, Some(want), "{args:?}: {out}");
        assert!(out.contains(says), "{args:?}: {out}");
    }
    shutdown.cancel();
}

/// The starter ruleset watches the money-laundering path: a third card
/// paying into the same beneficiary in a day is refused (`59`), and nothing moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_payers_into_one_beneficiary_are_stopped_by_the_starter_rules() {
    let w = world(Options {
        ruleset: Some(kassa_risk::STARTER.to_string()),
        clock: Some(std::sync::Arc::new(daytime())),
        ..Options::default()
    })
    .await;
    let mut t = reader(&w).await;
    let collector = EXPIRED;
    let payers = [
        card(DEBIT, Some("123456"), kassa_terminal::Entry::Swipe),
        card("6222021234500000058", Some("888888"), kassa_terminal::Entry::Swipe),
        card(POOR, Some("111111"), kassa_terminal::Entry::Swipe),
    ];
    let (collector_before, _) = funds(&w, collector);
    let mut codes = Vec::new();
    for payer in &payers {
        let answer = t.service(Service::Transfer, payer, Amount(500), Amount(200), collector).await.unwrap();
        codes.push(answer.code.as_str().to_string());
    }
    assert_eq!(codes, ["00", "00", "59"]);
    assert_eq!(funds(&w, collector).0, collector_before + 1_000, "only the first two arrived");
    assert_eq!(funds(&w, POOR).0, 1_000, "the third payer was not charged");
    settled_up(&w).await;
}

/// The merchant sees its services (apart from takings) with fee and both
/// legs, and a receipt that says whom it paid; operations see every
/// merchant's, and find a stuck one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_and_the_console_show_each_service_and_its_legs() {
    use kassa_api::Actor;
    use kassa_api::services::ServiceFilter;
    let w = world(Options::default()).await;
    let mut t = reader(&w).await;
    let answers = [
        ask(&mut t, Service::Transfer, PAYEE, 100_000).await,
        ask(&mut t, Service::Transfer, LOST, 100_000).await,
        ask(&mut t, Service::TopUp, PHONE, 5_000).await,
    ];
    let codes: Vec<&str> = answers.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["00", "41", "00"]);
    let clock: std::sync::Arc<dyn kassa_core::time::Clock> =
        std::sync::Arc::new(kassa_core::time::SystemClock { offset_minutes: 480 });
    let office = kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        clock,
        std::sync::Arc::new(kassa_api::office::SimulatedBankDirectory::default()),
        kassa_api::Policies::default(),
    );
    let merchant = Actor::Merchant { user: 1, merchant: kassa_core::MerchantId::parse(MID) };
    let seen = office.services(merchant.clone(), ServiceFilter::default()).await.unwrap();
    assert_eq!(seen.len(), 3);
    let statuses: Vec<(&str, &str, &str)> =
        seen.iter().map(|s| (s.service.as_str(), s.status.as_str(), s.second_leg.as_str())).collect();
    assert_eq!(
        statuses,
        [("top_up", "completed", "done"), ("transfer", "refused", "refused"), ("transfer", "completed", "done")]
    );
    let transfer = &seen[2];
    assert_eq!((transfer.fee_text.as_str(), transfer.total_text.as_str()), ("¥2.00", "¥1002.00"));
    assert_eq!(transfer.beneficiary, "622202*********0017");
    assert!(!transfer.stuck);
    let receipt = office.receipt(merchant.clone(), transfer.id).await.unwrap().text;
    for line in [
        "TYPE:          TRANSFER",
        "TO CARD:       622202*********0017",
        "FEE:           ¥2.00",
        "TOTAL DEBITED: ¥1002.00",
    ] {
        assert!(receipt.contains(line), "{line}: {receipt}");
    }
    let top_up_receipt = office.receipt(merchant.clone(), seen[0].id).await.unwrap().text;
    assert!(top_up_receipt.contains("PHONE:         138****5678") && top_up_receipt.contains("CARRIER REF.:  CM"));
    // The merchant's takings do not count them.
    let summary = office.transactions(merchant.clone(), kassa_api::txns::TxnFilter::default()).await.unwrap();
    assert_eq!(summary.len(), 3, "they are in the transaction list, by their type");
    // The statement shows them per service, apart from the takings.
    let today = kassa_core::time::Clock::local(&kassa_core::time::SystemClock { offset_minutes: 480 }).yyyymmdd();
    let statement = office.statement(merchant.clone(), today).await.unwrap();
    assert_eq!((statement.approved_count, statement.approved_amount), (0, 0), "no takings");
    let lines: Vec<(&str, u64, u64, u64, u64)> =
        statement.services.iter().map(|l| (l.service.as_str(), l.count, l.amount, l.fees, l.undone)).collect();
    assert_eq!(lines, [("top_up", 1, 5_000, 0, 0), ("transfer", 1, 100_000, 200, 1)]);
    // Operations: everyone's, and a stuck one (a credit leg left in flight by a crash, say).
    let ops = Actor::Staff { id: 1, username: "ops".into(), role: kassa_merchant::StaffRole::Operations };
    assert_eq!(office.services(ops.clone(), ServiceFilter::default()).await.unwrap().len(), 3);
    let stuck_id = transfer.id;
    w.host
        .store
        .office_write(move |sql| {
            sql.exec(
                "UPDATE services SET leg_state = 'reversing', leg_next_at = 9223372036854775807, created_at = created_at - 3600000
                 WHERE txn_id = ?1",
                kassa_store::sql_params![stuck_id],
            )
        })
        .await
        .unwrap();
    let stuck = ServiceFilter { state: Some("stuck".into()), ..ServiceFilter::default() };
    let found = office.services(ops, stuck.clone()).await.unwrap();
    assert_eq!(found.iter().map(|s| s.id).collect::<Vec<_>>(), [stuck_id]);
    assert!(office.services(merchant, stuck).await.is_err(), "stuck is for operations");
}
