//! The merchant and operations API over real HTTP, on SQLite (or PostgreSQL
//! with `KASSA_TEST_STORE=postgres`).
// Amounts are written yuan_fen (`120_50` is ¥120.50).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::inconsistent_digit_grouping)]

mod common;

use common::*;
use kassa_core::MerchantId;
use kassa_store::Store;
use kassa_store::ledger::{OfficeKind, Planned, Role, office_posting_id};
use serde_json::{Value, json};

#[tokio::test]
async fn sign_up_apply_review_and_log_in() {
    let s = server().await;
    let token = s.sign_up("13800138000").await;
    let me = s.get("/api/v1/me", &token).await;
    assert_eq!((me.status, me.body["kind"].as_str()), (200, Some("applicant")));
    assert_eq!(me.body["phone"], "138****8000");

    // An applicant has no wallet yet.
    assert_eq!(s.get("/api/v1/merchant/wallet", &token).await.status, 403);

    // Bad fields are named.
    let bad = s
        .post(
            "/api/v1/merchant/application",
            Some(&token),
            json!({"legal_name": "张三", "id_number": "110105194912310021",
            "phone": "13800138000", "business_name": "张三便利店", "address": "北京", "mcc": "5411",
            "card_number": CARD_ZHANG, "card_holder": "张三"}),
        )
        .await;
    assert_eq!((bad.status, bad.code(), bad.body["field"].as_str()), (422, "invalid_field", Some("id_number")));
    let not_theirs = s
        .post(
            "/api/v1/merchant/application",
            Some(&token),
            json!({"legal_name": "张三", "id_number": ID_ZHANG,
            "phone": "13800138000", "business_name": "张三便利店", "address": "北京市", "mcc": "5411",
            "card_number": CARD_LI, "card_holder": "张三"}),
        )
        .await;
    assert_eq!((not_theirs.status, not_theirs.code()), (422, "card_holder_mismatch"));
    let garbled = s.raw("POST", "/api/v1/merchant/application", Some(&token), "application/json", b"{\"legal").await;
    assert_eq!((garbled.status, garbled.code()), (400, "invalid_body"));

    let application = s.apply(&token, "张三", ID_ZHANG, "13800138000", CARD_ZHANG).await;
    assert_eq!(application["card_number"], "622202*********3446");
    assert_eq!(application["id_number"], "110105********002X");
    assert!(application["checks"].as_array().unwrap().iter().all(|c| c["passed"] == true), "{application}");
    let mine = s.get("/api/v1/merchant/application", &token).await;
    assert_eq!(mine.body["missing_documents"], json!([]));
    let wrong_type =
        s.raw("PUT", "/api/v1/merchant/application/documents/id_front", Some(&token), "text/plain", &[b'a'; 100]).await;
    assert_eq!((wrong_type.status, wrong_type.body["field"].as_str()), (422, Some("document")));
    let too_big = s
        .raw(
            "PUT",
            "/api/v1/merchant/application/documents/id_front",
            Some(&token),
            "image/png",
            &vec![0u8; 6 * 1024 * 1024],
        )
        .await;
    assert_eq!(too_big.status, 413);

    // Someone else with the same identity is flagged for the analyst.
    let other = s.sign_up("13900139000").await;
    let twin = s.apply(&other, "张三", ID_ZHANG, "13900139000", CARD_ZHANG_2).await;
    let failed: Vec<&str> = twin["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["duplicate_identity"]);

    // Roles: support may look but not decide; risk decides.
    let support = s.staff("sue").await;
    let queue = s.get("/api/v1/ops/applications", &support).await;
    assert_eq!(queue.body.as_array().map(Vec::len), Some(2));
    let id = application["id"].as_i64().unwrap();
    let denied = s.post(&format!("/api/v1/ops/applications/{id}/approve"), Some(&support), Value::Null).await;
    assert_eq!((denied.status, denied.code()), (403, "forbidden"));
    let risk = s.staff("rita").await;
    let approved = s.post(&format!("/api/v1/ops/applications/{id}/approve"), Some(&risk), Value::Null).await;
    assert_eq!(approved.status, 200, "{approved:?}");
    let merchant = approved.body["merchant_id"].as_str().unwrap().to_string();
    assert_eq!(merchant.len(), 15);
    let again = s.post(&format!("/api/v1/ops/applications/{id}/approve"), Some(&risk), Value::Null).await;
    assert_eq!((again.status, again.code()), (409, "already_decided"));
    let twin_id = twin["id"].as_i64().unwrap();
    let rejected = s
        .post(
            &format!("/api/v1/ops/applications/{twin_id}/reject"),
            Some(&risk),
            json!({"reason": "identity already in use"}),
        )
        .await;
    assert_eq!(rejected.body["state"], "rejected");
    assert!(s.last_sms("13900139000").await.contains("not approved: identity already in use"));
    assert!(s.last_sms("13800138000").await.contains(&merchant));

    // The merchant logs in and sees its wallet and its settlement card.
    let login =
        s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "shop-pass-1"})).await;
    let token = login.body["token"].as_str().unwrap().to_string();
    let me = s.get("/api/v1/me", &token).await;
    assert_eq!(me.body["merchant_id"].as_str(), Some(merchant.as_str()));
    let wallet = s.get("/api/v1/merchant/wallet", &token).await;
    assert_eq!((wallet.status, wallet.body["available"].as_i64()), (200, Some(0)));
    let cards = s.get("/api/v1/merchant/cards", &token).await;
    assert_eq!(cards.body[0]["settlement"], true);
    assert_eq!(cards.body[0]["card_number"], "622202*********3446");

    // The audit log has it all; support may not read it.
    assert_eq!(s.get("/api/v1/ops/audit-log", &support).await.status, 403);
    let admin = s.staff("root").await;
    let log = s.get("/api/v1/ops/audit-log?limit=100", &admin).await;
    let actions: Vec<&str> = log.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["register", "apply", "upload_document", "approve_application", "reject_application", "login"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    // No card number or ID number in clear anywhere in the answers.
    assert!(!log.body.to_string().contains(CARD_ZHANG) && !log.body.to_string().contains(ID_ZHANG));
}

