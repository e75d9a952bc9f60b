//! Sign-up, review, log-in, lock-out, codes, the bound phone, block lists and freezing.

use super::common::*;
use super::*;

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

/// Staff read the SMS outbox with every code masked, and each look is in the
/// audit log; codes in clear are the demo's alone, and only an admin's.
#[tokio::test]
async fn staff_see_sms_codes_masked_and_who_looked_is_kept() {
    let s = server().await;
    let sent = s.post("/api/v1/sms/codes", None, json!({"phone": "13800138000", "purpose": "register"})).await;
    assert_eq!(sent.status, 202, "{sent:?}");
    let code = s.last_code("13800138000").await;
    for name in ["otto", "sue"] {
        let staff = s.staff(name).await;
        let outbox = s.get("/api/v1/ops/sms-outbox", &staff).await;
        assert_eq!(outbox.status, 200, "{outbox:?}");
        let text = outbox.body.to_string();
        assert!(text.contains("13800138000") && !text.contains(&code), "{name}: {text}");
        let reveal = s.get("/api/v1/ops/sms-outbox?reveal=true", &staff).await;
        assert_eq!(reveal.status, 403, "{name}");
    }
    let root = s.staff("root").await;
    assert_eq!(s.get("/api/v1/ops/sms-outbox?reveal=true", &root).await.status, 403, "not a demo");
    assert_eq!(s.get("/api/v1/ops/sms-outbox", &s.staff("rita").await).await.status, 403);
    let log = s.get("/api/v1/ops/audit-log?limit=50", &root).await.body.to_string();
    assert!(log.contains("view_sms_outbox") && log.contains("staff:otto") && log.contains("staff:sue"), "{log}");
}
