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
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::merchants::{ApplicationView, DocumentView, WithdrawalView};
use crate::office::DailySummary;
use crate::office::{Actor, Office, end_session, session_actor};
use crate::ops::{AuditEntry, SmsView};
use crate::terminals::{NewTerminal, TerminalView};
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
        Ok(Caller(actor, token))
    }
}

fn id_of(text: &str, what: &str) -> ApiResult<i64> {
    text.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| ApiError::not_found(what))
}

// ---- bodies -----------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
pub struct CodeRequest {
    pub phone: String,
    /// `register` or `reset_password` here; the others through `/merchant/sms/codes`.
    pub purpose: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MyCodeRequest {
    /// `bind_card`, `delete_card`, `withdraw`, `cancellation`, `change_phone_old`, `change_phone_new`.
    pub purpose: String,
    /// Only for `change_phone_new`: the new number.
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub phone: String,
    pub code: String,
    pub password: String,
    pub payment_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub phone: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffLoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequest {
    pub phone: String,
    pub code: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePhoneRequest {
    pub old_code: String,
    pub new_phone: String,
    pub new_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicationRequest {
    pub legal_name: String,
    pub id_number: String,
    pub phone: String,
    pub business_name: String,
    pub address: String,
    pub mcc: String,
    pub card_number: String,
    pub card_holder: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawRequest {
    /// Minor units (fen).
    pub amount: i64,
    pub payment_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BindCardRequest {
    pub card_number: String,
    pub holder: String,
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteCardRequest {
    pub payment_password: String,
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BlockRequest {
    /// `id_number`, `phone` or `card`.
    pub kind: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FreezeRequest {
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffRequest {
    pub username: String,
    /// `admin`, `operations`, `risk` or `support`.
    pub role: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `merchant`, `applicant` or `staff`.
    pub kind: String,
    pub merchant_id: Option<String>,
    pub phone: Option<String>,
    pub username: Option<String>,
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

const DONE: Done = Done { ok: true };

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub state: Option<String>,
    pub phone: Option<String>,
    pub limit: Option<i64>,
}

// ---- public ------------------------------------------------------------------

/// Sends a one-time code by SMS for signing up or resetting the password.
#[utoipa::path(post, path = "/api/v1/sms/codes", tag = "auth", request_body = CodeRequest,
    responses((status = 202, body = Done), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn send_code(State(office): State<Shared>, Body(req): Body<CodeRequest>) -> ApiResult<(StatusCode, Json<Done>)> {
    let purpose = OtpPurpose::from_code(&req.purpose)
        .filter(|p| matches!(p, OtpPurpose::Register | OtpPurpose::ResetPassword))
        .ok_or_else(|| ApiError::bad_request("invalid_purpose", "purpose must be register or reset_password"))?;
    office.send_code(req.phone, purpose).await?;
    Ok((StatusCode::ACCEPTED, Json(DONE)))
}

/// Signs up with a phone (proved by a `register` code) and the two passwords; answers a session.
#[utoipa::path(post, path = "/api/v1/merchant/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn register(
    State(office): State<Shared>,
    Body(req): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let token = office.register(req.phone, req.code, req.password, req.payment_password).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token })))
}

/// Logs a merchant in. Five wrong passwords lock the account for 30 minutes.
#[utoipa::path(post, path = "/api/v1/merchant/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn login(State(office): State<Shared>, Body(req): Body<LoginRequest>) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(TokenResponse { token: office.login(req.phone, req.password).await? }))
}

/// Sets a new login password with a `reset_password` code; ends every session.
#[utoipa::path(post, path = "/api/v1/merchant/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(State(office): State<Shared>, Body(req): Body<ResetRequest>) -> ApiResult<Json<Done>> {
    office.reset_password(req.phone, req.code, req.password).await?;
    Ok(Json(DONE))
}

/// Logs operations staff in.
#[utoipa::path(post, path = "/api/v1/ops/login", tag = "auth", request_body = StaffLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn staff_login(
    State(office): State<Shared>,
    Body(req): Body<StaffLoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(TokenResponse { token: office.staff_login(req.username, req.password).await? }))
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", responses((status = 200, body = Done), (status = 401, body = ErrorBody)))]
async fn logout(State(office): State<Shared>, Caller(_actor, token): Caller) -> ApiResult<Json<Done>> {
    end_session(&office, token).await?;
    Ok(Json(DONE))
}

/// Who the session belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<Me>> {
    Ok(Json(match actor {
        Actor::Merchant { user, merchant } => Me {
            kind: if merchant.is_some() { "merchant".into() } else { "applicant".into() },
            merchant_id: merchant.map(|m| m.to_string()),
            phone: Some(kassa_merchant::identity::mask_phone(&office.phone_of(user).await?)),
            username: None,
            role: None,
        },
        Actor::Staff { username, role, .. } => Me {
            kind: "staff".into(),
            merchant_id: None,
            phone: None,
            username: Some(username),
            role: Some(role.code().into()),
        },
    }))
}

// ---- merchant ------------------------------------------------------------------

/// Sends a code to the merchant's bound phone (or, for `change_phone_new`, to the new one).
#[utoipa::path(post, path = "/api/v1/merchant/sms/codes", tag = "merchant", request_body = MyCodeRequest,
    responses((status = 202, body = Done), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn send_my_code(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<MyCodeRequest>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    let user = crate::merchants::user_of(&actor)?;
    let purpose = OtpPurpose::from_code(&req.purpose)
        .filter(|p| !matches!(p, OtpPurpose::Register | OtpPurpose::ResetPassword | OtpPurpose::Login))
        .ok_or_else(|| ApiError::bad_request("invalid_purpose", "not a purpose for a logged-in merchant"))?;
    let phone = match (purpose, req.phone) {
        (OtpPurpose::ChangePhoneNew, Some(phone)) => phone,
        (OtpPurpose::ChangePhoneNew, None) => {
            return Err(ApiError::bad_request("phone_required", "give the new phone number"));
        }
        _ => office.phone_of(user).await?,
    };
    office.send_code(phone, purpose).await?;
    Ok((StatusCode::ACCEPTED, Json(DONE)))
}

/// Changes the bound phone: a `change_phone_old` code from the old number and a `change_phone_new` code from the new.
#[utoipa::path(post, path = "/api/v1/merchant/phone", tag = "merchant", request_body = ChangePhoneRequest,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn change_phone(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<ChangePhoneRequest>,
) -> ApiResult<Json<Done>> {
    office.change_phone(actor, req.old_code, req.new_phone, req.new_code).await?;
    Ok(Json(DONE))
}

/// Files the onboarding application (the settlement card must be in the applicant's or the business's name).
#[utoipa::path(post, path = "/api/v1/merchant/application", tag = "merchant", request_body = ApplicationRequest,
    responses((status = 201, body = ApplicationView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn apply(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<ApplicationRequest>,
) -> ApiResult<(StatusCode, Json<ApplicationView>)> {
    let application = Application {
        legal_name: req.legal_name,
        id_number: req.id_number,
        phone: req.phone,
        business_name: req.business_name,
        address: req.address,
        mcc: req.mcc,
        card_number: req.card_number,
        card_holder: req.card_holder,
    };
    Ok((StatusCode::CREATED, Json(office.apply(actor, application).await?)))
}

/// The caller's application, its checks and which documents are missing.
#[utoipa::path(get, path = "/api/v1/merchant/application", tag = "merchant",
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn my_application(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.my_application(actor).await?))
}

/// Uploads a document (`id_front`, `id_back`, `business_licence`) as the raw body: JPEG, PNG or PDF, at most 5 MiB.
#[utoipa::path(put, path = "/api/v1/merchant/application/documents/{kind}", tag = "merchant",
    params(("kind" = String, Path, description = "id_front, id_back or business_licence")),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = DocumentView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload_document(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Json<DocumentView>> {
    Ok(Json(office.upload_application_document(actor, kind, body.to_vec()).await?))
}

/// Available, pending and frozen funds, deposits and payouts on their way (fen).
#[utoipa::path(get, path = "/api/v1/merchant/wallet", tag = "merchant",
    responses((status = 200, body = WalletView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn wallet(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<WalletView>> {
    Ok(Json(office.wallet(actor).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WalletView {
    pub available: i64,
    pub pending: i64,
    pub frozen: i64,
    pub deposits: i64,
    pub payouts_in_flight: i64,
    pub currency: String,
}

impl From<Wallet> for WalletView {
    fn from(w: Wallet) -> WalletView {
        WalletView {
            available: w.available,
            pending: w.pending,
            frozen: w.frozen,
            deposits: w.deposits,
            payouts_in_flight: w.payouts_in_flight,
            currency: "CNY".into(),
        }
    }
}

/// Transfers money out to the settlement card; needs the payment password.
#[utoipa::path(post, path = "/api/v1/merchant/wallet/withdrawals", tag = "merchant", request_body = WithdrawRequest,
    responses((status = 201, body = WithdrawalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 423, body = ErrorBody)))]
async fn withdraw(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<WithdrawRequest>,
) -> ApiResult<(StatusCode, Json<WithdrawalView>)> {
    Ok((StatusCode::CREATED, Json(office.withdraw(actor, req.amount, req.payment_password).await?)))
}

/// The merchant's bound cards (masked), the settlement card marked.
#[utoipa::path(get, path = "/api/v1/merchant/cards", tag = "merchant",
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn cards(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<Vec<CardView>>> {
    Ok(Json(office.cards(actor).await?))
}

/// Binds a card in the merchant's name, verified with the bank, with a `bind_card` code.
#[utoipa::path(post, path = "/api/v1/merchant/cards", tag = "merchant", request_body = BindCardRequest,
    responses((status = 201, body = CardView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn bind_card(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<BindCardRequest>,
) -> ApiResult<(StatusCode, Json<CardView>)> {
    Ok((StatusCode::CREATED, Json(office.bind_card(actor, req.card_number, req.holder, req.code).await?)))
}

/// Makes a bound card the settlement card.
#[utoipa::path(post, path = "/api/v1/merchant/cards/{id}/settlement", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn set_settlement(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CardView>>> {
    Ok(Json(office.set_settlement_card(actor, id_of(&id, "card")?).await?))
}

/// Deletes a card with the payment password and a `delete_card` code.
#[utoipa::path(delete, path = "/api/v1/merchant/cards/{id}", tag = "merchant", params(("id" = i64, Path)), request_body = DeleteCardRequest,
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_card(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<DeleteCardRequest>,
) -> ApiResult<Json<Vec<CardView>>> {
    Ok(Json(office.delete_card(actor, id_of(&id, "card")?, req.payment_password, req.code).await?))
}

/// What the merchant has been told (failed payouts, …), newest first.
#[utoipa::path(get, path = "/api/v1/merchant/notices", tag = "merchant",
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody)))]
async fn notices(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.notices(actor).await?))
}

/// Searches the merchant's transactions, newest first (at most 500 a page).
#[utoipa::path(get, path = "/api/v1/merchant/transactions", tag = "merchant", params(TxnFilter),
    responses((status = 200, body = Vec<TxnView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transactions(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(filter): Query<TxnFilter>,
) -> ApiResult<Json<Vec<TxnView>>> {
    Ok(Json(office.transactions(actor, filter).await?))
}

/// The same search as CSV (at most 10,000 rows).
#[utoipa::path(get, path = "/api/v1/merchant/transactions.csv", tag = "merchant", params(TxnFilter),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn transactions_csv(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(filter): Query<TxnFilter>,
) -> ApiResult<impl IntoResponse> {
    let csv = office.transactions_csv(actor, filter).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"transactions.csv\""),
        ],
        csv,
    ))
}

