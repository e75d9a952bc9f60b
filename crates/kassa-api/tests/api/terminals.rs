//! The terminal inventory, activation, dormancy and deposits.

use super::common::*;
use super::*;

#[tokio::test]
async fn terminal_inventory_activation_dormancy_and_deposits() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let (other, other_merchant) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let ops = s.staff("otto").await;
    let risk = s.staff("rita").await;
    assert_eq!(
        s.post("/api/v1/ops/terminals", Some(&risk), json!({"serial": "SN0001", "model": "K9"})).await.status,
        403
    );
    let added = s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": "SN0001", "model": "Kassa K9"})).await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.body["components"].as_array().map(Vec::len), Some(2));
    let tid = added.body["terminal_id"].as_str().unwrap().to_string();
    assert_eq!(
        s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": "SN0001", "model": "K9"})).await.code(),
        "serial_taken"
    );
    assert!(added.body["components"][0].get("component").is_none(), "no clear component to the one who added it");
    let stock = s.get("/api/v1/ops/terminals?state=in_stock", &ops).await;
    assert_eq!(stock.body[0]["kcv"], added.body["kcv"]);
    assert_eq!(stock.body[0]["components_waiting"], 2);
    // Split knowledge: each component to a different custodian, once.
    let root = s.staff("root").await;
    let one = s.post("/api/v1/ops/terminals/SN0001/key-components/1", Some(&ops), json!({})).await;
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.body["kcv"], added.body["components"][0]["kcv"]);
    let both = s.post("/api/v1/ops/terminals/SN0001/key-components/2", Some(&ops), json!({})).await;
    assert_eq!(both.status, 403, "{both:?}");
    assert_eq!(s.post("/api/v1/ops/terminals/SN0001/key-components/2", Some(&risk), json!({})).await.status, 403);
    let two = s.post("/api/v1/ops/terminals/SN0001/key-components/2", Some(&root), json!({})).await;
    assert_eq!(two.status, 200, "{two:?}");
    let again = s.post("/api/v1/ops/terminals/SN0001/key-components/2", Some(&root), json!({})).await;
    assert_eq!(again.code(), "component_collected");
    let stock = s.get("/api/v1/ops/terminals?state=in_stock", &ops).await;
    assert_eq!(stock.body[0]["components_waiting"], 0);
    for part in [&one, &two] {
        assert!(!stock.body.to_string().contains(part.body["component"].as_str().unwrap()), "shown once");
    }
    let log = s.get("/api/v1/ops/audit-log", &root).await.body.to_string();
    assert!(log.contains("collect_key_component") && log.contains("staff:otto") && log.contains("staff:root"), "{log}");

    let assigned = s.post("/api/v1/ops/terminals/SN0001/assign", Some(&ops), json!({"merchant_id": merchant})).await;
    assert_eq!((assigned.status, assigned.body["state"].as_str()), (200, Some("assigned")), "{assigned:?}");
    assert_eq!(assigned.body["deposit_state"], "held");
    let wallet = s.get("/api/v1/merchant/wallet", &token).await.body;
    assert_eq!((wallet["deposits"].as_i64(), wallet["pending"].as_i64()), (Some(99_00), Some(0)));
    // Moving it needs cancellation first.
    let moved = s.post("/api/v1/ops/terminals/SN0001/assign", Some(&ops), json!({"merchant_id": other_merchant})).await;
    assert_eq!((moved.status, moved.code()), (409, "illegal_transition"));
    // The host refuses it until it is activated.
    let host_view = |s: &Server| {
        let id = kassa_core::TerminalId::parse(&tid).unwrap();
        let store = s.office.store.clone();
        async move { store.terminal(id).await.unwrap().unwrap().0.status }
    };
    assert_eq!(host_view(&s).await, kassa_store::TerminalStatus::Assigned);

    let code = s.last_sms("13800138000").await;
    assert!(code.contains("SN0001"), "{code}");
    let code = code.split(" is ").nth(1).unwrap()[..8].to_string();
    let wrong = s
        .post(
            "/api/v1/merchant/terminals/activate",
            Some(&token),
            json!({"serial": "SN0001", "activation_code": "00000000"}),
        )
        .await;
    assert_eq!(wrong.code(), "wrong_activation_code");
    let theirs = s
        .post("/api/v1/merchant/terminals/activate", Some(&other), json!({"serial": "SN0001", "activation_code": code}))
        .await;
    assert_eq!(theirs.status, 404);
    let active = s
        .post("/api/v1/merchant/terminals/activate", Some(&token), json!({"serial": "SN0001", "activation_code": code}))
        .await;
    assert_eq!(active.body["state"], "active", "{active:?}");
    assert_eq!(host_view(&s).await, kassa_store::TerminalStatus::Active);
    assert_eq!(s.get("/api/v1/merchant/terminals", &token).await.body.as_array().map(Vec::len), Some(1));
    assert_eq!(s.get("/api/v1/merchant/terminals", &other).await.body.as_array().map(Vec::len), Some(0));

    // Operators.
    let put = s
        .call("PUT", "/api/v1/merchant/terminals/SN0001/operators/02", Some(&token), json!({"password": "1234"}))
        .await;
    assert_eq!(put.body, json!(["02"]));
    assert_eq!(
        s.call("PUT", "/api/v1/merchant/terminals/SN0001/operators/2", Some(&token), json!({"password": "1234"}))
            .await
            .status,
        422
    );
    assert_eq!(
        s.call("PUT", "/api/v1/merchant/terminals/SN0001/operators/03", Some(&other), json!({"password": "1234"}))
            .await
            .status,
        404
    );
    let removed = s.call("DELETE", "/api/v1/merchant/terminals/SN0001/operators/02", Some(&token), Value::Null).await;
    assert_eq!(removed.body, json!([]));

    // 89 idle days change nothing; the 90th makes it dormant.
    s.clock.advance_ms(89 * DAY_MS);
    let ops = s.staff("otto").await;
    let daily_run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(daily_run.body["terminals"]["made_dormant"], json!([]), "{daily_run:?}");
    s.clock.advance_ms(DAY_MS);
    let ops = s.staff("otto").await;
    let run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(run.body["terminals"]["made_dormant"], json!(["SN0001"]), "{run:?}");
    assert_eq!(host_view(&s).await, kassa_store::TerminalStatus::Dormant);
    // Reactivation takes a new code.
    let token = s.login("13800138000").await;
    let stale = s
        .post("/api/v1/merchant/terminals/activate", Some(&token), json!({"serial": "SN0001", "activation_code": code}))
        .await;
    assert_eq!(stale.code(), "no_activation_code");
    assert_eq!(
        s.post("/api/v1/merchant/terminals/SN0001/activation-code", Some(&token), Value::Null).await.status,
        202
    );
    let fresh = s.last_sms("13800138000").await.split(" is ").nth(1).unwrap()[..8].to_string();
    let again = s
        .post(
            "/api/v1/merchant/terminals/activate",
            Some(&token),
            json!({"serial": "SN0001", "activation_code": fresh}),
        )
        .await;
    assert_eq!(again.body["state"], "active");

    // Six months without a transaction: deregistered, the deposit forfeited.
    s.clock.advance_ms(180 * DAY_MS);
    let ops = s.staff("otto").await;
    let run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(run.body["terminals"]["deregistered"], json!(["SN0001"]), "{run:?}");
    assert_eq!(run.body["terminals"]["deposits_forfeited"].as_i64(), Some(99_00));
    assert_eq!(host_view(&s).await, kassa_store::TerminalStatus::Deregistered);
    let token = s.login("13800138000").await;
    assert_eq!(s.get("/api/v1/merchant/wallet", &token).await.body["deposits"].as_i64(), Some(0));
    assert!(s.office.store.ledger_audit().await.unwrap().check().is_ok());
    // Deregistered, it may go to another merchant.
    let reassigned =
        s.post("/api/v1/ops/terminals/SN0001/assign", Some(&ops), json!({"merchant_id": other_merchant})).await;
    assert_eq!(reassigned.body["merchant_id"].as_str(), Some(other_merchant.as_str()), "{reassigned:?}");
    assert_eq!(s.get("/api/v1/merchant/terminals", &token).await.body.as_array().map(Vec::len), Some(0));
}

