//! Risk cases in the operations API: the queue with its SLA clocks, the case
//! with its evidence, the steps of `kassa_risk::case` (one analyst at a time,
//! four eyes on every action), actions carried out on approval, and
//! overrides made from a case; the evidence bundle (`evidence.rs`) and a
//! merchant's risk profile and a transaction's decision (`profile.rs`).

use kassa_core::MerchantId;
use kassa_merchant::Permission;
use kassa_risk::case::{self, Case, CaseAction, CaseState, Priority, Proposal, Resolution, Step};
use kassa_store::ledger::{OfficeKind, Planned, Role, office_posting_id};
use kassa_store::office::{Row, Sql};
use kassa_store::{cases, sql_params};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::office::{Actor, Office, audit};

mod evidence;
mod profile;

use crate::office::{next_counter, require};
use crate::ops::{DECISION_COLUMNS, RiskDecisionView, decision_view};
pub use evidence::{EvidenceBundle, EvidenceSection};
pub use profile::{RiskProfile, RiskTxnDetail, TerminalRisk};

/// Cases a queue shows at most.
pub const QUEUE_MAX: i64 = 500;
/// Transactions a case shows (and exports) at most.
pub const CASE_TXNS_MAX: i64 = 1_000;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProposalView {
    pub action: String,
    pub target: String,
    pub by: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub merchant_id: String,
    pub terminal_id: Option<String>,
    pub title: String,
    /// high, medium or low.
    pub priority: String,
    /// open, investigating, action_pending, actioned or closed.
    pub state: String,
    /// confirmed, refuted or inconclusive, once closed.
    pub resolution: Option<String>,
    pub opened_at: i64,
    /// The SLA: when the case must be decided by.
    pub due_at: i64,
    pub overdue: bool,
    /// The analyst working the case now, if any.
    pub locked_by: Option<String>,
    /// The action waiting for a second operator (or the last one approved).
    pub proposal: Option<ProposalView>,
    pub updated_at: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: String,
}

/// A transaction held as evidence (the card masked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseTxnView {
    pub id: i64,
    pub terminal_id: String,
    pub kind: String,
    pub state: String,
    pub amount: i64,
    pub card: Option<String>,
    pub response_code: Option<String>,
    pub entry_mode: Option<String>,
    pub business_date: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OverrideView {
    pub id: i64,
    pub case_id: i64,
    /// merchant or card.
    pub kind: String,
    /// The merchant id, or the masked card.
    pub label: String,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: CaseView,
    pub events: Vec<CaseEventView>,
    pub transactions: Vec<CaseTxnView>,
    pub decisions: Vec<RiskDecisionView>,
    pub overrides: Vec<OverrideView>,
}

/// A step as the API receives it.
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    /// claim, release, note, propose, approve, reject, close or reopen.
    pub step: String,
    pub text: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub resolution: Option<String>,
}

const CASE_COLUMNS: &str = "id, merchant_id, terminal_id, title, priority, state, resolution, opened_at, due_at,
    locked_by, locked_until, proposal, updated_at FROM risk_cases";

/// A case row: its view, and the state machine's case.
fn case_of(r: &Row, now_ms: i64) -> kassa_store::Result<(CaseView, Case)> {
    let corrupt = |what: &str| kassa_store::StoreError::Corrupt(format!("risk case: {what}"));
    let proposal: Option<Proposal> = r.opt_text(11)?.and_then(|json| serde_json::from_str(&json).ok());
    let machine = Case {
        state: CaseState::from_code(&r.text(5)?).ok_or_else(|| corrupt("state"))?,
        resolution: r.opt_text(6)?.and_then(|c| Resolution::from_code(&c)),
        priority: Priority::from_code(&r.text(4)?).ok_or_else(|| corrupt("priority"))?,
        opened_at: r.int(7)?,
        due_at: r.int(8)?,
        locked_by: r.opt_text(9)?,
        locked_until: r.int(10)?,
        proposal: proposal.clone(),
    };
    let view = CaseView {
        id: r.int(0)?,
        merchant_id: r.text(1)?,
        terminal_id: r.opt_text(2)?,
        title: r.text(3)?,
        priority: machine.priority.code().into(),
        state: machine.state.code().into(),
        resolution: machine.resolution.map(|r| r.code().into()),
        opened_at: machine.opened_at,
        due_at: machine.due_at,
        overdue: machine.overdue(now_ms),
        locked_by: machine.holder(now_ms).map(str::to_string),
        proposal: proposal.map(|p| ProposalView {
            action: p.action.code().into(),
            target: p.target,
            by: p.by,
            reason: p.reason,
        }),
        updated_at: r.int(12)?,
    };
    Ok((view, machine))
}

