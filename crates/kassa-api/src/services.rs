//! The mobile reader's value-added services as the merchant and operations
//! see them: each service with its two legs and where they stand, apart from
//! the merchant's takings; operations find the stuck ones.

use kassa_core::{Amount, Currency};
use kassa_store::services::{self as store_services, LegState, ServiceRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiResult;
use crate::office::{Actor, Office, merchant_of, require};
use crate::txns::business_date;
use kassa_merchant::identity::FieldError;
use kassa_merchant::roles::Permission;

/// Most services a list answers.
pub const SERVICES_MAX: usize = 500;

/// A service whose second leg (or its reversal) has not ended this long after
/// it began is stuck: operations look at it.
pub const STUCK_AFTER_MS: i64 = 60_000;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct ServiceFilter {
    /// Business day, YYYY-MM-DD or YYYYMMDD.
    pub date: Option<String>,
    /// Operations only: one merchant.
    pub merchant: Option<String>,
    /// `stuck` (operations: second legs or reversals not ended after a minute),
    /// or a second leg's state: `waiting`, `in_flight`, `done`, `refused`,
    /// `reversing`, `reversed`, `delivered_late`.
    pub state: Option<String>,
    pub limit: Option<i64>,
}

/// One service: the payer's debit and the second leg.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ServiceView {
    /// Its transaction (the payer's debit).
    pub id: i64,
    /// `transfer`, `repayment` or `top_up`.
    pub service: String,
    pub merchant_id: String,
    pub terminal_id: String,
    pub business_date: String,
    pub local_date: String,
    pub local_time: String,
    /// What the beneficiary got (or the top-up's face value), fen.
    pub amount: i64,
    pub fee: i64,
    /// What the payer's card was debited: amount + fee.
    pub total: i64,
    pub amount_text: String,
    pub fee_text: String,
    pub total_text: String,
    /// The payer's card, masked.
    pub payer: String,
    /// The beneficiary card, masked, or the phone number with its middle hidden.
    pub beneficiary: String,
    /// The whole service: `completed`, `in_progress`, `refused` (nothing
    /// charged), `reversed` (undone, nothing charged).
    pub status: String,
    /// The payer's debit as recorded: `in_flight`, `approved`, `declined`, `reversed`.
    pub debit: String,
    /// The second leg: see the filter's states.
    pub second_leg: String,
    /// How many times the second leg (or its reversal) has been sent.
    pub second_leg_attempts: u32,
    /// The code the terminal was answered.
    pub response_code: Option<String>,
    /// The debit's reference number.
    pub reference: Option<String>,
    /// A top-up's carrier confirmation, a credit's authorization code.
    pub second_leg_reference: Option<String>,
    pub created_at: i64,
    /// Operations: not ended a minute after it began.
    pub stuck: bool,
}

fn view(s: &ServiceRecord, now_ms: i64) -> ServiceView {
    let money = |a: Amount| a.display(Currency::CNY);
    let total = s.amount.checked_add(s.fee).unwrap_or(s.amount);
    let open = matches!(s.leg_state, LegState::InFlight | LegState::Reversing)
        || (s.txn_state == "in_flight" && s.leg_state == LegState::Waiting);
    let status = match (s.txn_state.as_str(), s.leg_state) {
        ("approved", LegState::Done) => "completed",
        ("in_flight", _) => "in_progress",
        ("declined", _) => "refused",
        (_, LegState::Refused) => "refused",
        _ => "reversed",
    };
    ServiceView {
        id: s.txn_id,
        service: s.service.code().to_string(),
        merchant_id: s.merchant.clone(),
        terminal_id: s.terminal.clone(),
        business_date: s.business_date.clone(),
        local_date: s.local_date.clone(),
        local_time: s.local_time.clone(),
        amount: i64::try_from(s.amount.0).unwrap_or(i64::MAX),
        fee: i64::try_from(s.fee.0).unwrap_or(i64::MAX),
        total: i64::try_from(total.0).unwrap_or(i64::MAX),
        amount_text: money(s.amount),
        fee_text: money(s.fee),
        total_text: money(total),
        payer: s.payer_masked.clone(),
        beneficiary: s.beneficiary_masked.clone(),
        status: status.to_string(),
        debit: s.txn_state.clone(),
        second_leg: s.leg_state.code().to_string(),
        second_leg_attempts: s.leg_attempts,
        response_code: s.response_code.clone(),
        reference: s.rrn.clone(),
        second_leg_reference: s.leg_reference.clone(),
        created_at: s.created_at_ms,
        stuck: open && now_ms - s.created_at_ms > STUCK_AFTER_MS,
    }
}

impl Office {
    /// A merchant's services (only its own), or, for operations, every
    /// merchant's (`merchant` narrows it; `state=stuck` finds the stuck ones).
    pub async fn services(&self, actor: Actor, filter: ServiceFilter) -> ApiResult<Vec<ServiceView>> {
        let merchant = match &actor {
            Actor::Merchant { .. } => Some(merchant_of(&actor)?.to_string()),
            Actor::Staff { .. } => {
                require(&actor, Permission::ViewMerchants)?;
                filter.merchant.clone().filter(|m| !m.trim().is_empty())
            }
        };
        let date =
            filter.date.as_deref().filter(|d| !d.trim().is_empty()).map(|d| business_date("date", d)).transpose()?;
        let state = filter.state.clone().filter(|s| !s.trim().is_empty());
        let stuck = state.as_deref() == Some("stuck");
        if stuck && matches!(actor, Actor::Merchant { .. }) {
            return Err(FieldError::new("state", "stuck is for operations").into());
        }
        if let Some(s) = state.as_deref().filter(|s| *s != "stuck")
            && LegState::from_code(s).is_none()
        {
            return Err(FieldError::new(
                "state",
                "use stuck, waiting, in_flight, done, refused, reversing, reversed or delivered_late",
            )
            .into());
        }
        let leg = state.filter(|_| !stuck);
        let limit = filter.limit.unwrap_or(200).clamp(1, SERVICES_MAX as i64) as usize;
        let now = self.now_ms();
        let records = self
            .read(move |sql| {
                // Stuck ones are few among many: read wide, keep the stuck.
                let wanted = if stuck { SERVICES_MAX * 10 } else { limit };
                Ok(Ok(store_services::list(sql, merchant.as_deref(), date.as_deref(), leg.as_deref(), wanted)?))
            })
            .await?;
        Ok(records.iter().map(|s| view(s, now)).filter(|v| !stuck || v.stuck).take(limit).collect())
    }
}
