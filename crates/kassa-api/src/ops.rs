//! The operations console's API: staff log-in, the admission review queue,
//! block lists, freezing merchants, the audit log and the SMS outbox.

use kassa_merchant::application::merchant_number;
use kassa_merchant::identity::{FieldError, check_phone, parse_card};
use kassa_merchant::{Permission, StaffRole};
use kassa_store::office::Sql;
use kassa_store::sql_params;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::cards::{add_card, make_settlement};
use crate::error::{ApiError, ApiResult};
use crate::merchants::{ApplicationView, id_fingerprint, load_application};
use crate::office::{Actor, Office, audit, hash_password};
pub use crate::office::{next_counter, require};

/// Default limits of a new merchant (minor units): ¥50,000 a sale, ¥200,000 a day.
pub const NEW_MERCHANT_SINGLE_LIMIT: i64 = 5_000_000;
pub const NEW_MERCHANT_DAILY_LIMIT: i64 = 20_000_000;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MerchantRow {
    pub id: String,
    pub name: String,
    pub mcc: String,
    pub status: String,
    /// Whether it has a mail/telephone-order agreement (keyed card numbers, credit cards only).
    pub mail_order: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PayoutRow {
    pub id: String,
    pub merchant_id: String,
    /// The settled business day, or `W…` for a transfer out.
    pub business_date: String,
    pub amount: i64,
    pub card: String,
    pub state: String,
    pub reason: Option<String>,
}

/// The risk engine's decision on a transaction: which rules hit, in which ruleset version.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskDecisionView {
    pub txn_id: i64,
    pub merchant_id: String,
    pub ruleset_version: i64,
    pub outcome: String,
    pub score: i64,
    #[schema(value_type = Vec<Object>)]
    pub hits: serde_json::Value,
    pub created_at: i64,
}

pub(crate) const DECISION_COLUMNS: &str =
    "txn_id, merchant_id, ruleset_version, outcome, score, hits, created_at FROM risk_decisions";

