//! Account (and terminal-only) cancellation (注销): the live checklist,
//! documents, submission with an SMS code, the operations review with the
//! phone confirmation recorded, 15 working days of cooling-off on the
//! business-day calendar (the merchant may withdraw), and the closing run by
//! the daily job: terminals deregistered, deposits refunded less the penalty
//! to the settlement card, cards unbound, sessions ended.

use std::collections::BTreeSet;

use kassa_core::MerchantId;
use kassa_merchant::application::{DocumentKind, document_type};
use kassa_merchant::cancellation::{COOLING_OFF_WORKING_DAYS, Facts, Item, State, Step, all_met, checklist, next};
use kassa_merchant::identity::FieldError;
use kassa_merchant::terminal::{Event, Lifecycle};
use kassa_merchant::{OtpPurpose, Permission};
use kassa_store::office::{Sql, wallet};
use kassa_store::sql_params;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::merchants::{DocumentView, documents_of, pay_out, store_document};
use crate::office::require;
use crate::office::{Actor, Office, audit, check_code};
use crate::office::{merchant_of, user_of};
use crate::terminals::{load as load_terminal, set_state, settle_deposit};

/// How long a pre-auth can stay open (its hold expires then).
const PREAUTH_OPEN_MS: i64 = kassa_store::ledger::HOLD_LIFETIME_MS;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CancellationView {
    pub id: i64,
    pub merchant_id: String,
    /// Set for a terminal-only cancellation.
    pub terminal_serial: Option<String>,
    pub state: String,
    /// `self`, `phone` or `email`.
    pub channel: String,
    pub opened_by: String,
    pub phone_confirmation: Option<String>,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    /// The day the account closes (YYYYMMDD), once approved.
    pub close_day: Option<String>,
    /// Working days left in the cooling-off.
    pub cooling_off_days_left: Option<u32>,
}

/// A cancellation whose cooling-off ended but whose checklist no longer holds.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HeldCancellation {
    pub id: i64,
    pub merchant_id: String,
    /// What is not met, in words.
    pub unmet: Vec<String>,
}

/// The live checklist and where the merchant stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Checklist {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Item>,
    pub ready: bool,
    pub documents: Vec<DocumentView>,
    pub cancellation: Option<CancellationView>,
}

/// Documents wait under the merchant's log-in until a cancellation is filed.
const DOCUMENT_OWNER: &str = "cancellation";

fn facts(
    sql: &mut dyn Sql,
    merchant: &MerchantId,
    terminal: Option<&str>,
    owner: i64,
    now: i64,
) -> kassa_store::Result<Facts> {
    let w = wallet(sql, merchant)?;
    let terminal_id = match terminal {
        Some(serial) => load_terminal(sql, serial)?.map(|t| t.terminal_id),
        None => None,
    };
    let scope = |sql: &mut dyn Sql, base: &str| -> kassa_store::Result<i64> {
        match &terminal_id {
            Some(tid) => sql.scalar(
                &format!("{base} AND t.terminal_id = ?3"),
                sql_params![merchant.as_str(), now - PREAUTH_OPEN_MS, tid.as_str()],
            ),
            None => sql.scalar(base, sql_params![merchant.as_str(), now - PREAUTH_OPEN_MS]),
        }
    };
    let open_preauths = scope(
        sql,
        "SELECT COUNT(*) FROM transactions t WHERE t.merchant_id = ?1 AND t.kind = 'preauth' AND t.state = 'approved'
           AND t.created_at > ?2
           AND NOT EXISTS (SELECT 1 FROM transactions c WHERE c.original_id = t.id AND c.state = 'approved')",
    )?;
    // `batch_open` is a boolean on PostgreSQL and an integer on SQLite: CASE reads both.
    let unsettled_sql = "SELECT COUNT(*) FROM terminals t WHERE t.merchant_id = ?1
           AND (CASE WHEN t.batch_open THEN 1 ELSE 0 END) = 1
           AND EXISTS (SELECT 1 FROM transactions x WHERE x.merchant_id = t.merchant_id AND x.terminal_id = t.id AND x.batch = t.batch)";
    let unsettled = match &terminal_id {
        Some(tid) => {
            sql.scalar(&format!("{unsettled_sql} AND t.id = ?2"), sql_params![merchant.as_str(), tid.as_str()])?
        }
        None => sql.scalar(unsettled_sql, sql_params![merchant.as_str()])?,
    };
    let documents: BTreeSet<DocumentKind> =
        documents_of(sql, DOCUMENT_OWNER, owner)?.iter().filter_map(|d| DocumentKind::from_code(&d.kind)).collect();
    Ok(Facts {
        available: w.available.max(0) as u64,
        pending: w.pending,
        frozen: w.frozen.max(0) as u64,
        open_preauths: open_preauths.max(0) as u64,
        unsettled_batches: unsettled.max(0) as u64,
        payouts_in_flight: sql
            .scalar(
                "SELECT COUNT(*) FROM payouts WHERE merchant_id = ?1 AND state IN ('created', 'sent')",
                sql_params![merchant.as_str()],
            )?
            .max(0) as u64,
        documents,
    })
}

