//! Cases: what an analyst works when the rules hit (`product.md` §6).
//!
//! A case moves open → investigating → action pending approval → actioned →
//! closed (confirmed, refuted or inconclusive), and may be reopened. One
//! analyst works a case at a time (a lock that lapses); an action one
//! operator proposes is carried out only when a **different** operator
//! approves it. This module only decides; the API stores and carries out.

use serde::{Deserialize, Serialize};

/// How long an analyst's claim on a case lasts without activity.
pub const LOCK_MS: i64 = 30 * 60 * 1000;
/// The longest an allow-list override may run.
pub const OVERRIDE_MAX_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Medium, Priority::Low];

    /// The SLA: how long after opening the case must be decided.
    pub fn sla_ms(self) -> i64 {
        const HOUR: i64 = 3_600_000;
        match self {
            Priority::High => 4 * HOUR,
            Priority::Medium => 24 * HOUR,
            Priority::Low => 72 * HOUR,
        }
    }

    /// What a live case of this priority becomes when a new hit asks for
    /// `asked`: the more urgent of the two, when that is a change.
    pub fn raised_to(self, asked: Priority) -> Option<Priority> {
        (asked < self).then_some(asked)
    }

    /// A case opened by the engine: money held back or a terminal frozen is
    /// high; a decline, or a score of 50 or more, medium; a review, low.
    pub fn of_decision(outcome: &str, score: u32) -> Priority {
        if outcome.starts_with("hold_settlement") || outcome.starts_with("freeze_terminal") {
            Priority::High
        } else if outcome.starts_with("decline") || score >= 50 {
            Priority::Medium
        } else {
            Priority::Low
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }

    pub fn from_code(code: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Open,
    Investigating,
    ActionPending,
    Actioned,
    Closed,
}

impl CaseState {
    pub const ALL: [CaseState; 5] =
        [CaseState::Open, CaseState::Investigating, CaseState::ActionPending, CaseState::Actioned, CaseState::Closed];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::Investigating => "investigating",
            CaseState::ActionPending => "action_pending",
            CaseState::Actioned => "actioned",
            CaseState::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The pattern was fraud or abuse.
    Confirmed,
    /// A false alarm.
    Refuted,
    Inconclusive,
}

impl Resolution {
    pub const ALL: [Resolution; 3] = [Resolution::Confirmed, Resolution::Refuted, Resolution::Inconclusive];

    pub fn code(self) -> &'static str {
        match self {
            Resolution::Confirmed => "confirmed",
            Resolution::Refuted => "refuted",
            Resolution::Inconclusive => "inconclusive",
        }
    }

    pub fn from_code(code: &str) -> Option<Resolution> {
        Resolution::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// What a case may do to the world, once approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    FreezeTerminal,
    UnfreezeTerminal,
    FreezeMerchant,
    UnfreezeMerchant,
    /// Every later settlement of the merchant goes to frozen funds.
    HoldSettlement,
    /// Ends the hold and moves the merchant's frozen funds to available.
    ReleaseSettlement,
}

impl CaseAction {
    pub const ALL: [CaseAction; 6] = [
        CaseAction::FreezeTerminal,
        CaseAction::UnfreezeTerminal,
        CaseAction::FreezeMerchant,
        CaseAction::UnfreezeMerchant,
        CaseAction::HoldSettlement,
        CaseAction::ReleaseSettlement,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseAction::FreezeTerminal => "freeze_terminal",
            CaseAction::UnfreezeTerminal => "unfreeze_terminal",
            CaseAction::FreezeMerchant => "freeze_merchant",
            CaseAction::UnfreezeMerchant => "unfreeze_merchant",
            CaseAction::HoldSettlement => "hold_settlement",
            CaseAction::ReleaseSettlement => "release_settlement",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseAction> {
        CaseAction::ALL.into_iter().find(|a| a.code() == code)
    }

    /// Whether the target is a terminal (else the case's merchant).
    pub fn on_terminal(self) -> bool {
        matches!(self, CaseAction::FreezeTerminal | CaseAction::UnfreezeTerminal)
    }
}

/// An action waiting for a second operator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub action: CaseAction,
    /// A terminal id, or the merchant id.
    pub target: String,
    pub by: String,
    pub reason: String,
}

/// A case as the state machine sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub state: CaseState,
    pub resolution: Option<Resolution>,
    pub priority: Priority,
    pub opened_at: i64,
    pub due_at: i64,
    pub locked_by: Option<String>,
    pub locked_until: i64,
    pub proposal: Option<Proposal>,
}