pub(crate) fn decision_view(r: &kassa_store::office::Row) -> kassa_store::Result<RiskDecisionView> {
    Ok(RiskDecisionView {
        txn_id: r.int(0)?,
        merchant_id: r.text(1)?,
        ruleset_version: r.int(2)?,
        outcome: r.text(3)?,
        score: r.int(4)?,
        hits: serde_json::from_str(&r.text(5)?).unwrap_or(serde_json::Value::Null),
        created_at: r.int(6)?,
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SmsView {
    pub id: i64,
    pub phone: String,
    pub text: String,
    pub created_at: i64,
}

/// An SMS as staff may read it: every code it carries (the word after " is "
/// in the codes Kassa sends: one-time and activation codes) masked.
pub fn mask_codes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" is ") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let end = after.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(after.len());
        let (word, tail) = after.split_at(end);
        if (4..=12).contains(&word.len()) && word.bytes().any(|b| b.is_ascii_digit()) {
            out.extend(std::iter::repeat_n('•', word.len()));
        } else {
            out.push_str(word);
        }
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// The SMS outbox, newest first (`phone` narrows it; at most 1,000), as the
/// gateway wrote it — codes included: for the machine's operator (`kassa sms
/// outbox`) and tests. Staff read it through [`Office::staff_outbox`].
pub fn outbox(sql: &mut dyn Sql, phone: Option<&str>, limit: i64) -> kassa_store::Result<Vec<SmsView>> {
    let limit = limit.clamp(1, 1000);
    let rows = match phone {
        Some(phone) => sql.query(
            "SELECT id, phone, text, created_at FROM sms_outbox WHERE phone = ?1 ORDER BY id DESC LIMIT ?2",
            sql_params![phone, limit],
        )?,
        None => sql.query(
            "SELECT id, phone, text, created_at FROM sms_outbox ORDER BY id DESC LIMIT ?1",
            sql_params![limit],
        )?,
    };
    rows.iter()
        .map(|r| Ok(SmsView { id: r.int(0)?, phone: r.text(1)?, text: r.text(2)?, created_at: r.int(3)? }))
        .collect()
}

impl Office {
    /// Adds a staff member (at start-up from the configuration, or by an admin).
    pub async fn create_staff(&self, username: String, role: StaffRole, password: String) -> ApiResult<()> {
        if username.is_empty()
            || username.len() > 32
            || !username.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        {
            return Err(FieldError::new("username", "1 to 32 letters, digits, dots or underscores").into());
        }
        kassa_merchant::password::check_login_password(&password)?;
        let hash = hash_password(password).await?;
        let now = self.now_ms();
        self.write(move |sql| {
            if sql.one("SELECT id FROM staff WHERE username = ?1", sql_params![username.as_str()])?.is_some() {
                return Ok(Err(ApiError::conflict("username_taken", "a staff member has this name")));
            }
            sql.exec(
                "INSERT INTO staff (username, role, login_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                sql_params![username.as_str(), role.code(), hash, now],
            )?;
            audit(sql, now, "system", "create_staff", &username, role.code())?;
            Ok(Ok(()))
        })
        .await
    }

    pub async fn staff_login(&self, username: String, password: String) -> ApiResult<String> {
        self.password_login(crate::office::Login::Staff, username, password).await
    }

    /// The review queue: applications in `state` (default `submitted`), oldest first.
    pub async fn applications(&self, actor: Actor, state: Option<String>) -> ApiResult<Vec<ApplicationView>> {
        require(&actor, Permission::ViewMerchants)?;
        let state = state.unwrap_or_else(|| "submitted".into());
        self.read(move |sql| {
            let ids =
                sql.query("SELECT id FROM applications WHERE state = ?1 ORDER BY id LIMIT 500", sql_params![state])?;
            let mut out = Vec::with_capacity(ids.len());
            for row in ids {
                if let Some(view) = load_application(sql, row.int(0)?)? {
                    out.push(view);
                }
            }
            Ok(Ok(out))
        })
        .await
    }

    pub async fn application(&self, actor: Actor, id: i64) -> ApiResult<ApplicationView> {
        require(&actor, Permission::ViewMerchants)?;
        self.read(move |sql| Ok(load_application(sql, id)?.ok_or(ApiError::not_found("application")))).await
    }

    /// Approves an application: issues the merchant number, opens its ledger
    /// accounts, binds the settlement card, and tells the applicant by SMS.
    pub async fn approve(&self, actor: Actor, id: i64) -> ApiResult<ApplicationView> {
        require(&actor, Permission::ReviewApplications)?;
        let (now, sms) = (self.now_ms(), self.sms.clone());
        self.write(move |sql| {
            let Some(view) = load_application(sql, id)? else {
                return Ok(Err(ApiError::not_found("application")));
            };
            if view.state != "submitted" {
                return Ok(Err(ApiError::conflict("already_decided", format!("the application is {}", view.state))));
            }
            if !view.missing_documents.is_empty() {
                return Ok(Err(ApiError::conflict(
                    "documents_missing",
                    format!("documents missing: {}", view.missing_documents.join(", ")),
                )));
            }
            let Some(a) = sql.one(
                "SELECT user_id, id_hash, id_masked, phone, card_hash, card_masked, card_sealed, card_holder FROM applications WHERE id = ?1",
                sql_params![id],
            )?
            else {
                return Ok(Err(ApiError::not_found("application")));
            };
            let merchant = merchant_number(next_counter(sql, "merchant")?.max(0) as u64);
            sql.exec(
                "INSERT INTO merchants (id, name, mcc, status, mail_order, single_limit, daily_limit, created_at)
                 VALUES (?1, ?2, ?3, 'active', ?4, ?5, ?6, ?7)",
                sql_params![
                    merchant.as_str(),
                    view.business_name.as_str(),
                    view.mcc.as_str(),
                    false,
                    NEW_MERCHANT_SINGLE_LIMIT,
                    NEW_MERCHANT_DAILY_LIMIT,
                    now
                ],
            )?;
            sql.exec(
                "INSERT INTO merchant_profiles (merchant_id, application_id, legal_name, id_hash, id_masked, phone, address, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                sql_params![merchant.as_str(), id, view.legal_name.as_str(), a.blob(1)?, a.text(2)?, a.text(3)?, view.address.as_str(), now],
            )?;
            for (kind, floor) in [("MerchantPending", None), ("MerchantAvailable", Some(0i64)), ("MerchantFrozen", None), ("DepositsHeld", Some(0))] {
                sql.exec(
                    "INSERT INTO ledger_accounts (owner, kind, currency, floor) VALUES (?1, ?2, 156, ?3)
                     ON CONFLICT (owner, kind, currency) DO NOTHING",
                    sql_params![merchant.as_str(), kind, floor],
                )?;
            }
            let user = a.int(0)?;
            sql.exec("UPDATE merchant_users SET merchant_id = ?2 WHERE id = ?1", sql_params![user, merchant.as_str()])?;
            let card = add_card(sql, &merchant, a.blob(4)?, &a.text(5)?, a.blob(6)?, &a.text(7)?, now)?;
            make_settlement(sql, &merchant, card)?;
            sql.exec(
                "UPDATE applications SET state = 'approved', decided_by = ?2, merchant_id = ?3, updated_at = ?4 WHERE id = ?1",
                sql_params![id, actor.name(), merchant.as_str(), now],
            )?;
            audit(sql, now, &actor.name(), "approve_application", &format!("application:{id}"), &merchant)?;
            let phone = a.text(3)?;
            sms.send(sql, &phone, &format!("【Kassa】Your application is approved. Your merchant number is {merchant}."), now)?;
            Ok(load_application(sql, id)?.ok_or(ApiError::not_found("application")))
        })
        .await
    }

    pub async fn reject(&self, actor: Actor, id: i64, reason: String) -> ApiResult<ApplicationView> {
        require(&actor, Permission::ReviewApplications)?;
        if reason.trim().is_empty() || reason.chars().count() > 500 {
            return Err(FieldError::new("reason", "say why, in at most 500 characters").into());
        }
        let (now, sms) = (self.now_ms(), self.sms.clone());
        self.write(move |sql| {
            let Some(view) = load_application(sql, id)? else {
                return Ok(Err(ApiError::not_found("application")));
            };
            if view.state != "submitted" {
                return Ok(Err(ApiError::conflict("already_decided", format!("the application is {}", view.state))));
            }
            sql.exec(
                "UPDATE applications SET state = 'rejected', decided_by = ?2, decision_reason = ?3, updated_at = ?4 WHERE id = ?1",
                sql_params![id, actor.name(), reason.trim(), now],
            )?;
            audit(sql, now, &actor.name(), "reject_application", &format!("application:{id}"), reason.trim())?;
            let phone = sql.one("SELECT phone FROM applications WHERE id = ?1", sql_params![id])?.map(|r| r.text(0)).transpose()?;
            if let Some(phone) = phone {
                sms.send(sql, &phone, &format!("【Kassa】Your application was not approved: {}", reason.trim()), now)?;
            }
            Ok(load_application(sql, id)?.ok_or(ApiError::not_found("application")))
        })
        .await
    }

    /// Puts an ID number, phone or card on the admission block list.
    pub async fn block(&self, actor: Actor, kind: String, value: String, reason: String) -> ApiResult<()> {
        require(&actor, Permission::FreezeMerchants)?;
        let hash = match kind.as_str() {
            "id_number" => {
                kassa_merchant::identity::check_id_number(&value)?;
                id_fingerprint(self, &value)
            }
            "phone" => {
                check_phone(&value)?;
                Sha256::digest(value.as_bytes()).to_vec()
            }
            "card" => self.hsm.pan_fingerprint(parse_card("value", &value)?.expose()).to_vec(),
            _ => return Err(FieldError::new("kind", "must be id_number, phone or card").into()),
        };
        let now = self.now_ms();
        self.write(move |sql| {
            sql.exec(
                "INSERT INTO block_list (kind, value_hash, reason, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kind, value_hash) DO UPDATE SET reason = ?3",
                sql_params![kind.as_str(), hash, reason.as_str(), now],
            )?;
            audit(sql, now, &actor.name(), "block", &kind, &reason)?;
            Ok(Ok(()))
        })
        .await
    }

    /// Freezes (or unfreezes) a merchant: the host refuses its terminals while frozen.
    pub async fn set_frozen(&self, actor: Actor, merchant: String, frozen: bool, reason: String) -> ApiResult<()> {
        require(&actor, Permission::FreezeMerchants)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let (from, to) = if frozen { ("active", "frozen") } else { ("frozen", "active") };
            let Some(row) = sql.one("SELECT status FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?
            else {
                return Ok(Err(ApiError::not_found("merchant")));
            };
            if row.text(0)? != from {
                return Ok(Err(ApiError::conflict("wrong_state", format!("the merchant is {}", row.text(0)?))));
            }
            sql.exec("UPDATE merchants SET status = ?2 WHERE id = ?1", sql_params![merchant.as_str(), to])?;
            audit(sql, now, &actor.name(), if frozen { "freeze" } else { "unfreeze" }, &merchant, &reason)?;
            Ok(Ok(()))
        })
        .await
    }

    /// Records where a merchant is registered (`lat,lon` in degrees), so the
    /// risk rules can tell how far its mobile readers are.
    pub async fn set_merchant_location(&self, actor: Actor, merchant: String, location: String) -> ApiResult<()> {
        require(&actor, Permission::EditMerchants)?;
        let location = location.trim().to_string();
        if kassa_risk::geo::Location::parse(&location).is_none() {
            return Err(FieldError::new("location", "must be lat,lon in degrees, e.g. 31.2304,121.4737").into());
        }
        let now = self.now_ms();
        self.write(move |sql| {
            let changed = sql.exec(
                "UPDATE merchants SET location = ?2 WHERE id = ?1",
                sql_params![merchant.as_str(), location.as_str()],
            )?;
            if changed == 0 {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            audit(sql, now, &actor.name(), "merchant_location", &merchant, &location)?;
            Ok(Ok(()))
        })
        .await
    }

    /// Sets a merchant's tier (`small`, `standard`, `large`): its limits in the risk rules.
    pub async fn set_merchant_tier(
        &self,
        actor: Actor,
        merchant: String,
        tier: String,
        reason: String,
    ) -> ApiResult<()> {
        require(&actor, Permission::FreezeMerchants)?;
        if !kassa_store::MERCHANT_TIERS.contains(&tier.as_str()) {
            return Err(FieldError::new("tier", "must be small, standard or large").into());
        }
        let now = self.now_ms();
        self.write(move |sql| {
            let changed = sql
                .exec("UPDATE merchants SET tier = ?2 WHERE id = ?1", sql_params![merchant.as_str(), tier.as_str()])?;
            if changed == 0 {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            audit(sql, now, &actor.name(), "merchant_tier", &merchant, &format!("{tier}: {reason}"))?;
            Ok(Ok(()))
        })
        .await
    }

    /// Gives a merchant a mail/telephone-order agreement, or ends it
    /// (operations; audited): with it, the host takes keyed card numbers of
    /// credit cards; without it, none (`12`). Off for every new merchant.
    pub async fn set_mail_order(&self, actor: Actor, merchant: String, enabled: bool, reason: String) -> ApiResult<()> {
        require(&actor, Permission::EditMerchants)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let changed = sql
                .exec("UPDATE merchants SET mail_order = ?2 WHERE id = ?1", sql_params![merchant.as_str(), enabled])?;
            if changed == 0 {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            let detail = format!("{}: {reason}", if enabled { "agreement on" } else { "agreement off" });
            audit(sql, now, &actor.name(), "mail_order", &merchant, &detail)?;
            Ok(Ok(()))
        })
        .await
    }

    /// Changes a merchant's registered name or category (audited); each
    /// change is remembered for the risk rule on repeated changes.
    pub async fn change_merchant_profile(
        &self,
        actor: Actor,
        merchant: String,
        name: Option<String>,
        mcc: Option<String>,
        reason: String,
    ) -> ApiResult<MerchantRow> {
        require(&actor, Permission::EditMerchants)?;
        let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 40) {
            return Err(FieldError::new("name", "at most 40 characters (field 43)").into());
        }
        if let Some(mcc) = &mcc {
            kassa_merchant::identity::check_mcc(mcc)?;
        }
        if name.is_none() && mcc.is_none() {
            return Err(FieldError::new("name", "give a new name or category").into());
        }
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(FieldError::new("reason", "is required").into());
        }
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(row) = sql.one(
                "SELECT name, mcc, profile_changes, status, mail_order FROM merchants WHERE id = ?1",
                sql_params![merchant.as_str()],
            )?
            else {
                return Ok(Err(ApiError::not_found("merchant")));
            };
            let (old_name, old_mcc) = (row.text(0)?, row.text(1)?);
            let mut changes = kassa_store::parse_profile_changes(&row.text(2)?);
            changes.push(now);
            let keep = changes.len().saturating_sub(kassa_store::PROFILE_CHANGES_KEPT);
            let changes: Vec<String> = changes[keep..].iter().map(i64::to_string).collect();
            let (new_name, new_mcc) = (name.unwrap_or(old_name.clone()), mcc.unwrap_or(old_mcc.clone()));
            sql.exec(
                "UPDATE merchants SET name = ?2, mcc = ?3, profile_changes = ?4 WHERE id = ?1",
                sql_params![merchant.as_str(), new_name.as_str(), new_mcc.as_str(), changes.join(",")],
            )?;
            let detail = format!("{old_name} / {old_mcc} → {new_name} / {new_mcc}: {reason}");
            audit(sql, now, &actor.name(), "merchant_profile", &merchant, &detail)?;
            let mail_order = row.flag(4)?;
            Ok(Ok(MerchantRow { id: merchant, name: new_name, mcc: new_mcc, status: row.text(3)?, mail_order }))
        })
        .await
    }

    pub async fn audit_log(&self, actor: Actor, limit: i64) -> ApiResult<Vec<AuditEntry>> {
        require(&actor, Permission::ViewAuditLog)?;
        let limit = limit.clamp(1, 1000);
        self.read(move |sql| {
            let rows = sql.query(
                "SELECT id, at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
                sql_params![limit],
            )?;
            Ok(Ok(rows
                .iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.int(0)?,
                        at: r.int(1)?,
                        actor: r.text(2)?,
                        action: r.text(3)?,
                        target: r.text(4)?,
                        detail: r.text(5)?,
                    })
                })
                .collect::<kassa_store::Result<_>>()?))
        })
        .await
    }

    /// The SMS outbox, newest first (`phone` narrows it), codes in clear:
    /// not for staff (see [`Office::staff_outbox`]).
    pub async fn outbox(&self, phone: Option<String>, limit: i64) -> ApiResult<Vec<SmsView>> {
        self.read(move |sql| Ok(Ok(outbox(sql, phone.as_deref(), limit)?))).await
    }

    /// The SMS outbox as staff see it: codes masked, or in clear (`reveal`)
    /// for an admin where the deployment allows it (the demo). Who looked,
    /// and whether they saw codes, goes to the audit log.
    pub async fn staff_outbox(
        &self,
        actor: Actor,
        phone: Option<String>,
        limit: i64,
        reveal: bool,
    ) -> ApiResult<Vec<SmsView>> {
        require(&actor, Permission::ViewSmsOutbox)?;
        if reveal {
            require(&actor, Permission::RevealSmsCodes)?;
            if !self.policies.reveal_sms_codes {
                return Err(ApiError::forbidden("codes are masked here; only the demo shows them, to an admin"));
            }
        }
        let now = self.now_ms();
        self.write(move |sql| {
            let mut rows = outbox(sql, phone.as_deref(), limit)?;
            let action = if reveal { "reveal_sms_codes" } else { "view_sms_outbox" };
            let detail = format!(
                "{} messages{}",
                rows.len(),
                phone
                    .as_deref()
                    .map(|p| format!(" to {}", kassa_merchant::identity::mask_phone(p)))
                    .unwrap_or_default()
            );
            audit(sql, now, &actor.name(), action, "sms_outbox", &detail)?;
            if !reveal {
                for row in &mut rows {
                    row.text = mask_codes(&row.text);
                }
            }
            Ok(Ok(rows))
        })
        .await
    }

    /// Gives a merchant set up outside the API (provisioning, the demo, a
    /// migration) its log-in and profile, and copies its settlement card into
    /// its bank cards. Does nothing when the phone already has an account.
    #[allow(clippy::too_many_arguments)]
    pub async fn adopt_merchant(
        &self,
        merchant: kassa_core::MerchantId,
        legal_name: String,
        id_number: String,
        phone: String,
        address: String,
        password: String,
        payment_password: String,
    ) -> ApiResult<()> {
        kassa_merchant::identity::check_id_number(&id_number)?;
        check_phone(&phone)?;
        kassa_merchant::password::check_login_password(&password)?;
        kassa_merchant::password::check_payment_password(&payment_password)?;
        let login_hash = hash_password(password).await?;
        let payment_hash = hash_password(payment_password).await?;
        let id_hash = id_fingerprint(self, &id_number);
        let id_masked = kassa_merchant::identity::mask_id_number(&id_number);
        let (now, hsm) = (self.now_ms(), self.hsm.clone());
        self.write(move |sql| {
            if sql.one("SELECT id FROM merchant_users WHERE phone = ?1", sql_params![phone.as_str()])?.is_some() {
                return Ok(Ok(()));
            }
            if sql.one("SELECT id FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?.is_none() {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            sql.exec(
                "INSERT INTO merchant_users (phone, login_hash, payment_hash, merchant_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                sql_params![phone.as_str(), login_hash, payment_hash, merchant.as_str(), now],
            )?;
            sql.exec(
                "INSERT INTO merchant_profiles (merchant_id, application_id, legal_name, id_hash, id_masked, phone, address, created_at)
                 VALUES (?1, 0, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (merchant_id) DO NOTHING",
                sql_params![merchant.as_str(), legal_name.as_str(), id_hash, id_masked, phone.as_str(), address.as_str(), now],
            )?;
            if let Some(card) = sql.one("SELECT pan_sealed, pan_masked, holder FROM merchant_cards WHERE merchant_id = ?1", sql_params![merchant.as_str()])? {
                let clear = hsm
                    .decrypt_pan(&card.blob(0)?)
                    .map_err(|e| kassa_store::StoreError::Corrupt(format!("settlement card: {e}")))?;
                let hash = hsm.pan_fingerprint(&clear).to_vec();
                let id = add_card(sql, merchant.as_str(), hash, &card.text(1)?, card.blob(0)?, &card.text(2)?, now)?;
                make_settlement(sql, merchant.as_str(), id)?;
            }
            audit(sql, now, "system", "adopt_merchant", merchant.as_str(), &legal_name)?;
            Ok(Ok(()))
        })
        .await
    }

    /// Merchants, newest first (at most 500).
    pub async fn merchants(&self, actor: Actor) -> ApiResult<Vec<MerchantRow>> {
        require(&actor, Permission::ViewMerchants)?;
        self.read(move |sql| {
            let rows = sql.query(
                "SELECT id, name, mcc, status, mail_order FROM merchants ORDER BY created_at DESC, id LIMIT 500",
                &[],
            )?;
            Ok(Ok(rows
                .iter()
                .map(|r| {
                    let (id, name, mcc, status) = (r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?);
                    Ok(MerchantRow { id, name, mcc, status, mail_order: r.flag(4)? })
                })
                .collect::<kassa_store::Result<_>>()?))
        })
        .await
    }

    /// Payouts (settlement days and transfers out), newest first (at most 500).
    pub async fn payouts(&self, actor: Actor) -> ApiResult<Vec<PayoutRow>> {
        require(&actor, Permission::ViewMerchants)?;
        self.read(move |sql| {
            let rows = sql.query(
                "SELECT id, merchant_id, business_date, amount, card_masked, state, reason FROM payouts ORDER BY created_at DESC, id LIMIT 500",
                &[],
            )?;
            Ok(Ok(rows
                .iter()
                .map(|r| {
                    Ok(PayoutRow {
                        id: r.text(0)?,
                        merchant_id: r.text(1)?,
                        business_date: r.text(2)?,
                        amount: r.int(3)?,
                        card: r.text(4)?,
                        state: r.text(5)?,
                        reason: r.opt_text(6)?,
                    })
                })
                .collect::<kassa_store::Result<_>>()?))
        })
        .await
    }

    /// The risk decision kept with a transaction (risk and admin only; merchants never see it).
    pub async fn risk_decision(&self, actor: Actor, txn_id: i64) -> ApiResult<RiskDecisionView> {
        require(&actor, Permission::FreezeMerchants)?;
        self.read(move |sql| {
            let Some(r) = sql.one(&format!("SELECT {DECISION_COLUMNS} WHERE txn_id = ?1"), sql_params![txn_id])? else {
                return Ok(Err(ApiError::not_found("risk decision")));
            };
            Ok(Ok(decision_view(&r)?))
        })
        .await
    }

    /// The latest risk decisions with hits, newest first (risk and admin only).
    pub async fn risk_decisions(&self, actor: Actor, limit: i64) -> ApiResult<Vec<RiskDecisionView>> {
        require(&actor, Permission::FreezeMerchants)?;
        let limit = limit.clamp(1, 500);
        self.read(move |sql| {
            let rows = sql.query(
                &format!("SELECT {DECISION_COLUMNS} ORDER BY created_at DESC, txn_id DESC LIMIT ?1"),
                sql_params![limit],
            )?;
            Ok(Ok(rows.iter().map(decision_view).collect::<kassa_store::Result<_>>()?))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::mask_codes;

    #[test]
    fn codes_are_masked_for_staff() {
        assert_eq!(
            mask_codes("【Kassa】Your code to register is 493021. It is valid for 5 minutes."),
            "【Kassa】Your code to register is ••••••. It is valid for 5 minutes."
        );
        assert_eq!(
            mask_codes("【Kassa】The activation code of terminal SN9001 is K7Q2M9X4. Enter it in the merchant app."),
            "【Kassa】The activation code of terminal SN9001 is ••••••••. Enter it in the merchant app."
        );
        let notice = "Your payout of ¥697.34 is paid.";
        assert_eq!(mask_codes(notice), notice, "words and amounts stay");
    }
}