fn load_case(sql: &mut dyn Sql, id: i64, now_ms: i64) -> kassa_store::Result<Option<(CaseView, Case)>> {
    sql.one(&format!("SELECT {CASE_COLUMNS} WHERE id = ?1"), sql_params![id])?.map(|r| case_of(&r, now_ms)).transpose()
}

fn events(sql: &mut dyn Sql, case: i64) -> kassa_store::Result<Vec<CaseEventView>> {
    sql.query(
        "SELECT id, at, actor, kind, detail FROM risk_case_events WHERE case_id = ?1 ORDER BY id LIMIT 5000",
        sql_params![case],
    )?
    .iter()
    .map(|r| {
        Ok(CaseEventView { id: r.int(0)?, at: r.int(1)?, actor: r.text(2)?, kind: r.text(3)?, detail: r.text(4)? })
    })
    .collect()
}

/// A transaction's columns as [`txn_view`] reads them (`t` is `transactions`).
const TXN_COLUMNS: &str = "t.id, t.terminal_id, t.kind, t.state, t.amount, t.pan_masked, t.response_code,
    t.entry_mode, t.business_date, t.created_at";

fn txn_view(r: &Row) -> kassa_store::Result<CaseTxnView> {
    Ok(CaseTxnView {
        id: r.int(0)?,
        terminal_id: r.text(1)?,
        kind: r.text(2)?,
        state: r.text(3)?,
        amount: r.int(4)?,
        card: r.opt_text(5)?,
        response_code: r.opt_text(6)?,
        entry_mode: r.opt_text(7)?,
        business_date: r.text(8)?,
        created_at: r.int(9)?,
    })
}

fn case_txns(sql: &mut dyn Sql, case: i64) -> kassa_store::Result<Vec<CaseTxnView>> {
    sql.query(
        &format!(
            "SELECT {TXN_COLUMNS} FROM risk_case_txns c JOIN transactions t ON t.id = c.txn_id
             WHERE c.case_id = ?1 ORDER BY t.id LIMIT ?2"
        ),
        sql_params![case, CASE_TXNS_MAX],
    )?
    .iter()
    .map(txn_view)
    .collect()
}

/// Overrides `filter` picks (a condition on `?1`), newest first.
fn overrides(
    sql: &mut dyn Sql,
    filter: &str,
    param: kassa_store::office::Value,
    now_ms: i64,
) -> kassa_store::Result<Vec<OverrideView>> {
    sql.query(
        &format!(
            "SELECT id, case_id, kind, label, reason, created_by, created_at, expires_at FROM risk_overrides
             WHERE {filter} ORDER BY id DESC LIMIT 200"
        ),
        &[param],
    )?
    .iter()
    .map(|r| {
        let expires_at = r.int(7)?;
        Ok(OverrideView {
            id: r.int(0)?,
            case_id: r.int(1)?,
            kind: r.text(2)?,
            label: r.text(3)?,
            reason: r.text(4)?,
            created_by: r.text(5)?,
            created_at: r.int(6)?,
            expires_at,
            active: expires_at > now_ms,
        })
    })
    .collect()
}

fn case_decisions(sql: &mut dyn Sql, case: i64) -> kassa_store::Result<Vec<RiskDecisionView>> {
    sql.query(
        &format!(
            "SELECT {DECISION_COLUMNS} WHERE txn_id IN (SELECT txn_id FROM risk_case_txns WHERE case_id = ?1)
             ORDER BY txn_id LIMIT ?2"
        ),
        sql_params![case, CASE_TXNS_MAX],
    )?
    .iter()
    .map(decision_view)
    .collect()
}

