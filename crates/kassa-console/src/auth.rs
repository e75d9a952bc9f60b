//! Log-in and log-out, the same for merchants (by phone) and staff (by username).

use askama::Template;
use axum::response::Response;
use kassa_api::office::Login;
use serde::Deserialize;

use crate::{Ctx, Shared, page, with_session};

#[derive(Template)]
#[template(path = "login.html")]
pub(crate) struct LoginPage {
    pub c: Ctx,
    pub key: String,
    pub idle: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct IdleQuery {
    pub idle: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub _csrf: String,
}

/// The log-in page, shown as to a stranger even when a session is around.
pub(crate) fn login_page(c: Ctx, idle: bool) -> Response {
    let c = Ctx { actor: None, is_merchant: false, is_staff: false, ..c };
    page(&c.clone(), &LoginPage { c, key: String::new(), idle })
}

/// Checks the password and opens the session, or shows why not.
pub(crate) async fn login(
    console: &Shared,
    c: Ctx,
    who: Login,
    csrf: &str,
    key: String,
    password: String,
    home: &str,
) -> Response {
    if let Err(r) = c.check_csrf(csrf) {
        return r;
    }
    match console.office.password_login(who, key.trim().to_string(), password).await {
        Ok(token) => with_session(home, Some(&token)),
        Err(e) => {
            let c = Ctx { actor: None, is_merchant: false, is_staff: false, ..c.fail(&e) };
            page(&c.clone(), &LoginPage { c, key, idle: false })
        }
    }
}

/// Ends the session and goes to `to`.
pub(crate) async fn logout(console: &Shared, c: Ctx, csrf: &str, to: &str) -> Response {
    if let Err(r) = c.check_csrf(csrf) {
        return r;
    }
    if let Some(token) = &c.token {
        let _ = kassa_api::office::end_session(&console.office, token.clone()).await;
    }
    with_session(to, None)
}
