//! Every failure as `{code, reason}` with its HTTP status.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kassa_merchant::{FieldError, OtpError};
use kassa_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every 4xx and 5xx answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, for programs: `invalid_field`, `unauthorized`, `not_found`, …
    pub code: String,
    /// For people.
    pub reason: String,
    /// The field at fault, for `invalid_field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {reason}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub reason: String,
    pub field: Option<&'static str>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, reason: impl Into<String>) -> ApiError {
        ApiError { status, code, reason: reason.into(), field: None }
    }

    pub fn bad_request(code: &'static str, reason: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, reason)
    }

    pub fn unauthorized(reason: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", reason)
    }

    pub fn forbidden(reason: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", reason)
    }

    /// Also what a merchant gets for another merchant's data: it does not exist for them.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no such {what}"))
    }

    pub fn conflict(code: &'static str, reason: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, reason)
    }

    pub fn locked(reason: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::LOCKED, "locked", reason)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_field",
            reason: error.to_string(),
            field: Some(error.field),
        }
    }
}

impl From<OtpError> for ApiError {
    fn from(error: OtpError) -> ApiError {
        let status = match error {
            OtpError::TooSoon { .. } | OtpError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        let reason = match error {
            OtpError::Wrong { tries_left } => format!("{error} ({tries_left} tries left)"),
            _ => error.to_string(),
        };
        ApiError::new(status, error.code(), reason)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        if let StoreError::Refused(reason) = error {
            // Nothing of the operation was kept: the caller may try again
            // once the funds are there.
            return ApiError::new(StatusCode::CONFLICT, "ledger_refused", reason);
        }
        tracing::error!(%error, "store failure");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the store is unavailable; try again")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.into(), reason: self.reason, field: self.field.map(String::from) };
        (self.status, Json(body)).into_response()
    }
}