fn detail_of(sql: &mut dyn Sql, id: i64, now_ms: i64) -> kassa_store::Result<Option<CaseDetail>> {
    let Some((case, _)) = load_case(sql, id, now_ms)? else {
        return Ok(None);
    };
    Ok(Some(CaseDetail {
        events: events(sql, id)?,
        transactions: case_txns(sql, id)?,
        decisions: case_decisions(sql, id)?,
        overrides: overrides(sql, "case_id = ?1", id.into(), now_ms)?,
        case,
    }))
}

fn parse_step(input: &StepInput) -> ApiResult<Step> {
    let text = || input.text.clone().unwrap_or_default().trim().to_string();
    let need_text = |field: &'static str| {
        let t = text();
        if t.is_empty() || t.chars().count() > 2_000 {
            Err(kassa_merchant::FieldError::new(field, "is required (at most 2,000 characters)"))
        } else {
            Ok(t)
        }
    };
    Ok(match input.step.as_str() {
        "claim" => Step::Claim,
        "release" => Step::Release,
        "note" => {
            need_text("text")?;
            Step::Note
        }
        "propose" => {
            let action = input
                .action
                .as_deref()
                .and_then(CaseAction::from_code)
                .ok_or_else(|| kassa_merchant::FieldError::new("action", "is not an action a case can take"))?;
            Step::Propose { action, target: input.target.clone().unwrap_or_default(), reason: need_text("text")? }
        }
        "approve" => Step::Approve,
        "reject" => {
            need_text("text")?;
            Step::Reject
        }
        "close" => {
            let resolution = input.resolution.as_deref().and_then(Resolution::from_code).ok_or_else(|| {
                kassa_merchant::FieldError::new("resolution", "must be confirmed, refuted or inconclusive")
            })?;
            Step::Close(resolution)
        }
        "reopen" => {
            need_text("text")?;
            Step::Reopen
        }
        _ => {
            return Err(kassa_merchant::FieldError::new(
                "step",
                "must be claim, release, note, propose, approve, reject, close or reopen",
            )
            .into());
        }
    })
}

/// Whether the proposed action can be carried out now, with its target named.
fn check_action(sql: &mut dyn Sql, merchant: &str, proposal: &Proposal) -> kassa_store::Result<Result<(), ApiError>> {
    if proposal.action.on_terminal() {
        let status: Option<String> = sql
            .one(
                "SELECT status FROM terminals WHERE id = ?1 AND merchant_id = ?2",
                sql_params![proposal.target.as_str(), merchant],
            )?
            .map(|r| r.text(0))
            .transpose()?;
        let want = if proposal.action == CaseAction::FreezeTerminal { ["active", "dormant"] } else { ["blocked"; 2] };
        return Ok(match status {
            None => Err(ApiError::not_found("terminal of this merchant")),
            Some(s) if !want.contains(&s.as_str()) => {
                Err(ApiError::conflict("wrong_state", format!("the terminal is {s}")))
            }
            Some(_) => Ok(()),
        });
    }
    if proposal.target != merchant {
        return Ok(Err(kassa_merchant::FieldError::new("target", "must be the case's merchant").into()));
    }
    let Some(row) = sql.one("SELECT status, settlement_held FROM merchants WHERE id = ?1", sql_params![merchant])?
    else {
        return Ok(Err(ApiError::not_found("merchant")));
    };
    let (status, held) = (row.text(0)?, row.int(1)? != 0);
    let problem = match proposal.action {
        CaseAction::FreezeMerchant if status != "active" => Some(format!("the merchant is {status}")),
        CaseAction::UnfreezeMerchant if status != "frozen" => Some(format!("the merchant is {status}")),
        CaseAction::HoldSettlement if held => Some("the settlement is already held".to_string()),
        CaseAction::ReleaseSettlement
            if !held && kassa_store::office::wallet(sql, &merchant_id(merchant)?)?.frozen <= 0 =>
        {
            Some("nothing is held".to_string())
        }
        _ => None,
    };
    Ok(problem.map_or(Ok(()), |p| Err(ApiError::conflict("wrong_state", p))))
}

fn merchant_id(text: &str) -> kassa_store::Result<MerchantId> {
    MerchantId::parse(text).ok_or_else(|| kassa_store::StoreError::Corrupt(format!("merchant id {text:?}")))
}

