//! The wallet and transfers out, bank cards, transactions and statements.

use super::common::*;
use super::*;

#[tokio::test]
async fn wallet_and_transfer_out() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    fund(&s, &merchant, 500_00, 1).await;
    let withdraw = |amount: i64, password: &'static str| {
        s.post(
            "/api/v1/merchant/wallet/withdrawals",
            Some(&token),
            json!({"amount": amount, "payment_password": password}),
        )
    };
    let wrong = withdraw(100_00, "246801").await;
    assert_eq!((wrong.status, wrong.code()), (403, "wrong_payment_password"));
    let too_much = withdraw(600_00, "135790").await;
    assert_eq!((too_much.status, too_much.code()), (409, "insufficient_funds"));
    assert_eq!(withdraw(0, "135790").await.status, 422);
    let done = withdraw(120_50, "135790").await;
    assert_eq!(done.status, 201, "{done:?}");
    assert_eq!(done.body["card"], "622202*********3446");
    let wallet = s.get("/api/v1/merchant/wallet", &token).await.body;
    assert_eq!((wallet["available"].as_i64(), wallet["payouts_in_flight"].as_i64()), (Some(379_50), Some(120_50)));
    // The payout waits for the bank run like a settlement payout.
    let open = s.office.store.open_payouts().await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].amount, 120_50);
    s.office.store.finish_payout(open[0].id.clone(), true, None, START_MS).await.unwrap();
    let wallet = s.get("/api/v1/merchant/wallet", &token).await.body;
    assert_eq!(wallet["payouts_in_flight"].as_i64(), Some(0));
    assert!(s.office.store.ledger_audit().await.unwrap().check().is_ok());
    // Five wrong payment passwords lock it.
    for _ in 0..4 {
        withdraw(1_00, "246801").await;
    }
    assert_eq!(withdraw(1_00, "246801").await.status, 423);
    assert_eq!(withdraw(1_00, "135790").await.status, 423);
}

