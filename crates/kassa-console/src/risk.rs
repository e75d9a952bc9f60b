//! Risk control in the console: the case queue, a case with its evidence and
//! the forms for each step (four eyes: a second operator approves), the
//! evidence bundle as a download, and a merchant's risk profile.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kassa_api::cases::{CaseDetail, CaseView, RiskProfile, StepInput};
use serde::Deserialize;

use crate::i18n::when;
use crate::merchant::error_page;
use crate::ops::{staff, staff_post};
use crate::{Ctx, Shared, page};

pub fn routes() -> axum::Router<Shared> {
    axum::Router::new()
        .route("/console/risk/cases", get(queue).post(open_case))
        .route("/console/risk/cases/{id}", get(case))
        .route("/console/risk/cases/{id}/steps", post(step))
        .route("/console/risk/cases/{id}/overrides", post(make_override))
        .route("/console/risk/cases/{id}/evidence", get(evidence))
        .route("/console/risk/merchants/{id}", get(profile))
        .route("/console/risk/transactions/{id}", get(transaction))
        .route("/console/risk/rulesets", get(rulesets).post(draft_ruleset))
        .route("/console/risk/rulesets/{version}", get(ruleset))
        .route("/console/risk/rulesets/{version}/{step}", post(ruleset_step))
}

/// A case as a row shows it.
#[derive(Debug)]
pub struct CaseRow {
    pub case: CaseView,
    pub opened: String,
    pub due: String,
}

fn rows(cases: Vec<CaseView>, offset: i32) -> Vec<CaseRow> {
    cases
        .into_iter()
        .map(|case| CaseRow {
            opened: when(case.opened_at, offset, false),
            due: when(case.due_at, offset, false),
            case,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "risk_cases.html")]
struct QueuePage {
    c: Ctx,
    cases: Vec<CaseRow>,
    state: String,
}

#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    state: Option<String>,
    mine: Option<bool>,
}

async fn queue_view(console: &Shared, c: Ctx, q: QueueQuery) -> Response {
    let Ok(actor) = staff(&c) else { return Redirect::to("/console/login").into_response() };
    let offset = console.office.clock.offset_minutes();
    let state = q.state.clone().filter(|s| !s.is_empty());
    match console.office.cases(actor, state.clone(), q.mine.unwrap_or(false)).await {
        Ok(cases) => page(&c.clone(), &QueuePage { c, cases: rows(cases, offset), state: state.unwrap_or_default() }),
        Err(e) => error_page(c, &e),
    }
}

async fn queue(State(console): State<Shared>, c: Ctx, Query(q): Query<QueueQuery>) -> Response {
    queue_view(&console, c, q).await
}

#[derive(Debug, Deserialize)]
struct OpenForm {
    #[serde(default)]
    _csrf: String,
    merchant_id: String,
    title: String,
    priority: String,
}

async fn open_case(State(console): State<Shared>, c: Ctx, Form(form): Form<OpenForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.open_case(actor, form.merchant_id.trim().to_string(), form.title, form.priority).await {
        Ok(case) => Redirect::to(&format!("/console/risk/cases/{}", case.id)).into_response(),
        Err(e) => queue_view(&console, c.fail(&e), QueueQuery::default()).await,
    }
}

/// A transaction held as evidence, as the case page shows it (card masked).
#[derive(Debug)]
struct TxnRow {
    id: i64,
    time: String,
    terminal: String,
    kind: String,
    state: String,
    amount: String,
    card: String,
    code: String,
}

