//! The API's edges: every error, whoever answers it (an extractor, a body
//! limit, the router), is `{"code", "reason"}` JSON with a stable code;
//! impossible dates are refused.

use super::common::*;
use super::*;

fn documented(answer: &Answer) -> bool {
    answer.body["code"].as_str().is_some_and(|c| !c.is_empty()) && answer.body["reason"].is_string()
}

#[tokio::test]
async fn every_error_is_json_in_the_documented_shape() {
    let s = server().await;
    let (token, _) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let root = s.staff("root").await;
    let cases: Vec<(&str, &str, &str, u16, &str)> = vec![
        ("GET", "/api/v1/ops/audit-log?limit=abc", root.as_str(), 400, "bad_request"),
        ("GET", "/api/v1/ops/audit-log?limit=99999999999999999999", root.as_str(), 400, "bad_request"),
        ("GET", "/api/v1/ops/audit-log?limit=1&limit=2", root.as_str(), 400, "bad_request"),
        ("GET", "/api/v1/merchant/transactions?max_amount=1e309", token.as_str(), 400, "bad_request"),
        ("DELETE", "/api/v1/me", token.as_str(), 405, "method_not_allowed"),
        ("PUT", "/api/v1/merchant/wallet/withdrawals", token.as_str(), 405, "method_not_allowed"),
        ("GET", "/api/v1/no/such/route", token.as_str(), 404, "not_found"),
        ("GET", "/api/v1/merchant/statements/2026-02-30", token.as_str(), 422, "invalid_field"),
        ("GET", "/api/v1/merchant/transactions?from=2026-04-31", token.as_str(), 422, "invalid_field"),
    ];
    for (method, path, who, status, code) in cases {
        let answer = s.call(method, path, Some(who), Value::Null).await;
        assert_eq!((answer.status, answer.body["code"].as_str()), (status, Some(code)), "{method} {path}: {answer:?}");
        assert!(documented(&answer), "{method} {path}: {answer:?}");
    }
    let date = s.get("/api/v1/merchant/statements/2026-02-30", &token).await;
    assert_eq!(date.body["field"], "date", "{date:?}");
    // A body over the limit (64 KiB of JSON).
    let big = format!("{{\"amount\": 1, \"payment_password\": \"{}\"}}", "x".repeat(70 * 1024));
    let answer =
        s.raw("POST", "/api/v1/merchant/wallet/withdrawals", Some(&token), "application/json", big.as_bytes()).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert!(documented(&answer), "{answer:?}");
    // Not JSON at all.
    let answer = s.raw("POST", "/api/v1/merchant/login", None, "text/plain", b"phone=1").await;
    assert!(answer.status >= 400 && documented(&answer), "{answer:?}");
}

/// Random methods, query strings and bodies at every documented route, with
/// and without a session: every answer that is not a success is the
/// documented error.
#[tokio::test]
async fn random_requests_at_every_route_answer_documented_errors() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let s = server().await;
    let (token, _) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let root = s.staff("root").await;
    let spec = s.call("GET", "/api/v1/openapi.json", None, Value::Null).await;
    let paths: Vec<String> = spec.body["paths"].as_object().unwrap().keys().cloned().collect();
    let words = ["1", "0", "-1", "abc", "SN1", "2026-11-23", "2026-02-30", "99999999999999999999", "%FF", "😀"];
    let strategy = (
        0..paths.len(),
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        0usize..3,
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "limit",
                    "state",
                    "from",
                    "to",
                    "min_amount",
                    "max_amount",
                    "phone",
                    "reveal",
                    "type",
                ]),
                prop::sample::select(words.to_vec()),
            ),
            0..3,
        ),
        prop::option::of("[ -~]{0,40}"),
    );
    let mut runner = TestRunner::new(Config { cases: 300, max_shrink_iters: 0, ..Config::default() });
    let requests = std::sync::Mutex::new(Vec::new());
    runner
        .run(&strategy, |(path, method, who, query, body)| {
            let word = words[path % words.len()];
            let mut target = paths[path]
                .split('/')
                .map(|part| if part.starts_with('{') { word } else { part })
                .collect::<Vec<_>>()
                .join("/");
            if !query.is_empty() {
                let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                target = format!("{target}?{}", pairs.join("&"));
            }
            requests.lock().unwrap().push((method, target, who, body));
            Ok(())
        })
        .unwrap();
    for (method, target, who, body) in requests.into_inner().unwrap() {
        let caller = [None, Some(token.as_str()), Some(root.as_str())][who];
        let body = body.unwrap_or_default();
        let answer = s.raw(method, &target, caller, "application/json", body.as_bytes()).await;
        if answer.status >= 400 {
            assert!(documented(&answer), "{method} {target} {body:?}: {answer:?}");
        }
        assert!(answer.status < 500 || answer.status == 503, "{method} {target}: {answer:?}");
    }
}

/// A logged-in merchant cannot spend another's code allowance: a number
/// another account uses is refused for `change_phone_new`, and codes to a
/// new number count against the one asking, never the number's owner.
#[tokio::test]
async fn codes_go_only_to_numbers_a_caller_may_reach() {
    let s = server().await;
    let (token, _) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let ask = |phone: &'static str| {
        let token = token.clone();
        let s = &s;
        async move {
            s.post("/api/v1/merchant/sms/codes", Some(&token), json!({"purpose": "change_phone_new", "phone": phone}))
                .await
        }
    };
    for _ in 0..6 {
        let answer = ask("13900139000").await;
        assert_eq!((answer.status, answer.code()), (409, "phone_taken"), "{answer:?}");
        s.clock.advance_ms(61_000);
    }
    // The other merchant's own codes still come.
    let own = s.post("/api/v1/sms/codes", None, json!({"phone": "13900139000", "purpose": "reset_password"})).await;
    assert_eq!(own.status, 202, "{own:?}");
    // Codes to a free number spend the asker's allowance (5 an hour)…
    for _ in 0..5 {
        assert_eq!(ask("13700137000").await.status, 202);
        s.clock.advance_ms(61_000);
    }
    assert_eq!(ask("13600136000").await.status, 429, "the asker's hour is spent");
    // …and not the number's: whoever takes it later can still sign up with it.
    let signup = s.post("/api/v1/sms/codes", None, json!({"phone": "13700137000", "purpose": "register"})).await;
    assert_eq!(signup.status, 202, "{signup:?}");
}

/// Another merchant's resource is `404`, before any code is checked.
#[tokio::test]
async fn another_merchants_terminal_is_not_found() {
    let s = server().await;
    let (token, _) = s.merchant("13800138000", "张三", ID_ZHANG, CARD_ZHANG).await;
    let (_, other_merchant) = s.merchant("13900139000", "李四", ID_LI, CARD_LI).await;
    let ops = s.staff("otto").await;
    assert_eq!(
        s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": "SN7001", "model": "K9"})).await.status,
        201
    );
    let assigned =
        s.post("/api/v1/ops/terminals/SN7001/assign", Some(&ops), json!({"merchant_id": other_merchant})).await;
    assert_eq!(assigned.status, 200, "{assigned:?}");
    let theirs =
        s.post("/api/v1/merchant/terminals/SN7001/cancellation", Some(&token), json!({"code": "000000"})).await;
    assert_eq!((theirs.status, theirs.code()), (404, "not_found"), "{theirs:?}");
}
