//! The engine: one active compiled ruleset, swapped atomically; decisions.

use std::sync::{Arc, RwLock};

use cel_interpreter::objects::Value;
use serde::Serialize;

use crate::facts::Facts;
use crate::rules::{Action, CompiledRuleset, Mode, Scope};

/// What to do with the transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Review,
    HoldSettlement,
    FreezeTerminal { code: String },
    Decline { code: String },
}

/// One rule that hit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    pub rule: String,
    pub version: u32,
    pub score: u32,
    pub action: Action,
    /// False for a rule in monitor mode: recorded, not enforced.
    pub enforced: bool,
    /// Why: the rule's description and its condition.
    pub description: String,
    pub condition: String,
}

/// The engine's answer, naming the ruleset version it used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub ruleset_version: u32,
    pub hits: Vec<Hit>,
    /// The enforced hits' scores added up.
    pub score: u32,
    /// Rules whose condition could not be evaluated (a missing variable, a
    /// wrong type): they count as not hit, and are reported.
    pub errors: Vec<(String, String)>,
}

impl Decision {
    pub fn declined(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Decline { code } | Outcome::FreezeTerminal { code } => Some(code),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct Engine {
    active: RwLock<Arc<CompiledRuleset>>,
}

impl Engine {
    pub fn new(ruleset: CompiledRuleset) -> Engine {
        Engine { active: RwLock::new(Arc::new(ruleset)) }
    }

    /// The active ruleset (decisions in flight keep the one they started with).
    pub fn active(&self) -> Arc<CompiledRuleset> {
        match self.active.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Makes `ruleset` the active one, at once and whole; answers the version it replaced.
    pub fn swap(&self, ruleset: CompiledRuleset) -> u32 {
        let fresh = Arc::new(ruleset);
        let mut guard = match self.active.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        std::mem::replace(&mut *guard, fresh).version
    }

    /// Decides on one transaction with the rules of `scope`.
    pub fn decide(&self, facts: &Facts, scope: Scope) -> Decision {
        self.decide_in(&facts.context(), scope)
    }

    /// Decides with the rules of `scope` over the variables of `context`
    /// (a transaction's facts, or an applicant's).
    pub fn decide_in(&self, context: &cel_interpreter::Context<'_>, scope: Scope) -> Decision {
        let ruleset = self.active();
        let mut hits = Vec::new();
        let mut errors = Vec::new();
        let mut strongest: Option<(Action, &str)> = None;
        for compiled in ruleset.rules.iter().filter(|r| r.rule.scope == scope) {
            let mut scoped = context.new_inner_scope();
            scoped.add_variable_from_value("p", compiled.parameters.clone());
            match compiled.program.execute(&scoped) {
                Ok(Value::Bool(true)) => {
                    let rule = &compiled.rule;
                    let enforced = rule.mode == Mode::Enforce;
                    if enforced && strongest.is_none_or(|(a, _)| rule.action > a) {
                        strongest = Some((rule.action, rule.code.as_str()));
                    }
                    hits.push(Hit {
                        rule: rule.id.clone(),
                        version: rule.version,
                        score: rule.score,
                        action: rule.action,
                        enforced,
                        description: rule.description.clone(),
                        condition: rule.condition.clone(),
                    });
                }
                Ok(Value::Bool(false)) => {}
                Ok(other) => errors.push((compiled.rule.id.clone(), format!("condition gave {other:?}, not a bool"))),
                Err(e) => errors.push((compiled.rule.id.clone(), e.to_string())),
            }
        }
        let outcome = match strongest {
            None => Outcome::Approve,
            Some((Action::Review, _)) => Outcome::Review,
            Some((Action::HoldSettlement, _)) => Outcome::HoldSettlement,
            Some((Action::FreezeTerminal, code)) => Outcome::FreezeTerminal { code: code.to_string() },
            Some((Action::Decline, code)) => Outcome::Decline { code: code.to_string() },
        };
        let score = hits.iter().filter(|h| h.enforced).map(|h| h.score).sum();
        Decision { outcome, ruleset_version: ruleset.version, hits, score, errors }
    }
}
