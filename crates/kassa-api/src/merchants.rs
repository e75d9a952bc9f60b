//! What a merchant (or an applicant) does: sign up, log in, apply, upload
//! documents, see the wallet and transfer out, manage bank cards.

use axum::http::StatusCode;
use kassa_core::{MerchantId, mask_pan};
use kassa_merchant::application::{ApplicationState, DocumentKind, admission_checks, document_type, holder_matches};
use kassa_merchant::identity::{FieldError, check_phone, mask_id_number, mask_phone, parse_card};
use kassa_merchant::password::{check_login_password, check_payment_password};
use kassa_merchant::{AdmissionFacts, Application, OtpPurpose};
use kassa_store::ledger::{
    OfficeKind, Payout, PayoutState, Planned, Role, office_posting_id, payout_postings, withdrawal_date,
};
use kassa_store::office::{Sql, Wallet, wallet};
use kassa_store::sql_params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::office::{
    Actor, Office, attempts, audit, check_code, hash_password, new_token, open_session, verify_password,
};
pub use crate::office::{crypto_error, merchant_of, user_of};

/// A merchant's own id, or 403 while the application is still open.
/// A keyed hash of an ID number (apart from card fingerprints by its prefix).
pub fn id_fingerprint(office: &Office, id_number: &str) -> Vec<u8> {
    office.hsm.pan_fingerprint(&format!("id:{}", id_number.to_ascii_uppercase())).to_vec()
}

impl Office {
    /// Sign-up: a phone proved by a code, a login password and a payment
    /// password. Answers a session token.
    pub async fn register(
        &self,
        phone: String,
        code: String,
        password: String,
        payment_password: String,
    ) -> ApiResult<String> {
        check_phone(&phone)?;
        check_login_password(&password)?;
        check_payment_password(&payment_password)?;
        let login_hash = hash_password(password).await?;
        let payment_hash = hash_password(payment_password).await?;
        let (policy, now, token) = (self.policies.otp, self.now_ms(), new_token()?);
        let answer = token.clone();
        self.write(move |sql| {
            if let Err(e) = check_code(sql, &policy, &phone, OtpPurpose::Register, &code, now)? {
                return Ok(Err(e.into()));
            }
            if sql.one("SELECT id FROM merchant_users WHERE phone = ?1", sql_params![phone.as_str()])?.is_some() {
                return Ok(Err(ApiError::conflict("phone_taken", "this phone already has an account: log in")));
            }
            let user = sql.insert(
                "INSERT INTO merchant_users (phone, login_hash, payment_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
                sql_params![phone.as_str(), login_hash, payment_hash, now],
            )?;
            open_session(sql, &token, "merchant", user, now)?;
            audit(sql, now, &format!("applicant:{user}"), "register", &mask_phone(&phone), "")?;
            Ok(Ok(()))
        })
        .await?;
        Ok(answer)
    }

    /// Log-in with phone and password; locks after repeated failures.
    pub async fn login(&self, phone: String, password: String) -> ApiResult<String> {
        self.password_login(crate::office::Login::Merchant, phone, password).await
    }

    /// A new login password with a code sent to the bound phone; ends every session and lifts a lock.
    pub async fn reset_password(&self, phone: String, code: String, password: String) -> ApiResult<()> {
        check_login_password(&password)?;
        let hash = hash_password(password).await?;
        let (policy, now) = (self.policies.otp, self.now_ms());
        self.write(move |sql| {
            if let Err(e) = check_code(sql, &policy, &phone, OtpPurpose::ResetPassword, &code, now)? {
                return Ok(Err(e.into()));
            }
            let Some(user) = sql.one("SELECT id FROM merchant_users WHERE phone = ?1", sql_params![phone.as_str()])? else {
                return Ok(Err(ApiError::not_found("account")));
            };
            let user = user.int(0)?;
            sql.exec(
                "UPDATE merchant_users SET login_hash = ?2, login_failures = 0, login_locked_until = NULL WHERE id = ?1",
                sql_params![user, hash],
            )?;
            sql.exec("UPDATE sessions SET ended = 1 WHERE kind = 'merchant' AND subject = ?1", sql_params![user])?;
            audit(sql, now, &format!("user:{user}"), "reset_password", &mask_phone(&phone), "")?;
            Ok(Ok(()))
        })
        .await
    }

