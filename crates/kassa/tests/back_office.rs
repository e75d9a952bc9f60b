//! The back office and the host together, over real TCP: a terminal from the
//! inventory (its master key from the components operations were shown)
//! signs in and sells; dormancy and a frozen merchant are refused by the host.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly.

mod common;

use std::sync::Arc;

use common::*;
use kassa_api::Actor;
use kassa_api::office::SimulatedBankDirectory;
use kassa_core::MerchantId;
use kassa_core::time::{Clock, ManualClock, SystemClock};
use kassa_crypto::{KeyMode, SecretKey, SecurityModule, random};
use kassa_merchant::StaffRole;
use kassa_store::Store;
use kassa_terminal::{ScriptedTerminal, TerminalConfig};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn staff(role: StaffRole) -> Actor {
    Actor::Staff { id: 1, username: role.code().into(), role }
}

/// The back office over the world's store, on `clock`, with the test merchant's log-in
/// (payment password `135790`).
async fn office_with_merchant(w: &World, clock: Arc<dyn Clock>) -> Arc<kassa_api::Office> {
    let office = kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        clock,
        Arc::new(SimulatedBankDirectory::default()),
        kassa_api::Policies::default(),
    );
    office
        .adopt_merchant(
            MerchantId::parse(MID).unwrap(),
            "张三".into(),
            "11010519491231002X".into(),
            "13800138000".into(),
            "北京市".into(),
            "shop-pass-1".into(),
            "135790".into(),
        )
        .await
        .unwrap();
    office
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_terminal_transacts_until_dormant_or_frozen() {
    let w = world(Options::default()).await;
    let clock = ManualClock::new(SystemClock { offset_minutes: 480 }.now_ms(), 480);
    let office = office_with_merchant(&w, Arc::new(clock.clone())).await;
    let merchant = Actor::Merchant { user: 1, merchant: MerchantId::parse(MID) };
    let ops = staff(StaffRole::Operations);

    let added =
        office.add_terminal(ops.clone(), "SN9001".into(), "Kassa K9".into(), "countertop".into()).await.unwrap();
    assert_eq!(added.components.len(), 2);
    // Split knowledge: each component to its own custodian, once; never both to one.
    let other = Actor::Staff { id: 2, username: "custodian2".into(), role: StaffRole::Operations };
    let first = office.collect_key_component(ops.clone(), "SN9001".into(), 1).await.unwrap();
    let refused = office.collect_key_component(ops.clone(), "SN9001".into(), 2).await.unwrap_err();
    assert_eq!(refused.status, 403, "{refused:?}");
    let second = office.collect_key_component(other.clone(), "SN9001".into(), 2).await.unwrap();
    assert_eq!(office.collect_key_component(other, "SN9001".into(), 2).await.unwrap_err().code, "component_collected");
    let parts: Vec<SecretKey> =
        [&first, &second].iter().map(|c| SecretKey::from_hex(&c.component, None).unwrap()).collect();
    assert_eq!((parts[0].check_value_hex(), parts[1].check_value_hex()), (first.kcv.clone(), second.kcv.clone()));
    let tmk = random::combine_components(&parts).unwrap();
    assert_eq!((tmk.check_value_hex(), first.key_kcv.clone()), (added.kcv.clone(), added.kcv.clone()));
    office.assign_terminal(ops.clone(), "SN9001".into(), MID.into()).await.unwrap();
    let mut t = ScriptedTerminal::new(TerminalConfig {
        address: w.host.address.to_string(),
        terminal_id: added.terminal_id.clone(),
        merchant_id: MID.into(),
        tmk,
        key_mode: KeyMode::Tdes,
        pad_nibble: 0,
        operator: "01".into(),
        timeout: std::time::Duration::from_secs(5),
        state_path: None,
    })
    .unwrap();
    // Assigned but not activated: refused.
    assert!(t.sign_in().await.is_err());
    let code = |office: &Arc<kassa_api::Office>| {
        let office = office.clone();
        async move {
            let sms = office.outbox(Some("13800138000".into()), 1).await.unwrap();
            sms[0].text.split(" is ").nth(1).unwrap()[..8].to_string()
        }
    };
    let activation = code(&office).await;
    office.activate_terminal(merchant.clone(), "SN9001".into(), activation).await.unwrap();
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 9_900).await.code.as_str(), "00");

    // The merchant sees it, with its receipt.
    let filter = kassa_api::txns::TxnFilter { terminal: Some(added.terminal_id.clone()), ..Default::default() };
    let mine = office.transactions(merchant.clone(), filter).await.unwrap();
    assert_eq!((mine.len(), mine[0].amount, mine[0].status.as_str()), (1, 9_900, "approved"));
    let receipt = office.receipt(merchant.clone(), mine[0].id).await.unwrap();
    assert!(receipt.text.contains(&added.terminal_id) && receipt.text.contains("¥99.00"), "{}", receipt.text);
    // The host's date and time of the sale, on the slip, in the list and in the CSV.
    let local = kassa_core::time::LocalTime::from_unix_ms(clock.now_ms(), 480);
    let (mmdd, hhmmss) = (mine[0].local_date.clone().unwrap(), mine[0].local_time.clone().unwrap());
    assert_eq!((mmdd.len(), hhmmss.len()), (4, 6), "{mmdd} {hhmmss}");
    assert_eq!(mmdd, local.mmdd());
    let slip_date =
        format!("DATE/TIME:     {}-{}-{} {}:", &local.yyyymmdd()[..4], &mmdd[..2], &mmdd[2..], &hhmmss[..2]);
    assert!(receipt.text.contains(&slip_date), "{slip_date:?} in {}", receipt.text);
    let csv = office.transactions_csv(merchant.clone(), Default::default()).await.unwrap();
    assert!(csv.lines().nth(1).unwrap().contains(&format!(",{mmdd},{hhmmss},")), "{csv}");

    // A frozen merchant is refused (03), then serves again.
    let risk = staff(StaffRole::Risk);
    office.set_frozen(risk.clone(), MID.into(), true, "investigation".into()).await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 100).await.code.as_str(), "03");
    office.set_frozen(risk, MID.into(), false, "cleared".into()).await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 100).await.code.as_str(), "00");

    // Ninety days without a transaction: dormant, refused (58) until reactivated with a new code.
    clock.advance_ms(90 * DAY_MS);
    let summary = office.daily_jobs().await.unwrap();
    assert_eq!(summary.terminals.made_dormant, ["SN9001"]);
    assert_eq!(sale(&mut t, &debit(), 100).await.code.as_str(), "58");
    office.request_activation_code(merchant.clone(), "SN9001".into()).await.unwrap();
    let activation = code(&office).await;
    office.activate_terminal(merchant, "SN9001".into(), activation).await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 100).await.code.as_str(), "00");
    let audit = w.host.store.ledger_audit().await.unwrap();
    assert!(audit.check().is_ok(), "{audit:?}");
}

