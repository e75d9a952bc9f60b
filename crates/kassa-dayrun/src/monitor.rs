//! The daily monitoring job: the merchant-day rules (`scope =
//! "merchant_day"`) over each merchant's business day, run before the day
//! settles. A hold marks the merchant's takings of that day as held (they
//! settle into frozen funds) and opens — or adds to — the merchant's risk
//! case, with the rules that hit. Running a day again changes nothing more.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use kassa_risk::case::Priority;
use kassa_risk::{Engine, Facts, Outcome, Scope};
use kassa_store::office::Sql;
use kassa_store::{Store, cases, sql_params};

use crate::Error;

/// What the job needs: the engine and which issuers are credit.
#[derive(Clone, Debug)]
pub struct Monitor {
    pub engine: Arc<Engine>,
    pub credit_bins: Arc<HashSet<String>>,
}

/// What a run found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitorSummary {
    pub business_date: String,
    pub merchants: usize,
    /// Merchants a rule hit: (merchant, outcome, rules).
    pub hits: Vec<(String, String, Vec<String>)>,
    /// Merchants whose day is now held.
    pub held: usize,
}

/// A merchant's day, added up.
#[derive(Clone, Debug, Default)]
struct Day {
    mcc: String,
    tier: String,
    count: i64,
    sales: i64,
    credit: i64,
    refunds: i64,
}

fn day_totals(
    sql: &mut dyn Sql,
    date: &str,
    credit_bins: &HashSet<String>,
) -> kassa_store::Result<BTreeMap<String, Day>> {
    let rows = sql.query(
        "SELECT t.merchant_id, m.mcc, t.kind, SUBSTR(COALESCE(t.pan_masked, ''), 1, 6), COUNT(*), CAST(SUM(t.amount) AS BIGINT), m.tier
         FROM transactions t JOIN merchants m ON m.id = t.merchant_id
         WHERE t.business_date = ?1 AND t.state = 'approved'
           AND t.kind IN ('sale', 'completion', 'completion_advice', 'refund')
         GROUP BY t.merchant_id, m.mcc, m.tier, t.kind, SUBSTR(COALESCE(t.pan_masked, ''), 1, 6)",
        sql_params![date],
    )?;
    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    for r in rows {
        let day = days.entry(r.text(0)?).or_default();
        day.mcc = r.text(1)?;
        day.tier = r.text(6)?;
        let (count, sum) = (r.int(4)?, r.opt_int(5)?.unwrap_or(0));
        if r.text(2)? == "refund" {
            day.refunds += sum;
        } else {
            day.count += count;
            day.sales += sum;
            if credit_bins.contains(&r.text(3)?) {
                day.credit += sum;
            }
        }
    }
    Ok(days)
}

/// Runs the merchant-day rules over `business_date` (YYYYMMDD).
pub async fn run<S: Store>(
    store: &S,
    monitor: &Monitor,
    business_date: &str,
    now_ms: i64,
) -> Result<MonitorSummary, Error> {
    if kassa_core::time::day_number_of(business_date).is_none() {
        return Err(format!("{business_date:?} is not a date (YYYYMMDD)").into());
    }
    let (bins, date) = (monitor.credit_bins.clone(), business_date.to_string());
    let days = store.office_read(move |sql| day_totals(sql, &date, &bins)).await?;
    let mut summary =
        MonitorSummary { business_date: business_date.to_string(), merchants: days.len(), ..Default::default() };
    // The rules run here, outside the write transaction; only their hits are written.
    let mut found = Vec::new();
    for (merchant, day) in days {
        let mut facts = Facts {
            merchant: merchant.clone(),
            mcc: day.mcc.clone(),
            merchant_tier: day.tier.clone(),
            distance_km: -1,
            ..Facts::default()
        };
        facts.velocity.merchant_count_day = day.count;
        facts.velocity.merchant_sales_day = day.sales;
        facts.velocity.merchant_credit_day = day.credit;
        facts.velocity.merchant_refunds_day = day.refunds;
        let decision = monitor.engine.decide(&facts, Scope::MerchantDay);
        if decision.hits.is_empty() {
            continue;
        }
        let rules: Vec<String> = decision.hits.iter().map(|h| h.rule.clone()).collect();
        let outcome = match &decision.outcome {
            Outcome::Approve => "approve",
            Outcome::Review | Outcome::FreezeTerminal { .. } | Outcome::Decline { .. } => "review",
            Outcome::HoldSettlement => "hold_settlement",
        };
        summary.hits.push((merchant.clone(), outcome.to_string(), rules.clone()));
        if outcome != "approve" {
            // (Monitor mode only: recorded in the summary, nothing opened.)
            found.push((merchant, outcome.to_string(), rules, decision.score));
        }
    }
    let date = business_date.to_string();
    summary.held = store
        .office_write(move |sql| {
            let mut held = 0;
            for (merchant, outcome, rules, score) in found {
                let title = format!("merchant day {date}: {outcome}: {}", rules.join(", "));
                // Once per merchant and day, however often the job runs.
                let seen = sql.scalar(
                    "SELECT COUNT(*) FROM risk_case_events e JOIN risk_cases c ON c.id = e.case_id
                     WHERE c.merchant_id = ?1 AND e.kind = 'monitor' AND e.detail = ?2",
                    sql_params![merchant.as_str(), title.as_str()],
                )?;
                if seen > 0 {
                    continue;
                }
                if outcome == "hold_settlement" {
                    sql.exec(
                        "UPDATE transactions SET risk_held = ?3 WHERE merchant_id = ?1 AND business_date = ?2
                           AND state = 'approved' AND kind IN ('sale', 'completion', 'completion_advice')",
                        sql_params![merchant.as_str(), date.as_str(), true],
                    )?;
                    held += 1;
                }
                let priority = Priority::of_decision(&outcome, score);
                let new = cases::NewCase {
                    merchant: &merchant,
                    terminal: None,
                    title: &title,
                    priority: priority.code(),
                    due_at: now_ms.saturating_add(priority.sla_ms()),
                    actor: "system",
                };
                let case = cases::live_or_open(sql, &new, now_ms)?;
                cases::case_event(sql, case, now_ms, "system", "monitor", &title)?;
            }
            Ok(held)
        })
        .await?;
    Ok(summary)
}

/// The summary as a person reads it.
pub fn report(summary: &MonitorSummary) -> String {
    let mut text = format!(
        "risk monitoring {}: {} merchants, {} hit, {} held\n",
        summary.business_date,
        summary.merchants,
        summary.hits.len(),
        summary.held
    );
    for (merchant, outcome, rules) in &summary.hits {
        text.push_str(&format!("  {merchant}  {outcome}  {}\n", rules.join(", ")));
    }
    text
}