#[derive(Template)]
#[template(path = "risk_case.html")]
struct CasePage {
    c: Ctx,
    d: CaseDetail,
    opened: String,
    due: String,
    me: String,
    /// (id, time, actor, kind, detail)
    events: Vec<(i64, String, String, String, String)>,
    txns: Vec<TxnRow>,
    /// (txn, outcome, hits in words, version)
    decisions: Vec<(i64, String, String, i64)>,
    /// (kind, label, until, active, reason)
    overrides: Vec<(String, String, String, bool, String)>,
    actions: [&'static str; 6],
}

async fn case_view(console: &Shared, c: Ctx, id: i64) -> Response {
    let Ok(actor) = staff(&c) else { return Redirect::to("/console/login").into_response() };
    let me = actor.name();
    let offset = console.office.clock.offset_minutes();
    match console.office.case(actor, id).await {
        Ok(d) => {
            let events = d
                .events
                .iter()
                .map(|e| (e.id, when(e.at, offset, false), e.actor.clone(), e.kind.clone(), e.detail.clone()))
                .collect();
            let txns = d
                .transactions
                .iter()
                .map(|t| TxnRow {
                    id: t.id,
                    time: when(t.created_at, offset, false),
                    terminal: t.terminal_id.clone(),
                    kind: t.kind.clone(),
                    state: t.state.clone(),
                    amount: crate::i18n::money(t.amount),
                    card: t.card.clone().unwrap_or_default(),
                    code: t.response_code.clone().unwrap_or_default(),
                })
                .collect();
            let decisions = d
                .decisions
                .iter()
                .map(|x| (x.txn_id, x.outcome.clone(), crate::i18n::hits_in_words(c.t, &x.hits), x.ruleset_version))
                .collect();
            let overrides = d
                .overrides
                .iter()
                .map(|o| {
                    (o.kind.clone(), o.label.clone(), when(o.expires_at, offset, false), o.active, o.reason.clone())
                })
                .collect();
            let (opened, due) = (when(d.case.opened_at, offset, false), when(d.case.due_at, offset, false));
            let actions = kassa_risk::case::CaseAction::ALL.map(|a| a.code());
            page(&c.clone(), &CasePage { c, d, opened, due, me, events, txns, decisions, overrides, actions })
        }
        Err(e) => error_page(c, &e),
    }
}

async fn case(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    case_view(&console, c, id).await
}

#[derive(Debug, Deserialize)]
struct StepForm {
    #[serde(default)]
    _csrf: String,
    step: String,
    text: Option<String>,
    action: Option<String>,
    target: Option<String>,
    resolution: Option<String>,
}

async fn step(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>, Form(form): Form<StepForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let input = StepInput {
        step: form.step,
        text: blank(form.text),
        action: blank(form.action),
        target: blank(form.target),
        resolution: blank(form.resolution),
    };
    let c = match console.office.case_step(actor, id, input).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    case_view(&console, c, id).await
}

#[derive(Debug, Deserialize)]
struct OverrideForm {
    #[serde(default)]
    _csrf: String,
    kind: String,
    txn_id: Option<String>,
    days: String,
    reason: String,
}

async fn make_override(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<OverrideForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let txn = form.txn_id.and_then(|t| t.trim().parse().ok());
    let days = form.days.trim().parse().unwrap_or(0);
    let c = match console.office.create_override(actor, id, form.kind, txn, days, form.reason).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    case_view(&console, c, id).await
}

async fn evidence(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.evidence(actor, id).await {
        Ok(bundle) => {
            let body = serde_json::to_string_pretty(&bundle).unwrap_or_default();
            (
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"case-{id}-evidence.json\"")),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "risk_profile.html")]
struct ProfilePage {
    c: Ctx,
    p: RiskProfile,
    cases: Vec<CaseRow>,
    frozen: String,
    pending: String,
    available: String,
    /// (time, txn, outcome, version)
    decisions: Vec<(String, i64, String, i64)>,
}

async fn profile(State(console): State<Shared>, c: Ctx, Path(id): Path<String>) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let offset = console.office.clock.offset_minutes();
    match console.office.risk_profile(actor, id).await {
        Ok(mut p) => {
            let cases = rows(std::mem::take(&mut p.cases), offset);
            let decisions = p
                .decisions
                .iter()
                .map(|d| (when(d.created_at, offset, false), d.txn_id, d.outcome.clone(), d.ruleset_version))
                .collect();
            let (frozen, pending, available) = (
                crate::i18n::money(p.frozen_funds),
                crate::i18n::money(p.pending_funds),
                crate::i18n::money(p.available_funds),
            );
            page(&c.clone(), &ProfilePage { c, p, cases, frozen, pending, available, decisions })
        }
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "risk_rulesets.html")]
struct RulesetsPage {
    c: Ctx,
    versions: Vec<kassa_api::rulesets::RulesetView>,
    /// The text a new draft starts from: the active version's, else the starter's.
    start: String,
}