    /// The bound phone of a user.
    pub async fn phone_of(&self, user: i64) -> ApiResult<String> {
        self.read(move |sql| match sql.one("SELECT phone FROM merchant_users WHERE id = ?1", sql_params![user])? {
            Some(row) => Ok(Ok(row.text(0)?)),
            None => Ok(Err(ApiError::not_found("account"))),
        })
        .await
    }

    /// Changing the bound phone takes a code sent to the old number and one sent to the new.
    pub async fn change_phone(
        &self,
        actor: Actor,
        old_code: String,
        new_phone: String,
        new_code: String,
    ) -> ApiResult<()> {
        let user = user_of(&actor)?;
        check_phone(&new_phone)?;
        let old_phone = self.phone_of(user).await?;
        let (policy, now) = (self.policies.otp, self.now_ms());
        self.write(move |sql| {
            if let Err(e) = check_code(sql, &policy, &old_phone, OtpPurpose::ChangePhoneOld, &old_code, now)? {
                return Ok(Err(e.into()));
            }
            if let Err(e) = check_code(sql, &policy, &new_phone, OtpPurpose::ChangePhoneNew, &new_code, now)? {
                return Ok(Err(e.into()));
            }
            if sql.one("SELECT id FROM merchant_users WHERE phone = ?1", sql_params![new_phone.as_str()])?.is_some() {
                return Ok(Err(ApiError::conflict("phone_taken", "another account uses this phone")));
            }
            sql.exec("UPDATE merchant_users SET phone = ?2 WHERE id = ?1", sql_params![user, new_phone.as_str()])?;
            sql.exec("UPDATE merchant_profiles SET phone = ?2 WHERE merchant_id IN (SELECT merchant_id FROM merchant_users WHERE id = ?1)", sql_params![user, new_phone.as_str()])?;
            audit(sql, now, &actor.name(), "change_phone", &mask_phone(&old_phone), &format!("to {}", mask_phone(&new_phone)))?;
            Ok(Ok(()))
        })
        .await
    }

