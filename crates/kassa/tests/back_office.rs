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
use kassa_crypto::{KeyMode, SecretKey, random};
use kassa_merchant::StaffRole;
use kassa_store::Store;
use kassa_terminal::{ScriptedTerminal, TerminalConfig};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn staff(role: StaffRole) -> Actor {
    Actor::Staff { id: 1, username: role.code().into(), role }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inventory_terminal_transacts_until_dormant_or_frozen() {
    let w = world(Options::default()).await;
    let clock = ManualClock::new(SystemClock { offset_minutes: 480 }.now_ms(), 480);
    let office = kassa::api::office(
        w.host.store.clone(),
        w.hsm.clone(),
        Arc::new(clock.clone()),
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
    let merchant = Actor::Merchant { user: 1, merchant: MerchantId::parse(MID) };
    let ops = staff(StaffRole::Operations);

    let added = office.add_terminal(ops.clone(), "SN9001".into(), "Kassa K9".into()).await.unwrap();
    let parts: Vec<SecretKey> = added.components.iter().map(|c| SecretKey::from_hex(c, None).unwrap()).collect();
    let tmk = random::combine_components(&parts).unwrap();
    assert_eq!(tmk.check_value_hex(), added.kcv);
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