impl Server {
    async fn my_code(&self, token: &str, purpose: &str) -> String {
        let sent = self.post("/api/v1/merchant/sms/codes", Some(token), json!({"purpose": purpose})).await;
        assert_eq!(sent.status, 202, "{sent:?}");
        self.last_code("13800138000").await
    }

    async fn last_sms(&self, phone: &str) -> String {
        self.office.outbox(Some(phone.into()), 1).await.unwrap().remove(0).text
    }
}

#[tokio::test]
async fn lock_out_sessions_and_one_time_codes() {
    let s = server().await;
    s.sign_up("13800138000").await;
    // Five wrong passwords lock the account; the right one is refused meanwhile.
    for left in (1..5).rev() {
        let wrong =
            s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "nope-1234"})).await;
        assert_eq!(wrong.status, 401);
        assert!(wrong.body["reason"].as_str().unwrap().contains(&format!("{left} tries left")), "{wrong:?}");
    }
    let locked = s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "nope-1234"})).await;
    assert_eq!(locked.status, 423);
    let still =
        s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "shop-pass-1"})).await;
    assert_eq!(still.status, 423);
    s.clock.advance_ms(30 * 60 * 1000);
    let ok = s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "shop-pass-1"})).await;
    assert_eq!(ok.status, 200);
    let token = ok.body["token"].as_str().unwrap().to_string();

    // Sessions end when idle for 15 minutes; a logged-out token is dead.
    assert_eq!(s.get("/api/v1/me", &token).await.status, 200);
    s.clock.advance_ms(15 * 60 * 1000);
    let idle = s.get("/api/v1/me", &token).await;
    assert_eq!((idle.status, idle.code()), (401, "unauthorized"));
    let token = s.login("13800138000").await;
    assert_eq!(s.post("/api/v1/logout", Some(&token), Value::Null).await.status, 200);
    assert_eq!(s.get("/api/v1/me", &token).await.status, 401);
    assert_eq!(s.get("/api/v1/me", "0".repeat(64).as_str()).await.status, 401);

    // Codes: rate-limited per phone, bound to their action, single use, 5 minutes, 5 tries.
    let send =
        |purpose: &'static str| s.post("/api/v1/sms/codes", None, json!({"phone": "13800138000", "purpose": purpose}));
    assert_eq!(send("reset_password").await.status, 202);
    let too_soon = send("reset_password").await;
    assert_eq!((too_soon.status, too_soon.code()), (429, "otp_too_soon"));
    let code = s.last_code("13800138000").await;
    let reset = |code: String| {
        s.post(
            "/api/v1/merchant/password/reset",
            None,
            json!({"phone": "13800138000", "code": code, "password": "new-pass-22"}),
        )
    };
    s.clock.advance_ms(5 * 60 * 1000);
    assert_eq!(reset(code.clone()).await.code(), "otp_expired");
    assert_eq!(send("reset_password").await.status, 202);
    let code = s.last_code("13800138000").await;
    assert_eq!(reset(code.clone()).await.status, 200);
    assert_eq!(reset(code).await.code(), "otp_not_found", "a used code is spent");
    s.clock.advance_ms(60_000);
    assert_eq!(send("reset_password").await.status, 202);
    let code = s.last_code("13800138000").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        assert_eq!(reset(wrong.into()).await.code(), "otp_wrong");
    }
    assert_eq!(reset(wrong.into()).await.code(), "otp_too_many_tries");
    assert_eq!(reset(code).await.code(), "otp_too_many_tries", "dead after 5 wrong tries");
    // A register code does not reset a password.
    s.clock.advance_ms(60_000);
    assert_eq!(send("register").await.status, 202);
    let code = s.last_code("13800138000").await;
    assert_eq!(reset(code).await.status, 400, "a register code is not a reset code");
    // Five codes an hour at most (the sign-up's code was the first).
    s.clock.advance_ms(60_000);
    let limited = send("register").await;
    assert_eq!((limited.status, limited.code()), (429, "otp_rate_limited"));
    let login =
        s.post("/api/v1/merchant/login", None, json!({"phone": "13800138000", "password": "new-pass-22"})).await;
    assert_eq!(login.status, 200);
}