fn view(
    sql: &mut dyn Sql,
    id: i64,
    calendar: &kassa_merchant::BusinessCalendar,
    today: i64,
) -> kassa_store::Result<Option<CancellationView>> {
    let Some(r) = sql.one(
        "SELECT id, merchant_id, terminal_serial, state, channel, opened_by, phone_confirmation, decided_by, decision_reason, close_day
         FROM cancellations WHERE id = ?1",
        sql_params![id],
    )?
    else {
        return Ok(None);
    };
    let state = r.text(3)?;
    let close_day = r.opt_int(9)?;
    Ok(Some(CancellationView {
        id: r.int(0)?,
        merchant_id: r.text(1)?,
        terminal_serial: r.opt_text(2)?,
        cooling_off_days_left: close_day
            .filter(|_| state == "cooling_off")
            .map(|d| calendar.working_days_between(today, d)),
        state,
        channel: r.text(4)?,
        opened_by: r.text(5)?,
        phone_confirmation: r.opt_text(6)?,
        decided_by: r.opt_text(7)?,
        decision_reason: r.opt_text(8)?,
        close_day: close_day.map(kassa_core::time::date_of_day_number),
    }))
}

/// The merchant's log-in id (documents are kept under it).
fn owner_of(sql: &mut dyn Sql, merchant: &MerchantId) -> kassa_store::Result<i64> {
    sql.scalar(
        "SELECT id FROM merchant_users WHERE merchant_id = ?1 ORDER BY id LIMIT 1",
        sql_params![merchant.as_str()],
    )
}

fn open_cancellation(
    sql: &mut dyn Sql,
    merchant: &MerchantId,
    terminal: Option<&str>,
) -> kassa_store::Result<Option<i64>> {
    let row = match terminal {
        Some(serial) => sql.one(
            "SELECT id FROM cancellations WHERE merchant_id = ?1 AND terminal_serial = ?2 AND state IN ('submitted', 'cooling_off')",
            sql_params![merchant.as_str(), serial],
        )?,
        None => sql.one(
            "SELECT id FROM cancellations WHERE merchant_id = ?1 AND terminal_serial IS NULL AND state IN ('submitted', 'cooling_off')",
            sql_params![merchant.as_str()],
        )?,
    };
    row.map(|r| r.int(0)).transpose()
}

