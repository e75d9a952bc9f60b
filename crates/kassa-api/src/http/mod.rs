//! The HTTP JSON API (`/api/v1`), with its OpenAPI document generated from
//! the handlers (`GET /api/v1/openapi.json`).
//!
//! Authentication: `Authorization: Bearer <token>` (or the `kassa_session`
//! cookie) from `…/login`. Every error is `{code, reason}`: 400 bad input,
//! 401 no or dead session, 403 not allowed, 404 not found (also another
//! merchant's data), 409 a rule stops it, 422 a field fails its check, 423
//! locked, 429 too many codes.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use kassa_merchant::{Application, OtpPurpose};
use kassa_store::office::Wallet;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cancellation::{CancellationView, Checklist};
use crate::cards::CardView;
use crate::daily::DailySummary;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::merchants::{ApplicationView, DocumentView, WithdrawalView};
use crate::office::{Actor, Office, end_session, session_actor};
use crate::ops::{AuditEntry, SmsView};
use crate::terminals::{CollectedComponent, NewTerminal, TerminalView};
use crate::txns::{Receipt, Statement, TxnFilter, TxnView};

/// Largest JSON body.
pub const JSON_BODY_MAX: usize = 64 * 1024;
/// Largest upload (a document), with room for the limit's own check to answer.
pub const UPLOAD_BODY_MAX: usize = kassa_merchant::application::DOCUMENT_MAX_BYTES + 1024;

type Shared = Arc<Office>;

/// A JSON body whose rejection is an [`ApiError`].
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(ApiError::new(rejection.status(), "invalid_body", rejection.body_text())),
        }
    }
}

/// The caller, from the bearer token or the session cookie.
#[derive(Debug)]
pub struct Caller(pub Actor, pub String);

/// The session token: from `Authorization: Bearer`, or from the browser's
/// `kassa_session` cookie (then `true`: the request must prove it is not forged).
pub fn token_of(parts: &Parts) -> Option<(String, bool)> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok())
        && let Some(token) = value.strip_prefix("Bearer ")
    {
        return Some((token.trim().to_string(), false));
    }
    let cookies = parts.headers.get(axum::http::header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| c.trim().strip_prefix("kassa_session=")).map(|t| (t.to_string(), true))
}

/// The CSRF token of a browser session: derived from the session token, so
/// nothing more is stored, and useless without the cookie. Pages put it in
/// their forms; scripts send it as `X-CSRF-Token`.
pub fn csrf_of(session_token: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(format!("kassa-csrf:{session_token}").as_bytes())[..16])
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, office: &Shared) -> Result<Self, Self::Rejection> {
        let (token, from_cookie) =
            token_of(parts).ok_or_else(|| ApiError::unauthorized("log in first: no session token"))?;
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::unauthorized("malformed session token"));
        }
        // A cookie rides along with forged cross-site requests; a header a page set does not.
        let safe = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
        if from_cookie && !safe {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if sent != csrf_of(&token) {
                return Err(ApiError::forbidden("missing or wrong X-CSRF-Token for a cookie session"));
            }
        }
        let actor = session_actor(office, token.clone()).await?;
        if !safe && parts.uri.path() != "/api/v1/logout" {
            crate::office::refuse_if_closed(office, &actor).await?;
        }
        Ok(Caller(actor, token))
    }
}

fn id_of(text: &str, what: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| ApiError::not_found(what))
}

mod auth;
mod bodies;
mod merchant;
mod ops;
mod risk;
mod till;

pub use bodies::*;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kassa merchant and operations API", description = "The merchant app and the operations console of Kassa, as JSON. Amounts are integer minor units (fen). Every error, whatever answers it, is {code, reason} (and field, for a field that fails its check). Besides the codes each operation names, any operation may answer: 400 bad_request (a query string that does not parse), 401 unauthorized, 403 forbidden or account_closed, 404 not_found (also an unknown route), 405 method_not_allowed, 413 body_too_large, 415 unsupported_media_type, 422 invalid_body or invalid_field, 429 too_many_requests, 503 store_unavailable, 5xx server_error."),
    tags((name = "auth"), (name = "merchant"), (name = "operations"), (name = "risk"), (name = "till"), (name = "terminal", description = "A terminal's own requests, signed with the MAC key of its current sign-in: headers Kassa-Terminal, Kassa-Time (milliseconds) and Kassa-Mac (8 hex characters): the terminal MAC over the SHA-256 of the request in its canonical form (README, the shop till)."))
)]
struct ApiDoc;