    /// Checks the payment password (with its own lock-out); counts a failure durably.
    pub async fn check_payment_password(&self, user: i64, password: String) -> ApiResult<()> {
        let (lockout, now) = (self.policies.lockout, self.now_ms());
        let row = self
            .read(move |sql| {
                match sql.one(
                    "SELECT payment_hash, pay_failures, pay_locked_until FROM merchant_users WHERE id = ?1",
                    sql_params![user],
                )? {
                    Some(row) => Ok(Ok(row)),
                    None => Ok(Err(ApiError::not_found("account"))),
                }
            })
            .await?;
        let state = attempts(&row, 1, 2)?;
        if let Err(left) = lockout.check(state, now) {
            return Err(ApiError::locked(format!(
                "too many wrong payment passwords: try again in {} minutes",
                (left + 59_999) / 60_000
            )));
        }
        let ok = verify_password(password, row.text(0)?).await;
        self.write(move |sql| {
            if ok {
                sql.exec(
                    "UPDATE merchant_users SET pay_failures = 0, pay_locked_until = NULL WHERE id = ?1",
                    sql_params![user],
                )?;
                return Ok(Ok(()));
            }
            let after = lockout.failed(state, now);
            sql.exec(
                "UPDATE merchant_users SET pay_failures = ?2, pay_locked_until = ?3 WHERE id = ?1",
                sql_params![user, after.failures, after.locked_until_ms],
            )?;
            audit(sql, now, &format!("user:{user}"), "payment_password_failed", "", "")?;
            Ok(Err(if after.locked_until_ms.is_some() {
                ApiError::locked("too many wrong payment passwords: locked for 30 minutes")
            } else {
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "wrong_payment_password",
                    format!("the payment password is wrong ({} tries left)", lockout.tries_left(after)),
                )
            }))
        })
        .await
    }

    /// Files the onboarding application, with its automatic checks.
    pub async fn apply(&self, actor: Actor, application: Application) -> ApiResult<ApplicationView> {
        let user = user_of(&actor)?;
        application.validate()?;
        let card = parse_card("card_number", &application.card_number)?;
        self.verify_with_bank(card.expose(), &application.card_holder)?;
        let id_hash = id_fingerprint(self, &application.id_number);
        let id_sealed = self.hsm.encrypt_pan(&application.id_number.to_ascii_uppercase()).map_err(crypto_error)?;
        let card_hash = self.hsm.pan_fingerprint(card.expose()).to_vec();
        let card_sealed = self.hsm.encrypt_pan(card.expose()).map_err(crypto_error)?;
        let card_masked = card.masked();
        let (now, high_risk) = (self.now_ms(), self.policies.high_risk_mccs.contains(&application.mcc));
        let admission = crate::rulesets::admission_engine(self).await?;
        self.write(move |sql| {
            if let Some(open) = sql.one(
                "SELECT id FROM applications WHERE user_id = ?1 AND state IN ('submitted', 'approved')",
                sql_params![user],
            )? {
                return Ok(Err(ApiError::conflict("application_exists", format!("application {} is already on file", open.int(0)?))));
            }
            let facts = admission_facts(sql, &id_hash, &application.phone, &card_hash, high_risk, user)?;
            let applicant = kassa_risk::Applicant {
                same_identity: facts.same_identity.len() as i64,
                same_phone: facts.same_phone.len() as i64,
                blocked: facts.blocked.clone(),
                high_risk_mcc: facts.high_risk_category,
                mcc: application.mcc.clone(),
            };
            let rules = crate::rulesets::admission_rules(&admission, &applicant);
            let checks = admission_checks(&facts, &rules);
            let checks_json = serde_json::to_string(&checks).unwrap_or_else(|_| "[]".into());
            let a = &application;
            let id = sql.insert(
                "INSERT INTO applications (user_id, legal_name, id_hash, id_masked, id_sealed, phone, business_name, address, mcc,
                   card_hash, card_masked, card_sealed, card_holder, state, checks, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'submitted', ?14, ?15, ?15) RETURNING id",
                sql_params![
                    user,
                    a.legal_name.trim(),
                    id_hash,
                    mask_id_number(&a.id_number),
                    id_sealed,
                    a.phone.as_str(),
                    a.business_name.trim(),
                    a.address.trim(),
                    a.mcc.as_str(),
                    card_hash,
                    card_masked,
                    card_sealed,
                    a.card_holder.trim(),
                    checks_json,
                    now
                ],
            )?;
            audit(sql, now, &actor.name(), "apply", &format!("application:{id}"), &a.business_name)?;
            Ok(load_application(sql, id)?.ok_or(ApiError::not_found("application")))
        })
        .await
    }

    /// Whether the bank knows the card, it is a debit card, and its holder is `holder`.
    pub fn verify_with_bank(&self, pan: &str, holder: &str) -> ApiResult<()> {
        match self.bank.account(pan) {
            None => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "card_unknown_to_bank",
                format!("the bank does not know card {}", mask_pan(pan)),
            )),
            Some(account) if !account.debit => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "card_not_debit",
                format!("card {} is a credit card: payouts go to a debit card", mask_pan(pan)),
            )),
            Some(account) if account.holder.trim() != holder.trim() => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "card_holder_mismatch",
                format!("the bank says card {} is not in the name given", mask_pan(pan)),
            )),
            Some(_) => Ok(()),
        }
    }

    /// The caller's own application.
    pub async fn my_application(&self, actor: Actor) -> ApiResult<ApplicationView> {
        let user = user_of(&actor)?;
        self.read(move |sql| {
            let Some(row) =
                sql.one("SELECT id FROM applications WHERE user_id = ?1 ORDER BY id DESC LIMIT 1", sql_params![user])?
            else {
                return Ok(Err(ApiError::not_found("application")));
            };
            Ok(load_application(sql, row.int(0)?)?.ok_or(ApiError::not_found("application")))
        })
        .await
    }

    /// Stores a document of the caller's application (replacing one of the same kind).
    pub async fn upload_application_document(
        &self,
        actor: Actor,
        kind: String,
        bytes: Vec<u8>,
    ) -> ApiResult<DocumentView> {
        let user = user_of(&actor)?;
        let kind = DocumentKind::from_code(&kind)
            .filter(|k| DocumentKind::ONBOARDING.contains(k))
            .ok_or_else(|| FieldError::new("kind", "must be id_front, id_back or business_licence"))?;
        let content_type = document_type(&bytes)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(row) = sql.one(
                "SELECT id FROM applications WHERE user_id = ?1 AND state = 'submitted' ORDER BY id DESC LIMIT 1",
                sql_params![user],
            )?
            else {
                return Ok(Err(ApiError::not_found("open application")));
            };
            let application = row.int(0)?;
            let view = store_document(sql, "application", application, kind, content_type, bytes, now)?;
            audit(sql, now, &actor.name(), "upload_document", &format!("application:{application}"), kind.code())?;
            Ok(Ok(view))
        })
        .await
    }

    pub async fn wallet(&self, actor: Actor) -> ApiResult<Wallet> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| Ok(Ok(wallet(sql, &merchant)?))).await
    }

    /// Transfers `amount` of the available funds to the settlement card, with the payment password.
    pub async fn withdraw(&self, actor: Actor, amount: i64, payment_password: String) -> ApiResult<WithdrawalView> {
        let merchant = merchant_of(&actor)?;
        let user = user_of(&actor)?;
        if amount <= 0 {
            return Err(FieldError::new("amount", "must be a positive number of fen").into());
        }
        self.check_payment_password(user, payment_password).await?;
        let now = self.now_ms();
        self.write(move |sql| {
            let balances = wallet(sql, &merchant)?;
            if amount > balances.available {
                return Ok(Err(ApiError::conflict(
                    "insufficient_funds",
                    format!(
                        "only {} is available",
                        kassa_core::Amount(balances.available.max(0) as u64).display(kassa_core::Currency::CNY)
                    ),
                )));
            }
            let Some(payout) = pay_out(sql, &merchant, amount, now)? else {
                return Ok(Err(ApiError::conflict("no_settlement_card", "bind a settlement card first")));
            };
            audit(
                sql,
                now,
                &actor.name(),
                "withdraw",
                &payout.id,
                &format!(
                    "{} to {}",
                    kassa_core::Amount(amount.max(0) as u64).display(kassa_core::Currency::CNY),
                    payout.card_masked
                ),
            )?;
            Ok(Ok(WithdrawalView { payout_id: payout.id, amount, card: payout.card_masked, state: "created".into() }))
        })
        .await
    }

    /// The merchant's notices, newest first.
    pub async fn notices(&self, actor: Actor) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| {
            let rows = sql.query(
                "SELECT text FROM merchant_notices WHERE merchant_id = ?1 ORDER BY id DESC LIMIT 100",
                sql_params![merchant.as_str()],
            )?;
            Ok(Ok(rows.iter().map(|r| r.text(0)).collect::<kassa_store::Result<_>>()?))
        })
        .await
    }
}