impl Office {
    /// The live checklist of a whole-account cancellation (or of one terminal's).
    pub async fn cancellation_checklist(&self, actor: Actor, terminal: Option<String>) -> ApiResult<Checklist> {
        let merchant = merchant_of(&actor)?;
        let user = user_of(&actor)?;
        let (now, today, calendar) = (self.now_ms(), self.today(), self.policies.calendar.clone());
        self.read(move |sql| {
            if let Some(serial) = &terminal
                && load_terminal(sql, serial)?.and_then(|t| t.merchant_id).as_deref() != Some(merchant.as_str())
            {
                return Ok(Err(ApiError::not_found("terminal")));
            }
            let facts = facts(sql, &merchant, terminal.as_deref(), user, now)?;
            let items = checklist(&facts, terminal.is_none());
            let open = open_cancellation(sql, &merchant, terminal.as_deref())?;
            let latest = match open {
                Some(id) => Some(id),
                None => sql
                    .one(
                        "SELECT id FROM cancellations WHERE merchant_id = ?1 ORDER BY id DESC LIMIT 1",
                        sql_params![merchant.as_str()],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?,
            };
            let cancellation = match latest {
                Some(id) => view(sql, id, &calendar, today)?,
                None => None,
            };
            Ok(Ok(Checklist {
                ready: all_met(&items),
                items,
                documents: documents_of(sql, DOCUMENT_OWNER, user)?,
                cancellation,
            }))
        })
        .await
    }

    /// Uploads a cancellation document (`id_front`, `id_back`, `bank_proof`, `authorization_letter`).
    pub async fn upload_cancellation_document(
        &self,
        actor: Actor,
        merchant: Option<String>,
        kind: String,
        bytes: Vec<u8>,
    ) -> ApiResult<DocumentView> {
        let merchant = match merchant {
            Some(m) => {
                require(&actor, Permission::OpenCancellations)?;
                MerchantId::parse(&m).ok_or_else(|| ApiError::not_found("merchant"))?
            }
            None => merchant_of(&actor)?,
        };
        let kind = DocumentKind::from_code(&kind)
            .filter(|k| DocumentKind::CANCELLATION.contains(k))
            .ok_or_else(|| FieldError::new("kind", "must be id_front, id_back, bank_proof or authorization_letter"))?;
        let content_type = document_type(&bytes)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let owner = owner_of(sql, &merchant)?;
            if owner == 0 {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            let view = store_document(sql, DOCUMENT_OWNER, owner, kind, content_type, bytes, now)?;
            audit(sql, now, &actor.name(), "upload_cancellation_document", merchant.as_str(), kind.code())?;
            Ok(Ok(view))
        })
        .await
    }

    /// Files a cancellation: the merchant with a `cancellation` code, or
    /// operations on the merchant's behalf (`channel` phone or e-mail).
    /// Every precondition must be met.
    pub async fn submit_cancellation(
        &self,
        actor: Actor,
        on_behalf: Option<(String, String)>,
        terminal: Option<String>,
        code: Option<String>,
    ) -> ApiResult<CancellationView> {
        let (merchant, channel) = match &on_behalf {
            Some((merchant, channel)) => {
                require(&actor, Permission::OpenCancellations)?;
                if !["phone", "email"].contains(&channel.as_str()) {
                    return Err(FieldError::new("channel", "phone or email").into());
                }
                (MerchantId::parse(merchant).ok_or_else(|| ApiError::not_found("merchant"))?, channel.clone())
            }
            None => (merchant_of(&actor)?, "self".to_string()),
        };
        let phone = match &on_behalf {
            None => Some(self.phone_of(user_of(&actor)?).await?),
            Some(_) => None,
        };
        let (policy, now, today, calendar) =
            (self.policies.otp, self.now_ms(), self.today(), self.policies.calendar.clone());
        self.write(move |sql| {
            if sql.one("SELECT status FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?.is_none() {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            if let Some(serial) = &terminal {
                let owned = load_terminal(sql, serial)?.filter(|t| t.merchant_id.as_deref() == Some(merchant.as_str()));
                match owned {
                    None => return Ok(Err(ApiError::not_found("terminal"))),
                    Some(t) if t.state == "deregistered" || t.state == "in_stock" => {
                        return Ok(Err(ApiError::conflict("illegal_transition", format!("the terminal is {}", t.state))));
                    }
                    Some(_) => {}
                }
            }
            // Another merchant's terminal is not found, whatever the code: one policy for refusals.
            if let Some(phone) = &phone
                && let Err(e) = check_code(sql, &policy, phone, OtpPurpose::Cancellation, code.as_deref().unwrap_or(""), now)?
            {
                return Ok(Err(e.into()));
            }
            if let Some(open) = open_cancellation(sql, &merchant, terminal.as_deref())? {
                return Ok(Err(ApiError::conflict("cancellation_exists", format!("cancellation {open} is already open"))));
            }
            let owner = owner_of(sql, &merchant)?;
            let items = checklist(&facts(sql, &merchant, terminal.as_deref(), owner, now)?, terminal.is_none());
            if !all_met(&items) {
                let unmet: Vec<String> = items.iter().filter(|i| !i.met).map(|i| i.explanation.clone()).collect();
                return Ok(Err(ApiError::conflict("preconditions_unmet", unmet.join("; "))));
            }
            let id = sql.insert(
                "INSERT INTO cancellations (merchant_id, terminal_serial, state, channel, opened_by, created_at, updated_at)
                 VALUES (?1, ?2, 'submitted', ?3, ?4, ?5, ?5) RETURNING id",
                sql_params![merchant.as_str(), terminal.clone(), channel.as_str(), actor.name(), now],
            )?;
            audit(sql, now, &actor.name(), "submit_cancellation", merchant.as_str(), terminal.as_deref().unwrap_or("whole account"))?;
            Ok(view(sql, id, &calendar, today)?.ok_or(ApiError::not_found("cancellation")))
        })
        .await
    }

