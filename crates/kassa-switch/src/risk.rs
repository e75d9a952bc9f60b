//! The risk step: a trait, a first implementation with per-merchant single
//! and daily limits and block lists of cards and terminals, and the rules
//! engine of `kassa-risk` behind the same trait.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

use kassa_core::{Amount, MerchantId, ResponseCode, TerminalId, TxnKind};
use kassa_risk::velocity::VelocityEvent;
use kassa_risk::{Decision, Engine, Facts, Scope, Velocity};

/// The facts the risk step decides on.
#[derive(Clone, Debug)]
pub struct RiskFacts<'a> {
    pub kind: TxnKind,
    pub amount: Amount,
    pub terminal: &'a TerminalId,
    /// Keyed hash of the card number.
    pub card: &'a [u8; 32],
    pub single_limit: Amount,
    pub daily_limit: Amount,
    /// The merchant's approved (and in-flight) takings today, before this one.
    pub daily_total: Amount,
    pub merchant: &'a MerchantId,
    /// The card's first six digits (its issuer), never more.
    pub bin: &'a str,
    pub mcc: &'a str,
    /// Field 22, the entry mode.
    pub entry_mode: &'a str,
    pub now_ms: i64,
    /// Local hour and business day number.
    pub hour: u8,
    pub day: i64,
    /// A mobile reader's distance from the merchant's registered location (−1: unknown),
    /// and whether it is in another city or province.
    pub distance_km: i64,
    pub other_city: bool,
    /// Changes of the merchant's name or category in the last 30 days.
    pub merchant_changes_30d: i64,
    /// The merchant's tier: `small`, `standard` or `large`.
    pub tier: &'a str,
    /// A transfer's or repayment's payer and beneficiary over 24 hours (else zeros).
    pub service: kassa_risk::ServiceFacts,
}

/// What the risk step lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Go on, and hold the takings back at settlement (to frozen funds).
    HoldSettlement,
}

pub trait Risk: Send + Sync + std::fmt::Debug {
    /// On to the network (perhaps held), or the decline.
    fn check(&self, facts: &RiskFacts<'_>) -> Result<Verdict, ResponseCode>;

    /// Learns how a transaction ended (its response code), for velocity.
    fn observe(&self, _facts: &RiskFacts<'_>, _code: &ResponseCode) {}

    /// The decision just made for `facts` when rules hit, to keep with the
    /// transaction: (ruleset version, outcome, score, hits as JSON). Taken once.
    /// A `HoldSettlement` verdict always comes with one: keeping it marks the hold.
    fn take_detail(&self, _facts: &RiskFacts<'_>) -> Option<RiskDetail> {
        None
    }
}

/// A decision worth keeping: at least one rule hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RiskDetail {
    pub ruleset_version: u32,
    pub outcome: String,
    pub score: u32,
    /// `[{rule, version, score, action, enforced}]`.
    pub hits_json: String,
    /// The enforced rules that hit, for the case's title.
    pub enforced_rules: Vec<String>,
}

impl RiskDetail {
    /// Something was enforced (not only monitored): an analyst gets a case.
    pub fn opens_case(&self) -> bool {
        self.outcome != "approve"
    }
}

/// Keeps a decision with its transaction and, unless an override from a case
/// allows the merchant or the card, carries it out durably: a hold marks the
/// transaction held, a frozen terminal is blocked in the store (refused with `58` until a case unfreezes it), and
/// the merchant's live case gets the transaction — or a new case opens, with
/// its priority and SLA from the decision. Answers the override that let the
/// transaction through, if one did.
#[allow(clippy::too_many_arguments)]
pub fn keep_decision(
    sql: &mut dyn kassa_store::office::Sql,
    txn_id: i64,
    merchant: &str,
    terminal: &str,
    card_hex: &str,
    detail: &RiskDetail,
    now_ms: i64,
) -> kassa_store::Result<Option<i64>> {
    use kassa_risk::case::Priority;
    use kassa_store::cases;
    let allowed = if detail.opens_case() { cases::active_override(sql, merchant, card_hex, now_ms)? } else { None };
    let outcome = match allowed {
        Some(id) => format!("{} (allowed by override {id})", detail.outcome),
        None => detail.outcome.clone(),
    };
    sql.exec(
        "INSERT INTO risk_decisions (txn_id, merchant_id, ruleset_version, outcome, score, hits, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (txn_id) DO NOTHING",
        kassa_store::sql_params![
            txn_id,
            merchant,
            detail.ruleset_version,
            outcome,
            detail.score,
            detail.hits_json.as_str(),
            now_ms
        ],
    )?;
    if allowed.is_some() || !detail.opens_case() {
        return Ok(allowed);
    }
    if detail.outcome.starts_with("hold_settlement") {
        // Marked before the network is asked, so settlement finds it held.
        sql.exec("UPDATE transactions SET risk_held = ?2 WHERE id = ?1", kassa_store::sql_params![txn_id, true])?;
    }
    if detail.outcome.starts_with("freeze_terminal") {
        sql.exec(
            "UPDATE terminals SET status = 'blocked' WHERE id = ?1 AND status = 'active'",
            kassa_store::sql_params![terminal],
        )?;
    }
    let priority = Priority::of_decision(&detail.outcome, detail.score);
    let title = format!("{}: {}", detail.outcome, detail.enforced_rules.join(", "));
    let new = cases::NewCase {
        merchant,
        terminal: Some(terminal),
        title: &title,
        priority: priority.code(),
        due_at: now_ms.saturating_add(priority.sla_ms()),
        actor: "system",
    };
    // A higher priority brings a live case's SLA forward; it never moves back.
    let case = cases::live_or_open(sql, &new, now_ms)?;
    cases::attach_txn(sql, case, txn_id)?;
    cases::case_event(
        sql,
        case,
        now_ms,
        "system",
        "txn",
        &format!("transaction {txn_id} at terminal {terminal}: {title}"),
    )?;
    Ok(None)
}

/// Limits from the merchant record, and block lists held in memory.
#[derive(Debug, Default)]
pub struct LimitsAndBlockLists {
    blocked_cards: RwLock<HashSet<[u8; 32]>>,
    blocked_terminals: RwLock<HashSet<TerminalId>>,
}

impl LimitsAndBlockLists {
    pub fn block_card(&self, fingerprint: [u8; 32]) {
        self.blocked_cards.write().unwrap_or_else(|e| e.into_inner()).insert(fingerprint);
    }

