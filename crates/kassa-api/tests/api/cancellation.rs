//! Account and terminal cancellation.

use super::common::*;
use super::*;

#[tokio::test]
async fn account_cancellation_with_cooling_off_and_closing() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    with_terminal(&s, &token, &merchant, "SN0001", "13800138000").await;
    fund(&s, &merchant, 10_00, 3).await;

    let checklist = s.get("/api/v1/merchant/cancellation", &token).await.body;
    assert_eq!(
        unmet(&checklist),
        [
            "balance_transferred_out",
            "document_id_front",
            "document_id_back",
            "document_bank_proof",
            "authorization_letter"
        ]
    );
    assert_eq!(checklist["items"][0]["explanation"], "¥10.00 is still in the wallet: transfer it out");
    assert_eq!(checklist["ready"], false);
    s.clock.advance_ms(60_000);
    let code = s.my_code(&token, "cancellation").await;
    let early = s.post("/api/v1/merchant/cancellation", Some(&token), json!({"code": code})).await;
    assert_eq!((early.status, early.code()), (409, "preconditions_unmet"), "{early:?}");

    // Transfer out: while the payout is on its way, that is the item left.
    let out = s
        .post(
            "/api/v1/merchant/wallet/withdrawals",
            Some(&token),
            json!({"amount": 10_00, "payment_password": "135790"}),
        )
        .await;
    assert_eq!(out.status, 201);
    for kind in ["id_front", "id_back", "bank_proof", "authorization_letter"] {
        let up = s
            .raw("PUT", &format!("/api/v1/merchant/cancellation/documents/{kind}"), Some(&token), "image/png", &png())
            .await;
        assert_eq!(up.status, 200, "{up:?}");
    }
    assert_eq!(
        s.raw("PUT", "/api/v1/merchant/cancellation/documents/business_licence", Some(&token), "image/png", &png())
            .await
            .status,
        422
    );
    assert_eq!(unmet(&s.get("/api/v1/merchant/cancellation", &token).await.body), ["no_payout_in_flight"]);
    let payout = s.office.store.open_payouts().await.unwrap().remove(0);
    s.office.store.finish_payout(payout.id, true, None, START_MS).await.unwrap();
    assert_eq!(s.get("/api/v1/merchant/cancellation", &token).await.body["ready"], true);

    s.clock.advance_ms(60_000);
    let code = s.my_code(&token, "cancellation").await;
    let filed = s.post("/api/v1/merchant/cancellation", Some(&token), json!({"code": code})).await;
    assert_eq!((filed.status, filed.body["state"].as_str()), (201, Some("submitted")), "{filed:?}");
    let id = filed.body["id"].as_i64().unwrap();
    let twice = s.post("/api/v1/merchant/cancellation", Some(&token), json!({"code": code})).await;
    assert_eq!(twice.status, 400, "the code is spent");

    // Review: support may not decide; the phone confirmation comes first.
    let support = s.staff("sue").await;
    assert_eq!(
        s.post(&format!("/api/v1/ops/cancellations/{id}/approve"), Some(&support), Value::Null).await.status,
        403
    );
    let ops = s.staff("otto").await;
    let queue = s.get("/api/v1/ops/cancellations", &ops).await;
    assert_eq!(queue.body[0]["id"].as_i64(), Some(id));
    let unconfirmed = s.post(&format!("/api/v1/ops/cancellations/{id}/approve"), Some(&ops), Value::Null).await;
    assert_eq!(unconfirmed.code(), "phone_confirmation_missing");
    let confirmed = s
        .post(
            &format!("/api/v1/ops/cancellations/{id}/phone-confirmation"),
            Some(&ops),
            json!({"note": "called 138****8000, 张三 confirmed"}),
        )
        .await;
    assert!(confirmed.body["phone_confirmation"].as_str().unwrap().contains("张三 confirmed"));
    let approved = s.post(&format!("/api/v1/ops/cancellations/{id}/approve"), Some(&ops), Value::Null).await;
    assert_eq!(approved.body["state"], "cooling_off", "{approved:?}");
    // 15 working days from Monday 2026-11-23, past the 2026-12-01 holiday.
    assert_eq!(approved.body["close_day"], "20261215");
    assert_eq!(approved.body["cooling_off_days_left"].as_u64(), Some(15));
    assert!(s.last_sms("13800138000").await.contains("20261215"));

    // The day before, nothing closes.
    s.clock.advance_ms(21 * DAY_MS);
    let ops = s.staff("otto").await;
    let run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(run.body["cancellations_closed"], json!([]), "{run:?}");
    let token = s.login("13800138000").await;
    assert_eq!(
        s.get("/api/v1/merchant/cancellation", &token).await.body["cancellation"]["cooling_off_days_left"].as_u64(),
        Some(1)
    );
    s.clock.advance_ms(DAY_MS);
    let ops = s.staff("otto").await;
    // Something started in the cooling-off (a payout in flight): the job re-checks the
    // checklist and holds the closing back, telling operations, until it holds again.
    let merchant_id = approved.body["merchant_id"].as_str().unwrap().to_string();
    let m = merchant_id.clone();
    s.office
        .store
        .office_write(move |sql| {
            sql.exec(
                "INSERT INTO payouts (id, merchant_id, business_date, amount, card_masked, state, created_at, updated_at)
                 VALUES ('held-test', ?1, 'W0', 100, '', 'sent', 0, 0)",
                kassa_store::sql_params![m.as_str()],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(run.body["cancellations_closed"], json!([]), "{run:?}");
    assert_eq!(run.body["cancellations_held"][0]["id"], json!(id), "{run:?}");
    assert!(!run.body["cancellations_held"][0]["unmet"].as_array().unwrap().is_empty());
    s.office
        .store
        .office_write(|sql| {
            sql.exec("UPDATE payouts SET state = 'paid' WHERE id = 'held-test'", &[])?;
            Ok(())
        })
        .await
        .unwrap();
    let run = s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await;
    assert_eq!(run.body["cancellations_closed"], json!([id]), "{run:?}");

    // Closed: terminal deregistered, the deposit less the early-termination penalty on its way to the card,
    // the cards unbound, the sessions ended, the host refusing the merchant.
    assert_eq!(s.get("/api/v1/me", &token).await.status, 401);
    let stock = s.get("/api/v1/ops/terminals", &ops).await;
    assert_eq!(
        (stock.body[0]["state"].as_str(), stock.body[0]["deposit_state"].as_str()),
        (Some("deregistered"), Some("refunded"))
    );
    let refunds = s.office.store.open_payouts().await.unwrap();
    assert_eq!(refunds.iter().map(|p| p.amount).collect::<Vec<_>>(), [49_00]);
    let token = s.login("13800138000").await;
    assert_eq!(s.get("/api/v1/merchant/cards", &token).await.body, json!([]));
    // Closed is read-only: it says so, its records stay readable, nothing changes.
    assert_eq!(s.get("/api/v1/me", &token).await.body["status"], "closed");
    assert_eq!(s.get("/api/v1/merchant/transactions", &token).await.status, 200);
    let bind = s
        .post(
            "/api/v1/merchant/cards",
            Some(&token),
            json!({"card_number": CARD_ZHANG_2, "holder": "张三", "code": "000000"}),
        )
        .await;
    assert_eq!((bind.status, bind.code()), (403, "account_closed"), "{bind:?}");
    let withdraw = s
        .post("/api/v1/merchant/wallet/withdrawals", Some(&token), json!({"amount": 1, "payment_password": "135790"}))
        .await;
    assert_eq!(withdraw.code(), "account_closed");
    assert_eq!(s.post("/api/v1/logout", Some(&token), Value::Null).await.status, 200);
    let host = s
        .office
        .store
        .terminal(kassa_core::TerminalId::parse(stock.body[0]["terminal_id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(host.1.status, kassa_store::MerchantStatus::Closed);
    assert!(s.office.store.ledger_audit().await.unwrap().check().is_ok());
    let log = s.get("/api/v1/ops/audit-log?limit=200", &s.staff("root").await).await.body.to_string();
    for action in ["submit_cancellation", "confirm_cancellation_by_phone", "approve_cancellation", "close_cancellation"]
    {
        assert!(log.contains(action), "{action}");
    }
}

#[tokio::test]
async fn withdrawn_rejected_and_terminal_only_cancellations() {
    let s = server().await;
    let (token, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    with_terminal(&s, &token, &merchant, "SN0001", "13800138000").await;
    let (other, _) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let ops = s.staff("otto").await;

    // Terminal-only, opened by operations for a merchant who phoned in.
    let bad = s
        .post(
            "/api/v1/ops/cancellations",
            Some(&ops),
            json!({"merchant_id": merchant, "terminal_serial": "SN0001", "channel": "fax"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    let opened = s
        .post(
            "/api/v1/ops/cancellations",
            Some(&ops),
            json!({"merchant_id": merchant, "terminal_serial": "SN0001", "channel": "phone"}),
        )
        .await;
    assert_eq!((opened.status, opened.body["channel"].as_str()), (201, Some("phone")), "{opened:?}");
    let id = opened.body["id"].as_i64().unwrap();
    // Another merchant cannot see or withdraw it.
    assert_eq!(
        s.post(&format!("/api/v1/merchant/cancellation/{id}/withdraw"), Some(&other), Value::Null).await.status,
        404
    );
    assert_eq!(s.get("/api/v1/merchant/terminals/SN0001/cancellation", &other).await.status, 404);
    let checklist = s.get("/api/v1/merchant/terminals/SN0001/cancellation", &token).await.body;
    assert_eq!(
        (checklist["ready"].as_bool(), checklist["cancellation"]["state"].as_str()),
        (Some(true), Some("submitted"))
    );

    s.post(&format!("/api/v1/ops/cancellations/{id}/phone-confirmation"), Some(&ops), json!({"note": "confirmed"}))
        .await;
    let approved = s.post(&format!("/api/v1/ops/cancellations/{id}/approve"), Some(&ops), Value::Null).await;
    assert_eq!(approved.body["state"], "cooling_off");
    // The merchant changes its mind during the cooling-off.
    let withdrawn = s.post(&format!("/api/v1/merchant/cancellation/{id}/withdraw"), Some(&token), Value::Null).await;
    assert_eq!(withdrawn.body["state"], "withdrawn", "{withdrawn:?}");
    let again = s.post(&format!("/api/v1/merchant/cancellation/{id}/withdraw"), Some(&token), Value::Null).await;
    assert_eq!(again.code(), "illegal_transition");
    s.clock.advance_ms(30 * DAY_MS);
    let ops = s.staff("otto").await;
    assert_eq!(s.post("/api/v1/ops/jobs/daily", Some(&ops), Value::Null).await.body["cancellations_closed"], json!([]));

    // A terminal-only cancellation carried through: only that terminal goes.
    let token = s.login("13800138000").await;
    let code = s.my_code(&token, "cancellation").await;
    let filed = s.post("/api/v1/merchant/terminals/SN0001/cancellation", Some(&token), json!({"code": code})).await;
    assert_eq!(filed.status, 201, "{filed:?}");
    let id = filed.body["id"].as_i64().unwrap();
    let rejected =
        s.post(&format!("/api/v1/ops/cancellations/{id}/reject"), Some(&ops), json!({"reason": "unpaid fees"})).await;
    assert_eq!(rejected.body["state"], "rejected");
    assert!(s.last_sms("13800138000").await.contains("unpaid fees"));
    assert_eq!(s.get("/api/v1/merchant/terminals", &token).await.body[0]["state"], "active");
}