#[tokio::test]
async fn bind_change_and_delete_cards() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    // Someone else's card, and a card the bank does not know, are refused.
    s.clock.advance_ms(60_000);
    let c = s.my_code(&token, "bind_card").await;
    let li = s
        .post("/api/v1/merchant/cards", Some(&token), json!({"card_number": CARD_LI, "holder": "李四", "code": c}))
        .await;
    assert_eq!((li.status, li.code()), (422, "card_holder_not_merchant"));
    let unknown = s
        .post(
            "/api/v1/merchant/cards",
            Some(&token),
            json!({"card_number": "6222020200112233453", "holder": "张三", "code": "123456"}),
        )
        .await;
    assert_eq!(unknown.code(), "card_unknown_to_bank");
    let credit = s
        .post(
            "/api/v1/merchant/cards",
            Some(&token),
            json!({"card_number": CARD_ZHANG_CREDIT, "holder": "张三", "code": "123456"}),
        )
        .await;
    assert_eq!((credit.status, credit.code()), (422, "card_not_debit"));
    let bad = s
        .post(
            "/api/v1/merchant/cards",
            Some(&token),
            json!({"card_number": "6222020200112233447", "holder": "张三", "code": "123456"}),
        )
        .await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("card_number")));

    let bound = s
        .post("/api/v1/merchant/cards", Some(&token), json!({"card_number": CARD_ZHANG_2, "holder": "张三", "code": c}))
        .await;
    assert_eq!(bound.status, 201, "{bound:?}");
    let second = bound.body["id"].as_i64().unwrap();
    assert_eq!(bound.body["settlement"], false);
    // Change the settlement card: the new one takes over, payouts read it.
    let changed = s.post(&format!("/api/v1/merchant/cards/{second}/settlement"), Some(&token), Value::Null).await;
    assert_eq!(changed.body.as_array().unwrap().iter().filter(|c| c["settlement"] == true).count(), 1);
    let cards = s.get("/api/v1/merchant/cards", &token).await.body;
    let first = cards.as_array().unwrap().iter().find(|c| c["settlement"] == false).unwrap()["id"].as_i64().unwrap();

    // Delete: payment password, then the code.
    s.clock.advance_ms(60_000);
    let c = s.my_code(&token, "delete_card").await;
    let wrong = s
        .call(
            "DELETE",
            &format!("/api/v1/merchant/cards/{first}"),
            Some(&token),
            json!({"payment_password": "246801", "code": c}),
        )
        .await;
    assert_eq!(wrong.code(), "wrong_payment_password");
    let deleted = s
        .call(
            "DELETE",
            &format!("/api/v1/merchant/cards/{first}"),
            Some(&token),
            json!({"payment_password": "135790", "code": c}),
        )
        .await;
    assert_eq!((deleted.status, deleted.body.as_array().map(Vec::len)), (200, Some(1)), "{deleted:?}");

    // The last card cannot go while money is there; the answer says why.
    fund(&s, &merchant, 10_00, 2).await;
    s.clock.advance_ms(60_000);
    let c = s.my_code(&token, "delete_card").await;
    let last = s
        .call(
            "DELETE",
            &format!("/api/v1/merchant/cards/{second}"),
            Some(&token),
            json!({"payment_password": "135790", "code": c}),
        )
        .await;
    assert_eq!((last.status, last.code()), (409, "last_settlement_card"));
    assert!(last.body["reason"].as_str().unwrap().contains("money is still pending, available or held"));

    // Another merchant cannot touch these cards (404), and no session gets 401.
    let (other, _) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let theirs = s
        .call(
            "DELETE",
            &format!("/api/v1/merchant/cards/{second}"),
            Some(&other),
            json!({"payment_password": "135790", "code": "000000"}),
        )
        .await;
    assert_eq!(theirs.status, 404);
    assert_eq!(
        s.post(&format!("/api/v1/merchant/cards/{second}/settlement"), Some(&other), Value::Null).await.status,
        404
    );
    assert_eq!(s.call("GET", "/api/v1/merchant/cards", None, Value::Null).await.status, 401);
    assert_eq!(s.get("/api/v1/merchant/cards", &other).await.body.as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn transactions_receipts_export_and_statements() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let (other, other_merchant) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let sale = record(&s, &merchant, "10000001", 1, "sale", "approved", 99_00, "20261123").await;
    record(&s, &merchant, "10000001", 2, "sale", "declined", 50_00, "20261123").await;
    record(&s, &merchant, "10000002", 3, "refund", "approved", 20_00, "20261124").await;
    let theirs = record(&s, &other_merchant, "20000001", 1, "sale", "approved", 1_00, "20261123").await;

    let all = s.get("/api/v1/merchant/transactions", &token).await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(3), "only its own: {all:?}");
    let count = |q: &'static str| {
        let token = token.clone();
        let s = &s;
        async move { s.get(&format!("/api/v1/merchant/transactions?{q}"), &token).await.body.as_array().map_or(0, Vec::len) }
    };
    assert_eq!(count("type=sale").await, 2);
    assert_eq!(count("status=declined").await, 1);
    assert_eq!(count("terminal=10000002").await, 1);
    assert_eq!(count("min_amount=5000&max_amount=9900").await, 2);
    assert_eq!(count("from=2026-11-24").await, 1);
    assert_eq!(count("from=2026-11-23&to=2026-11-23&status=approved").await, 1);
    assert_eq!(count("limit=1").await, 1);
    let bad = s.get("/api/v1/merchant/transactions?type=teleport", &token).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("type")));
    assert_eq!(s.get("/api/v1/merchant/transactions?from=yesterday", &token).await.status, 422);

    let detail = s.get(&format!("/api/v1/merchant/transactions/{sale}"), &token).await;
    assert_eq!(
        (detail.body["amount_text"].as_str(), detail.body["card"].as_str()),
        (Some("¥99.00"), Some("622202******3446"))
    );
    assert_eq!(s.get(&format!("/api/v1/merchant/transactions/{theirs}"), &token).await.status, 404);
    assert_eq!(s.get(&format!("/api/v1/merchant/transactions/{theirs}/receipt"), &token).await.status, 404);
    assert_eq!(s.get(&format!("/api/v1/merchant/transactions/{theirs}"), &other).await.status, 200);

    let receipt = s.get(&format!("/api/v1/merchant/transactions/{sale}/receipt"), &token).await;
    let text = receipt.body["text"].as_str().unwrap().to_string();
    for item in [
        merchant.as_str(),
        "张三便利店",
        "10000001",
        "OPERATOR:      01",
        "622202******3446",
        "CONTACTLESS",
        "SALE",
        "¥99.00",
        "2026-11-23 10:15:02",
        "000001",
        "000000000001",
        "123456",
    ] {
        assert!(text.contains(item), "{item} on the receipt:\n{text}");
    }

    let csv = s.raw("GET", "/api/v1/merchant/transactions.csv?type=sale", Some(&token), "text/plain", b"").await;
    assert_eq!(csv.status, 200);
    let export = s.csv("/api/v1/merchant/transactions.csv?type=sale", &token).await;
    let lines: Vec<&str> = export.lines().collect();
    assert_eq!(lines.len(), 3, "{export}");
    assert!(lines[0].starts_with("id,business_date"));
    assert!(export.contains(",99.00,622202******3446,CONTACTLESS,"), "{export}");

    let statement = s.get("/api/v1/merchant/statements/2026-11-23", &token).await;
    assert_eq!(statement.status, 200, "{statement:?}");
    assert_eq!(
        (statement.body["approved_count"].as_u64(), statement.body["approved_amount"].as_u64()),
        (Some(1), Some(99_00))
    );
    assert_eq!(
        (statement.body["failed_count"].as_u64(), statement.body["failed_amount"].as_u64()),
        (Some(1), Some(50_00))
    );
    assert_eq!(s.get("/api/v1/merchant/statements/nope", &token).await.status, 422);
}