/// Carries out an approved action; what was done, in words.
fn carry_out(sql: &mut dyn Sql, merchant: &str, proposal: &Proposal, now_ms: i64) -> kassa_store::Result<String> {
    let target = proposal.target.as_str();
    Ok(match proposal.action {
        CaseAction::FreezeTerminal => {
            sql.exec("UPDATE terminals SET status = 'blocked' WHERE id = ?1", sql_params![target])?;
            format!("terminal {target} frozen")
        }
        CaseAction::UnfreezeTerminal => {
            sql.exec("UPDATE terminals SET status = 'active' WHERE id = ?1", sql_params![target])?;
            format!("terminal {target} unfrozen")
        }
        CaseAction::FreezeMerchant => {
            sql.exec("UPDATE merchants SET status = 'frozen' WHERE id = ?1", sql_params![merchant])?;
            format!("merchant {merchant} frozen")
        }
        CaseAction::UnfreezeMerchant => {
            sql.exec("UPDATE merchants SET status = 'active' WHERE id = ?1", sql_params![merchant])?;
            format!("merchant {merchant} unfrozen")
        }
        CaseAction::HoldSettlement => {
            sql.exec("UPDATE merchants SET settlement_held = ?2 WHERE id = ?1", sql_params![merchant, true])?;
            format!("settlement of {merchant} held")
        }
        CaseAction::ReleaseSettlement => {
            sql.exec("UPDATE merchants SET settlement_held = ?2 WHERE id = ?1", sql_params![merchant, false])?;
            let id = merchant_id(merchant)?;
            let frozen = kassa_store::office::wallet(sql, &id)?.frozen;
            if let Ok(amount) = u64::try_from(frozen)
                && amount > 0
            {
                let number = next_counter(sql, "risk_release")?;
                let planned = [Planned::Transfer {
                    id: office_posting_id(OfficeKind::Release, number, 1),
                    debit: Role::MerchantFrozen,
                    credit: Role::MerchantAvailable,
                    amount,
                }];
                sql.post(&id, &planned, now_ms)?;
                let text = format!(
                    "{} held by risk control is released to your available balance.",
                    kassa_core::Amount(amount).display(kassa_core::Currency::CNY)
                );
                sql.exec(
                    "INSERT INTO merchant_notices (merchant_id, kind, text, created_at) VALUES (?1, 'funds_released', ?2, ?3)",
                    sql_params![merchant, text, now_ms],
                )?;
            }
            format!(
                "settlement of {merchant} released; {} to available",
                kassa_core::Amount(frozen.max(0).unsigned_abs()).display(kassa_core::Currency::CNY)
            )
        }
    })
}

impl Office {
    /// The case queue: cases not closed by their SLA (soonest first), or the
    /// cases in `state`; `mine` keeps those the caller is working.
    pub async fn cases(&self, actor: Actor, state: Option<String>, mine: bool) -> ApiResult<Vec<CaseView>> {
        require(&actor, Permission::WorkCases)?;
        if let Some(s) = state.as_deref()
            && CaseState::from_code(s).is_none()
        {
            return Err(kassa_merchant::FieldError::new("state", "is not a case state").into());
        }
        let (now, me) = (self.now_ms(), actor.name());
        self.read(move |sql| {
            let rows = match state {
                Some(state) => sql.query(
                    &format!("SELECT {CASE_COLUMNS} WHERE state = ?1 ORDER BY due_at, id LIMIT ?2"),
                    sql_params![state, QUEUE_MAX],
                )?,
                None => sql.query(
                    &format!("SELECT {CASE_COLUMNS} WHERE state <> 'closed' ORDER BY due_at, id LIMIT ?1"),
                    sql_params![QUEUE_MAX],
                )?,
            };
            let views = rows.iter().map(|r| Ok(case_of(r, now)?.0)).collect::<kassa_store::Result<Vec<_>>>()?;
            Ok(Ok(views.into_iter().filter(|c| !mine || c.locked_by.as_deref() == Some(me.as_str())).collect()))
        })
        .await
    }

    /// One case with its history, transactions, decisions and overrides.
    pub async fn case(&self, actor: Actor, id: i64) -> ApiResult<CaseDetail> {
        require(&actor, Permission::WorkCases)?;
        let now = self.now_ms();
        self.read(move |sql| Ok(detail_of(sql, id, now)?.ok_or_else(|| ApiError::not_found("case")))).await
    }

