//! Kassa in the browser: the merchant portal (`/`) and the operations console
//! (`/console`), server-rendered with askama, a little htmx, and no inline
//! script or style (a strict Content-Security-Policy). Both sit on the same
//! [`kassa_api::Office`] as the JSON API and are served beside it.
//!
//! Sessions are the API's, carried in an HttpOnly, Secure, SameSite=Strict
//! cookie; every form carries a CSRF token derived from the session (or, before
//! log-in, a double-submit cookie).

// Page guards answer `Result<_, Response>`: the error is the redirect or refusal itself,
// built once per request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod auth;
pub mod charts;
pub mod i18n;
pub mod merchant;
pub mod ops;
pub mod risk;
pub mod security;
pub mod services;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use kassa_api::{Actor, ApiError, Office};
use kassa_merchant::Permission;

use crate::i18n::{Lang, T};
use crate::security::{CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE, cookie, csrf_of, same, set_cookie};

/// How long a verified payment password lets a card deletion go on to its SMS step.
pub const PAYMENT_STEP_MS: i64 = 5 * 60 * 1000;
/// Steps remembered at once; older ones are dropped first.
pub const PAYMENT_STEPS_MAX: usize = 10_000;

/// The pages' state: the service, and the card deletions whose payment
/// password was checked (session digest and card → when).
#[derive(Debug)]
pub struct Console {
    pub office: Arc<Office>,
    pub payment_steps: Mutex<HashMap<(String, i64), i64>>,
}

pub type Shared = Arc<Console>;

/// What every page knows about its caller.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub t: T,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_label: &'static str,
    pub csrf: String,
    pub idle_ms: i64,
    pub login_path: &'static str,
    pub actor: Option<Actor>,
    pub token: Option<String>,
    pub merchant_id: Option<String>,
    pub username: String,
    pub is_merchant: bool,
    pub is_staff: bool,
    pub can_review: bool,
    pub can_terminals: bool,
    pub can_cancellations: bool,
    pub can_audit: bool,
    pub can_freeze: bool,
    /// May change a merchant's profile and agreements (operations, admin).
    pub can_edit_merchants: bool,
    pub can_cases: bool,
    pub can_open: bool,
    pub can_outbox: bool,
    pub error: Option<String>,
    pub notice: Option<String>,
    /// Set when the pre-log-in CSRF cookie must be issued with this page.
    new_csrf_cookie: Option<String>,
}

impl Ctx {
    pub fn fail(mut self, error: &ApiError) -> Ctx {
        self.error = Some(i18n::error_text(self.t.0, error.code, error.field, &error.reason));
        self
    }

    pub fn note(mut self, notice: impl Into<String>) -> Ctx {
        self.notice = Some(notice.into());
        self
    }

    /// Checks a form's CSRF token against the session's (or the pre-log-in cookie's).
    pub fn check_csrf(&self, sent: &str) -> Result<(), Response> {
        if !self.csrf.is_empty() && same(&self.csrf, sent) && self.new_csrf_cookie.is_none() {
            Ok(())
        } else {
            Err((StatusCode::FORBIDDEN, "the form has expired: reload the page and try again").into_response())
        }
    }
}