/// The merchant had no card when its day was paid, so the net waited in its
/// wallet; it then bound a card and withdrew part. The day's payout, made
/// later, pays only what is left: the card never gets more than was settled,
/// and a refused ledger reservation never becomes a payout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payout_never_pays_more_than_the_wallet_holds() {
    use kassa::payout::{SimulatedBank, run};
    let w = world(Options::default()).await;
    let clock = SystemClock { offset_minutes: 480 };
    let office = office_with_merchant(&w, Arc::new(clock)).await;
    let merchant = Actor::Merchant { user: 1, merchant: MerchantId::parse(MID) };
    let mut t = w.terminal(0);
    t.sign_in().await.unwrap();
    assert_eq!(sale(&mut t, &debit(), 50_000).await.code.as_str(), "00");
    assert_eq!(sale(&mut t, &debit(), 20_000).await.code.as_str(), "00");
    let date = clock.local().yyyymmdd();
    let fees = kassa_settlement::FeeSchedule::standard();
    let day = kassa::settle::run(&w.host.store, &date, &fees, clock.now_ms(), |_, _| {}).await.unwrap();
    assert_eq!(day.net, 69_734, "¥700.00 less the 0.38% fee");
    let bank = SimulatedBank::new(Default::default(), std::time::Duration::ZERO, Arc::new(clock));
    let first = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), clock.now_ms()).await.unwrap();
    assert_eq!(first.created, 0, "no card: the net waits in the wallet");
    assert_eq!(office.wallet(merchant.clone()).await.unwrap().available, 69_734);

    let card = "6222021234567890128";
    let sealed = w.hsm.encrypt_pan(card).unwrap();
    let id = MerchantId::parse(MID).unwrap();
    w.host.store.put_settlement_card(id, sealed, kassa_core::mask_pan(card), "张三".into()).await.unwrap();
    office.withdraw(merchant.clone(), 30_000, "135790".into()).await.unwrap();
    let second = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), clock.now_ms()).await.unwrap();
    assert_eq!((second.created, second.paid), (1, 2), "the day's payout and the withdrawal");
    let refused = office.withdraw(merchant.clone(), 1, "135790".into()).await.unwrap_err();
    assert_eq!(refused.code, "insufficient_funds");
    let again = run(&w.host.store, &bank, w.hsm.as_ref(), Some(&date), clock.now_ms()).await.unwrap();
    assert_eq!(again, kassa::payout::RunSummary::default(), "nothing more to pay");

    let paid: i64 = w
        .host
        .store
        .office_read(|sql| {
            sql.scalar("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payouts WHERE state = 'paid'", &[])
        })
        .await
        .unwrap();
    assert_eq!(paid, 69_734, "the card got exactly the day's net: ¥300.00, then ¥397.34");
    let audit = w.host.store.ledger_audit().await.unwrap();
    audit.check().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(audit.rejected, 0, "no refused posting");
    assert_eq!(audit.available, [(MID.to_string(), 0)]);
}