    pub fn block_terminal(&self, terminal: TerminalId) {
        self.blocked_terminals.write().unwrap_or_else(|e| e.into_inner()).insert(terminal);
    }
}

impl Risk for LimitsAndBlockLists {
    /// Checks in order: terminal blocked (58), card blocked (59), single limit
    /// (61), daily limit (61). Only money-taking kinds count against limits.
    fn check(&self, facts: &RiskFacts<'_>) -> Result<Verdict, ResponseCode> {
        if self.blocked_terminals.read().unwrap_or_else(|e| e.into_inner()).contains(facts.terminal) {
            return Err(ResponseCode::NotPermittedToTerminal);
        }
        if self.blocked_cards.read().unwrap_or_else(|e| e.into_inner()).contains(facts.card) {
            return Err(ResponseCode::SuspectedFraud);
        }
        let limited = matches!(facts.kind, TxnKind::Sale | TxnKind::PreAuth | TxnKind::Completion);
        if limited && facts.amount > facts.single_limit {
            return Err(ResponseCode::OverAmountLimit);
        }
        let after = facts.daily_total.checked_add(facts.amount).unwrap_or(Amount(u64::MAX));
        if limited && facts.kind != TxnKind::PreAuth && after > facts.daily_limit {
            return Err(ResponseCode::OverAmountLimit);
        }
        Ok(Verdict::Pass)
    }
}

/// The rules engine (`kassa-risk`) after the limits and block lists: its
/// velocity windows learn every outcome; a decline or a frozen terminal
/// answers the rule's code; every decision is kept for inspection.
#[derive(Debug)]
pub struct RuleEngineRisk {
    pub lists: Arc<LimitsAndBlockLists>,
    pub engine: Arc<Engine>,
    /// Issuer prefixes (BINs, 6 digits) of credit cards; every other card counts as debit.
    credit_bins: HashSet<String>,
    velocity: Mutex<Velocity>,
    /// The latest decisions, newest last (at most [`DECISIONS_KEPT`]).
    decisions: Mutex<std::collections::VecDeque<Decision>>,
    /// Decisions with hits, waiting for the switch to keep them, by terminal and time.
    details: Mutex<std::collections::HashMap<(TerminalId, i64), RiskDetail>>,
    /// Per terminal: when it last took a payment, and how long it had been idle
    /// before its current run of activity (for "idle for 30 days, then a spike").
    activity: Mutex<std::collections::HashMap<String, Activity>>,
    /// Approved takings per merchant and month (`yyyymm`), this month and the last.
    months: Mutex<std::collections::HashMap<(String, String), i64>>,
}

/// A terminal's activity, as the idle-spike rule sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Activity {
    pub last_ms: i64,
    pub idle_before_ms: i64,
}