/// One transaction.
#[utoipa::path(get, path = "/api/v1/merchant/transactions/{id}", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = TxnView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn transaction(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TxnView>> {
    Ok(Json(office.transaction(actor, id_of(&id, "transaction")?).await?))
}

/// The electronic receipt: every item of the paper slip.
#[utoipa::path(get, path = "/api/v1/merchant/transactions/{id}/receipt", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = Receipt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn receipt(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Receipt>> {
    Ok(Json(office.receipt(actor, id_of(&id, "transaction")?).await?))
}

/// A business day's statement: approved and failed totals, voids, refunds, fees, net paid.
#[utoipa::path(get, path = "/api/v1/merchant/statements/{date}", tag = "merchant", params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Statement), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn statement(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(date): Path<String>,
) -> ApiResult<Json<Statement>> {
    Ok(Json(office.statement(actor, date).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivateRequest {
    pub serial: String,
    pub activation_code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OperatorRequest {
    /// 4 to 6 digits.
    pub password: String,
}

/// The merchant's terminals.
#[utoipa::path(get, path = "/api/v1/merchant/terminals", tag = "merchant",
    responses((status = 200, body = Vec<TerminalView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn my_terminals(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Vec<TerminalView>>> {
    Ok(Json(office.my_terminals(actor).await?))
}

/// Binds (activates) an assigned terminal, or reactivates a dormant one, by serial and the activation code sent by SMS.
#[utoipa::path(post, path = "/api/v1/merchant/terminals/activate", tag = "merchant", request_body = ActivateRequest,
    responses((status = 200, body = TerminalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn activate(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<ActivateRequest>,
) -> ApiResult<Json<TerminalView>> {
    Ok(Json(office.activate_terminal(actor, req.serial, req.activation_code).await?))
}

/// Sends a new activation code (a dormant terminal needs one to be reactivated).
#[utoipa::path(post, path = "/api/v1/merchant/terminals/{serial}/activation-code", tag = "merchant", params(("serial" = String, Path)),
    responses((status = 202, body = Done), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn activation_code(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    office.request_activation_code(actor, serial).await?;
    Ok((StatusCode::ACCEPTED, Json(DONE)))
}

/// A terminal's operators.
#[utoipa::path(get, path = "/api/v1/merchant/terminals/{serial}/operators", tag = "merchant", params(("serial" = String, Path)),
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn operators(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.operators(actor, serial).await?))
}

/// Adds an operator, or changes its password.
#[utoipa::path(put, path = "/api/v1/merchant/terminals/{serial}/operators/{operator}", tag = "merchant",
    params(("serial" = String, Path), ("operator" = String, Path, description = "01 to 99")), request_body = OperatorRequest,
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_operator(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path((serial, operator)): Path<(String, String)>,
    Body(req): Body<OperatorRequest>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.set_operator(actor, serial, operator, req.password).await?))
}

/// Removes an operator.
#[utoipa::path(delete, path = "/api/v1/merchant/terminals/{serial}/operators/{operator}", tag = "merchant",
    params(("serial" = String, Path), ("operator" = String, Path)),
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn remove_operator(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path((serial, operator)): Path<(String, String)>,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.remove_operator(actor, serial, operator).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelRequest {
    /// The `cancellation` code sent to the bound phone.
    pub code: String,
}

/// The live cancellation checklist: each precondition met, or why not and where to fix it.
#[utoipa::path(get, path = "/api/v1/merchant/cancellation", tag = "merchant",
    responses((status = 200, body = Checklist), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn cancellation_checklist(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Checklist>> {
    Ok(Json(office.cancellation_checklist(actor, None).await?))
}

/// Uploads a cancellation document (`id_front`, `id_back`, `bank_proof`, `authorization_letter`) as the raw body.
#[utoipa::path(put, path = "/api/v1/merchant/cancellation/documents/{kind}", tag = "merchant",
    params(("kind" = String, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = DocumentView), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancellation_document(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(kind): Path<String>,
    body: Bytes,
) -> ApiResult<Json<DocumentView>> {
    Ok(Json(office.upload_cancellation_document(actor, None, kind, body.to_vec()).await?))
}

/// Files the account's cancellation (every precondition met, a `cancellation` code).
#[utoipa::path(post, path = "/api/v1/merchant/cancellation", tag = "merchant", request_body = CancelRequest,
    responses((status = 201, body = CancellationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn submit_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<CancelRequest>,
) -> ApiResult<(StatusCode, Json<CancellationView>)> {
    Ok((StatusCode::CREATED, Json(office.submit_cancellation(actor, None, None, Some(req.code)).await?)))
}

/// Withdraws a cancellation (while awaiting review or cooling off).
#[utoipa::path(post, path = "/api/v1/merchant/cancellation/{id}/withdraw", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.withdraw_cancellation(actor, id_of(&id, "cancellation")?).await?))
}

/// One terminal's cancellation checklist.
#[utoipa::path(get, path = "/api/v1/merchant/terminals/{serial}/cancellation", tag = "merchant", params(("serial" = String, Path)),
    responses((status = 200, body = Checklist), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn terminal_checklist(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
) -> ApiResult<Json<Checklist>> {
    Ok(Json(office.cancellation_checklist(actor, Some(serial)).await?))
}

/// Files one terminal's cancellation.
#[utoipa::path(post, path = "/api/v1/merchant/terminals/{serial}/cancellation", tag = "merchant", params(("serial" = String, Path)), request_body = CancelRequest,
    responses((status = 201, body = CancellationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel_terminal(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
    Body(req): Body<CancelRequest>,
) -> ApiResult<(StatusCode, Json<CancellationView>)> {
    Ok((StatusCode::CREATED, Json(office.submit_cancellation(actor, None, Some(serial), Some(req.code)).await?)))
}

// ---- operations ------------------------------------------------------------------

/// The admission review queue (`state`: submitted, approved or rejected).
#[utoipa::path(get, path = "/api/v1/ops/applications", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<ApplicationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn applications(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<ApplicationView>>> {
    Ok(Json(office.applications(actor, q.state).await?))
}

/// One application with its automatic checks.
#[utoipa::path(get, path = "/api/v1/ops/applications/{id}", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn application(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.application(actor, id_of(&id, "application")?).await?))
}

/// Approves: issues the merchant number and opens its accounts (risk or admin).
#[utoipa::path(post, path = "/api/v1/ops/applications/{id}/approve", tag = "operations", params(("id" = i64, Path)),
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn approve(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ApplicationView>> {
    Ok(Json(office.approve(actor, id_of(&id, "application")?).await?))
}

/// Rejects, with the reason the applicant is told.
#[utoipa::path(post, path = "/api/v1/ops/applications/{id}/reject", tag = "operations", params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject(
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
async fn block(
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
async fn freeze(
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
async fn unfreeze(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
    Body(req): Body<FreezeRequest>,
) -> ApiResult<Json<Done>> {
    office.set_frozen(actor, id, false, req.reason).await?;
    Ok(Json(DONE))
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/ops/audit-log", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<AuditEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn audit_log(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    Ok(Json(office.audit_log(actor, q.limit.unwrap_or(100)).await?))
}

/// The SMS outbox of the default gateway, newest first.
#[utoipa::path(get, path = "/api/v1/ops/sms-outbox", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<SmsView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn sms_outbox(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<SmsView>>> {
    crate::ops::require(&actor, kassa_merchant::Permission::ViewSmsOutbox)?;
    Ok(Json(office.outbox(q.phone, q.limit.unwrap_or(50)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTerminalRequest {
    pub serial: String,
    pub model: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    pub merchant_id: String,
}

/// Adds a terminal to the inventory; answers its master key once (check value and components).
#[utoipa::path(post, path = "/api/v1/ops/terminals", tag = "operations", request_body = NewTerminalRequest,
    responses((status = 201, body = NewTerminal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_terminal(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<NewTerminalRequest>,
) -> ApiResult<(StatusCode, Json<NewTerminal>)> {
    Ok((StatusCode::CREATED, Json(office.add_terminal(actor, req.serial, req.model).await?)))
}

/// The terminal inventory (`state`: in_stock, assigned, active, dormant, deregistered).
#[utoipa::path(get, path = "/api/v1/ops/terminals", tag = "operations", params(ListQuery),
    responses((status = 200, body = Vec<TerminalView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn inventory(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TerminalView>>> {
    Ok(Json(office.inventory(actor, q.state).await?))
}

/// Assigns a terminal to a merchant: takes the deposit, sends the activation code to the merchant.
#[utoipa::path(post, path = "/api/v1/ops/terminals/{serial}/assign", tag = "operations", params(("serial" = String, Path)), request_body = AssignRequest,
    responses((status = 200, body = TerminalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn assign(
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
async fn run_daily(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<DailySummary>> {
    crate::ops::require(&actor, kassa_merchant::Permission::ManageTerminals)?;
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
async fn cancellations(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<CancellationView>>> {
    Ok(Json(office.cancellations(actor, q.state).await?))
}

/// Opens a cancellation on a merchant's behalf (asked by phone or e-mail).
#[utoipa::path(post, path = "/api/v1/ops/cancellations", tag = "operations", request_body = OpenCancellationRequest,
    responses((status = 201, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn open_cancellation(
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
async fn ops_cancellation_document(
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
async fn phone_confirmation(
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
async fn approve_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.approve_cancellation(actor, id_of(&id, "cancellation")?).await?))
}

/// Rejects, with the reason the merchant is told.
#[utoipa::path(post, path = "/api/v1/ops/cancellations/{id}/reject", tag = "operations", params(("id" = i64, Path)), request_body = RejectRequest,
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn reject_cancellation(
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
async fn risk_decision(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<crate::ops::RiskDecisionView>> {
    Ok(Json(office.risk_decision(actor, id_of(&id, "transaction")?).await?))
}

/// Adds a staff member (admin only).
#[utoipa::path(post, path = "/api/v1/ops/staff", tag = "operations", request_body = StaffRequest,
    responses((status = 201, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_staff(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<StaffRequest>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    crate::ops::require(&actor, kassa_merchant::Permission::ManageStaff)?;
    let role = kassa_merchant::StaffRole::from_code(&req.role)
        .ok_or_else(|| kassa_merchant::FieldError::new("role", "must be admin, operations, risk or support"))?;
    office.create_staff(req.username, role, req.password).await?;
    Ok((StatusCode::CREATED, Json(DONE)))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Kassa merchant and operations API", description = "The merchant app and the operations console of Kassa, as JSON. Amounts are integer minor units (fen). Errors are {code, reason}."),
    tags((name = "auth"), (name = "merchant"), (name = "operations"))
)]
struct ApiDoc;

/// The API's routes and its OpenAPI document, built from the same handlers.
pub fn router_and_spec(office: Arc<Office>) -> (axum::Router, utoipa::openapi::OpenApi) {
    let uploads = OpenApiRouter::new()
        .routes(routes!(upload_document))
        .routes(routes!(cancellation_document))
        .routes(routes!(ops_cancellation_document))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY_MAX));
    let (router, spec) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(send_code))
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(reset_password))
        .routes(routes!(staff_login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(send_my_code))
        .routes(routes!(change_phone))
        .routes(routes!(apply, my_application))
        .routes(routes!(wallet))
        .routes(routes!(withdraw))
        .routes(routes!(cards, bind_card))
        .routes(routes!(set_settlement))
        .routes(routes!(delete_card))
        .routes(routes!(notices))
        .routes(routes!(transactions))
        .routes(routes!(transactions_csv))
        .routes(routes!(transaction))
        .routes(routes!(receipt))
        .routes(routes!(statement))
        .routes(routes!(applications))
        .routes(routes!(application))
        .routes(routes!(approve))
        .routes(routes!(reject))
        .routes(routes!(block))
        .routes(routes!(freeze))
        .routes(routes!(unfreeze))
        .routes(routes!(audit_log))
        .routes(routes!(sms_outbox))
        .routes(routes!(add_staff))
        .routes(routes!(risk_decision))
        .routes(routes!(my_terminals))
        .routes(routes!(activate))
        .routes(routes!(activation_code))
        .routes(routes!(operators))
        .routes(routes!(set_operator, remove_operator))
        .routes(routes!(add_terminal, inventory))
        .routes(routes!(assign))
        .routes(routes!(run_daily))
        .routes(routes!(cancellation_checklist, submit_cancellation))
        .routes(routes!(withdraw_cancellation))
        .routes(routes!(terminal_checklist, cancel_terminal))
        .routes(routes!(cancellations, open_cancellation))
        .routes(routes!(phone_confirmation))
        .routes(routes!(approve_cancellation))
        .routes(routes!(reject_cancellation))
        .layer(DefaultBodyLimit::max(JSON_BODY_MAX))
        .merge(uploads)
        .with_state(office)
        .split_for_parts();
    let document = spec.clone();
    let router = router
        .route("/api/v1/openapi.json", axum::routing::get(move || async move { Json(document) }))
        .fallback(|| async { ApiError::not_found("endpoint").into_response() });
    (router, spec)
}

pub fn router(office: Arc<Office>) -> axum::Router {
    router_and_spec(office).0
}
