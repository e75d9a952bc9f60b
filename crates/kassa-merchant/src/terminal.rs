//! The terminal lifecycle (`product.md` §4) and its deposit.
//!
//! in stock → assigned (to one merchant) → active (activated with its code)
//! → dormant (no transaction for `dormant_after_days`; a new activation code
//! is needed) → deregistered (no transaction for `deregister_after_days`, or
//! cancelled). Only an active terminal may transact.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    InStock,
    Assigned,
    Active,
    Dormant,
    Deregistered,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 5] =
        [Lifecycle::InStock, Lifecycle::Assigned, Lifecycle::Active, Lifecycle::Dormant, Lifecycle::Deregistered];

    pub fn code(self) -> &'static str {
        match self {
            Lifecycle::InStock => "in_stock",
            Lifecycle::Assigned => "assigned",
            Lifecycle::Active => "active",
            Lifecycle::Dormant => "dormant",
            Lifecycle::Deregistered => "deregistered",
        }
    }

    pub fn from_code(code: &str) -> Option<Lifecycle> {
        Lifecycle::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// What can happen to a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Assign,
    Activate,
    /// The daily job: no transaction for the dormancy period.
    Sleep,
    /// The daily job: no transaction for the deregistration period (abandoned).
    Abandon,
    /// Cancellation by the merchant (or of the merchant's account).
    Cancel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a terminal that is {from} cannot be {event}")]
pub struct IllegalTransition {
    pub from: &'static str,
    pub event: &'static str,
}

impl Event {
    fn text(self) -> &'static str {
        match self {
            Event::Assign => "assigned",
            Event::Activate => "activated",
            Event::Sleep => "made dormant",
            Event::Abandon => "deregistered as abandoned",
            Event::Cancel => "cancelled",
        }
    }
}

/// The one table of legal transitions.
pub fn next(from: Lifecycle, event: Event) -> Result<Lifecycle, IllegalTransition> {
    use Lifecycle::*;
    let to = match (from, event) {
        // A deregistered terminal may go to another merchant: cancellation came first.
        (InStock | Deregistered, Event::Assign) => Assigned,
        (Assigned | Dormant, Event::Activate) => Active,
        (Active, Event::Sleep) => Dormant,
        (Active | Dormant, Event::Abandon) => Deregistered,
        (Assigned | Active | Dormant, Event::Cancel) => Deregistered,
        _ => return Err(IllegalTransition { from: from.code(), event: event.text() }),
    };
    Ok(to)
}

/// Periods and deposit terms, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LifecyclePolicy {
    pub dormant_after_days: i64,
    pub deregister_after_days: i64,
    /// Taken from the merchant's funds when a terminal is assigned (minor units).
    pub deposit: u64,
    /// Kept from the deposit when a terminal is cancelled within the minimum term.
    pub early_termination_penalty: u64,
    pub minimum_term_days: i64,
}

impl Default for LifecyclePolicy {
    fn default() -> LifecyclePolicy {
        LifecyclePolicy {
            dormant_after_days: 90,
            deregister_after_days: 180,
            deposit: 99_00,
            early_termination_penalty: 50_00,
            minimum_term_days: 365,
        }
    }
}

impl LifecyclePolicy {
    /// What the daily job does to a terminal last active on `last_day`
    /// (its last transaction, or its activation) as of `today`.
    pub fn daily(&self, state: Lifecycle, last_day: i64, today: i64) -> Option<Event> {
        let idle = today - last_day;
        match state {
            Lifecycle::Active | Lifecycle::Dormant if idle >= self.deregister_after_days => Some(Event::Abandon),
            Lifecycle::Active if idle >= self.dormant_after_days => Some(Event::Sleep),
            _ => None,
        }
    }

    /// What a cancellation refunds of a deposit taken on `assigned_day` and
    /// what it keeps as the penalty.
    pub fn refund_on_cancel(&self, deposit: u64, assigned_day: i64, today: i64) -> (u64, u64) {
        let penalty =
            if today - assigned_day < self.minimum_term_days { self.early_termination_penalty.min(deposit) } else { 0 };
        (deposit - penalty, penalty)
    }
}

/// An activation code: 8 digits from a random 32-bit word (`None`: draw again).
pub fn activation_code(word: u32) -> Option<String> {
    const RANGE: u32 = 100_000_000;
    let limit = u32::MAX - (u32::MAX % RANGE);
    (word < limit).then(|| format!("{:08}", word % RANGE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_legal_transitions() {
        assert_eq!(next(Lifecycle::InStock, Event::Assign), Ok(Lifecycle::Assigned));
        assert_eq!(next(Lifecycle::Dormant, Event::Activate), Ok(Lifecycle::Active));
        assert!(next(Lifecycle::Deregistered, Event::Activate).is_err());
        assert!(next(Lifecycle::Active, Event::Assign).is_err(), "moving needs cancellation first");
        assert!(next(Lifecycle::InStock, Event::Cancel).is_err());
        let err = next(Lifecycle::Deregistered, Event::Cancel).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("a terminal that is deregistered cannot be cancelled"));
    }

    #[test]
    fn dormancy_and_deregistration_at_their_edges() {
        let policy = LifecyclePolicy::default();
        assert_eq!(policy.daily(Lifecycle::Active, 0, 89), None);
        assert_eq!(policy.daily(Lifecycle::Active, 0, 90), Some(Event::Sleep));
        assert_eq!(policy.daily(Lifecycle::Dormant, 0, 179), None);
        assert_eq!(policy.daily(Lifecycle::Dormant, 0, 180), Some(Event::Abandon));
        assert_eq!(policy.daily(Lifecycle::Active, 0, 400), Some(Event::Abandon));
        assert_eq!(policy.daily(Lifecycle::Assigned, 0, 400), None);
    }

    #[test]
    fn deposit_refund_less_penalty_within_the_term() {
        let policy = LifecyclePolicy::default();
        assert_eq!(policy.refund_on_cancel(99_00, 0, 100), (49_00, 50_00));
        assert_eq!(policy.refund_on_cancel(99_00, 0, 365), (99_00, 0));
        assert_eq!(policy.refund_on_cancel(30_00, 0, 1), (0, 30_00));
        assert_eq!(activation_code(42).as_deref(), Some("00000042"));
    }
}