/// Payments closer together than this belong to one run of activity.
const ACTIVITY_GAP_MS: i64 = 3_600_000;
/// Terminals whose activity is kept (beyond it, the map starts afresh).
const TERMINALS_KEPT: usize = 1_000_000;

impl Activity {
    /// The idle time a payment at `now_ms` comes after.
    fn idle_at(&self, now_ms: i64) -> i64 {
        if self.last_ms == 0 {
            0
        } else if now_ms - self.last_ms > ACTIVITY_GAP_MS {
            now_ms - self.last_ms
        } else {
            self.idle_before_ms
        }
    }
}

fn month_of(day: i64) -> String {
    kassa_core::time::date_of_day_number(day).chars().take(6).collect()
}

/// Decisions kept in memory for inspection.
pub const DECISIONS_KEPT: usize = 1_000;

fn kind_code(kind: TxnKind) -> &'static str {
    kind.code()
}

impl RuleEngineRisk {
    pub fn new(
        lists: Arc<LimitsAndBlockLists>,
        engine: Arc<Engine>,
        velocity: Velocity,
        credit_bins: HashSet<String>,
    ) -> RuleEngineRisk {
        RuleEngineRisk {
            lists,
            engine,
            credit_bins,
            velocity: Mutex::new(velocity),
            decisions: Mutex::new(Default::default()),
            details: Mutex::new(Default::default()),
            activity: Mutex::new(Default::default()),
            months: Mutex::new(Default::default()),
        }
    }

    /// Seeds what the windows do not hold, from the store at start-up: each
    /// terminal's last payment, and each merchant's takings this month.
    pub fn seed(
        &self,
        last_payments: impl IntoIterator<Item = (String, i64)>,
        month: &str,
        totals: impl IntoIterator<Item = (String, i64)>,
    ) {
        if let Ok(mut activity) = self.activity.lock() {
            for (terminal, last_ms) in last_payments {
                activity.insert(terminal, Activity { last_ms, idle_before_ms: 0 });
            }
        }
        if let Ok(mut months) = self.months.lock() {
            for (merchant, total) in totals {
                months.insert((merchant, month.to_string()), total);
            }
        }
    }

    fn event(&self, facts: &RiskFacts<'_>, code: &str) -> VelocityEvent {
        VelocityEvent {
            at_ms: facts.now_ms,
            day: facts.day,
            card: facts.card.iter().map(|b| format!("{b:02x}")).collect(),
            terminal: facts.terminal.to_string(),
            merchant: facts.merchant.to_string(),
            amount: i64::try_from(facts.amount.minor_units()).unwrap_or(i64::MAX),
            credit: self.credit_bins.contains(facts.bin),
            kind: kind_code(facts.kind).to_string(),
            code: code.to_string(),
        }
    }

    /// The latest decisions, newest first.
    pub fn recent(&self) -> Vec<Decision> {
        self.decisions.lock().map(|d| d.iter().rev().cloned().collect()).unwrap_or_default()
    }
}