/// Sends `amount` of the available funds to the settlement card: a payout the
/// bank run picks up, reserved on the ledger in the caller's transaction.
/// `None` when there is no settlement card.
pub(crate) fn pay_out(
    sql: &mut dyn Sql,
    merchant: &MerchantId,
    amount: i64,
    now: i64,
) -> kassa_store::Result<Option<Payout>> {
    let Some(card) =
        sql.one("SELECT pan_masked FROM merchant_cards WHERE merchant_id = ?1", sql_params![merchant.as_str()])?
    else {
        return Ok(None);
    };
    let id = sql.insert(
        "INSERT INTO withdrawals (merchant_id, amount, payout_id, created_at) VALUES (?1, ?2, '', ?3) RETURNING id",
        sql_params![merchant.as_str(), amount, now],
    )?;
    let payout = Payout {
        id: format!("{merchant}-{}", withdrawal_date(id)),
        merchant: merchant.clone(),
        business_date: withdrawal_date(id),
        amount: amount.max(0) as u64,
        card_sealed: Vec::new(),
        card_masked: card.text(0)?,
        state: PayoutState::Created,
    };
    sql.exec("UPDATE withdrawals SET payout_id = ?2 WHERE id = ?1", sql_params![id, payout.id.as_str()])?;
    sql.exec(
        "INSERT INTO payouts (id, merchant_id, business_date, amount, card_masked, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'created', ?6, ?6)",
        sql_params![
            payout.id.as_str(),
            merchant.as_str(),
            payout.business_date.as_str(),
            amount,
            payout.card_masked.as_str(),
            now
        ],
    )?;
    sql.post(merchant, &payout_postings(&payout, PayoutState::Created), now)?;
    Ok(Some(payout))
}

