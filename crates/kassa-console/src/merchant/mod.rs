//! The merchant portal: log-in, sign-up and the application, home and
//! wallet here; cards, terminals, records and cancellation in their modules.

mod cancellation;
mod cards;
mod records;
mod terminals;
mod till;

use cancellation::*;
use cards::*;
use records::*;
use terminals::*;
use till::*;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kassa_api::cards::CardView;
use kassa_api::merchants::ApplicationView;
use kassa_api::office::Login;
use kassa_api::{Actor, ApiError};
use kassa_merchant::{Application, OtpPurpose};
use serde::Deserialize;

use crate::auth::{self, CsrfForm, IdleQuery};
use crate::i18n::{money, parse_yuan};
use crate::{Ctx, PAYMENT_STEP_MS, PAYMENT_STEPS_MAX, Shared, page, with_session};

pub fn routes() -> axum::Router<Shared> {
    axum::Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/signup", get(signup_page).post(signup))
        .route("/signup/code", post(signup_code))
        .route("/apply", get(apply_page).post(apply))
        .route("/wallet", get(wallet_page).post(withdraw))
        .route("/cards", get(cards_page).post(bind_card))
        .route("/cards/code", post(bind_code))
        .route("/cards/{id}/settlement", post(make_settlement))
        .route("/cards/{id}/delete", get(delete_page).post(delete_step_one))
        .route("/cards/{id}/delete/confirm", post(delete_step_two))
        .route("/terminals", get(terminals_page))
        .route("/terminals/activate", post(activate_terminal))
        .route("/terminals/{serial}/code", post(terminal_code))
        .route("/terminals/{serial}/operators", post(add_operator))
        .route("/terminals/{serial}/cancel", post(cancel_terminal))
        .route("/terminals/{serial}/cancel/code", post(cancel_terminal_code))
        .route("/statements", get(statements))
        .route("/transactions", get(transactions))
        .route("/transactions/{id}", get(receipt))
        .route("/catalogue", get(catalogue_page))
        .route("/catalogue/items", post(add_item))
        .route("/catalogue/items/{code}", get(item_page).post(change_item))
        .route("/catalogue/items/{code}/retire", post(retire_item))
        .route("/catalogue/items/{code}/restore", post(restore_item))
        .route("/catalogue/departments", post(add_department))
        .route("/catalogue/departments/remove", post(remove_department))
        .route("/catalogue/import", post(import_items))
        .route("/catalogue/settings", post(save_settings))
        .route("/analytics", get(analytics_page))
        .route("/cancellation", get(cancellation_page).post(submit_cancellation))
        .route("/cancellation/checklist", get(cancellation_page))
        .route("/cancellation/code", post(cancellation_code))
        .route("/cancellation/{id}/withdraw", post(withdraw_cancellation))
}

/// [`merchant`] for a form: also checks its CSRF token.
fn merchant_post(ctx: &Ctx, csrf: &str) -> Result<Actor, Response> {
    let actor = merchant(ctx)?;
    ctx.check_csrf(csrf)?;
    Ok(actor)
}

/// The merchant behind the page, or off to the log-in page.
pub(crate) fn merchant(ctx: &Ctx) -> Result<Actor, Response> {
    match &ctx.actor {
        Some(actor @ Actor::Merchant { .. }) => Ok(actor.clone()),
        _ => Err(Redirect::to("/login").into_response()),
    }
}

async fn login_page(c: Ctx, Query(q): Query<IdleQuery>) -> Response {
    auth::login_page(c, q.idle.is_some())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    _csrf: String,
    phone: String,
    password: String,
}

async fn login(State(console): State<Shared>, c: Ctx, Form(form): Form<LoginForm>) -> Response {
    auth::login(&console, c, Login::Merchant, &form._csrf, form.phone, form.password, "/").await
}

async fn logout(State(console): State<Shared>, c: Ctx, Form(form): Form<CsrfForm>) -> Response {
    auth::logout(&console, c, &form._csrf, "/login").await
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    c: Ctx,
    phone: String,
}

async fn signup_page(c: Ctx) -> Response {
    page(&c.clone(), &SignupPage { c, phone: String::new() })
}

#[derive(Debug, Deserialize)]
struct SignupForm {
    #[serde(default)]
    _csrf: String,
    phone: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    payment_password: String,
}

async fn signup_code(State(console): State<Shared>, c: Ctx, Form(form): Form<SignupForm>) -> Response {
    if let Err(r) = c.check_csrf(&form._csrf) {
        return r;
    }
    let phone = form.phone.trim().to_string();
    let c = match console.office.send_code(phone.clone(), OtpPurpose::Register).await {
        Ok(()) => {
            let sent = c.t.s("code_sent");
            c.note(sent)
        }
        Err(e) => c.fail(&e),
    };
    page(&c.clone(), &SignupPage { c, phone })
}

