//! What risk control knows about one merchant (its risk profile) and about
//! one transaction (its decision, every rule that hit and why, its cases).

use kassa_merchant::Permission;
use kassa_store::sql_params;
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    CASE_COLUMNS, CaseTxnView, CaseView, OverrideView, TXN_COLUMNS, case_of, merchant_id, overrides, txn_view,
};
use crate::error::{ApiError, ApiResult};
use crate::office::require;
use crate::office::{Actor, Office};
use crate::ops::{DECISION_COLUMNS, RiskDecisionView, decision_view};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TerminalRisk {
    pub id: String,
    pub serial: String,
    pub status: String,
}

/// What risk control knows about one merchant.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskProfile {
    pub merchant_id: String,
    pub name: String,
    pub mcc: String,
    pub status: String,
    /// A case holds its settlement: each day's net goes to frozen funds.
    pub settlement_held: bool,
    pub frozen_funds: i64,
    pub pending_funds: i64,
    pub available_funds: i64,
    pub terminals: Vec<TerminalRisk>,
    pub cases: Vec<CaseView>,
    pub decisions: Vec<RiskDecisionView>,
    pub overrides: Vec<OverrideView>,
}

/// A transaction as risk control sees it: the record (card masked), where a
/// mobile reader was, the decision with every rule that hit and why, and the
/// cases that hold it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RiskTxnDetail {
    pub txn: CaseTxnView,
    pub merchant_id: String,
    pub location: Option<String>,
    pub decision: Option<RiskDecisionView>,
    pub cases: Vec<i64>,
}

impl Office {
    /// One transaction with its risk decision (rules, descriptions, conditions) and cases.
    pub async fn risk_transaction(&self, actor: Actor, id: i64) -> ApiResult<RiskTxnDetail> {
        require(&actor, Permission::WorkCases)?;
        self.read(move |sql| {
            let Some(r) = sql.one(
                &format!("SELECT {TXN_COLUMNS}, t.merchant_id, t.location FROM transactions t WHERE t.id = ?1"),
                sql_params![id],
            )?
            else {
                return Ok(Err(ApiError::not_found("transaction")));
            };
            let txn = txn_view(&r)?;
            let decision = sql
                .one(&format!("SELECT {DECISION_COLUMNS} WHERE txn_id = ?1"), sql_params![id])?
                .map(|d| decision_view(&d))
                .transpose()?;
            let cases = sql
                .query("SELECT case_id FROM risk_case_txns WHERE txn_id = ?1 ORDER BY case_id", sql_params![id])?
                .iter()
                .map(|c| c.int(0))
                .collect::<kassa_store::Result<_>>()?;
            Ok(Ok(RiskTxnDetail { txn, merchant_id: r.text(10)?, location: r.opt_text(11)?, decision, cases }))
        })
        .await
    }

    /// A merchant's risk profile: status, held settlement and frozen funds,
    /// terminals, cases, the latest decisions and the overrides.
    pub async fn risk_profile(&self, actor: Actor, merchant: String) -> ApiResult<RiskProfile> {
        require(&actor, Permission::WorkCases)?;
        let now = self.now_ms();
        self.read(move |sql| {
            let Some(row) = sql.one(
                "SELECT id, name, mcc, status, settlement_held FROM merchants WHERE id = ?1",
                sql_params![merchant.as_str()],
            )?
            else {
                return Ok(Err(ApiError::not_found("merchant")));
            };
            let wallet = kassa_store::office::wallet(sql, &merchant_id(&merchant)?)?;
            let terminals = sql
                .query("SELECT id, serial, status FROM terminals WHERE merchant_id = ?1 ORDER BY id LIMIT 500", sql_params![merchant.as_str()])?
                .iter()
                .map(|r| Ok(TerminalRisk { id: r.text(0)?, serial: r.text(1)?, status: r.text(2)? }))
                .collect::<kassa_store::Result<_>>()?;
            let cases = sql
                .query(&format!("SELECT {CASE_COLUMNS} WHERE merchant_id = ?1 ORDER BY id DESC LIMIT 100"), sql_params![merchant.as_str()])?
                .iter()
                .map(|r| Ok(case_of(r, now)?.0))
                .collect::<kassa_store::Result<_>>()?;
            let decisions = sql
                .query(
                    &format!("SELECT {DECISION_COLUMNS} WHERE merchant_id = ?1 ORDER BY created_at DESC, txn_id DESC LIMIT 100"),
                    sql_params![merchant.as_str()],
                )?
                .iter()
                .map(decision_view)
                .collect::<kassa_store::Result<_>>()?;
            let overrides = overrides(
                sql,
                "(kind = 'merchant' AND value = ?1) OR case_id IN (SELECT id FROM risk_cases WHERE merchant_id = ?1)",
                merchant.as_str().into(),
                now,
            )?;
            Ok(Ok(RiskProfile {
                merchant_id: row.text(0)?,
                name: row.text(1)?,
                mcc: row.text(2)?,
                status: row.text(3)?,
                settlement_held: row.int(4)? != 0,
                frozen_funds: wallet.frozen,
                pending_funds: wallet.pending,
                available_funds: wallet.available,
                terminals,
                cases,
                decisions,
                overrides,
            }))
        })
        .await
    }
}
