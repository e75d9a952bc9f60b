//! The merchant portal: log-in, sign-up and the application, home, wallet,
//! bank cards (deleting asks for the payment password, then the SMS code).

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
fn merchant(ctx: &Ctx) -> Result<Actor, Response> {
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

#[derive(Template)]
#[template(path = "cards.html")]
struct CardsPage {
    c: Ctx,
    cards: Vec<CardView>,
    card_number: String,
    holder: String,
}

async fn cards_view(console: &Shared, c: Ctx, card_number: String, holder: String) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    match console.office.cards(actor).await {
        Ok(cards) => page(&c.clone(), &CardsPage { c, cards, card_number, holder }),
        Err(e) => error_page(c, &e),
    }
}

async fn cards_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    cards_view(&console, c, String::new(), String::new()).await
}

#[derive(Debug, Deserialize)]
struct BindForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    code: String,
}

async fn bind_code(State(console): State<Shared>, c: Ctx, Form(form): Form<BindForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::BindCard).await);
    cards_view(&console, c, form.card_number, form.holder).await
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

async fn bind_card(State(console): State<Shared>, c: Ctx, Form(form): Form<BindForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let number: String = form.card_number.chars().filter(|ch| !ch.is_whitespace()).collect();
    match console.office.bind_card(actor, number, form.holder.trim().to_string(), form.code.trim().to_string()).await {
        Ok(card) => {
            let note = format!("✓ {}", card.card_number);
            cards_view(&console, c.note(note), String::new(), String::new()).await
        }
        Err(e) => cards_view(&console, c.fail(&e), form.card_number, form.holder).await,
    }
}

async fn make_settlement(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.set_settlement_card(actor, id).await {
        Ok(_) => cards_view(&console, c, String::new(), String::new()).await,
        Err(e) => cards_view(&console, c.fail(&e), String::new(), String::new()).await,
    }
}

#[derive(Template)]
#[template(path = "card_delete.html")]
struct DeletePage {
    c: Ctx,
    id: i64,
    card_number: String,
    step: u8,
}

async fn card_number(console: &Shared, actor: &Actor, id: i64) -> Option<String> {
    console.office.cards(actor.clone()).await.ok()?.into_iter().find(|card| card.id == id).map(|card| card.card_number)
}

async fn delete_page(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(card_number) = card_number(&console, &actor, id).await else {
        return error_page(c, &ApiError::not_found("card"));
    };
    page(&c.clone(), &DeletePage { c, id, card_number, step: 1 })
}

#[derive(Debug, Deserialize)]
struct PaymentForm {
    #[serde(default)]
    _csrf: String,
    payment_password: String,
}

fn step_key(c: &Ctx, id: i64) -> (String, i64) {
    (c.token.as_deref().map(crate::security::csrf_of).unwrap_or_default(), id)
}

async fn delete_step_one(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PaymentForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(card_number) = card_number(&console, &actor, id).await else {
        return error_page(c, &ApiError::not_found("card"));
    };
    let user = match kassa_api::merchants::user_of(&actor) {
        Ok(u) => u,
        Err(e) => return error_page(c, &e),
    };
    if let Err(e) = console.office.check_payment_password(user, form.payment_password).await {
        let c = c.fail(&e);
        return page(&c.clone(), &DeletePage { c, id, card_number, step: 1 });
    }
    if let Err(e) = send_my_code(&console, &actor, OtpPurpose::DeleteCard).await {
        let c = c.fail(&e);
        return page(&c.clone(), &DeletePage { c, id, card_number, step: 1 });
    }
    let now = console.office.now_ms();
    if let Ok(mut steps) = console.payment_steps.lock() {
        steps.retain(|_, at| now - *at < PAYMENT_STEP_MS);
        if steps.len() >= PAYMENT_STEPS_MAX {
            steps.clear();
        }
        steps.insert(step_key(&c, id), now);
    }
    page(&c.clone(), &DeletePage { c, id, card_number, step: 2 })
}