#[tokio::test]
async fn change_the_bound_phone_with_codes_to_both_numbers() {
    let s = server().await;
    let (token, _) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    s.clock.advance_ms(60_000);
    let sent = s.post("/api/v1/merchant/sms/codes", Some(&token), json!({"purpose": "change_phone_old"})).await;
    assert_eq!(sent.status, 202, "{sent:?}");
    let old = s.last_code("13800138000").await;
    let send_new = s
        .post(
            "/api/v1/merchant/sms/codes",
            Some(&token),
            json!({"purpose": "change_phone_new", "phone": "13700137000"}),
        )
        .await;
    assert_eq!(send_new.status, 202);
    let new = s.last_code("13700137000").await;
    let swapped = s
        .post(
            "/api/v1/merchant/phone",
            Some(&token),
            json!({"old_code": new, "new_phone": "13700137000", "new_code": old}),
        )
        .await;
    assert_eq!(swapped.status, 400, "codes are bound to their number and action: {swapped:?}");
    let changed = s
        .post(
            "/api/v1/merchant/phone",
            Some(&token),
            json!({"old_code": old, "new_phone": "13700137000", "new_code": new}),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(s.get("/api/v1/me", &token).await.body["phone"], "137****7000");
}

/// Puts money in a merchant's available funds, as a settled day would.
async fn fund(s: &Server, merchant: &str, amount: u64, n: i64) {
    let merchant = MerchantId::parse(merchant).unwrap();
    s.office
        .store
        .office_write(move |sql| {
            let id = office_posting_id(OfficeKind::Deposit, 900_000 + n, 9);
            sql.post(
                &merchant,
                &[Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantAvailable, amount }],
                0,
            )
        })
        .await
        .unwrap();
}

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
async fn the_openapi_document_matches_the_routes() {
    let s = server().await;
    let (_, spec) = kassa_api::http::router_and_spec(s.office.clone());
    let served = s.call("GET", "/api/v1/openapi.json", None, Value::Null).await;
    assert_eq!(served.status, 200);
    let paths = served.body["paths"].as_object().unwrap();
    assert_eq!(paths.len(), spec.paths.paths.len());
    assert!(paths.len() >= 25, "{}", paths.len());
    // Every documented operation is served: without a session it answers 401
    // (or, where public, a 4xx about its body), never 404 or 405.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path
                .replace("{id}", "1")
                .replace("{kind}", "id_front")
                .replace("{serial}", "SN1")
                .replace("{operator}", "02")
                .replace("{date}", "2026-11-23");
            let answer = s.call(&method.to_uppercase(), &concrete, None, Value::Null).await;
            assert!(![404, 405].contains(&answer.status), "{method} {path}: {answer:?}");
            let public = [
                "/api/v1/sms/codes",
                "/api/v1/merchant/register",
                "/api/v1/merchant/login",
                "/api/v1/merchant/password/reset",
                "/api/v1/ops/login",
            ];
            if !public.contains(&path.as_str()) {
                assert_eq!(answer.status, 401, "{method} {path} without a session: {answer:?}");
            }
            assert!(answer.body["code"].is_string(), "{method} {path}: errors are {{code, reason}}: {answer:?}");
        }
    }
    let unknown = s.call("GET", "/api/v1/nope", None, Value::Null).await;
    assert_eq!((unknown.status, unknown.code()), (404, "not_found"));
}

