//! Request and answer bodies of the API.

use super::*;

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
    /// The merchant account's state: `active`, `frozen`, `closed` (read-only), …
    pub status: Option<String>,
    pub phone: Option<String>,
    pub username: Option<String>,
    pub role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

pub(crate) const DONE: Done = Done { ok: true };

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub state: Option<String>,
    pub phone: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OutboxQuery {
    pub phone: Option<String>,
    pub limit: Option<i64>,
    /// Codes in clear: an admin's, and only where the deployment allows it (the demo).
    pub reveal: Option<bool>,
}
