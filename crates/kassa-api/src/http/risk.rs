//! Risk control's endpoints: the case queue, a case and its steps,
//! overrides, the evidence bundle, a merchant's risk profile, decisions.

use super::*;
use crate::cases::{CaseDetail, CaseView, EvidenceBundle, OverrideView, RiskProfile, StepInput};
use crate::ops::RiskDecisionView;
use crate::rulesets::RulesetView;
use kassa_risk::lifecycle::RulesetStep;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CaseQuery {
    /// A case state; without it, every case not closed.
    pub state: Option<String>,
    /// Only the cases the caller is working.
    pub mine: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCaseRequest {
    pub merchant_id: String,
    pub title: String,
    /// high, medium or low.
    pub priority: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseStepRequest {
    /// claim, release, note, propose, approve, reject, close or reopen.
    pub step: String,
    /// The note, or the reason (propose, reject, close, reopen).
    pub text: Option<String>,
    /// For propose: freeze_terminal, unfreeze_terminal, freeze_merchant,
    /// unfreeze_merchant, hold_settlement or release_settlement.
    pub action: Option<String>,
    /// For propose: the terminal id (default the case's terminal), or the merchant id.
    pub target: Option<String>,
    /// For close: confirmed, refuted or inconclusive.
    pub resolution: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OverrideRequest {
    /// merchant (the case's) or card (of one of the case's transactions).
    pub kind: String,
    /// For a card: the transaction that names it.
    pub txn_id: Option<i64>,
    /// 1 to 30.
    pub days: i64,
    pub reason: String,
}

/// The case queue by SLA, soonest due first (risk role).
#[utoipa::path(get, path = "/api/v1/ops/risk/cases", tag = "risk", params(CaseQuery),
    responses((status = 200, body = Vec<CaseView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn cases(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<CaseQuery>,
) -> ApiResult<Json<Vec<CaseView>>> {
    Ok(Json(office.cases(actor, q.state, q.mine.unwrap_or(false)).await?))
}

/// Opens a case by hand on a merchant.
#[utoipa::path(post, path = "/api/v1/ops/risk/cases", tag = "risk", request_body = OpenCaseRequest,
    responses((status = 201, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn open_case(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<OpenCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((StatusCode::CREATED, Json(office.open_case(actor, req.merchant_id, req.title, req.priority).await?)))
}

/// One case: history, transactions (cards masked), decisions, overrides.
#[utoipa::path(get, path = "/api/v1/ops/risk/cases/{id}", tag = "risk", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn case(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetail>> {
    Ok(Json(office.case(actor, id_of(&id, "case")?).await?))
}

/// A step on a case. Working steps take the case's lock (409 `case_locked`
/// while another analyst holds it); `approve` carries the proposed action
/// out and is refused (403) to the operator who proposed it.
#[utoipa::path(post, path = "/api/v1/ops/risk/cases/{id}/steps", tag = "risk", params(("id" = i64, Path)), request_body = CaseStepRequest,
    responses((status = 200, body = CaseView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn case_step(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<CaseStepRequest>,
) -> ApiResult<Json<CaseView>> {
    let input = StepInput {
        step: req.step,
        text: req.text,
        action: req.action,
        target: req.target,
        resolution: req.resolution,
    };
    Ok(Json(office.case_step(actor, id_of(&id, "case")?, input).await?))
}

/// An expiring allow-list override for the case's merchant or a card in it.
#[utoipa::path(post, path = "/api/v1/ops/risk/cases/{id}/overrides", tag = "risk", params(("id" = i64, Path)), request_body = OverrideRequest,
    responses((status = 201, body = OverrideView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_override(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<OverrideRequest>,
) -> ApiResult<(StatusCode, Json<OverrideView>)> {
    let made = office.create_override(actor, id_of(&id, "case")?, req.kind, req.txn_id, req.days, req.reason).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// The case as an evidence bundle: sections with SHA-256 hashes and the bundle's hash.
#[utoipa::path(get, path = "/api/v1/ops/risk/cases/{id}/evidence", tag = "risk", params(("id" = i64, Path)),
    responses((status = 200, body = EvidenceBundle), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn evidence(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<EvidenceBundle>> {
    Ok(Json(office.evidence(actor, id_of(&id, "case")?).await?))
}

/// A merchant's risk profile.
#[utoipa::path(get, path = "/api/v1/ops/risk/merchants/{id}", tag = "risk", params(("id" = String, Path)),
    responses((status = 200, body = RiskProfile), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn risk_profile(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<RiskProfile>> {
    Ok(Json(office.risk_profile(actor, id).await?))
}

/// One transaction as risk control sees it: the decision, every rule that hit and why, its cases.
#[utoipa::path(get, path = "/api/v1/ops/risk/transactions/{id}", tag = "risk", params(("id" = i64, Path)),
    responses((status = 200, body = crate::cases::RiskTxnDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn risk_transaction(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::cases::RiskTxnDetail>> {
    Ok(Json(office.risk_transaction(actor, id_of(&id, "transaction")?).await?))
}

/// The latest decisions where rules hit, newest first.
#[utoipa::path(get, path = "/api/v1/ops/risk/decisions", tag = "risk", params(ListQuery),
    responses((status = 200, body = Vec<RiskDecisionView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn decisions(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<RiskDecisionView>>> {
    Ok(Json(office.risk_decisions(actor, q.limit.unwrap_or(100)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DraftRulesetRequest {
    /// The ruleset's TOML (`crates/kassa-risk/rules/starter.toml` shows the format); its
    /// `version` must be above every stored one.
    pub text: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PreviewQuery {
    /// How far back to replay, 1 to 168 hours (24 by default).
    pub hours: Option<i64>,
}

/// A preview: hits per rule for the candidate and the active version, declines,
/// holds and changed outcomes over the replayed transactions.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct PreviewView(pub kassa_risk::preview::Preview);

/// Every ruleset version, newest first.
#[utoipa::path(get, path = "/api/v1/ops/risk/rulesets", tag = "risk",
    responses((status = 200, body = Vec<RulesetView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn rulesets(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Vec<RulesetView>>> {
    Ok(Json(office.rulesets(actor).await?))
}

/// Writes a draft version (it must compile).
#[utoipa::path(post, path = "/api/v1/ops/risk/rulesets", tag = "risk", request_body = DraftRulesetRequest,
    responses((status = 201, body = RulesetView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn draft_ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<DraftRulesetRequest>,
) -> ApiResult<(StatusCode, Json<RulesetView>)> {
    Ok((StatusCode::CREATED, Json(office.draft_ruleset(actor, req.text, req.note).await?)))
}

/// One version, with its text.
#[utoipa::path(get, path = "/api/v1/ops/risk/rulesets/{version}", tag = "risk", params(("version" = i64, Path)),
    responses((status = 200, body = RulesetView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(version): Path<String>,
) -> ApiResult<Json<RulesetView>> {
    Ok(Json(office.ruleset(actor, id_of(&version, "ruleset version")?).await?))
}

async fn step(office: Shared, actor: crate::Actor, version: &str, step: RulesetStep) -> ApiResult<Json<RulesetView>> {
    Ok(Json(office.ruleset_step(actor, id_of(version, "ruleset version")?, step).await?))
}

/// Approves a draft (not by its author: 403).
#[utoipa::path(post, path = "/api/v1/ops/risk/rulesets/{version}/approve", tag = "risk", params(("version" = i64, Path)),
    responses((status = 200, body = RulesetView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn approve_ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(version): Path<String>,
) -> ApiResult<Json<RulesetView>> {
    step(office, actor, &version, RulesetStep::Approve).await
}

/// Activates an approved (or retired) version; the active one retires. Hosts swap within seconds.
#[utoipa::path(post, path = "/api/v1/ops/risk/rulesets/{version}/activate", tag = "risk", params(("version" = i64, Path)),
    responses((status = 200, body = RulesetView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn activate_ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(version): Path<String>,
) -> ApiResult<Json<RulesetView>> {
    step(office, actor, &version, RulesetStep::Activate).await
}

/// Discards a draft or an approved version that never ran.
#[utoipa::path(post, path = "/api/v1/ops/risk/rulesets/{version}/discard", tag = "risk", params(("version" = i64, Path)),
    responses((status = 200, body = RulesetView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn discard_ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(version): Path<String>,
) -> ApiResult<Json<RulesetView>> {
    step(office, actor, &version, RulesetStep::Discard).await
}

/// Replays recorded transactions through the version and the active one (nothing enforced).
#[utoipa::path(get, path = "/api/v1/ops/risk/rulesets/{version}/preview", tag = "risk", params(("version" = i64, Path), PreviewQuery),
    responses((status = 200, body = PreviewView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn preview_ruleset(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(version): Path<String>,
    Query(q): Query<PreviewQuery>,
) -> ApiResult<Json<PreviewView>> {
    let preview = office.preview_ruleset(actor, id_of(&version, "ruleset version")?, q.hours.unwrap_or(24)).await?;
    Ok(Json(PreviewView(preview)))
}
