//! The merchant's own endpoints.

use super::*;

/// Sends a code to the merchant's bound phone (or, for `change_phone_new`, to the new one).
#[utoipa::path(post, path = "/api/v1/merchant/sms/codes", tag = "merchant", request_body = MyCodeRequest,
    responses((status = 202, body = Done), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn send_my_code(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<MyCodeRequest>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    let user = crate::merchants::user_of(&actor)?;
    let purpose = OtpPurpose::from_code(&req.purpose)
        .filter(|p| !matches!(p, OtpPurpose::Register | OtpPurpose::ResetPassword | OtpPurpose::Login))
        .ok_or_else(|| ApiError::bad_request("invalid_purpose", "not a purpose for a logged-in merchant"))?;
    let (phone, requester) = match (purpose, req.phone) {
        // A number not the caller's: their own allowance, never its owner's.
        (OtpPurpose::ChangePhoneNew, Some(phone)) => (phone, Some(user)),
        (OtpPurpose::ChangePhoneNew, None) => {
            return Err(ApiError::bad_request("phone_required", "give the new phone number"));
        }
        _ => (office.phone_of(user).await?, None),
    };
    office.send_code_for(requester, phone, purpose).await?;
    Ok((StatusCode::ACCEPTED, Json(DONE)))
}

/// Changes the bound phone: a `change_phone_old` code from the old number and a `change_phone_new` code from the new.
#[utoipa::path(post, path = "/api/v1/merchant/phone", tag = "merchant", request_body = ChangePhoneRequest,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn change_phone(
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
pub(crate) async fn apply(
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
pub(crate) async fn my_application(
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
pub(crate) async fn upload_document(
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
pub(crate) async fn wallet(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<WalletView>> {
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
pub(crate) async fn withdraw(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<WithdrawRequest>,
) -> ApiResult<(StatusCode, Json<WithdrawalView>)> {
    Ok((StatusCode::CREATED, Json(office.withdraw(actor, req.amount, req.payment_password).await?)))
}

/// The merchant's bound cards (masked), the settlement card marked.
#[utoipa::path(get, path = "/api/v1/merchant/cards", tag = "merchant",
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn cards(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Vec<CardView>>> {
    Ok(Json(office.cards(actor).await?))
}

/// Binds a card in the merchant's name, verified with the bank, with a `bind_card` code.
#[utoipa::path(post, path = "/api/v1/merchant/cards", tag = "merchant", request_body = BindCardRequest,
    responses((status = 201, body = CardView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn bind_card(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<BindCardRequest>,
) -> ApiResult<(StatusCode, Json<CardView>)> {
    Ok((StatusCode::CREATED, Json(office.bind_card(actor, req.card_number, req.holder, req.code).await?)))
}

/// Makes a bound card the settlement card.
#[utoipa::path(post, path = "/api/v1/merchant/cards/{id}/settlement", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn set_settlement(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CardView>>> {
    Ok(Json(office.set_settlement_card(actor, id_of(&id, "card")?).await?))
}

/// Deletes a card with the payment password and a `delete_card` code.
#[utoipa::path(delete, path = "/api/v1/merchant/cards/{id}", tag = "merchant", params(("id" = i64, Path)), request_body = DeleteCardRequest,
    responses((status = 200, body = Vec<CardView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn delete_card(
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
pub(crate) async fn notices(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.notices(actor).await?))
}

/// The merchant's value-added services (transfers, repayments, top-ups made
/// on its mobile readers), newest first: each with its fee and both legs.
/// They are the payers' money, not the merchant's takings.
#[utoipa::path(get, path = "/api/v1/merchant/services", tag = "merchant", params(crate::services::ServiceFilter),
    responses((status = 200, body = Vec<crate::services::ServiceView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn services(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(filter): Query<crate::services::ServiceFilter>,
) -> ApiResult<Json<Vec<crate::services::ServiceView>>> {
    Ok(Json(office.services(actor, filter).await?))
}

/// Searches the merchant's transactions, newest first (at most 500 a page).
#[utoipa::path(get, path = "/api/v1/merchant/transactions", tag = "merchant", params(TxnFilter),
    responses((status = 200, body = Vec<TxnView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn transactions(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Query(filter): Query<TxnFilter>,
) -> ApiResult<Json<Vec<TxnView>>> {
    Ok(Json(office.transactions(actor, filter).await?))
}

/// The same search as CSV (at most 10,000 rows).
#[utoipa::path(get, path = "/api/v1/merchant/transactions.csv", tag = "merchant", params(TxnFilter),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn transactions_csv(
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
pub(crate) async fn transaction(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<TxnView>> {
    Ok(Json(office.transaction(actor, id_of(&id, "transaction")?).await?))
}

/// The electronic receipt: every item of the paper slip.
#[utoipa::path(get, path = "/api/v1/merchant/transactions/{id}/receipt", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = Receipt), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn receipt(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Receipt>> {
    Ok(Json(office.receipt(actor, id_of(&id, "transaction")?).await?))
}

/// A business day's statement: approved and failed totals, voids, refunds, fees, net paid.
#[utoipa::path(get, path = "/api/v1/merchant/statements/{date}", tag = "merchant", params(("date" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 200, body = Statement), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn statement(
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
pub(crate) async fn my_terminals(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Vec<TerminalView>>> {
    Ok(Json(office.my_terminals(actor).await?))
}

/// Binds (activates) an assigned terminal, or reactivates a dormant one, by serial and the activation code sent by SMS.
#[utoipa::path(post, path = "/api/v1/merchant/terminals/activate", tag = "merchant", request_body = ActivateRequest,
    responses((status = 200, body = TerminalView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn activate(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<ActivateRequest>,
) -> ApiResult<Json<TerminalView>> {
    Ok(Json(office.activate_terminal(actor, req.serial, req.activation_code).await?))
}

/// Sends a new activation code (a dormant terminal needs one to be reactivated).
#[utoipa::path(post, path = "/api/v1/merchant/terminals/{serial}/activation-code", tag = "merchant", params(("serial" = String, Path)),
    responses((status = 202, body = Done), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn activation_code(
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
pub(crate) async fn operators(
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
pub(crate) async fn set_operator(
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
pub(crate) async fn remove_operator(
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
pub(crate) async fn cancellation_checklist(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
) -> ApiResult<Json<Checklist>> {
    Ok(Json(office.cancellation_checklist(actor, None).await?))
}

/// Uploads a cancellation document (`id_front`, `id_back`, `bank_proof`, `authorization_letter`) as the raw body.
#[utoipa::path(put, path = "/api/v1/merchant/cancellation/documents/{kind}", tag = "merchant",
    params(("kind" = String, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = DocumentView), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn cancellation_document(
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
pub(crate) async fn submit_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Body(req): Body<CancelRequest>,
) -> ApiResult<(StatusCode, Json<CancellationView>)> {
    Ok((StatusCode::CREATED, Json(office.submit_cancellation(actor, None, None, Some(req.code)).await?)))
}

/// Withdraws a cancellation (while awaiting review or cooling off).
#[utoipa::path(post, path = "/api/v1/merchant/cancellation/{id}/withdraw", tag = "merchant", params(("id" = i64, Path)),
    responses((status = 200, body = CancellationView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn withdraw_cancellation(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CancellationView>> {
    Ok(Json(office.withdraw_cancellation(actor, id_of(&id, "cancellation")?).await?))
}

/// One terminal's cancellation checklist.
#[utoipa::path(get, path = "/api/v1/merchant/terminals/{serial}/cancellation", tag = "merchant", params(("serial" = String, Path)),
    responses((status = 200, body = Checklist), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn terminal_checklist(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
) -> ApiResult<Json<Checklist>> {
    Ok(Json(office.cancellation_checklist(actor, Some(serial)).await?))
}

/// Files one terminal's cancellation.
#[utoipa::path(post, path = "/api/v1/merchant/terminals/{serial}/cancellation", tag = "merchant", params(("serial" = String, Path)), request_body = CancelRequest,
    responses((status = 201, body = CancellationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn cancel_terminal(
    State(office): State<Shared>,
    Caller(actor, _token): Caller,
    Path(serial): Path<String>,
    Body(req): Body<CancelRequest>,
) -> ApiResult<(StatusCode, Json<CancellationView>)> {
    Ok((StatusCode::CREATED, Json(office.submit_cancellation(actor, None, Some(serial), Some(req.code)).await?)))
}