impl FromRequestParts<Shared> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, console: &Shared) -> Result<Self, Self::Rejection> {
        let staff_area = parts.uri.path().starts_with("/console");
        let default = if staff_area { Lang::En } else { Lang::Zh };
        let lang = crate::i18n::lang_of_cookie(cookie(&parts.headers, LANG_COOKIE), default);
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(String::from);
        let actor = match &token {
            Some(token) => kassa_api::office::session_actor(&console.office, token.clone()).await.ok(),
            None => None,
        };
        let (csrf, new_csrf_cookie) = match (&actor, &token) {
            (Some(_), Some(token)) => (csrf_of(token), None),
            _ => match cookie(&parts.headers, CSRF_COOKIE).filter(|c| c.len() == 32) {
                Some(existing) => (existing.to_string(), None),
                None => {
                    let fresh = kassa_api::office::new_token().map(|t| t[..32].to_string()).unwrap_or_default();
                    (fresh.clone(), Some(fresh))
                }
            },
        };
        let role = match &actor {
            Some(Actor::Staff { role, .. }) => Some(*role),
            _ => None,
        };
        let allows = |p: Permission| role.is_some_and(|r| r.allows(p));
        let (other_lang, other_label) = (lang.other().short(), lang.other().name());
        Ok(Ctx {
            t: T(lang),
            lang: lang.code(),
            other_lang,
            other_label,
            csrf,
            idle_ms: console.office.policies.session.idle_ms,
            login_path: if staff_area { "/console/login" } else { "/login" },
            merchant_id: match &actor {
                Some(Actor::Merchant { merchant: Some(m), .. }) => Some(m.to_string()),
                _ => None,
            },
            username: match &actor {
                Some(Actor::Staff { username, .. }) => username.clone(),
                _ => String::new(),
            },
            is_merchant: matches!(actor, Some(Actor::Merchant { .. })),
            is_staff: role.is_some(),
            can_review: allows(Permission::ReviewApplications),
            can_terminals: allows(Permission::ManageTerminals),
            can_cancellations: allows(Permission::ReviewCancellations),
            can_audit: allows(Permission::ViewAuditLog),
            can_freeze: allows(Permission::FreezeMerchants),
            can_edit_merchants: allows(Permission::EditMerchants),
            can_cases: allows(Permission::WorkCases),
            can_open: allows(Permission::OpenCancellations),
            can_outbox: allows(Permission::ViewSmsOutbox),
            actor,
            token,
            error: None,
            notice: None,
            new_csrf_cookie,
        })
    }
}

/// Renders a page, issuing the pre-log-in CSRF cookie when the page made one.
pub fn page(ctx: &Ctx, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = Html(html).into_response();
            if let Some(value) = &ctx.new_csrf_cookie
                && let Ok(v) = HeaderValue::from_str(&set_cookie(CSRF_COOKIE, value, None))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "render a page");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response()
        }
    }
}

/// A redirect that also sets the session cookie (or clears it with `None`).
pub fn with_session(to: &str, token: Option<&str>) -> Response {
    let mut response = Redirect::to(to).into_response();
    let value = match token {
        Some(token) => set_cookie(SESSION_COOKIE, token, None),
        None => set_cookie(SESSION_COOKIE, "", Some(0)),
    };
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

async fn asset(path: axum::extract::Path<String>) -> Response {
    let (body, kind): (&'static [u8], &'static str) = match path.0.as_str() {
        "htmx.min.js" => (include_bytes!("../assets/htmx.min.js"), "text/javascript; charset=utf-8"),
        "kassa.js" => (include_bytes!("../assets/kassa.js"), "text/javascript; charset=utf-8"),
        "kassa.css" => (include_bytes!("../assets/kassa.css"), "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// Switches the language (`/lang/zh`, `/lang/en`) and goes back.
async fn switch_lang(path: axum::extract::Path<String>, headers: axum::http::HeaderMap) -> Response {
    let lang = if path.0 == "en" { "en" } else { "zh" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    let mut response = Redirect::to(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Strict; Max-Age=31536000")) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The portal and the console, with their assets and security headers.
pub fn router(office: Arc<Office>) -> axum::Router {
    let console = Arc::new(Console { office, payment_steps: Mutex::new(HashMap::new()) });
    axum::Router::new()
        .route("/static/{file}", get(asset))
        .route("/lang/{lang}", get(switch_lang))
        .merge(merchant::routes())
        .merge(ops::routes())
        .merge(risk::routes())
        .merge(services::routes())
        .layer(axum::middleware::from_fn_with_state(console.clone(), closed_read_only))
        .with_state(console)
        .layer(axum::middleware::from_fn(security::headers))
}

/// A closed merchant account is read-only in the portal too: statements,
/// receipts and exports, and logging out; every other form is refused.
/// (The session is resolved here only for forms: pages resolve it once, in
/// their handler.)
async fn closed_read_only(
    axum::extract::State(console): axum::extract::State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let safe = matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    if safe || request.uri().path() == "/logout" {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(c) = Ctx::from_request_parts(&mut parts, &console).await;
    if let Some(actor) = &c.actor
        && let Err(error) = kassa_api::office::refuse_if_closed(&console.office, actor).await
    {
        return merchant::error_page(c, &error);
    }
    next.run(axum::extract::Request::from_parts(parts, body)).await
}