    /// The merchant withdraws its cancellation (while submitted or cooling off).
    pub async fn withdraw_cancellation(&self, actor: Actor, id: i64) -> ApiResult<CancellationView> {
        let merchant = merchant_of(&actor)?;
        self.step_cancellation(actor, Some(merchant), id, Step::Withdraw, None).await
    }

    pub async fn cancellations(&self, actor: Actor, state: Option<String>) -> ApiResult<Vec<CancellationView>> {
        require(&actor, Permission::ViewMerchants)?;
        let (today, calendar) = (self.today(), self.policies.calendar.clone());
        let state = state.unwrap_or_else(|| "submitted".into());
        self.read(move |sql| {
            let ids =
                sql.query("SELECT id FROM cancellations WHERE state = ?1 ORDER BY id LIMIT 500", sql_params![state])?;
            let mut out = Vec::new();
            for row in ids {
                if let Some(v) = view(sql, row.int(0)?, &calendar, today)? {
                    out.push(v);
                }
            }
            Ok(Ok(out))
        })
        .await
    }

    /// Records the phone call in which the merchant confirmed the cancellation.
    pub async fn confirm_by_phone(&self, actor: Actor, id: i64, note: String) -> ApiResult<CancellationView> {
        require(&actor, Permission::ReviewCancellations)?;
        if note.trim().is_empty() || note.chars().count() > 500 {
            return Err(FieldError::new("note", "what was confirmed, and with whom, in at most 500 characters").into());
        }
        let (now, today, calendar) = (self.now_ms(), self.today(), self.policies.calendar.clone());
        self.write(move |sql| {
            let Some(current) = view(sql, id, &calendar, today)? else {
                return Ok(Err(ApiError::not_found("cancellation")));
            };
            if current.state != "submitted" {
                return Ok(Err(ApiError::conflict("wrong_state", format!("the cancellation is {}", current.state))));
            }
            let note = format!("{} — {}", actor.name(), note.trim());
            sql.exec(
                "UPDATE cancellations SET phone_confirmation = ?2, updated_at = ?3 WHERE id = ?1",
                sql_params![id, note.as_str(), now],
            )?;
            audit(sql, now, &actor.name(), "confirm_cancellation_by_phone", &format!("cancellation:{id}"), &note)?;
            Ok(view(sql, id, &calendar, today)?.ok_or(ApiError::not_found("cancellation")))
        })
        .await
    }

    pub async fn approve_cancellation(&self, actor: Actor, id: i64) -> ApiResult<CancellationView> {
        require(&actor, Permission::ReviewCancellations)?;
        self.step_cancellation(actor, None, id, Step::Approve, None).await
    }

