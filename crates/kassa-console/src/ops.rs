//! The operations console: staff log-in, the admission review queue, the SMS
//! outbox and the audit log, with menus by role.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kassa_api::Actor;
use kassa_api::merchants::ApplicationView;
use kassa_api::office::Login;
use serde::Deserialize;

use crate::auth::{self, CsrfForm, IdleQuery};
use crate::i18n::when;
use crate::merchant::error_page;
use crate::{Ctx, Shared, page};

pub fn routes() -> axum::Router<Shared> {
    axum::Router::new()
        .route("/console", get(home))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/applications", get(applications))
        .route("/console/applications/{id}/approve", post(approve))
        .route("/console/applications/{id}/reject", post(reject))
        .route("/console/sms", get(sms))
        .route("/console/terminals", get(inventory).post(add_terminal))
        .route("/console/terminals/{serial}/assign", post(assign_terminal))
        .route("/console/terminals/{serial}/components/{part}", post(collect_component))
        .route("/console/merchants", get(merchants))
        .route("/console/merchants/{id}/freeze", post(freeze))
        .route("/console/merchants/{id}/unfreeze", post(unfreeze))
        .route("/console/merchants/{id}/mail-order", post(mail_order))
        .route("/console/payouts", get(payouts))
        .route("/console/cancellations", get(cancellations).post(open_cancellation))
        .route("/console/cancellations/{id}/phone", post(phone_confirmation))
        .route("/console/cancellations/{id}/approve", post(approve_cancellation))
        .route("/console/cancellations/{id}/reject", post(reject_cancellation))
        .route("/console/audit", get(audit))
        .route("/console/risk", get(risk))
}

/// [`staff`] for a form: also checks its CSRF token.
pub(crate) fn staff_post(ctx: &Ctx, csrf: &str) -> Result<Actor, Response> {
    let actor = staff(ctx)?;
    ctx.check_csrf(csrf)?;
    Ok(actor)
}

/// The staff member behind the page, or off to the console's log-in page.
pub(crate) fn staff(ctx: &Ctx) -> Result<Actor, Response> {
    match &ctx.actor {
        Some(actor @ Actor::Staff { .. }) => Ok(actor.clone()),
        _ => Err(Redirect::to("/console/login").into_response()),
    }
}

async fn login_page(c: Ctx, Query(q): Query<IdleQuery>) -> Response {
    auth::login_page(c, q.idle.is_some())
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    _csrf: String,
    username: String,
    password: String,
}

async fn login(State(console): State<Shared>, c: Ctx, Form(form): Form<LoginForm>) -> Response {
    auth::login(&console, c, Login::Staff, &form._csrf, form.username, form.password, "/console").await
}

async fn logout(State(console): State<Shared>, c: Ctx, Form(form): Form<CsrfForm>) -> Response {
    auth::logout(&console, c, &form._csrf, "/console/login").await
}

#[derive(Template)]
#[template(path = "console_home.html")]
struct HomePage {
    c: Ctx,
    role: String,
    queue: usize,
}

async fn home(State(console): State<Shared>, c: Ctx) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let role = match &actor {
        Actor::Staff { role, .. } => role.code().to_string(),
        Actor::Merchant { .. } => String::new(),
    };
    let queue = console.office.applications(actor, None).await.map(|a| a.len()).unwrap_or(0);
    page(&c.clone(), &HomePage { c, role, queue })
}

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    c: Ctx,
    applications: Vec<ApplicationView>,
}