    /// Opens a case by hand on a merchant (a tip-off, a complaint).
    pub async fn open_case(
        &self,
        actor: Actor,
        merchant: String,
        title: String,
        priority: String,
    ) -> ApiResult<CaseView> {
        require(&actor, Permission::WorkCases)?;
        let priority = Priority::from_code(&priority)
            .ok_or_else(|| kassa_merchant::FieldError::new("priority", "must be high, medium or low"))?;
        let title = title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(kassa_merchant::FieldError::new("title", "is required (at most 200 characters)").into());
        }
        let (now, who) = (self.now_ms(), actor.name());
        self.write(move |sql| {
            if sql.one("SELECT id FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?.is_none() {
                return Ok(Err(ApiError::not_found("merchant")));
            }
            let new = cases::NewCase {
                merchant: &merchant,
                terminal: None,
                title: &title,
                priority: priority.code(),
                due_at: now.saturating_add(priority.sla_ms()),
                actor: &who,
            };
            let id = cases::open_case(sql, &new, now)?;
            audit(sql, now, &who, "open_case", &id.to_string(), &title)?;
            Ok(load_case(sql, id, now)?.map(|(view, _)| view).ok_or_else(|| ApiError::not_found("case")))
        })
        .await
    }

    /// One step on a case (`kassa_risk::case::apply`); an approval carries
    /// the action out in the same commit. Every step is in the case's
    /// history; proposals, approvals and closings also in the audit log.
    pub async fn case_step(&self, actor: Actor, id: i64, input: StepInput) -> ApiResult<CaseView> {
        require(&actor, Permission::WorkCases)?;
        let step = parse_step(&input)?;
        let (now, who) = (self.now_ms(), actor.name());
        self.write(move |sql| {
            let Some((view, before)) = load_case(sql, id, now)? else {
                return Ok(Err(ApiError::not_found("case")));
            };
            let mut step = step;
            if let Step::Propose { action, target, .. } = &mut step {
                if target.is_empty() {
                    *target = if action.on_terminal() {
                        view.terminal_id.clone().unwrap_or_default()
                    } else {
                        view.merchant_id.clone()
                    };
                }
                let proposal = Proposal { action: *action, target: target.clone(), by: who.clone(), reason: String::new() };
                if let Err(e) = check_action(sql, &view.merchant_id, &proposal)? {
                    return Ok(Err(e));
                }
            }
            let after = match case::apply(&before, &who, &step, now) {
                Ok(after) => after,
                Err(e @ case::CaseError::Locked { .. }) => return Ok(Err(ApiError::conflict("case_locked", e.to_string()))),
                Err(e @ case::CaseError::SameOperator) => return Ok(Err(ApiError::forbidden(e.to_string()))),
                Err(e) => return Ok(Err(ApiError::conflict("wrong_state", e.to_string()))),
            };
            if step == Step::Approve
                && let Some(proposal) = &before.proposal
                && let Err(e) = check_action(sql, &view.merchant_id, proposal)?
            {
                return Ok(Err(e));
            }
            // Guarded by what was read: a concurrent step makes this one retry.
            let changed = sql.exec(
                "UPDATE risk_cases SET state = ?2, resolution = ?3, locked_by = ?4, locked_until = ?5, proposal = ?6, updated_at = ?7
                 WHERE id = ?1 AND updated_at = ?8",
                sql_params![
                    id,
                    after.state.code(),
                    after.resolution.map(|r| r.code()),
                    after.locked_by.clone(),
                    after.locked_until,
                    after.proposal.as_ref().and_then(|p| serde_json::to_string(p).ok()),
                    now,
                    view.updated_at
                ],
            )?;
            if changed == 0 {
                // Nothing written yet: another step got there first.
                return Ok(Err(ApiError::conflict("case_changed", "the case changed meanwhile; reload it")));
            }
            // The action, once the approval is sure to stand, in the same commit.
            let mut done = None;
            if step == Step::Approve
                && let Some(proposal) = &before.proposal
            {
                done = Some(carry_out(sql, &view.merchant_id, proposal, now)?);
            }
            let text = input.text.clone().unwrap_or_default();
            let (kind, detail) = match &step {
                Step::Claim => ("claimed", String::new()),
                Step::Release => ("released", String::new()),
                Step::Note => ("note", text.clone()),
                Step::Propose { action, target, reason } => ("proposed", format!("{} {target}: {reason}", action.code())),
                Step::Approve => ("approved", done.clone().unwrap_or_default()),
                Step::Reject => ("rejected", text.clone()),
                Step::Close(r) => ("closed", format!("{}: {text}", r.code())),
                Step::Reopen => ("reopened", text.clone()),
                Step::Override => ("override", text.clone()),
            };
            cases::case_event(sql, id, now, &who, kind, detail.trim_end_matches(": "))?;
            if matches!(step, Step::Propose { .. } | Step::Approve | Step::Reject | Step::Close(_) | Step::Reopen) {
                audit(sql, now, &who, &format!("case_{kind}"), &format!("case {id}"), &detail)?;
            }
            Ok(load_case(sql, id, now)?.map(|(view, _)| view).ok_or_else(|| ApiError::not_found("case")))
        })
        .await
    }

    /// An allow-list override from a case: the rules let the merchant (or
    /// the card of one of the case's transactions) through until it expires.
    pub async fn create_override(
        &self,
        actor: Actor,
        case_id: i64,
        kind: String,
        txn_id: Option<i64>,
        days: i64,
        reason: String,
    ) -> ApiResult<OverrideView> {
        require(&actor, Permission::WorkCases)?;
        if !(1..=case::OVERRIDE_MAX_DAYS).contains(&days) {
            return Err(kassa_merchant::FieldError::new("days", "must be 1 to 30").into());
        }
        let reason = reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(kassa_merchant::FieldError::new("reason", "is required (at most 500 characters)").into());
        }
        let (now, who) = (self.now_ms(), actor.name());
        self.write(move |sql| {
            let Some((view, before)) = load_case(sql, case_id, now)? else {
                return Ok(Err(ApiError::not_found("case")));
            };
            let after = match case::apply(&before, &who, &Step::Override, now) {
                Ok(after) => after,
                Err(e @ case::CaseError::Locked { .. }) => {
                    return Ok(Err(ApiError::conflict("case_locked", e.to_string())));
                }
                Err(e) => return Ok(Err(ApiError::conflict("wrong_state", e.to_string()))),
            };
            let (value, label) = match kind.as_str() {
                "merchant" => (view.merchant_id.clone(), view.merchant_id.clone()),
                "card" => {
                    let Some(txn) = txn_id else {
                        return Ok(Err(kassa_merchant::FieldError::new(
                            "txn_id",
                            "names the card: one of the case's transactions",
                        )
                        .into()));
                    };
                    let Some(row) = sql.one(
                        "SELECT t.pan_hash, t.pan_masked FROM risk_case_txns c JOIN transactions t ON t.id = c.txn_id
                         WHERE c.case_id = ?1 AND c.txn_id = ?2 AND t.pan_hash IS NOT NULL",
                        sql_params![case_id, txn],
                    )?
                    else {
                        return Ok(Err(ApiError::not_found("card transaction in this case")));
                    };
                    (row.blob(0)?.iter().map(|b| format!("{b:02x}")).collect(), row.opt_text(1)?.unwrap_or_default())
                }
                _ => return Ok(Err(kassa_merchant::FieldError::new("kind", "must be merchant or card").into())),
            };
            let expires_at = now.saturating_add(days.saturating_mul(86_400_000));
            let id = sql.insert(
                "INSERT INTO risk_overrides (case_id, kind, value, label, reason, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                sql_params![
                    case_id,
                    kind.as_str(),
                    value,
                    label.as_str(),
                    reason.as_str(),
                    who.as_str(),
                    now,
                    expires_at
                ],
            )?;
            sql.exec(
                "UPDATE risk_cases SET state = ?2, locked_by = ?3, locked_until = ?4 WHERE id = ?1",
                sql_params![case_id, after.state.code(), after.locked_by, after.locked_until],
            )?;
            let detail = format!("{kind} {label} allowed for {days} days: {reason}");
            cases::case_event(sql, case_id, now, &who, "override", &detail)?;
            audit(sql, now, &who, "risk_override", &format!("case {case_id}"), &detail)?;
            Ok(Ok(OverrideView {
                id,
                case_id,
                kind,
                label,
                reason,
                created_by: who,
                created_at: now,
                expires_at,
                active: true,
            }))
        })
        .await
    }
}