/// The API's routes and its OpenAPI document, built from the same handlers.
pub fn router_and_spec(office: Arc<Office>) -> (axum::Router, utoipa::openapi::OpenApi) {
    let uploads = OpenApiRouter::new()
        .routes(routes!(merchant::upload_document))
        .routes(routes!(merchant::cancellation_document))
        .routes(routes!(ops::ops_cancellation_document))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX));
    let imports = OpenApiRouter::new()
        .routes(routes!(till::items_csv, till::import_items))
        .layer(DefaultBodyLimit::max(kassa_till::catalogue::CSV_BYTES_MAX + 1024));
    let (router, spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::send_code))
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::reset_password))
        .routes(routes!(auth::staff_login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(merchant::send_my_code))
        .routes(routes!(merchant::change_phone))
        .routes(routes!(merchant::apply, merchant::my_application))
        .routes(routes!(merchant::wallet))
        .routes(routes!(merchant::withdraw))
        .routes(routes!(merchant::cards, merchant::bind_card))
        .routes(routes!(merchant::set_settlement))
        .routes(routes!(merchant::delete_card))
        .routes(routes!(merchant::notices))
        .routes(routes!(merchant::services))
        .routes(routes!(ops::ops_services))
        .routes(routes!(merchant::transactions))
        .routes(routes!(merchant::transactions_csv))
        .routes(routes!(merchant::transaction))
        .routes(routes!(merchant::receipt))
        .routes(routes!(merchant::statement))
        .routes(routes!(ops::applications))
        .routes(routes!(ops::application))
        .routes(routes!(ops::approve))
        .routes(routes!(ops::reject))
        .routes(routes!(ops::block))
        .routes(routes!(ops::freeze))
        .routes(routes!(ops::unfreeze))
        .routes(routes!(ops::merchant_location))
        .routes(routes!(ops::merchant_profile))
        .routes(routes!(ops::merchant_tier))
        .routes(routes!(ops::merchant_mail_order))
        .routes(routes!(ops::audit_log))
        .routes(routes!(ops::sms_outbox))
        .routes(routes!(ops::add_staff))
        .routes(routes!(ops::risk_decision))
        .routes(routes!(risk::cases, risk::open_case))
        .routes(routes!(risk::case))
        .routes(routes!(risk::case_step))
        .routes(routes!(risk::create_override))
        .routes(routes!(risk::evidence))
        .routes(routes!(risk::risk_profile))
        .routes(routes!(risk::decisions))
        .routes(routes!(risk::risk_transaction))
        .routes(routes!(risk::rulesets, risk::draft_ruleset))
        .routes(routes!(risk::ruleset))
        .routes(routes!(risk::approve_ruleset))
        .routes(routes!(risk::activate_ruleset))
        .routes(routes!(risk::discard_ruleset))
        .routes(routes!(risk::preview_ruleset))
        .routes(routes!(merchant::my_terminals))
        .routes(routes!(merchant::activate))
        .routes(routes!(merchant::activation_code))
        .routes(routes!(merchant::operators))
        .routes(routes!(merchant::set_operator, merchant::remove_operator))
        .routes(routes!(ops::add_terminal, ops::inventory))
        .routes(routes!(ops::assign))
        .routes(routes!(ops::collect_key_component))
        .routes(routes!(ops::run_daily))
        .routes(routes!(merchant::cancellation_checklist, merchant::submit_cancellation))
        .routes(routes!(merchant::withdraw_cancellation))
        .routes(routes!(merchant::terminal_checklist, merchant::cancel_terminal))
        .routes(routes!(ops::cancellations, ops::open_cancellation))
        .routes(routes!(ops::phone_confirmation))
        .routes(routes!(ops::approve_cancellation))
        .routes(routes!(ops::reject_cancellation))
        .routes(routes!(till::departments, till::add_department))
        .routes(routes!(till::remove_department))
        .routes(routes!(till::items, till::add_item))
        .routes(routes!(till::item, till::change_item))
        .routes(routes!(till::retire_item))
        .routes(routes!(till::settings, till::put_settings))
        .routes(routes!(till::baskets))
        .routes(routes!(till::basket))
        .routes(routes!(till::analytics))
        .routes(routes!(till::analytics_csv))
        .routes(routes!(till::terminal_catalogue))
        .routes(routes!(till::terminal_basket))
        .routes(routes!(till::terminal_return))
        .layer(DefaultBodyLimit::max(JSON_BODY_MAX))
        .merge(uploads)
        .merge(imports)
        .with_state(office)
        .split_for_parts();
    let document = spec.clone();
    let router = router
        .route("/api/v1/openapi.json", axum::routing::get(move || async move { Json(document) }))
        .fallback(|| async { ApiError::not_found("endpoint").into_response() })
        .layer(axum::middleware::from_fn(json_errors));
    (router, spec)
}

/// The stable code of an error answer that came from axum itself (an
/// extractor's rejection, a body limit, a wrong method), by its status.
pub fn code_of_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        s if s.is_server_error() => "server_error",
        _ => "error",
    }
}

/// Most of an error text kept as its reason.
const REASON_BYTES_MAX: usize = 1024;

/// Every error the API answers is `{"code", "reason"}` JSON: answers axum
/// wrote as plain text or with no body (a query that does not parse, a
/// body over its limit, a wrong method) are rewritten in that shape.
async fn json_errors(request: Request, next: axum::middleware::Next) -> axum::response::Response {
    let response = next.run(request).await;
    let status = response.status();
    let json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let mut reason = String::from_utf8_lossy(&text).trim().to_string();
    if reason.len() > REASON_BYTES_MAX {
        let mut end = REASON_BYTES_MAX;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
    }
    if reason.is_empty() {
        reason = status.canonical_reason().unwrap_or("error").to_lowercase();
    }
    let body = ErrorBody { code: code_of_status(status).into(), reason, field: None };
    let mut answer = (status, Json(body)).into_response();
    // Keep what the answer said beside its body (Allow on a 405, say).
    for (name, value) in parts.headers.iter() {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

pub fn router(office: Arc<Office>) -> axum::Router {
    router_and_spec(office).0
}