impl ApplicationsPage {
    /// Each automatic check: name, passed, detail.
    fn checks_of(&self, a: &ApplicationView) -> Vec<(String, bool, String)> {
        a.checks
            .as_array()
            .map(|checks| {
                checks
                    .iter()
                    .map(|c| {
                        (
                            c["check"].as_str().unwrap_or("").to_string(),
                            c["passed"].as_bool().unwrap_or(false),
                            c["detail"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

async fn applications_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/console/login").into_response() };
    match console.office.applications(actor, None).await {
        Ok(applications) => page(&c.clone(), &ApplicationsPage { c, applications }),
        Err(e) => error_page(c, &e),
    }
}

async fn applications(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = staff(&c) {
        return r;
    }
    applications_view(&console, c).await
}

async fn approve(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>, Form(form): Form<CsrfForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.approve(actor, id).await {
        Ok(a) => {
            let note = format!("#{id} {} → {}", c.t.s("approved"), a.merchant_id.unwrap_or_default());
            c.note(note)
        }
        Err(e) => c.fail(&e),
    };
    applications_view(&console, c).await
}

#[derive(Debug, Deserialize)]
struct RejectForm {
    #[serde(default)]
    _csrf: String,
    reason: String,
}

async fn reject(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>, Form(form): Form<RejectForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.reject(actor, id, form.reason).await {
        Ok(_) => {
            let note = format!("#{id} {}", c.t.s("rejected"));
            c.note(note)
        }
        Err(e) => c.fail(&e),
    };
    applications_view(&console, c).await
}

#[derive(Template)]
#[template(path = "sms.html")]
struct SmsPage {
    c: Ctx,
    /// Whether to offer the codes in clear (an admin, in the demo).
    can_reveal: bool,
    messages: Vec<(String, String, String)>,
}

#[derive(Debug, Deserialize)]
struct SmsQuery {
    #[serde(default)]
    reveal: Option<u8>,
}

/// The outbox with codes masked; an admin in the demo may show them (audited).
async fn sms(State(console): State<Shared>, c: Ctx, Query(q): Query<SmsQuery>) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let reveal = q.reveal == Some(1);
    let can_reveal = console.office.policies.reveal_sms_codes
        && kassa_api::ops::require(&actor, kassa_merchant::Permission::RevealSmsCodes).is_ok();
    let offset = console.office.clock.offset_minutes();
    match console.office.staff_outbox(actor, None, 100, reveal).await {
        Ok(rows) => {
            let messages = rows.into_iter().map(|m| (when(m.created_at, offset, true), m.phone, m.text)).collect();
            page(&c.clone(), &SmsPage { c, messages, can_reveal: can_reveal && !reveal })
        }
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Ctx,
    entries: Vec<(String, String, String, String, String)>,
}

async fn audit(State(console): State<Shared>, c: Ctx) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let offset = console.office.clock.offset_minutes();
    match console.office.audit_log(actor, 200).await {
        Ok(rows) => {
            let entries =
                rows.into_iter().map(|e| (when(e.at, offset, true), e.actor, e.action, e.target, e.detail)).collect();
            page(&c.clone(), &AuditPage { c, entries })
        }
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "cancellations.html")]
struct CancellationsPage {
    c: Ctx,
    rows: Vec<kassa_api::cancellation::CancellationView>,
}

#[derive(Debug, Default, Deserialize)]
struct StateQuery {
    state: Option<String>,
}

async fn cancellations_view(console: &Shared, c: Ctx, state: Option<String>) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/console/login").into_response() };
    match console.office.cancellations(actor, state).await {
        Ok(rows) => page(&c.clone(), &CancellationsPage { c, rows }),
        Err(e) => error_page(c, &e),
    }
}

async fn cancellations(State(console): State<Shared>, c: Ctx, Query(q): Query<StateQuery>) -> Response {
    if let Err(r) = staff(&c) {
        return r;
    }
    cancellations_view(&console, c, q.state).await
}

#[derive(Debug, Deserialize)]
struct NoteForm {
    #[serde(default)]
    _csrf: String,
    note: String,
}

async fn phone_confirmation(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<NoteForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.confirm_by_phone(actor, id, form.note).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    cancellations_view(&console, c, None).await
}

async fn approve_cancellation(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.approve_cancellation(actor, id).await {
        Ok(_) => cancellations_view(&console, c, Some("cooling_off".into())).await,
        Err(e) => cancellations_view(&console, c.fail(&e), None).await,
    }
}

async fn reject_cancellation(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RejectForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.reject_cancellation(actor, id, form.reason).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    cancellations_view(&console, c, None).await
}

#[derive(Template)]
#[template(path = "inventory.html")]
struct InventoryPage {
    c: Ctx,
    terminals: Vec<kassa_api::terminals::TerminalView>,
    new_key: Option<String>,
}

async fn inventory_view(console: &Shared, c: Ctx, new_key: Option<String>) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/console/login").into_response() };
    match console.office.inventory(actor, None).await {
        Ok(terminals) => page(&c.clone(), &InventoryPage { c, terminals, new_key }),
        Err(e) => error_page(c, &e),
    }
}

async fn inventory(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = staff(&c) {
        return r;
    }
    inventory_view(&console, c, None).await
}

#[derive(Debug, Deserialize)]
struct TerminalForm {
    #[serde(default)]
    _csrf: String,
    serial: String,
    model: String,
    #[serde(default)]
    kind: Option<String>,
}

async fn add_terminal(State(console): State<Shared>, c: Ctx, Form(form): Form<TerminalForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console
        .office
        .add_terminal(
            actor,
            form.serial.trim().to_string(),
            form.model,
            form.kind.unwrap_or_else(|| "countertop".into()),
        )
        .await
    {
        // No clear component is shown here: each custodian collects their own below.
        Ok(t) => {
            let parts: Vec<String> = t.components.iter().map(|p| format!("{} (KCV {})", p.part, p.kcv)).collect();
            let key = format!(
                "{} → {} · KCV {} · {}: {}",
                t.serial,
                t.terminal_id,
                t.kcv,
                c.t.s("components_waiting"),
                parts.join(", ")
            );
            inventory_view(&console, c, Some(key)).await
        }
        Err(e) => inventory_view(&console, c.fail(&e), None).await,
    }
}

/// A custodian collects one component of a terminal's master key, shown this once.
async fn collect_component(
    State(console): State<Shared>,
    c: Ctx,
    Path((serial, part)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.collect_key_component(actor, serial, part).await {
        Ok(k) => {
            let shown = format!(
                "{} · {} {} · {} · KCV {} ({}: KCV {}) — {}",
                k.serial,
                c.t.s("component"),
                k.part,
                k.component,
                k.kcv,
                c.t.s("whole_key"),
                k.key_kcv,
                c.t.s("inject_then_destroy")
            );
            inventory_view(&console, c, Some(shown)).await
        }
        Err(e) => inventory_view(&console, c.fail(&e), None).await,
    }
}

#[derive(Debug, Deserialize)]
struct AssignForm {
    #[serde(default)]
    _csrf: String,
    merchant_id: String,
}

async fn assign_terminal(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.assign_terminal(actor, serial, form.merchant_id.trim().to_string()).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    inventory_view(&console, c, None).await
}

#[derive(Template)]
#[template(path = "merchants.html")]
struct MerchantsPage {
    c: Ctx,
    merchants: Vec<kassa_api::ops::MerchantRow>,
}

async fn merchants_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/console/login").into_response() };
    match console.office.merchants(actor).await {
        Ok(merchants) => page(&c.clone(), &MerchantsPage { c, merchants }),
        Err(e) => error_page(c, &e),
    }
}

async fn merchants(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = staff(&c) {
        return r;
    }
    merchants_view(&console, c).await
}

async fn set_frozen(console: Shared, c: Ctx, id: String, form: RejectForm, frozen: bool) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.set_frozen(actor, id, frozen, form.reason).await {
        Ok(()) => c,
        Err(e) => c.fail(&e),
    };
    merchants_view(&console, c).await
}

async fn freeze(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<String>,
    Form(form): Form<RejectForm>,
) -> Response {
    set_frozen(console, c, id, form, true).await
}

async fn unfreeze(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<String>,
    Form(form): Form<RejectForm>,
) -> Response {
    set_frozen(console, c, id, form, false).await
}

#[derive(Debug, Deserialize)]
struct MailOrderForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Operations turn a merchant's mail/telephone-order agreement on or off.
async fn mail_order(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<String>,
    Form(form): Form<MailOrderForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let enabled = form.enabled.as_deref() == Some("1");
    let c = match console.office.set_mail_order(actor, id, enabled, form.reason).await {
        Ok(()) => c,
        Err(e) => c.fail(&e),
    };
    merchants_view(&console, c).await
}

#[derive(Template)]
#[template(path = "payouts.html")]
struct PayoutsPage {
    c: Ctx,
    payouts: Vec<kassa_api::ops::PayoutRow>,
    date: String,
    date_input: String,
    exceptions: Vec<(String, String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct DateQuery {
    date: Option<String>,
}

async fn payouts(State(console): State<Shared>, c: Ctx, Query(q): Query<DateQuery>) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let office = &console.office;
    let date = q
        .date
        .and_then(|d| kassa_api::txns::business_date("date", &d).ok())
        .unwrap_or_else(|| kassa_core::time::date_of_day_number(office.today() - 1));
    let payouts = match office.payouts(actor).await {
        Ok(p) => p,
        Err(e) => return error_page(c, &e),
    };
    use kassa_store::Store;
    let exceptions = office
        .store
        .exceptions(date.clone())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let amounts = format!(
                "host {} · network {}",
                e.host_amount.map(|a| crate::i18n::money(a as i64)).unwrap_or_else(|| "—".into()),
                e.network_amount.map(|a| crate::i18n::money(a as i64)).unwrap_or_else(|| "—".into())
            );
            (
                e.kind,
                format!("STAN {:06} {} · {amounts}", e.link_stan, e.link_transmitted),
                format!("{} ({})", e.reason, e.status),
            )
        })
        .collect();
    let date_input = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
    page(&c.clone(), &PayoutsPage { c, payouts, date, date_input, exceptions })
}

#[derive(Debug, Deserialize)]
struct OpenForm {
    #[serde(default)]
    _csrf: String,
    merchant_id: String,
    #[serde(default)]
    terminal_serial: String,
    channel: String,
}

async fn open_cancellation(State(console): State<Shared>, c: Ctx, Form(form): Form<OpenForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let serial = Some(form.terminal_serial.trim().to_string()).filter(|s| !s.is_empty());
    let c = match console
        .office
        .submit_cancellation(actor, Some((form.merchant_id.trim().to_string(), form.channel)), serial, None)
        .await
    {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    cancellations_view(&console, c, None).await
}

#[derive(Template)]
#[template(path = "risk.html")]
struct RiskPage {
    c: Ctx,
    /// Time, transaction, merchant, outcome, rules hit (with scores; monitor-mode ones marked), version.
    rows: Vec<(String, i64, String, String, String, i64)>,
}

async fn risk(State(console): State<Shared>, c: Ctx) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let offset = console.office.clock.offset_minutes();
    match console.office.risk_decisions(actor, 200).await {
        Ok(decisions) => {
            let rows = decisions
                .into_iter()
                .map(|d| {
                    let hits = crate::i18n::hits_in_words(c.t, &d.hits);
                    (when(d.created_at, offset, true), d.txn_id, d.merchant_id, d.outcome, hits, d.ruleset_version)
                })
                .collect();
            page(&c.clone(), &RiskPage { c, rows })
        }
        Err(e) => error_page(c, &e),
    }
}