impl Case {
    pub fn open(priority: Priority, now_ms: i64) -> Case {
        Case {
            state: CaseState::Open,
            resolution: None,
            priority,
            opened_at: now_ms,
            due_at: now_ms.saturating_add(priority.sla_ms()),
            locked_by: None,
            locked_until: 0,
            proposal: None,
        }
    }

    /// Past its SLA and still undecided.
    pub fn overdue(&self, now_ms: i64) -> bool {
        !matches!(self.state, CaseState::Actioned | CaseState::Closed) && now_ms > self.due_at
    }

    /// The analyst holding the case now, if any.
    pub fn holder(&self, now_ms: i64) -> Option<&str> {
        self.locked_by.as_deref().filter(|_| now_ms < self.locked_until)
    }
}

/// One step on a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Take the case (the lock); an open case starts being investigated.
    Claim,
    /// Let go of the lock.
    Release,
    Note,
    Propose {
        action: CaseAction,
        target: String,
        reason: String,
    },
    /// A different operator approves the pending action.
    Approve,
    /// The pending action is turned down (or withdrawn by its proposer).
    Reject,
    Close(Resolution),
    Reopen,
    /// An allow-list override, made from the case.
    Override,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("{holder} is working this case")]
    Locked { holder: String },
    #[error("a {state} case cannot be {step}")]
    WrongState { state: &'static str, step: &'static str },
    #[error("the operator who proposed an action cannot approve it")]
    SameOperator,
}

fn step_name(step: &Step) -> &'static str {
    match step {
        Step::Claim => "claimed",
        Step::Release => "released",
        Step::Note => "noted",
        Step::Propose { .. } => "given a proposed action",
        Step::Approve => "approved",
        Step::Reject => "rejected",
        Step::Close(_) => "closed",
        Step::Reopen => "reopened",
        Step::Override => "given an override",
    }
}