/// Records a transaction as the host would (the columns the merchant sees).
#[allow(clippy::too_many_arguments)]
async fn record(
    s: &Server,
    merchant: &str,
    terminal: &str,
    trace: i64,
    kind: &str,
    state: &str,
    amount: i64,
    date: &str,
) -> i64 {
    let (merchant, terminal, kind, state, date) =
        (merchant.to_string(), terminal.to_string(), kind.to_string(), state.to_string(), date.to_string());
    s.office
        .store
        .office_write(move |sql| {
            let code = if state == "declined" { "51" } else { "00" };
            sql.insert(
                "INSERT INTO transactions (merchant_id, terminal_id, batch, trace, kind, state, amount, currency, pan_masked,
                   request_digest, response_code, auth_code, rrn, business_date, local_date, local_time, entry_mode, operator,
                   created_at, updated_at)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 156, '622202******3446', ?7, ?8, '123456', ?9, ?10, ?11, '101502', '071', '01', 0, 0)
                 RETURNING id",
                kassa_store::sql_params![
                    merchant.as_str(), terminal.as_str(), trace, kind.as_str(), state.as_str(), amount, vec![trace as u8],
                    code, format!("{trace:012}"), date.as_str(), date.get(4..).unwrap_or("")
                ],
            )
        })
        .await
        .unwrap()
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

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

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
    let stock = s.get("/api/v1/ops/terminals?state=in_stock", &ops).await;
    assert_eq!(stock.body[0]["kcv"], added.body["kcv"]);
    assert!(
        !stock.body.to_string().contains(added.body["components"][0].as_str().unwrap()),
        "components are shown once"
    );

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

/// A merchant with one active terminal `serial`.
async fn with_terminal(s: &Server, token: &str, merchant: &str, serial: &str, phone: &str) {
    let ops = s.staff("otto").await;
    assert_eq!(s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": serial, "model": "K9"})).await.status, 201);
    let assigned =
        s.post(&format!("/api/v1/ops/terminals/{serial}/assign"), Some(&ops), json!({"merchant_id": merchant})).await;
    assert_eq!(assigned.status, 200, "{assigned:?}");
    let code = s.last_sms(phone).await.split(" is ").nth(1).unwrap()[..8].to_string();
    let active = s
        .post("/api/v1/merchant/terminals/activate", Some(token), json!({"serial": serial, "activation_code": code}))
        .await;
    assert_eq!(active.body["state"], "active");
}

fn unmet(checklist: &Value) -> Vec<String> {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["met"] == false)
        .map(|i| i["item"].as_str().unwrap().to_string())
        .collect()
}

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

#[tokio::test]
async fn block_list_and_freezing() {
    let s = server().await;
    let (_, merchant) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let risk = s.staff("rita").await;
    let support = s.staff("sue").await;
    // Support may not block or freeze.
    assert_eq!(
        s.post(
            "/api/v1/ops/block-list",
            Some(&support),
            json!({"kind": "phone", "value": "13900139000", "reason": "fraud"})
        )
        .await
        .status,
        403
    );
    let bad =
        s.post("/api/v1/ops/block-list", Some(&risk), json!({"kind": "email", "value": "x", "reason": "?"})).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("kind")));
    for (kind, value) in [("phone", "13900139000"), ("id_number", ID_LI), ("card", CARD_LI)] {
        let blocked = s
            .post("/api/v1/ops/block-list", Some(&risk), json!({"kind": kind, "value": value, "reason": "fraud ring"}))
            .await;
        assert_eq!(blocked.status, 200, "{blocked:?}");
    }
    let token = s.sign_up("13900139000").await;
    let application = s.apply(&token, "李四", ID_LI, "13900139000", CARD_LI).await;
    let block = application["checks"].as_array().unwrap().iter().find(|c| c["check"] == "block_list").unwrap().clone();
    assert_eq!(block["passed"], false);
    assert_eq!(block["detail"], "on block lists: id_number, phone, card");

    assert_eq!(
        s.post(&format!("/api/v1/ops/merchants/{merchant}/freeze"), Some(&support), json!({"reason": "x"}))
            .await
            .status,
        403
    );
    let frozen = s
        .post(&format!("/api/v1/ops/merchants/{merchant}/freeze"), Some(&risk), json!({"reason": "chargebacks"}))
        .await;
    assert_eq!(frozen.status, 200);
    let again = s
        .post(&format!("/api/v1/ops/merchants/{merchant}/freeze"), Some(&risk), json!({"reason": "chargebacks"}))
        .await;
    assert_eq!((again.status, again.code()), (409, "wrong_state"));
    assert_eq!(
        s.post("/api/v1/ops/merchants/898999999999999/freeze", Some(&risk), json!({"reason": "x"})).await.status,
        404
    );
    let thawed =
        s.post(&format!("/api/v1/ops/merchants/{merchant}/unfreeze"), Some(&risk), json!({"reason": "resolved"})).await;
    assert_eq!(thawed.status, 200);
    let log = s.get("/api/v1/ops/audit-log", &risk).await.body.to_string();
    assert!(log.contains("\"freeze\"") && log.contains("\"unfreeze\"") && log.contains("\"block\""), "{log}");
    assert!(!log.contains(ID_LI) && !log.contains(CARD_LI), "the block list keeps no clear values");
}