impl Risk for RuleEngineRisk {
    fn check(&self, facts: &RiskFacts<'_>) -> Result<Verdict, ResponseCode> {
        self.lists.check(facts)?;
        let event = self.event(facts, "00");
        let features = self.velocity.lock().map(|v| v.features(&event)).unwrap_or_default();
        let idle_ms = self
            .activity
            .lock()
            .ok()
            .and_then(|a| a.get(facts.terminal.as_str()).map(|a| a.idle_at(facts.now_ms)))
            .unwrap_or(0);
        let month_total = self
            .months
            .lock()
            .ok()
            .and_then(|m| m.get(&(event.merchant.clone(), month_of(facts.day))).copied())
            .unwrap_or(0);
        let rule_facts = Facts {
            distance_km: facts.distance_km,
            other_city: facts.other_city,
            merchant_changes_30d: facts.merchant_changes_30d,
            merchant_tier: facts.tier.to_string(),
            terminal_idle_days: idle_ms / 86_400_000,
            merchant_month_total: month_total,
            mcc: facts.mcc.to_string(),
            hour: i64::from(facts.hour),
            entry: kassa_core::txn::entry_mode_word(facts.entry_mode).to_ascii_lowercase(),
            merchant_day_total: i64::try_from(facts.daily_total.minor_units()).unwrap_or(i64::MAX),
            service: facts.service,
            ..Facts::of_event(&event, features)
        };
        let decision = self.engine.decide(&rule_facts, Scope::Realtime);
        let declined = decision.declined().map(ResponseCode::parse);
        let hold = decision.outcome == kassa_risk::Outcome::HoldSettlement;
        if matches!(decision.outcome, kassa_risk::Outcome::FreezeTerminal { .. }) {
            // Made durable with the decision (`keep_decision`): blocked in the store.
            tracing::warn!(terminal = %facts.terminal, "risk rules froze the terminal");
        }
        if !decision.hits.is_empty()
            && let Ok(mut details) = self.details.lock()
        {
            if details.len() >= DECISIONS_KEPT {
                details.clear();
            }
            let outcome = match &decision.outcome {
                kassa_risk::Outcome::Approve => "approve".to_string(),
                kassa_risk::Outcome::Review => "review".to_string(),
                kassa_risk::Outcome::HoldSettlement => "hold_settlement".to_string(),
                kassa_risk::Outcome::FreezeTerminal { code } => format!("freeze_terminal {code}"),
                kassa_risk::Outcome::Decline { code } => format!("decline {code}"),
            };
            let hits = serde_json::to_string(&decision.hits).unwrap_or_else(|_| "[]".into());
            details.insert(
                (facts.terminal.clone(), facts.now_ms),
                RiskDetail {
                    ruleset_version: decision.ruleset_version,
                    outcome,
                    score: decision.score,
                    hits_json: hits,
                    enforced_rules: decision.hits.iter().filter(|h| h.enforced).map(|h| h.rule.clone()).collect(),
                },
            );
        }
        if let Ok(mut kept) = self.decisions.lock() {
            if kept.len() >= DECISIONS_KEPT {
                kept.pop_front();
            }
            kept.push_back(decision);
        }
        match declined {
            Some(code) => Err(code),
            None if hold => Ok(Verdict::HoldSettlement),
            None => Ok(Verdict::Pass),
        }
    }

    fn take_detail(&self, facts: &RiskFacts<'_>) -> Option<RiskDetail> {
        self.details.lock().ok()?.remove(&(facts.terminal.clone(), facts.now_ms))
    }

    fn observe(&self, facts: &RiskFacts<'_>, code: &ResponseCode) {
        let event = self.event(facts, code.as_str());
        if let Ok(mut velocity) = self.velocity.lock() {
            velocity.record(&event);
        }
        let takes = matches!(facts.kind, TxnKind::Sale | TxnKind::Completion);
        if code.as_str() != "00" || !takes {
            return;
        }
        if let Ok(mut activity) = self.activity.lock() {
            if activity.len() >= TERMINALS_KEPT && !activity.contains_key(facts.terminal.as_str()) {
                activity.clear();
            }
            let entry = activity.entry(facts.terminal.to_string()).or_default();
            let idle = entry.idle_at(facts.now_ms);
            *entry = Activity { last_ms: facts.now_ms, idle_before_ms: idle };
        }
        if let Ok(mut months) = self.months.lock() {
            let month = month_of(facts.day);
            // Only this month and the last are ever asked for.
            if months.len() >= TERMINALS_KEPT {
                months.retain(|(_, m), _| *m >= month);
            }
            *months.entry((event.merchant.clone(), month)).or_insert(0) += event.amount;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_lists_decline_in_order() {
        let risk = LimitsAndBlockLists::default();
        let terminal = TerminalId::parse("10000001").unwrap_or_else(|| unreachable!());
        let merchant = MerchantId::parse("898310048990001").unwrap_or_else(|| unreachable!());
        let facts = |amount: u64, daily_total: u64| RiskFacts {
            kind: TxnKind::Sale,
            amount: Amount(amount),
            terminal: &terminal,
            card: &[1; 32],
            single_limit: Amount(1_000),
            daily_limit: Amount(5_000),
            daily_total: Amount(daily_total),
            merchant: &merchant,
            bin: "622202",
            mcc: "5411",
            entry_mode: "021",
            now_ms: 0,
            hour: 12,
            day: 0,
            distance_km: -1,
            other_city: false,
            merchant_changes_30d: 0,
            tier: "standard",
            service: kassa_risk::ServiceFacts::default(),
        };
        assert_eq!(risk.check(&facts(1_000, 4_000)), Ok(Verdict::Pass));
        assert_eq!(risk.check(&facts(1_001, 0)), Err(ResponseCode::OverAmountLimit));
        assert_eq!(risk.check(&facts(1_000, 4_001)), Err(ResponseCode::OverAmountLimit));
        risk.block_card([1; 32]);
        assert_eq!(risk.check(&facts(1, 0)), Err(ResponseCode::SuspectedFraud));
        risk.block_terminal(terminal.clone());
        assert_eq!(risk.check(&facts(1, 0)), Err(ResponseCode::NotPermittedToTerminal));
    }
}

#[cfg(test)]
mod engine_tests {
    use super::*;

    fn starter() -> RuleEngineRisk {
        let ruleset = kassa_risk::Ruleset::from_toml(kassa_risk::STARTER).and_then(|r| r.compile());
        let engine = Arc::new(Engine::new(ruleset.unwrap_or_else(|e| panic!("{e}"))));
        RuleEngineRisk::new(Arc::default(), engine, Velocity::new(), HashSet::new())
    }

    const DAY_MS: i64 = 86_400_000;
    const DAY: i64 = 20_779; // 2026-11-22

    fn sale<'a>(
        terminal: &'a TerminalId,
        merchant: &'a MerchantId,
        card: &'a [u8; 32],
        amount: u64,
        now_ms: i64,
    ) -> RiskFacts<'a> {
        RiskFacts {
            kind: TxnKind::Sale,
            amount: Amount(amount),
            terminal,
            card,
            single_limit: Amount(u64::MAX),
            daily_limit: Amount(u64::MAX),
            daily_total: Amount(0),
            merchant,
            bin: "622202",
            mcc: "5411",
            entry_mode: "051",
            now_ms,
            hour: 12,
            day: DAY,
            distance_km: -1,
            other_city: false,
            merchant_changes_30d: 0,
            tier: "standard",
            service: kassa_risk::ServiceFacts::default(),
        }
    }

