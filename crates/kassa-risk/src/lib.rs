//! Kassa's real-time risk engine, with no I/O (`../shared/docs/product.md` §6).
//!
//! The input is the [`Facts`] about one transaction — its own fields and the
//! velocity features a [`Velocity`] computed for it; the output is a
//! [`Decision`]: approve, review, hold the merchant's settlement, freeze the
//! terminal, or decline with a response code, with every rule that hit.
//!
//! Rules are data ([`Rule`]): a CEL condition over the facts and the rule's
//! own parameters, an action, a score and a mode. A rule in `monitor` mode
//! records its hits and enforces nothing. A [`Ruleset`] version is immutable;
//! the [`Engine`] holds exactly one active version, compiled before it is
//! swapped in, and every decision names the version it used.

pub mod case;
pub mod engine;
pub mod facts;
pub mod geo;
pub mod lifecycle;
pub mod preview;
pub mod rules;
pub mod velocity;

pub use engine::{Decision, Engine, Hit, Outcome};
pub use facts::{Applicant, CardKind, Facts, ServiceFacts};
pub use rules::{Action, CompiledRuleset, Mode, Rule, RuleError, Ruleset, Scope};
pub use velocity::{Velocity, VelocityEvent};

/// The starter ruleset shipped with Kassa (`rules/starter.toml`).
pub const STARTER: &str = include_str!("../rules/starter.toml");

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod starter_tests;