async fn signup(State(console): State<Shared>, c: Ctx, Form(form): Form<SignupForm>) -> Response {
    if let Err(r) = c.check_csrf(&form._csrf) {
        return r;
    }
    let phone = form.phone.trim().to_string();
    match console
        .office
        .register(phone.clone(), form.code.trim().to_string(), form.password, form.payment_password)
        .await
    {
        Ok(token) => with_session("/apply", Some(&token)),
        Err(e) => {
            let c = c.fail(&e);
            page(&c.clone(), &SignupPage { c, phone })
        }
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    c: Ctx,
    application: Option<ApplicationView>,
}

async fn apply_page(State(console): State<Shared>, c: Ctx) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let application = console.office.my_application(actor).await.ok();
    page(&c.clone(), &ApplyPage { c, application })
}

#[derive(Debug, Deserialize)]
struct ApplyForm {
    #[serde(default)]
    _csrf: String,
    legal_name: String,
    id_number: String,
    phone: String,
    business_name: String,
    address: String,
    mcc: String,
    card_number: String,
    card_holder: String,
}

async fn apply(State(console): State<Shared>, c: Ctx, Form(form): Form<ApplyForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let application = Application {
        legal_name: form.legal_name,
        id_number: form.id_number.trim().to_string(),
        phone: form.phone.trim().to_string(),
        business_name: form.business_name,
        address: form.address,
        mcc: form.mcc.trim().to_string(),
        card_number: form.card_number.chars().filter(|ch| !ch.is_whitespace()).collect(),
        card_holder: form.card_holder,
    };
    match console.office.apply(actor, application).await {
        Ok(_) => Redirect::to("/apply").into_response(),
        Err(e) => {
            let c = c.fail(&e);
            page(&c.clone(), &ApplyPage { c, application: None })
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Ctx,
    available: String,
    pending: String,
    frozen: String,
    in_flight: String,
    today_total: String,
    /// Hour, bar height in tenths of the busiest hour, amount.
    bars: Vec<(usize, i64, String)>,
    notices: Vec<String>,
}

async fn home(State(console): State<Shared>, c: Ctx) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    if c.merchant_id.is_none() {
        return Redirect::to("/apply").into_response();
    }
    let office = &console.office;
    let wallet = match office.wallet(actor.clone()).await {
        Ok(w) => w,
        Err(e) => return error_page(c, &e),
    };
    let today = office.clock.local().yyyymmdd();
    let hours = office.takings_by_hour(actor.clone(), today).await.unwrap_or([0; 24]);
    let top = hours.iter().copied().max().unwrap_or(0).max(1);
    let bars = hours.iter().enumerate().map(|(h, v)| (h, (v * 10 + top - 1) / top, money(*v))).collect();
    let notices = office.notices(actor).await.unwrap_or_default().into_iter().take(3).collect();
    let total: i64 = hours.iter().sum();
    page(
        &c.clone(),
        &HomePage {
            c,
            available: money(wallet.available),
            pending: money(wallet.pending),
            frozen: money(wallet.frozen),
            in_flight: money(wallet.payouts_in_flight),
            today_total: money(total),
            bars,
            notices,
        },
    )
}

#[derive(Template)]
#[template(path = "wallet.html")]
struct WalletPage {
    c: Ctx,
    available: String,
    pending: String,
    frozen: String,
    deposits: String,
    in_flight: String,
}

async fn wallet_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    match console.office.wallet(actor).await {
        Ok(w) => page(
            &c.clone(),
            &WalletPage {
                c,
                available: money(w.available),
                pending: money(w.pending),
                frozen: money(w.frozen),
                deposits: money(w.deposits),
                in_flight: money(w.payouts_in_flight),
            },
        ),
        Err(e) => error_page(c, &e),
    }
}

async fn wallet_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    wallet_view(&console, c).await
}

#[derive(Debug, Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    _csrf: String,
    amount: String,
    payment_password: String,
}

async fn withdraw(State(console): State<Shared>, c: Ctx, Form(form): Form<WithdrawForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(amount) = parse_yuan(&form.amount) else {
        let e = ApiError::from(kassa_merchant::FieldError::new("amount", "an amount in yuan, like 99.00"));
        return wallet_view(&console, c.fail(&e)).await;
    };
    match console.office.withdraw(actor, amount, form.payment_password).await {
        Ok(w) => {
            let note = format!("{} → {}", money(w.amount), w.card);
            wallet_view(&console, c.note(note)).await
        }
        Err(e) => wallet_view(&console, c.fail(&e)).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    pub(super) _csrf: String,
    pub(super) code: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Ctx,
}

pub(crate) fn error_page(c: Ctx, error: &ApiError) -> Response {
    let status = error.status;
    let c = c.fail(error);
    let mut response = page(&c.clone(), &ErrorPage { c });
    *response.status_mut() = status;
    response
}

/// The page's context after sending a code: "sent", or why not.
fn code_sent(c: Ctx, sent: Result<(), ApiError>) -> Ctx {
    match sent {
        Ok(()) => {
            let text = c.t.s("code_sent");
            c.note(text)
        }
        Err(e) => c.fail(&e),
    }
}

async fn send_my_code(console: &Shared, actor: &Actor, purpose: OtpPurpose) -> Result<(), ApiError> {
    let user = kassa_api::merchants::user_of(actor)?;
    let phone = console.office.phone_of(user).await?;
    console.office.send_code(phone, purpose).await
}
