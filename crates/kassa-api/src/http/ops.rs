//! The operations console's endpoints.

use super::*;

/// The admission review queue (`state`: submitted, approved or rejected).
#[utoipa::path(get, path = "/api/v1/ops/applications", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<ApplicationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn applications(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(office.applications(actor, q.state).await?))
}

/// One application with its automatic checks.
#[utoipa::path(get, path = "/api/v1/ops/applications/{id}", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn application(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.application(actor, id_of(&id, "application")?).await?))
}

/// Approves: issues the merchant number and opens its accounts (risk or admin).
#[utoipa::path(post, path = "/api/v1/ops/applications/{id}/approve", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn approve(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.approve(actor, id_of(&id, "application")?).await?))
}

/// Rejects, with the reason the applicant is told.
#[utoipa::path(post, path = "/api/v1/ops/applications/{id}/reject", tag = "operations", params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn reject(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<RejectRequest>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.reject(actor, id_of(&id, "application")?, req.reason).await?))
}

/// Adds an ID number, phone or card to the admission block list (stored as keyed hashes).
#[utoipa::path(post, path = "/api/v1/ops/block-list", tag = "operations", request_body = BlockRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn block(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<BlockRequest>,
) -> ApiResult<Json<Done>> {
    office.block(actor, req.kind, req.value, req.reason).await?;
    Ok(Json(DONE))
}

/// Freezes a merchant: the host refuses its transactions.
#[utoipa::path(post, path = "/api/v1/ops/merchants/{id}/freeze", tag = "operations", params(("id" = String, Path)), request_body = FreezeRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn freeze(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<FreezeRequest>,
) -> ApiResult<Json<Done>> {
    office.set_frozen(actor, id, true, req.reason).await?;
    Ok(Json(DONE))
}

/// Unfreezes a merchant.
#[utoipa::path(post, path = "/api/v1/ops/merchants/{id}/unfreeze", tag = "operations", params(("id" = String, Path)), request_body = FreezeRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn unfreeze(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<FreezeRequest>,
) -> ApiResult<Json<Done>> {
    office.set_frozen(actor, id, false, req.reason).await?;
    Ok(Json(DONE))
}