/// A card reader paired with a phone is added as such, and the host learns it
/// at assignment (it then refuses the reader's requests without a location).
#[tokio::test]
async fn a_mobile_reader_is_its_own_kind_of_terminal() {
    let s = server().await;
    let (_token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let ops = s.staff("otto").await;
    let bad =
        s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": "MR0001", "model": "M1", "kind": "pager"})).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("kind")), "{bad:?}");
    let added = s
        .post(
            "/api/v1/ops/terminals",
            Some(&ops),
            json!({"serial": "MR0001", "model": "Kassa M1", "kind": "mobile_reader"}),
        )
        .await;
    assert_eq!(added.status, 201, "{added:?}");
    s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": "CT0001", "model": "Kassa K9"})).await;
    let stock = s.get("/api/v1/ops/terminals?state=in_stock", &ops).await.body;
    let kind_of = |serial: &str| {
        stock.as_array().unwrap().iter().find(|t| t["serial"] == serial).map(|t| t["kind"].clone()).unwrap()
    };
    assert_eq!((kind_of("MR0001"), kind_of("CT0001")), (json!("mobile_reader"), json!("countertop")));
    for serial in ["MR0001", "CT0001"] {
        let assigned = s
            .post(&format!("/api/v1/ops/terminals/{serial}/assign"), Some(&ops), json!({"merchant_id": merchant}))
            .await;
        assert_eq!(assigned.status, 200, "{assigned:?}");
    }
    let reader = kassa_core::TerminalId::parse(added.body["terminal_id"].as_str().unwrap()).unwrap();
    assert!(s.office.store.terminal(reader).await.unwrap().unwrap().0.mobile_reader);
}
