//! Risk cases over HTTP: opening, the queue and its SLA, the lock, four eyes,
//! evidence, the risk profile, and who may see any of it.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_over_http_with_locks_four_eyes_and_isolation() {
    let s = server().await;
    let (zhang_token, zhang) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let (_, li) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let (rita, sue) = (s.staff("rita").await, s.staff("sue").await);
    let open = |merchant: &str, priority: &str| json!({"merchant_id": merchant, "title": "tip-off: cash-out", "priority": priority});

    // Opening a case: risk staff only, a known merchant, a real priority.
    assert_eq!(s.post("/api/v1/ops/risk/cases", Some(&sue), open(&zhang, "high")).await.status, 403);
    assert_eq!(s.post("/api/v1/ops/risk/cases", Some(&zhang_token), open(&zhang, "high")).await.status, 403);
    let bad = s.post("/api/v1/ops/risk/cases", Some(&rita), open(&zhang, "urgent")).await;
    assert_eq!((bad.status, bad.body["field"].as_str()), (422, Some("priority")));
    assert_eq!(s.post("/api/v1/ops/risk/cases", Some(&rita), open("898310099999999", "high")).await.status, 404);
    let case = s.post("/api/v1/ops/risk/cases", Some(&rita), open(&zhang, "high")).await;
    assert_eq!(case.status, 201, "{case:?}");
    assert_eq!(case.body["state"], "open");
    let sla = case.body["due_at"].as_i64().unwrap() - case.body["opened_at"].as_i64().unwrap();
    assert_eq!(sla, 4 * 3_600_000, "high priority: four hours");
    let id = case.body["id"].as_i64().unwrap();
    let other = s.post("/api/v1/ops/risk/cases", Some(&rita), open(&li, "low")).await;
    assert_eq!(other.status, 201);

    // The queue, soonest due first; past its SLA a case shows overdue.
    let queue = s.get("/api/v1/ops/risk/cases", &rita).await;
    assert_eq!(queue.body.as_array().unwrap().len(), 2);
    assert_eq!(queue.body[0]["id"], id);
    s.clock.advance_ms(5 * 3_600_000);
    // (Idle sessions ended meanwhile.)
    let (rita, root, sue) = (s.staff("rita").await, s.staff("root").await, s.staff("sue").await);
    let zhang_token = s.login("13800138000").await;
    let queue = s.get("/api/v1/ops/risk/cases", &rita).await;
    assert_eq!((queue.body[0]["overdue"].as_bool(), queue.body[1]["overdue"].as_bool()), (Some(true), Some(false)));
    assert_eq!(s.get("/api/v1/ops/risk/cases?state=nonsense", &rita).await.status, 422);

    // One analyst at a time; four eyes on the action.
    let at = format!("/api/v1/ops/risk/cases/{id}/steps");
    assert_eq!(s.post(&at, Some(&rita), json!({"step": "claim"})).await.status, 200);
    let locked = s.post(&at, Some(&root), json!({"step": "note", "text": "mine now"})).await;
    assert_eq!((locked.status, locked.body["code"].as_str()), (409, Some("case_locked")));
    let mine = s.get("/api/v1/ops/risk/cases?mine=true", &rita).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let unknown = s.post(&at, Some(&rita), json!({"step": "dance"})).await;
    assert_eq!((unknown.status, unknown.body["field"].as_str()), (422, Some("step")));
    let no_reason = s.post(&at, Some(&rita), json!({"step": "propose", "action": "freeze_merchant"})).await;
    assert_eq!((no_reason.status, no_reason.body["field"].as_str()), (422, Some("text")));
    let elsewhere = s
        .post(&at, Some(&rita), json!({"step": "propose", "action": "freeze_merchant", "target": li, "text": "x"}))
        .await;
    assert_eq!((elsewhere.status, elsewhere.body["field"].as_str()), (422, Some("target")), "only the case's merchant");
    let proposed =
        s.post(&at, Some(&rita), json!({"step": "propose", "action": "freeze_merchant", "text": "cash-out"})).await;
    assert_eq!((proposed.status, proposed.body["state"].as_str()), (200, Some("action_pending")));
    assert_eq!(proposed.body["proposal"]["by"], "staff:rita");
    let own = s.post(&at, Some(&rita), json!({"step": "approve"})).await;
    assert_eq!(own.status, 403, "{own:?}");
    let approved = s.post(&at, Some(&root), json!({"step": "approve"})).await;
    assert_eq!((approved.status, approved.body["state"].as_str()), (200, Some("actioned")));
    let closing = s.post(&at, Some(&rita), json!({"step": "close"})).await;
    assert_eq!((closing.status, closing.body["field"].as_str()), (422, Some("resolution")));

    // The action happened: the merchant is frozen, and its risk profile says so.
    let profile = s.get(&format!("/api/v1/ops/risk/merchants/{zhang}"), &rita).await;
    assert_eq!((profile.status, profile.body["status"].as_str()), (200, Some("frozen")));
    let cases = profile.body["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "only this merchant's cases: {cases:?}");
    let override_made = s
        .post(
            &format!("/api/v1/ops/risk/cases/{id}/overrides"),
            Some(&rita),
            json!({"kind": "merchant", "days": 7, "reason": "seasonal peak confirmed"}),
        )
        .await;
    assert_eq!(override_made.status, 201, "{override_made:?}");
    let too_long = s
        .post(
            &format!("/api/v1/ops/risk/cases/{id}/overrides"),
            Some(&rita),
            json!({"kind": "merchant", "days": 90, "reason": "x"}),
        )
        .await;
    assert_eq!((too_long.status, too_long.body["field"].as_str()), (422, Some("days")));
    let li_profile = s.get(&format!("/api/v1/ops/risk/merchants/{li}"), &rita).await;
    assert!(li_profile.body["overrides"].as_array().unwrap().is_empty(), "{li_profile:?}");

    // The evidence bundle; its export is audited.
    let bundle = s.get(&format!("/api/v1/ops/risk/cases/{id}/evidence"), &rita).await;
    assert_eq!(bundle.status, 200);
    assert_eq!(bundle.body["sections"].as_array().unwrap().len(), 7);
    let audit = s.get("/api/v1/ops/audit-log", &root).await;
    let actions: Vec<&str> = audit.body.as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["open_case", "case_proposed", "case_approved", "risk_override", "export_evidence"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    // Merchants and support see no risk data, not even their own.
    for path in [
        format!("/api/v1/ops/risk/merchants/{zhang}"),
        format!("/api/v1/ops/risk/cases/{id}"),
        "/api/v1/ops/risk/decisions".to_string(),
    ] {
        assert_eq!(s.get(&path, &zhang_token).await.status, 403, "{path}");
        assert_eq!(s.get(&path, &sue).await.status, 403, "{path}");
    }
    assert_eq!(s.get("/api/v1/ops/risk/cases/999", &rita).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ruleset_versions_over_http_draft_preview_approve_activate() {
    let s = server().await;
    let (rita, root, sue) = (s.staff("rita").await, s.staff("root").await, s.staff("sue").await);
    let text = kassa_risk::STARTER.to_string();
    assert_eq!(s.post("/api/v1/ops/risk/rulesets", Some(&sue), json!({"text": text})).await.status, 403);
    let broken =
        s.post("/api/v1/ops/risk/rulesets", Some(&rita), json!({"text": "version = 1\n[[rule]]\nid = 3"})).await;
    assert_eq!((broken.status, broken.body["field"].as_str()), (422, Some("text")), "{broken:?}");
    let bad_cel = text.replacen("condition = \"", "condition = \"((", 1);
    let refused = s.post("/api/v1/ops/risk/rulesets", Some(&rita), json!({"text": bad_cel})).await;
    assert_eq!(
        (refused.status, refused.body["field"].as_str()),
        (422, Some("text")),
        "a condition that does not compile"
    );
    let draft = s.post("/api/v1/ops/risk/rulesets", Some(&rita), json!({"text": text, "note": "first"})).await;
    assert_eq!((draft.status, draft.body["state"].as_str()), (201, Some("draft")), "{draft:?}");
    assert_eq!(draft.body["rules"].as_i64(), Some(24));
    let again = s.post("/api/v1/ops/risk/rulesets", Some(&rita), json!({"text": text})).await;
    assert_eq!(again.status, 422, "version 1 is taken");
    let one = s.get("/api/v1/ops/risk/rulesets/1", &rita).await;
    assert!(one.body["text"].as_str().is_some_and(|t| t.contains("credit-heavy-day")));
    let preview = s.get("/api/v1/ops/risk/rulesets/1/preview?hours=24", &rita).await;
    assert_eq!((preview.status, preview.body["transactions"].as_i64()), (200, Some(0)), "{preview:?}");
    assert_eq!(s.get("/api/v1/ops/risk/rulesets/1/preview?hours=0", &rita).await.status, 422);
    assert_eq!(
        s.post("/api/v1/ops/risk/rulesets/1/activate", Some(&rita), Value::Null).await.status,
        409,
        "not approved"
    );
    assert_eq!(s.post("/api/v1/ops/risk/rulesets/1/approve", Some(&rita), Value::Null).await.status, 403, "its author");
    let approved = s.post("/api/v1/ops/risk/rulesets/1/approve", Some(&root), Value::Null).await;
    assert_eq!((approved.status, approved.body["approved_by"].as_str()), (200, Some("staff:root")));
    let active = s.post("/api/v1/ops/risk/rulesets/1/activate", Some(&rita), Value::Null).await;
    assert_eq!((active.status, active.body["state"].as_str()), (200, Some("active")));
    assert_eq!(s.post("/api/v1/ops/risk/rulesets/1/discard", Some(&rita), Value::Null).await.status, 409);
    let list = s.get("/api/v1/ops/risk/rulesets", &rita).await;
    assert_eq!(list.body[0]["state"], "active");
    assert!(list.body[0]["text"].is_null(), "the list leaves the text out");
    assert_eq!(s.get("/api/v1/ops/risk/rulesets/9", &rita).await.status, 404);

    // The admission checks are the active version's admission rules.
    let v2 = format!(
        "{}\n[[rule]]\nid = \"grocery-visit\"\nversion = 1\ndescription = \"Groceries get a site visit.\"\ncondition = \"mcc == '5411'\"\naction = \"review\"\nscore = 5\nmode = \"enforce\"\nscope = \"admission\"\n",
        text.replacen("version = 1", "version = 2", 1)
    );
    assert_eq!(s.post("/api/v1/ops/risk/rulesets", Some(&rita), json!({"text": v2})).await.status, 201);
    assert_eq!(s.post("/api/v1/ops/risk/rulesets/2/approve", Some(&root), Value::Null).await.status, 200);
    assert_eq!(s.post("/api/v1/ops/risk/rulesets/2/activate", Some(&root), Value::Null).await.status, 200);
    let token = s.sign_up("13800138000").await;
    let application = s.apply(&token, "张三", ID_ZHANG, "13800138000", CARD_ZHANG).await;
    let checks: Vec<(String, bool)> = application["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["check"].as_str().unwrap().to_string(), c["passed"].as_bool().unwrap()))
        .collect();
    let names: Vec<&str> = checks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["duplicate_identity", "duplicate_phone", "block_list", "high_risk_category", "grocery_visit"]);
    assert_eq!(checks[4], ("grocery_visit".to_string(), false), "the new rule flags a grocery");
    assert!(checks[..4].iter().all(|(_, passed)| *passed), "{checks:?}");
}