/// Applies `step` by `actor` at `now_ms`: the case after it, or why not.
///
/// Working a case (claim, note, propose, close, reopen, override) takes its
/// lock, which must be free, lapsed or the actor's own. Approving and
/// rejecting a pending action are a second operator's, so they do not need
/// the lock; approving by the proposer is refused.
pub fn apply(case: &Case, actor: &str, step: &Step, now_ms: i64) -> Result<Case, CaseError> {
    use CaseState::*;
    let wrong = || CaseError::WrongState { state: case.state.code(), step: step_name(step) };
    let second_operator = matches!(step, Step::Approve | Step::Reject);
    if !second_operator
        && let Some(holder) = case.holder(now_ms)
        && holder != actor
    {
        return Err(CaseError::Locked { holder: holder.to_string() });
    }
    let mut next = case.clone();
    if !second_operator {
        next.locked_by = Some(actor.to_string());
        next.locked_until = now_ms.saturating_add(LOCK_MS);
    }
    match step {
        Step::Claim | Step::Note => {
            if case.state == Open {
                next.state = Investigating;
            }
        }
        Step::Release => {
            next.locked_by = None;
            next.locked_until = 0;
        }
        Step::Propose { action, target, reason } => {
            if !matches!(case.state, Open | Investigating | Actioned) {
                return Err(wrong());
            }
            next.state = ActionPending;
            next.proposal = Some(Proposal {
                action: *action,
                target: target.clone(),
                by: actor.to_string(),
                reason: reason.clone(),
            });
        }
        Step::Approve => {
            let Some(proposal) = case.proposal.as_ref().filter(|_| case.state == ActionPending) else {
                return Err(wrong());
            };
            if proposal.by == actor {
                return Err(CaseError::SameOperator);
            }
            next.state = Actioned;
        }
        Step::Reject => {
            if case.state != ActionPending {
                return Err(wrong());
            }
            next.state = Investigating;
            next.proposal = None;
        }
        Step::Close(resolution) => {
            if matches!(case.state, ActionPending | Closed) {
                return Err(wrong());
            }
            next.state = Closed;
            next.resolution = Some(*resolution);
            next.locked_by = None;
            next.locked_until = 0;
        }
        Step::Reopen => {
            if case.state != Closed {
                return Err(wrong());
            }
            next.state = Investigating;
            next.resolution = None;
            next.proposal = None;
        }
        Step::Override => {
            if matches!(case.state, Closed) {
                return Err(wrong());
            }
            if case.state == Open {
                next.state = Investigating;
            }
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(case: &Case, actor: &str, step: Step, now: i64) -> Case {
        match apply(case, actor, &step, now) {
            Ok(next) => next,
            Err(e) => panic!("{step:?} by {actor}: {e}"),
        }
    }

    #[test]
    fn a_case_is_raised_only_to_a_more_urgent_priority() {
        assert_eq!(Priority::Low.raised_to(Priority::High), Some(Priority::High));
        assert_eq!(Priority::Medium.raised_to(Priority::High), Some(Priority::High));
        assert_eq!(Priority::High.raised_to(Priority::Low), None);
        assert_eq!(Priority::Medium.raised_to(Priority::Medium), None);
    }

    fn freeze() -> Step {
        Step::Propose { action: CaseAction::FreezeTerminal, target: "10000001".into(), reason: "cash-out".into() }
    }

    #[test]
    fn a_case_goes_from_open_to_closed_with_four_eyes() {
        let case = Case::open(Priority::High, 0);
        assert_eq!(case.due_at, 4 * 3_600_000);
        let case = run(&case, "ana", Step::Claim, 1);
        assert_eq!(case.state, CaseState::Investigating);
        let case = run(&case, "ana", freeze(), 2);
        assert_eq!(case.state, CaseState::ActionPending);
        assert_eq!(apply(&case, "ana", &Step::Approve, 3), Err(CaseError::SameOperator));
        let case = run(&case, "bo", Step::Approve, 3);
        assert_eq!(case.state, CaseState::Actioned);
        assert_eq!(case.locked_by.as_deref(), Some("ana"), "approving does not take the case");
        let case = run(&case, "ana", Step::Close(Resolution::Confirmed), 4);
        assert_eq!((case.state, case.resolution), (CaseState::Closed, Some(Resolution::Confirmed)));
        assert_eq!(case.holder(5), None);
        let case = run(&case, "bo", Step::Reopen, 6);
        assert_eq!((case.state, case.resolution), (CaseState::Investigating, None));
    }

    #[test]
    fn one_analyst_at_a_time_until_the_lock_lapses() {
        let case = run(&Case::open(Priority::Low, 0), "ana", Step::Claim, 0);
        assert_eq!(apply(&case, "bo", &Step::Note, 10), Err(CaseError::Locked { holder: "ana".into() }));
        assert!(apply(&case, "bo", &Step::Note, LOCK_MS).is_ok(), "lapsed");
        let released = run(&case, "ana", Step::Release, 10);
        assert!(apply(&released, "bo", &Step::Claim, 11).is_ok());
    }

    #[test]
    fn illegal_steps_are_refused() {
        let case = Case::open(Priority::Medium, 0);
        assert!(matches!(apply(&case, "ana", &Step::Approve, 0), Err(CaseError::WrongState { .. })));
        assert!(matches!(apply(&case, "ana", &Step::Reopen, 0), Err(CaseError::WrongState { .. })));
        let pending = run(&case, "ana", freeze(), 0);
        assert!(matches!(
            apply(&pending, "ana", &Step::Close(Resolution::Refuted), 0),
            Err(CaseError::WrongState { .. })
        ));
        let back = run(&pending, "ana", Step::Reject, 0);
        assert_eq!((back.state, back.proposal.is_none()), (CaseState::Investigating, true));
        let closed = run(&back, "ana", Step::Close(Resolution::Refuted), 0);
        assert!(matches!(apply(&closed, "ana", &Step::Override, 0), Err(CaseError::WrongState { .. })));
        assert!(matches!(apply(&closed, "ana", &freeze(), 0), Err(CaseError::WrongState { .. })));
    }

    #[test]
    fn sla_and_priority() {
        let case = Case::open(Priority::Medium, 1_000);
        assert!(!case.overdue(1_000 + Priority::Medium.sla_ms()));
        assert!(case.overdue(1_001 + Priority::Medium.sla_ms()));
        let closed = Case { state: CaseState::Closed, ..case };
        assert!(!closed.overdue(i64::MAX));
        assert_eq!(Priority::of_decision("freeze_terminal 59", 0), Priority::High);
        assert_eq!(Priority::of_decision("decline 59", 10), Priority::Medium);
        assert_eq!(Priority::of_decision("review", 10), Priority::Low);
        assert_eq!(Priority::of_decision("approve", 60), Priority::Medium);
        for action in CaseAction::ALL {
            assert_eq!(CaseAction::from_code(action.code()), Some(action));
        }
    }
}