    pub async fn reject_cancellation(&self, actor: Actor, id: i64, reason: String) -> ApiResult<CancellationView> {
        require(&actor, Permission::ReviewCancellations)?;
        if reason.trim().is_empty() {
            return Err(FieldError::new("reason", "say why").into());
        }
        self.step_cancellation(actor, None, id, Step::Reject, Some(reason)).await
    }

    async fn step_cancellation(
        &self,
        actor: Actor,
        merchant: Option<MerchantId>,
        id: i64,
        step: Step,
        reason: Option<String>,
    ) -> ApiResult<CancellationView> {
        let (now, today, calendar) = (self.now_ms(), self.today(), self.policies.calendar.clone());
        let sms = self.sms.clone();
        self.write(move |sql| {
            let Some(current) = view(sql, id, &calendar, today)? else {
                return Ok(Err(ApiError::not_found("cancellation")));
            };
            if merchant.as_ref().is_some_and(|m| m.as_str() != current.merchant_id) {
                return Ok(Err(ApiError::not_found("cancellation")));
            }
            let from = State::from_code(&current.state).ok_or_else(|| kassa_store::StoreError::Corrupt("cancellation state".into()))?;
            let to = match next(from, step) {
                Ok(to) => to,
                Err(e) => return Ok(Err(ApiError::conflict("illegal_transition", e.to_string()))),
            };
            let mut close_day = None;
            if step == Step::Approve {
                if current.phone_confirmation.is_none() {
                    return Ok(Err(ApiError::conflict("phone_confirmation_missing", "record the phone confirmation first")));
                }
                let m = MerchantId::parse(&current.merchant_id).ok_or_else(|| kassa_store::StoreError::Corrupt("merchant".into()))?;
                let owner = owner_of(sql, &m)?;
                let items = checklist(&facts(sql, &m, current.terminal_serial.as_deref(), owner, now)?, current.terminal_serial.is_none());
                if !all_met(&items) {
                    let unmet: Vec<String> = items.iter().filter(|i| !i.met).map(|i| i.explanation.clone()).collect();
                    return Ok(Err(ApiError::conflict("preconditions_unmet", unmet.join("; "))));
                }
                close_day = Some(calendar.add_working_days(today, COOLING_OFF_WORKING_DAYS));
            }
            sql.exec(
                "UPDATE cancellations SET state = ?2, decided_by = COALESCE(?3, decided_by), decision_reason = COALESCE(?4, decision_reason),
                   close_day = COALESCE(?5, close_day), updated_at = ?6 WHERE id = ?1",
                sql_params![
                    id,
                    to.code(),
                    (step != Step::Withdraw).then(|| actor.name()),
                    reason.clone(),
                    close_day,
                    now
                ],
            )?;
            let action = match step {
                Step::Approve => "approve_cancellation",
                Step::Reject => "reject_cancellation",
                Step::Withdraw => "withdraw_cancellation",
                Step::Close => "close_cancellation",
            };
            audit(sql, now, &actor.name(), action, &format!("cancellation:{id}"), reason.as_deref().unwrap_or(""))?;
            if let Some(phone) = sql.one("SELECT phone FROM merchant_profiles WHERE merchant_id = ?1", sql_params![current.merchant_id.as_str()])? {
                let text = match (step, close_day) {
                    (Step::Approve, Some(day)) => format!(
                        "【Kassa】Your cancellation is approved. It takes effect on {} after {COOLING_OFF_WORKING_DAYS} working days; you may withdraw it until then.",
                        kassa_core::time::date_of_day_number(day)
                    ),
                    (Step::Reject, _) => format!("【Kassa】Your cancellation was not approved: {}", reason.as_deref().unwrap_or("")),
                    _ => String::new(),
                };
                if !text.is_empty() {
                    sms.send(sql, &phone.text(0)?, &text, now)?;
                }
            }
            Ok(view(sql, id, &calendar, today)?.ok_or(ApiError::not_found("cancellation")))
        })
        .await
    }