#[derive(Debug, Deserialize)]
struct CodeForm {
    #[serde(default)]
    _csrf: String,
    code: String,
}

async fn delete_step_two(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = console.office.now_ms();
    let verified = console
        .payment_steps
        .lock()
        .ok()
        .and_then(|steps| steps.get(&step_key(&c, id)).copied())
        .is_some_and(|at| now - at < PAYMENT_STEP_MS);
    if !verified {
        return Redirect::to(&format!("/cards/{id}/delete")).into_response();
    }
    match console.office.delete_card_verified(actor.clone(), id, form.code.trim().to_string()).await {
        Ok(_) => {
            if let Ok(mut steps) = console.payment_steps.lock() {
                steps.remove(&step_key(&c, id));
            }
            Redirect::to("/cards").into_response()
        }
        Err(e) => {
            let card_number = card_number(&console, &actor, id).await.unwrap_or_default();
            let c = c.fail(&e);
            page(&c.clone(), &DeletePage { c, id, card_number, step: 2 })
        }
    }
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

#[derive(Template)]
#[template(path = "transactions.html")]
struct TransactionsPage {
    c: Ctx,
    rows: Vec<kassa_api::txns::TxnView>,
    from: String,
    to: String,
    kind: String,
    status: String,
    terminal: String,
    query: String,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
struct TxnQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    terminal: String,
}

async fn transactions(State(console): State<Shared>, c: Ctx, Query(q): Query<TxnQuery>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let filter = kassa_api::txns::TxnFilter {
        from: some(&q.from),
        to: some(&q.to),
        kind: some(&q.kind),
        status: some(&q.status),
        terminal: some(&q.terminal),
        limit: Some(200),
        ..Default::default()
    };
    let query = [("from", &q.from), ("to", &q.to), ("type", &q.kind), ("status", &q.status), ("terminal", &q.terminal)]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| {
            format!("{k}={}", v.trim().replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-' && ch != '_', ""))
        })
        .collect::<Vec<_>>()
        .join("&");
    let (rows, c) = match console.office.transactions(actor, filter).await {
        Ok(rows) => (rows, c),
        Err(e) => (Vec::new(), c.fail(&e)),
    };
    let kinds = kassa_core::TxnKind::ALL.iter().map(|k| k.code()).collect();
    let statuses = vec!["approved", "declined", "voided", "reversed"];
    page(
        &c.clone(),
        &TransactionsPage {
            c,
            rows,
            from: q.from,
            to: q.to,
            kind: q.kind,
            status: q.status,
            terminal: q.terminal,
            query,
            kinds,
            statuses,
        },
    )
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Ctx,
    text: String,
}

async fn receipt(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.receipt(actor, id).await {
        Ok(r) => page(&c.clone(), &ReceiptPage { c, text: r.text }),
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "cancellation.html")]
struct CancellationPage {
    c: Ctx,
    items: Vec<kassa_merchant::cancellation::Item>,
    ready: bool,
    current: Option<kassa_api::cancellation::CancellationView>,
    open: Option<i64>,
}

impl CancellationPage {
    /// The portal page that fixes an item (the checklist names API paths).
    fn fix_link(&self, api: &str) -> String {
        let path = api.split('?').next().unwrap_or(api).replace("/api/v1/merchant", "");
        match path.as_str() {
            "/cancellation/documents" => "#doc-id_front".into(),
            "" => "/".into(),
            other => other.to_string(),
        }
    }
}

async fn cancellation_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    match console.office.cancellation_checklist(actor, None).await {
        Ok(list) => {
            let open =
                list.cancellation.as_ref().filter(|x| x.state == "submitted" || x.state == "cooling_off").map(|x| x.id);
            page(
                &c.clone(),
                &CancellationPage { c, items: list.items, ready: list.ready, current: list.cancellation, open },
            )
        }
        Err(e) => error_page(c, &e),
    }
}

async fn cancellation_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    cancellation_view(&console, c).await
}