/// Every merchant's value-added services with both legs and where they
/// stand, newest first; `state=stuck` finds those whose second leg or its
/// reversal has not ended a minute after they began.
#[utoipa::path(get, path = "/api/v1/ops/services", tag = "operations", params(crate::services::ServiceFilter),
    responses((status = 200, body = Vec<crate::services::ServiceView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn ops_services(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(filter): Query<crate::services::ServiceFilter>,
) -> ApiResult<Json<Vec<crate::services::ServiceView>>> {
    Ok(Json(office.services(actor, filter).await?))
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/ops/audit-log", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn audit_log(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(office.audit_log(actor, q.limit.unwrap_or(100)).await?))
}

/// The SMS outbox of the default gateway, newest first, with every code masked; `reveal=true`
/// shows codes to an admin where the deployment allows it (the demo). Each look is audited.
#[utoipa::path(get, path = "/api/v1/ops/sms-outbox", tag = "operations", params(OutboxQuery),
    responses((status = 200, body = Vec<SmsView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn sms_outbox(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<Vec<SmsView>>> {
    Ok(Json(office.staff_outbox(actor, q.phone, q.limit.unwrap_or(50), q.reveal.unwrap_or(false)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerminalRequest {
    pub serial: String,
    pub model: String,
    /// `countertop` (the default) or `mobile_reader`: a card reader paired with
    /// the merchant's phone, whose requests must carry the phone's location.
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    pub merchant_id: String,
}

/// Adds a terminal to the inventory with a fresh master key: answers its check value and
/// its two components' check values; each component goes to its own custodian (`…/key-components/{part}`).
#[utoipa::path(post, path = "/api/v1/ops/terminals", tag = "operations", request_body = NewTerminalRequest,
    responses((status = 201, body = NewTerminal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_terminal(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<NewTerminalRequest>,
) -> ApiResult<(StatusCode, Json<NewTerminal>)> {
    Ok((
        StatusCode::CREATED,
        Json(office.add_terminal(actor, req.serial, req.model, req.kind.unwrap_or_else(|| "countertop".into())).await?),
    ))
}

/// The terminal inventory (`state`: in_stock, assigned, active, dormant, deregistered).
#[utoipa::path(get, path = "/api/v1/ops/terminals", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<TerminalView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn inventory(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TerminalView>>> {
    Ok(Json(office.inventory(actor, q.state).await?))
}

/// Hands one component of a terminal's master key to the custodian calling, once. Split
/// knowledge: whoever collected one component of a key may not collect another (403).
#[utoipa::path(post, path = "/api/v1/ops/terminals/{serial}/key-components/{part}", tag = "operations",
    params(("serial" = String, Path), ("part" = i64, Path, description = "1 or 2")),
    responses((status = 200, body = CollectedComponent), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn collect_key_component(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path((serial, part)): Path<(String, i64)>,
) -> ApiResult<Json<CollectedComponent>> {
    Ok(Json(office.collect_key_component(actor, serial, part).await?))
}

/// Assigns a terminal to a merchant: takes the deposit, sends the activation code to the merchant.
#[utoipa::path(post, path = "/api/v1/ops/terminals/{serial}/assign", tag = "operations", params(("serial" = String, Path)), request_body = AssignRequest,
    responses((status = 200, body = TerminalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn assign(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
    Body(req): Body<AssignRequest>,
) -> ApiResult<Json<TerminalView>> {
    Ok(Json(office.assign_terminal(actor, serial, req.merchant_id).await?))
}

/// Runs the daily jobs now (terminal dormancy and deregistration, closing cancellations whose cooling-off ended).
#[utoipa::path(post, path = "/api/v1/ops/jobs/daily", tag = "operations",
    responses((status = 200, body = DailySummary), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn run_daily(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<DailySummary>> {
    crate::office::require(&actor, kassa_merchant::Permission::ManageTerminals)?;
    Ok(Json(office.daily_jobs().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenCancellationRequest {
    pub merchant_id: String,
    /// For a terminal-only cancellation.
    pub terminal_serial: Option<String>,
    /// How the merchant asked: `phone` or `email`.
    pub channel: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PhoneConfirmationRequest {
    /// Who confirmed what, on which call.
    pub note: String,
}

/// The cancellation review queue (`state`: submitted, cooling_off, closed, rejected, withdrawn).
#[utoipa::path(get, path = "/api/v1/ops/cancellations", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<CancellationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn cancellations(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<CancellationView>>> {
    Ok(Json(office.cancellations(actor, q.state).await?))
}

/// Opens a cancellation on a merchant's behalf (asked by phone or e-mail).
#[utoipa::path(post, path = "/api/v1/ops/cancellations", tag = "operations", request_body = OpenCancellationRequest,
    responses((status = 201, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn open_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<OpenCancellationRequest>,
) -> ApiResult<(StatusCode, Json<CancellationView>)> {
    let view =
        office.submit_cancellation(actor, Some((req.merchant_id, req.channel)), req.terminal_serial, None).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Uploads a cancellation document on a merchant's behalf.
#[utoipa::path(put, path = "/api/v1/ops/merchants/{id}/cancellation-documents/{kind}", tag = "operations",
    params(("id" = String, Path), ("kind" = String, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = DocumentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn ops_cancellation_document(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path((id, kind)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<DocumentView>> {
    Ok(Json(office.upload_cancellation_document(actor, Some(id), kind, body.to_vec()).await?))
}

/// Records the phone call confirming the cancellation (needed before approval).
#[utoipa::path(post, path = "/api/v1/ops/cancellations/{id}/phone-confirmation", tag = "operations", params(("id" = i64, Path)), request_body = PhoneConfirmationRequest,
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn phone_confirmation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<PhoneConfirmationRequest>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.confirm_by_phone(actor, id_of(&id, "cancellation")?, req.note).await?))
}

/// Approves: the cooling-off of 15 working days starts.
#[utoipa::path(post, path = "/api/v1/ops/cancellations/{id}/approve", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn approve_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.approve_cancellation(actor, id_of(&id, "cancellation")?).await?))
}

/// Rejects, with the reason the merchant is told.
#[utoipa::path(post, path = "/api/v1/ops/cancellations/{id}/reject", tag = "operations", params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn reject_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<RejectRequest>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.reject_cancellation(actor, id_of(&id, "cancellation")?, req.reason).await?))
}

/// The risk engine's decision on a transaction: the rules that hit and the ruleset version (risk role).
#[utoipa::path(get, path = "/api/v1/ops/transactions/{id}/risk", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = crate::ops::RiskDecisionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn risk_decision(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::ops::RiskDecisionView>> {
    Ok(Json(office.risk_decision(actor, id_of(&id, "transaction")?).await?))
}

/// Adds a staff member (admin only).
#[utoipa::path(post, path = "/api/v1/ops/staff", tag = "operations", request_body = StaffRequest,
    responses((status = 201, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_staff(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<StaffRequest>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    crate::office::require(&actor, kassa_merchant::Permission::ManageStaff)?;
    let role = kassa_merchant::StaffRole::from_code(&req.role)
        .ok_or_else(|| kassa_merchant::FieldError::new("role", "must be admin, operations, risk or support"))?;
    office.create_staff(req.username, role, req.password).await?;
    Ok((StatusCode::CREATED, Json(DONE)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LocationRequest {
    /// `lat,lon` in degrees (WGS-84), e.g. `31.2304,121.4737`.
    pub location: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileChangeRequest {
    /// The new registered name (at most 40 characters), if it changes.
    pub name: Option<String>,
    /// The new category (MCC), if it changes.
    pub mcc: Option<String>,
    pub reason: String,
}

/// Where the merchant is registered, for mobile readers' distance (operations or admin).
#[utoipa::path(put, path = "/api/v1/ops/merchants/{id}/location", tag = "operations", params(("id" = String, Path)), request_body = LocationRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn merchant_location(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<LocationRequest>,
) -> ApiResult<Json<Done>> {
    office.set_merchant_location(actor, id, req.location).await?;
    Ok(Json(DONE))
}

/// Changes the merchant's registered name or category (audited; repeated changes are a risk signal).
#[utoipa::path(put, path = "/api/v1/ops/merchants/{id}/profile", tag = "operations", params(("id" = String, Path)), request_body = ProfileChangeRequest,
    responses((status = 200, body = crate::ops::MerchantRow), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn merchant_profile(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<ProfileChangeRequest>,
) -> ApiResult<Json<crate::ops::MerchantRow>> {
    Ok(Json(office.change_merchant_profile(actor, id, req.name, req.mcc, req.reason).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MailOrderRequest {
    pub enabled: bool,
    #[serde(default)]
    pub reason: String,
}

/// Gives a merchant a mail/telephone-order agreement or ends it (operations or admin): with it the
/// host takes keyed card numbers of credit cards; without it, none (`12`). Off by default.
#[utoipa::path(put, path = "/api/v1/ops/merchants/{id}/mail-order", tag = "operations", params(("id" = String, Path)), request_body = MailOrderRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn merchant_mail_order(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<MailOrderRequest>,
) -> ApiResult<Json<Done>> {
    office.set_mail_order(actor, id, req.enabled, req.reason).await?;
    Ok(Json(DONE))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TierRequest {
    /// small, standard or large.
    pub tier: String,
    #[serde(default)]
    pub reason: String,
}

/// Sets the merchant's tier, which sets its limits in the risk rules (risk or admin).
#[utoipa::path(put, path = "/api/v1/ops/merchants/{id}/tier", tag = "operations", params(("id" = String, Path)), request_body = TierRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn merchant_tier(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<TierRequest>,
) -> ApiResult<Json<Done>> {
    office.set_merchant_tier(actor, id, req.tier, req.reason).await?;
    Ok(Json(DONE))
}
