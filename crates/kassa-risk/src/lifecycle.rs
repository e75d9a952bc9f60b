//! A ruleset version's life: written as a draft, approved by a second
//! person, activated (the active one before it retires), or discarded. A
//! retired version may be activated again — it was approved — which is how a
//! bad activation is rolled back. Exactly one version is active at a time;
//! the store keeps that true, this module says which moves are legal.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RulesetState {
    Draft,
    Approved,
    Active,
    Retired,
    Discarded,
}

impl RulesetState {
    pub const ALL: [RulesetState; 5] = [
        RulesetState::Draft,
        RulesetState::Approved,
        RulesetState::Active,
        RulesetState::Retired,
        RulesetState::Discarded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RulesetState::Draft => "draft",
            RulesetState::Approved => "approved",
            RulesetState::Active => "active",
            RulesetState::Retired => "retired",
            RulesetState::Discarded => "discarded",
        }
    }

    pub fn from_code(code: &str) -> Option<RulesetState> {
        RulesetState::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RulesetStep {
    Approve,
    Activate,
    Discard,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("the author of a ruleset cannot approve it")]
    SameOperator,
    #[error("a {0} ruleset cannot be {1}")]
    WrongState(&'static str, &'static str),
}

/// The state after `step` by `actor` on a version written by `author`.
pub fn next(state: RulesetState, step: RulesetStep, author: &str, actor: &str) -> Result<RulesetState, LifecycleError> {
    use RulesetState::*;
    let name = match step {
        RulesetStep::Approve => "approved",
        RulesetStep::Activate => "activated",
        RulesetStep::Discard => "discarded",
    };
    match (state, step) {
        (Draft, RulesetStep::Approve) if author == actor => Err(LifecycleError::SameOperator),
        (Draft, RulesetStep::Approve) => Ok(Approved),
        (Approved | Retired, RulesetStep::Activate) => Ok(Active),
        (Draft | Approved, RulesetStep::Discard) => Ok(Discarded),
        _ => Err(LifecycleError::WrongState(state.code(), name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RulesetState::*;
    use RulesetStep::*;

    #[test]
    fn draft_approve_activate_with_four_eyes() {
        assert_eq!(next(Draft, Approve, "ana", "ana"), Err(LifecycleError::SameOperator));
        assert_eq!(next(Draft, Approve, "ana", "bo"), Ok(Approved));
        assert_eq!(next(Approved, Activate, "ana", "ana"), Ok(Active), "activating is not approving");
        assert_eq!(next(Retired, Activate, "ana", "bo"), Ok(Active), "roll back to an approved version");
        assert!(next(Draft, Activate, "ana", "bo").is_err(), "never active unapproved");
        assert!(next(Active, Discard, "ana", "bo").is_err());
        assert!(next(Discarded, Approve, "ana", "bo").is_err());
        assert_eq!(next(Approved, Discard, "ana", "ana"), Ok(Discarded));
        for s in RulesetState::ALL {
            assert_eq!(RulesetState::from_code(s.code()), Some(s));
        }
    }
}
