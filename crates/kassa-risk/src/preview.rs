//! What a candidate ruleset would have done: recorded transactions replayed
//! in order through fresh velocity windows, decided by the candidate and by
//! the active ruleset side by side, every rule counted as if in monitor mode.
//! Nothing is enforced; the answer is counts an analyst reads before
//! approving a version.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{Engine, Outcome};
use crate::facts::Facts;
use crate::rules::{CompiledRuleset, Scope};
use crate::velocity::{Velocity, VelocityEvent};

/// Transactions a preview replays at most.
pub const PREVIEW_TXNS_MAX: usize = 20_000;

/// One recorded transaction, as the replay needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    pub event: VelocityEvent,
    pub mcc: String,
    /// The merchant's tier.
    pub tier: String,
    /// Local hour, 0–23.
    pub hour: i64,
    /// `swipe`, `chip`, `contactless`, `manual`.
    pub entry: String,
}

/// One rule's hits in the replay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleHits {
    pub rule: String,
    /// `monitor` or `enforce`, in the candidate (empty for a rule only the active ruleset has).
    pub mode: String,
    pub candidate: u64,
    pub active: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub transactions: u64,
    pub candidate_version: u32,
    pub active_version: Option<u32>,
    pub rules: Vec<RuleHits>,
    /// Transactions whose outcome differs between the two.
    pub changed: u64,
    /// Declines (or frozen terminals) and holds each ruleset would have made.
    pub candidate_declines: u64,
    pub active_declines: u64,
    pub candidate_holds: u64,
    pub active_holds: u64,
}

fn declines(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Decline { .. } | Outcome::FreezeTerminal { .. })
}

/// Replays `txns` (oldest first, at most [`PREVIEW_TXNS_MAX`]) through `candidate` and `active`.
pub fn preview(txns: &[Replayed], candidate: CompiledRuleset, active: Option<CompiledRuleset>) -> Preview {
    let mut result = Preview {
        candidate_version: candidate.version,
        active_version: active.as_ref().map(|a| a.version),
        ..Preview::default()
    };
    let mut rules: BTreeMap<String, RuleHits> = BTreeMap::new();
    for r in &candidate.rules {
        rules.insert(
            r.rule.id.clone(),
            RuleHits { rule: r.rule.id.clone(), mode: r.rule.mode.code().into(), ..RuleHits::default() },
        );
    }
    let candidate = Engine::new(candidate);
    let active = active.map(Engine::new);
    let mut velocity = Velocity::new();
    for txn in txns.iter().take(PREVIEW_TXNS_MAX) {
        let features = velocity.features(&txn.event);
        let facts = Facts {
            mcc: txn.mcc.clone(),
            merchant_tier: txn.tier.clone(),
            hour: txn.hour,
            entry: txn.entry.clone(),
            merchant_day_total: features.merchant_sales_day,
            ..Facts::of_event(&txn.event, features)
        };
        let mine = candidate.decide(&facts, Scope::Realtime);
        for hit in &mine.hits {
            rules.entry(hit.rule.clone()).or_default().candidate += 1;
        }
        result.candidate_declines += u64::from(declines(&mine.outcome));
        result.candidate_holds += u64::from(mine.outcome == Outcome::HoldSettlement);
        if let Some(active) = &active {
            let theirs = active.decide(&facts, Scope::Realtime);
            for hit in &theirs.hits {
                let entry = rules
                    .entry(hit.rule.clone())
                    .or_insert_with(|| RuleHits { rule: hit.rule.clone(), ..RuleHits::default() });
                entry.active += 1;
            }
            result.active_declines += u64::from(declines(&theirs.outcome));
            result.active_holds += u64::from(theirs.outcome == Outcome::HoldSettlement);
            result.changed += u64::from(theirs.outcome != mine.outcome);
        } else {
            result.changed += u64::from(mine.outcome != Outcome::Approve);
        }
        velocity.record(&txn.event);
        result.transactions += 1;
    }
    result.rules = rules.into_values().collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Ruleset;

    fn ruleset(version: u32, extra: &str) -> CompiledRuleset {
        let text = format!(
            "version = {version}\n[[rule]]\nid = \"big\"\nversion = 1\ndescription = \"x\"\ncondition = \"amount > 5000\"\naction = \"decline\"\nscore = 1\nmode = \"enforce\"\n{extra}"
        );
        Ruleset::from_toml(&text).and_then(|r| r.compile()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn counts_each_rulesets_hits_and_the_changed_outcomes() {
        let txns: Vec<Replayed> = [1_000, 6_000, 9_000, 4_242]
            .iter()
            .enumerate()
            .map(|(i, amount)| Replayed {
                event: VelocityEvent {
                    at_ms: i as i64 * 1_000,
                    day: 1,
                    card: format!("c{i}"),
                    terminal: "t".into(),
                    merchant: "m".into(),
                    amount: *amount,
                    credit: false,
                    kind: "sale".into(),
                    code: "00".into(),
                },
                mcc: "5411".into(),
                tier: "standard".into(),
                hour: 12,
                entry: "chip".into(),
            })
            .collect();
        let candidate = ruleset(
            2,
            "[[rule]]\nid = \"no-4242\"\nversion = 1\ndescription = \"x\"\ncondition = \"amount == 4242\"\naction = \"hold_settlement\"\nscore = 1\nmode = \"monitor\"\n",
        );
        let p = preview(&txns, candidate, Some(ruleset(1, "")));
        assert_eq!((p.transactions, p.candidate_version, p.active_version), (4, 2, Some(1)));
        assert_eq!((p.candidate_declines, p.active_declines), (2, 2));
        assert_eq!(p.candidate_holds, 0, "a monitor rule enforces nothing");
        assert_eq!(p.changed, 0);
        let monitored = p.rules.iter().find(|r| r.rule == "no-4242").cloned().unwrap_or_default();
        assert_eq!((monitored.candidate, monitored.active, monitored.mode.as_str()), (1, 0, "monitor"));
    }
}