    #[test]
    fn a_terminal_idle_for_a_month_that_spikes_is_held() {
        let risk = starter();
        let terminal = TerminalId::parse("10000001").unwrap_or_else(|| unreachable!());
        let merchant = MerchantId::parse("898310048990001").unwrap_or_else(|| unreachable!());
        let now = DAY * DAY_MS;
        risk.seed([("10000001".to_string(), now - 40 * DAY_MS)], "202611", []);
        let cards: Vec<[u8; 32]> = (0..6u8).map(|i| [i; 32]).collect();
        let mut verdicts = Vec::new();
        for (i, card) in cards.iter().enumerate() {
            let facts = sale(&terminal, &merchant, card, 1_234, now + i as i64 * 60_000);
            let verdict = risk.check(&facts);
            risk.observe(&facts, &ResponseCode::Approved);
            verdicts.push(verdict);
        }
        assert!(verdicts[..4].iter().all(|v| *v == Ok(Verdict::Pass)), "{verdicts:?}");
        assert_eq!(verdicts[4], Ok(Verdict::HoldSettlement), "the fifth payment of the run: {verdicts:?}");
        // A terminal in daily use never counts as idle.
        let busy = TerminalId::parse("10000002").unwrap_or_else(|| unreachable!());
        risk.seed([("10000002".to_string(), now - DAY_MS)], "202611", []);
        for (i, card) in cards.iter().enumerate() {
            let facts = sale(&busy, &merchant, card, 1_234, now + i as i64 * 60_000);
            assert_eq!(risk.check(&facts), Ok(Verdict::Pass));
            risk.observe(&facts, &ResponseCode::Approved);
        }
    }

    #[test]
    fn the_month_so_far_counts_against_the_monthly_limit() {
        let risk = starter();
        let terminal = TerminalId::parse("10000001").unwrap_or_else(|| unreachable!());
        let merchant = MerchantId::parse("898310048990001").unwrap_or_else(|| unreachable!());
        let now = DAY * DAY_MS;
        let limit = 300_000_000; // the standard tier's month, ¥3,000,000
        risk.seed([], "202611", [("898310048990001".to_string(), limit - 1_000)]);
        let card = [7; 32];
        let under = sale(&terminal, &merchant, &card, 1_000, now);
        assert_eq!(risk.check(&under), Ok(Verdict::Pass));
        risk.observe(&under, &ResponseCode::Approved);
        let over = sale(&terminal, &merchant, &card, 1, now + 1_000);
        assert_eq!(risk.check(&over), Err(ResponseCode::OverAmountLimit));
    }
}
