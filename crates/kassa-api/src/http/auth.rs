//! Sign-up, log-in, log-out and one-time codes for the public.

use super::*;

/// Sends a one-time code by SMS for signing up or resetting the password.
#[utoipa::path(post, path = "/api/v1/sms/codes", tag = "auth", request_body = CodeRequest,
    responses((status = 202, body = Done), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(crate) async fn send_code(
    State(office): State<Shared>,
    Body(req): Body<CodeRequest>,
) -> ApiResult<(StatusCode, Json<Done>)> {
    let purpose = OtpPurpose::from_code(&req.purpose)
        .filter(|p| matches!(p, OtpPurpose::Register | OtpPurpose::ResetPassword))
        .ok_or_else(|| ApiError::bad_request("invalid_purpose", "purpose must be register or reset_password"))?;
    office.send_code(req.phone, purpose).await?;
    Ok((StatusCode::ACCEPTED, Json(DONE)))
}

/// Signs up with a phone (proved by a `register` code) and the two passwords; answers a session.
#[utoipa::path(post, path = "/api/v1/merchant/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = TokenResponse), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn register(
    State(office): State<Shared>,
    Body(req): Body<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    let token = office.register(req.phone, req.code, req.password, req.payment_password).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token })))
}

/// Logs a merchant in. Five wrong passwords lock the account for 30 minutes.
#[utoipa::path(post, path = "/api/v1/merchant/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub(crate) async fn login(
    State(office): State<Shared>,
    Body(req): Body<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(TokenResponse { token: office.login(req.phone, req.password).await? }))
}

/// Sets a new login password with a `reset_password` code; ends every session.
#[utoipa::path(post, path = "/api/v1/merchant/password/reset", tag = "auth", request_body = ResetRequest,
    responses((status = 200, body = Done), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn reset_password(
    State(office): State<Shared>,
    Body(req): Body<ResetRequest>,
) -> ApiResult<Json<Done>> {
    office.reset_password(req.phone, req.code, req.password).await?;
    Ok(Json(DONE))
}

/// Logs operations staff in.
#[utoipa::path(post, path = "/api/v1/ops/login", tag = "auth", request_body = StaffLoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody)))]
pub(crate) async fn staff_login(
    State(office): State<Shared>,
    Body(req): Body<StaffLoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    Ok(Json(TokenResponse { token: office.staff_login(req.username, req.password).await? }))
}

/// Ends the caller's session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "auth", responses((status = 200, body = Done), (status = 401, body = ErrorBody)))]
pub(crate) async fn logout(State(office): State<Shared>, Caller(_actor, token): Caller) -> ApiResult<Json<Done>> {
    end_session(&office, token).await?;
    Ok(Json(DONE))
}

/// Who the session belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(State(office): State<Shared>, Caller(actor, _token): Caller) -> ApiResult<Json<Me>> {
    let status = crate::office::merchant_status(&office, &actor).await?;
    Ok(Json(match actor {
        Actor::Merchant { user, merchant } => Me {
            kind: if merchant.is_some() { "merchant".into() } else { "applicant".into() },
            merchant_id: merchant.map(|m| m.to_string()),
            status,
            phone: Some(kassa_merchant::identity::mask_phone(&office.phone_of(user).await?)),
            username: None,
            role: None,
        },
        Actor::Staff { username, role, .. } => Me {
            kind: "staff".into(),
            merchant_id: None,
            status: None,
            phone: None,
            username: Some(username),
            role: Some(role.code().into()),
        },
    }))
}