    /// Closes every cancellation whose cooling-off has ended and whose
    /// checklist still holds; returns the ids closed, and those held back
    /// with why (they stay in cooling-off, for operations, and are tried
    /// again on the next run).
    pub async fn close_due_cancellations(&self) -> ApiResult<(Vec<i64>, Vec<HeldCancellation>)> {
        let (now, today, policy) = (self.now_ms(), self.today(), self.policies.lifecycle);
        self.write(move |sql| {
            let due = sql.query(
                "SELECT id, merchant_id, terminal_serial FROM cancellations WHERE state = 'cooling_off' AND close_day <= ?1 ORDER BY id",
                sql_params![today],
            )?;
            let mut closed = Vec::new();
            let mut held = Vec::new();
            for row in due {
                let (id, merchant, only) = (row.int(0)?, row.text(1)?, row.opt_text(2)?);
                let merchant = MerchantId::parse(&merchant).ok_or_else(|| kassa_store::StoreError::Corrupt("merchant".into()))?;
                // What held at approval must still hold (a sale in the cooling-off, a payout in flight…).
                let owner = owner_of(sql, &merchant)?;
                let items = checklist(&facts(sql, &merchant, only.as_deref(), owner, now)?, only.is_none());
                if !all_met(&items) {
                    let unmet: Vec<String> = items.iter().filter(|i| !i.met).map(|i| i.explanation.clone()).collect();
                    audit(sql, now, "system", "hold_cancellation", &format!("cancellation:{id}"), &unmet.join("; "))?;
                    held.push(HeldCancellation { id, merchant_id: merchant.to_string(), unmet });
                    continue;
                }
                let serials: Vec<String> = match &only {
                    Some(serial) => vec![serial.clone()],
                    None => sql
                        .query(
                            "SELECT serial FROM terminal_inventory WHERE merchant_id = ?1 AND state IN ('assigned', 'active', 'dormant')",
                            sql_params![merchant.as_str()],
                        )?
                        .iter()
                        .map(|r| r.text(0))
                        .collect::<kassa_store::Result<_>>()?,
                };
                let mut refunded = 0u64;
                for serial in &serials {
                    let Some(terminal) = load_terminal(sql, serial)? else { continue };
                    let Some(state) = Lifecycle::from_code(&terminal.state) else { continue };
                    if kassa_merchant::terminal::next(state, Event::Cancel).is_err() {
                        continue;
                    }
                    let assigned = sql.scalar("SELECT assigned_day FROM terminal_inventory WHERE serial = ?1", sql_params![serial.as_str()])?;
                    let (_, penalty) = policy.refund_on_cancel(terminal.deposit.max(0) as u64, assigned, today);
                    let (back, _) = settle_deposit(sql, serial, &merchant, true, penalty, now)?;
                    refunded += back;
                    set_state(sql, serial, Lifecycle::Deregistered, now)?;
                }
                // The refunded deposits go to the settlement card.
                if refunded > 0 {
                    pay_out(sql, &merchant, refunded as i64, now)?;
                }
                if only.is_none() {
                    sql.exec("UPDATE merchants SET status = 'closed' WHERE id = ?1", sql_params![merchant.as_str()])?;
                    // Terminals provisioned outside the inventory go too.
                    sql.exec("UPDATE terminals SET status = 'deregistered' WHERE merchant_id = ?1", sql_params![merchant.as_str()])?;
                    // The payout of the refund still needs its card record; the merchant's own list is emptied.
                    sql.exec("UPDATE bank_cards SET removed = 1, settlement = 0 WHERE merchant_id = ?1", sql_params![merchant.as_str()])?;
                    sql.exec(
                        "UPDATE sessions SET ended = 1 WHERE kind = 'merchant' AND subject IN (SELECT id FROM merchant_users WHERE merchant_id = ?1)",
                        sql_params![merchant.as_str()],
                    )?;
                }
                sql.exec("UPDATE cancellations SET state = 'closed', updated_at = ?2 WHERE id = ?1", sql_params![id, now])?;
                audit(sql, now, "system", "close_cancellation", &format!("cancellation:{id}"), &format!("deposits refunded {}", kassa_core::Amount(refunded).display(kassa_core::Currency::CNY)))?;
                closed.push(id);
            }
            Ok(Ok((closed, held)))
        })
        .await
    }
}