async fn rulesets_view(console: &Shared, c: Ctx, start: Option<String>) -> Response {
    let Ok(actor) = staff(&c) else { return Redirect::to("/console/login").into_response() };
    let versions = match console.office.rulesets(actor.clone()).await {
        Ok(v) => v,
        Err(e) => return error_page(c, &e),
    };
    let start = match start {
        Some(text) => text,
        None => match versions.iter().find(|v| v.state == "active") {
            Some(active) => console.office.ruleset(actor, active.version).await.ok().and_then(|v| v.text),
            None => None,
        }
        .unwrap_or_else(|| kassa_risk::STARTER.to_string()),
    };
    page(&c.clone(), &RulesetsPage { c, versions, start })
}

async fn rulesets(State(console): State<Shared>, c: Ctx) -> Response {
    rulesets_view(&console, c, None).await
}

#[derive(Debug, Deserialize)]
struct DraftForm {
    #[serde(default)]
    _csrf: String,
    text: String,
    #[serde(default)]
    note: String,
}

async fn draft_ruleset(State(console): State<Shared>, c: Ctx, Form(form): Form<DraftForm>) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    // Browsers send CRLF line ends from a textarea; the ruleset is kept as LF.
    let text = form.text.replace("\r\n", "\n");
    match console.office.draft_ruleset(actor, text.clone(), form.note).await {
        Ok(v) => Redirect::to(&format!("/console/risk/rulesets/{}", v.version)).into_response(),
        Err(e) => rulesets_view(&console, c.fail(&e), Some(text)).await,
    }
}

#[derive(Template)]
#[template(path = "risk_ruleset.html")]
struct RulesetPage {
    c: Ctx,
    v: kassa_api::rulesets::RulesetView,
    preview: Option<kassa_risk::preview::Preview>,
    hours: i64,
    me: String,
}

#[derive(Debug, Default, Deserialize)]
struct PreviewQuery {
    hours: Option<i64>,
}

async fn ruleset_view(console: &Shared, c: Ctx, version: i64, hours: i64) -> Response {
    let Ok(actor) = staff(&c) else { return Redirect::to("/console/login").into_response() };
    let me = actor.name();
    let v = match console.office.ruleset(actor.clone(), version).await {
        Ok(v) => v,
        Err(e) => return error_page(c, &e),
    };
    let (c, preview) = match console.office.preview_ruleset(actor, version, hours).await {
        Ok(p) => (c, Some(p)),
        Err(e) => (c.fail(&e), None),
    };
    page(&c.clone(), &RulesetPage { c, v, preview, hours, me })
}

async fn ruleset(
    State(console): State<Shared>,
    c: Ctx,
    Path(version): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    ruleset_view(&console, c, version, q.hours.unwrap_or(24)).await
}

async fn ruleset_step(
    State(console): State<Shared>,
    c: Ctx,
    Path((version, step)): Path<(i64, String)>,
    Form(form): Form<crate::auth::CsrfForm>,
) -> Response {
    let actor = match staff_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    use kassa_risk::lifecycle::RulesetStep;
    let step = match step.as_str() {
        "approve" => RulesetStep::Approve,
        "activate" => RulesetStep::Activate,
        "discard" => RulesetStep::Discard,
        _ => return error_page(c, &kassa_api::ApiError::not_found("step")),
    };
    let c = match console.office.ruleset_step(actor, version, step).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    ruleset_view(&console, c, version, 24).await
}

/// One rule that hit, as the transaction page shows it.
#[derive(Debug)]
struct HitRow {
    rule: String,
    score: String,
    action: String,
    enforced: bool,
    description: String,
    condition: String,
}

#[derive(Template)]
#[template(path = "risk_transaction.html")]
struct TransactionPage {
    c: Ctx,
    d: kassa_api::cases::RiskTxnDetail,
    time: String,
    amount: String,
    hits: Vec<HitRow>,
}

async fn transaction(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match staff(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let offset = console.office.clock.offset_minutes();
    match console.office.risk_transaction(actor, id).await {
        Ok(d) => {
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            let hits = d
                .decision
                .as_ref()
                .and_then(|x| x.hits.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|h| HitRow {
                    rule: text(&h["rule"]),
                    score: text(&h["score"]),
                    action: text(&h["action"]),
                    enforced: h["enforced"] != false,
                    description: text(&h["description"]),
                    condition: text(&h["condition"]),
                })
                .collect();
            let (time, amount) = (when(d.txn.created_at, offset, false), crate::i18n::money(d.txn.amount));
            page(&c.clone(), &TransactionPage { c, d, time, amount, hits })
        }
        Err(e) => error_page(c, &e),
    }
}
