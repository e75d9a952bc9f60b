//! The OpenAPI document against the routes.

use super::common::*;
use super::*;

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