async fn cancellation_code(State(console): State<Shared>, c: Ctx, Form(form): Form<CsrfForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::Cancellation).await);
    cancellation_view(&console, c).await
}

async fn submit_cancellation(State(console): State<Shared>, c: Ctx, Form(form): Form<CodeForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.submit_cancellation(actor, None, None, Some(form.code.trim().to_string())).await {
        Ok(_) => Redirect::to("/cancellation").into_response(),
        Err(e) => cancellation_view(&console, c.fail(&e)).await,
    }
}

async fn withdraw_cancellation(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.withdraw_cancellation(actor, id).await {
        Ok(_) => Redirect::to("/cancellation").into_response(),
        Err(e) => cancellation_view(&console, c.fail(&e)).await,
    }
}

#[derive(Template)]
#[template(path = "terminals.html")]
struct TerminalsPage {
    c: Ctx,
    terminals: Vec<kassa_api::terminals::TerminalView>,
    operators: std::collections::HashMap<String, Vec<String>>,
}

impl TerminalsPage {
    fn operators_of(&self, serial: &str) -> Vec<String> {
        self.operators.get(serial).cloned().unwrap_or_default()
    }
}

async fn terminals_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    let terminals = match console.office.my_terminals(actor.clone()).await {
        Ok(t) => t,
        Err(e) => return error_page(c, &e),
    };
    let mut operators = std::collections::HashMap::new();
    for t in terminals.iter().filter(|t| t.state == "active") {
        operators.insert(
            t.serial.clone(),
            console.office.operators(actor.clone(), t.serial.clone()).await.unwrap_or_default(),
        );
    }
    page(&c.clone(), &TerminalsPage { c, terminals, operators })
}

async fn terminals_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    terminals_view(&console, c).await
}

#[derive(Debug, Deserialize)]
struct ActivateForm {
    #[serde(default)]
    _csrf: String,
    serial: String,
    activation_code: String,
}

async fn activate_terminal(State(console): State<Shared>, c: Ctx, Form(form): Form<ActivateForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console
        .office
        .activate_terminal(actor, form.serial.trim().to_string(), form.activation_code.trim().to_string())
        .await
    {
        Ok(t) => c.note(format!("✓ {} {}", t.serial, t.terminal_id)),
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

async fn terminal_code(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.request_activation_code(actor, serial).await {
        Ok(()) => {
            let sent = c.t.s("code_sent");
            c.note(sent)
        }
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

#[derive(Debug, Deserialize)]
struct OperatorForm {
    #[serde(default)]
    _csrf: String,
    operator: String,
    password: String,
}

async fn add_operator(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<OperatorForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.set_operator(actor, serial, form.operator.trim().to_string(), form.password).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

async fn cancel_terminal_code(
    State(console): State<Shared>,
    c: Ctx,
    Path(_serial): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::Cancellation).await);
    terminals_view(&console, c).await
}

async fn cancel_terminal(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c =
        match console.office.submit_cancellation(actor, None, Some(serial), Some(form.code.trim().to_string())).await {
            Ok(x) => {
                let note = format!("#{} {}", x.id, crate::i18n::state_text(&c.t, &x.state));
                c.note(note)
            }
            Err(e) => c.fail(&e),
        };
    terminals_view(&console, c).await
}

#[derive(Template)]
#[template(path = "statements.html")]
struct StatementsPage {
    c: Ctx,
    s: kassa_api::txns::Statement,
    date_input: String,
}

#[derive(Debug, Default, Deserialize)]
struct DateQuery {
    date: Option<String>,
}

async fn statements(State(console): State<Shared>, c: Ctx, Query(q): Query<DateQuery>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let date = q
        .date
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| kassa_core::time::date_of_day_number(console.office.today() - 1));
    match console.office.statement(actor, date).await {
        Ok(s) => {
            let d = &s.business_date;
            let date_input = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
            page(&c.clone(), &StatementsPage { c, s, date_input })
        }
        Err(e) => error_page(c, &e),
    }
}