/// A deposit movement for a terminal: paid in by the merchant when the terminal
/// is assigned (cash in at the bank, the side payouts leave from), later
/// refunded to the available funds (then paid out) or forfeited to income.
pub fn deposit_postings(row_id: i64, stage: u8, amount: u64) -> Vec<Planned> {
    let id = office_posting_id(OfficeKind::Deposit, row_id, stage);
    let (debit, credit) = match stage {
        1 => (Role::Network, Role::MerchantDeposits),
        2 => (Role::MerchantDeposits, Role::MerchantAvailable),
        _ => (Role::MerchantDeposits, Role::FeeIncome),
    };
    if amount == 0 { Vec::new() } else { vec![Planned::Transfer { id, debit, credit, amount }] }
}

fn admission_facts(
    sql: &mut dyn Sql,
    id_hash: &[u8],
    phone: &str,
    card_hash: &[u8],
    high_risk_category: bool,
    user: i64,
) -> kassa_store::Result<AdmissionFacts> {
    let mut facts = AdmissionFacts { high_risk_category, ..AdmissionFacts::default() };
    for row in sql.query(
        "SELECT merchant_id FROM merchant_profiles WHERE id_hash = ?1
         UNION SELECT 'application ' || CAST(id AS TEXT) FROM applications WHERE id_hash = ?1 AND state = 'submitted' AND user_id <> ?2",
        sql_params![id_hash, user],
    )? {
        facts.same_identity.push(row.text(0)?);
    }
    for row in sql.query("SELECT merchant_id FROM merchant_profiles WHERE phone = ?1", sql_params![phone])? {
        facts.same_phone.push(row.text(0)?);
    }
    let phone_hash = Sha256::digest(phone.as_bytes()).to_vec();
    for (kind, hash) in [("id_number", id_hash.to_vec()), ("phone", phone_hash), ("card", card_hash.to_vec())] {
        if sql.one("SELECT 1 FROM block_list WHERE kind = ?1 AND value_hash = ?2", sql_params![kind, hash])?.is_some() {
            facts.blocked.push(kind.to_string());
        }
    }
    Ok(facts)
}

pub(crate) fn store_document(
    sql: &mut dyn Sql,
    owner_kind: &str,
    owner_id: i64,
    kind: DocumentKind,
    content_type: &str,
    bytes: Vec<u8>,
    now: i64,
) -> kassa_store::Result<DocumentView> {
    let sha = Sha256::digest(&bytes).to_vec();
    let size = bytes.len() as i64;
    sql.exec(
        "DELETE FROM documents WHERE owner_kind = ?1 AND owner_id = ?2 AND kind = ?3",
        sql_params![owner_kind, owner_id, kind.code()],
    )?;
    sql.exec(
        "INSERT INTO documents (owner_kind, owner_id, kind, content_type, size, sha256, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        sql_params![owner_kind, owner_id, kind.code(), content_type, size, sha.clone(), bytes, now],
    )?;
    Ok(DocumentView { kind: kind.code().into(), content_type: content_type.into(), size, sha256: hex::encode(sha) })
}

pub(crate) fn documents_of(
    sql: &mut dyn Sql,
    owner_kind: &str,
    owner_id: i64,
) -> kassa_store::Result<Vec<DocumentView>> {
    sql.query(
        "SELECT kind, content_type, size, sha256 FROM documents WHERE owner_kind = ?1 AND owner_id = ?2 ORDER BY kind",
        sql_params![owner_kind, owner_id],
    )?
    .iter()
    .map(|r| {
        Ok(DocumentView {
            kind: r.text(0)?,
            content_type: r.text(1)?,
            size: r.int(2)?,
            sha256: hex::encode(r.blob(3)?),
        })
    })
    .collect()
}

/// An application as the applicant and the analyst see it (ID and card masked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub state: String,
    pub legal_name: String,
    pub id_number: String,
    pub phone: String,
    pub business_name: String,
    pub address: String,
    pub mcc: String,
    pub card_number: String,
    pub card_holder: String,
    #[schema(value_type = Vec<Object>)]
    pub checks: serde_json::Value,
    pub documents: Vec<DocumentView>,
    pub missing_documents: Vec<String>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub merchant_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct WithdrawalView {
    pub payout_id: String,
    /// Minor units (fen).
    pub amount: i64,
    pub card: String,
    pub state: String,
}

pub(crate) fn load_application(sql: &mut dyn Sql, id: i64) -> kassa_store::Result<Option<ApplicationView>> {
    let Some(r) = sql.one(
        "SELECT id, state, legal_name, id_masked, phone, business_name, address, mcc, card_masked, card_holder, checks,
                decided_by, decision_reason, merchant_id
         FROM applications WHERE id = ?1",
        sql_params![id],
    )?
    else {
        return Ok(None);
    };
    let documents = documents_of(sql, "application", id)?;
    let missing = DocumentKind::ONBOARDING
        .iter()
        .filter(|k| !documents.iter().any(|d| d.kind == k.code()))
        .map(|k| k.code().to_string())
        .collect();
    let state = r.text(1)?;
    debug_assert!(ApplicationState::from_code(&state).is_some());
    Ok(Some(ApplicationView {
        id: r.int(0)?,
        state,
        legal_name: r.text(2)?,
        id_number: r.text(3)?,
        phone: mask_phone(&r.text(4)?),
        business_name: r.text(5)?,
        address: r.text(6)?,
        mcc: r.text(7)?,
        card_number: r.text(8)?,
        card_holder: r.text(9)?,
        checks: serde_json::from_str(&r.text(10)?).unwrap_or(serde_json::Value::Null),
        documents,
        missing_documents: missing,
        decided_by: r.opt_text(11)?,
        decision_reason: r.opt_text(12)?,
        merchant_id: r.opt_text(13)?,
    }))
}

/// Whether `holder` is the merchant (legal person or business) on file.
pub(crate) fn holder_is_merchant(sql: &mut dyn Sql, merchant: &MerchantId, holder: &str) -> kassa_store::Result<bool> {
    let row = sql.one(
        "SELECT p.legal_name, m.name FROM merchant_profiles p JOIN merchants m ON m.id = p.merchant_id WHERE p.merchant_id = ?1",
        sql_params![merchant.as_str()],
    )?;
    Ok(match row {
        Some(r) => holder_matches(holder, &r.text(0)?, &r.text(1)?),
        None => false,
    })
}
