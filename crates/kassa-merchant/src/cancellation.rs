//! Account cancellation (注销) as the live checklist of `product.md` §3, and
//! its states: submitted → approved (cooling off for 15 working days; the
//! merchant may withdraw) → closed; or rejected, or withdrawn.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::application::DocumentKind;

/// Working days between approval and closing.
pub const COOLING_OFF_WORKING_DAYS: u32 = 15;

/// What the service found about the merchant (or the one terminal), now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    pub available: u64,
    pub pending: i64,
    pub frozen: u64,
    pub open_preauths: u64,
    pub unsettled_batches: u64,
    pub payouts_in_flight: u64,
    pub documents: BTreeSet<DocumentKind>,
}

/// One line of the checklist: met, or why not and where to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub item: &'static str,
    pub met: bool,
    pub explanation: String,
    /// The API (and portal) path that fixes it.
    pub fix: &'static str,
}

/// The checklist, in the order `product.md` §3 lists it. For a
/// terminal-only cancellation the wallet and documents do not apply, and the
/// transaction checks are about that terminal.
pub fn checklist(facts: &Facts, whole_account: bool) -> Vec<Item> {
    let money = |minor: u64| kassa_core::Amount(minor).display(kassa_core::Currency::CNY);
    let mut items = Vec::new();
    if whole_account {
        items.push(Item {
            item: "balance_transferred_out",
            met: facts.available == 0 && facts.pending <= 0 && facts.frozen == 0,
            explanation: if facts.available > 0 {
                format!("{} is still in the wallet: transfer it out", money(facts.available))
            } else if facts.pending > 0 {
                format!("{} awaits settlement: wait for the next payout", money(facts.pending.unsigned_abs()))
            } else if facts.frozen > 0 {
                format!("{} is held by risk control: ask support to release it", money(facts.frozen))
            } else {
                "the wallet is empty".into()
            },
            fix: "/api/v1/merchant/wallet",
        });
    }
    items.push(Item {
        item: "no_open_preauths",
        met: facts.open_preauths == 0,
        explanation: format!("{} pre-authorization(s) still open: complete or void them", facts.open_preauths),
        fix: "/api/v1/merchant/transactions?type=preauth",
    });
    items.push(Item {
        item: "no_unsettled_batch",
        met: facts.unsettled_batches == 0,
        explanation: format!("{} terminal batch(es) not settled: settle on the terminal", facts.unsettled_batches),
        fix: "/api/v1/merchant/terminals",
    });
    items.push(Item {
        item: "no_payout_in_flight",
        met: facts.payouts_in_flight == 0,
        explanation: format!("{} payout(s) on the way to your card: wait for them", facts.payouts_in_flight),
        fix: "/api/v1/merchant/wallet",
    });
    if whole_account {
        for (kind, item) in [
            (DocumentKind::IdFront, "document_id_front"),
            (DocumentKind::IdBack, "document_id_back"),
            (DocumentKind::BankProof, "document_bank_proof"),
            (DocumentKind::AuthorizationLetter, "authorization_letter"),
        ] {
            let met = facts.documents.contains(&kind);
            items.push(Item {
                item,
                met,
                explanation: if met {
                    "uploaded".into()
                } else {
                    format!("upload the {}", kind.code().replace('_', " "))
                },
                fix: "/api/v1/merchant/cancellation/documents",
            });
        }
    }
    for item in &mut items {
        if item.met && item.explanation.starts_with('0') {
            item.explanation = "none".into();
        }
    }
    items
}

pub fn all_met(items: &[Item]) -> bool {
    items.iter().all(|i| i.met)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Submitted,
    /// Approved, cooling off until its closing day.
    CoolingOff,
    Closed,
    Rejected,
    Withdrawn,
}

impl State {
    pub const ALL: [State; 5] = [State::Submitted, State::CoolingOff, State::Closed, State::Rejected, State::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::CoolingOff => "cooling_off",
            State::Closed => "closed",
            State::Rejected => "rejected",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Still in progress: a merchant has at most one such application.
    pub fn open(self) -> bool {
        matches!(self, State::Submitted | State::CoolingOff)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Approve,
    Reject,
    Withdraw,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a cancellation that is {from} cannot be {step}")]
pub struct IllegalStep {
    pub from: &'static str,
    pub step: &'static str,
}

/// The legal steps.
pub fn next(from: State, step: Step) -> Result<State, IllegalStep> {
    let to = match (from, step) {
        (State::Submitted, Step::Approve) => State::CoolingOff,
        (State::Submitted, Step::Reject) => State::Rejected,
        (State::Submitted | State::CoolingOff, Step::Withdraw) => State::Withdrawn,
        (State::CoolingOff, Step::Close) => State::Closed,
        _ => {
            let step = match step {
                Step::Approve => "approved",
                Step::Reject => "rejected",
                Step::Withdraw => "withdrawn",
                Step::Close => "closed",
            };
            return Err(IllegalStep { from: from.code(), step });
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checklist_says_what_is_missing() {
        let facts = Facts { available: 12_34, open_preauths: 1, ..Facts::default() };
        let items = checklist(&facts, true);
        let unmet: Vec<_> = items.iter().filter(|i| !i.met).map(|i| i.item).collect();
        assert_eq!(
            unmet,
            [
                "balance_transferred_out",
                "no_open_preauths",
                "document_id_front",
                "document_id_back",
                "document_bank_proof",
                "authorization_letter"
            ]
        );
        assert_eq!(items[0].explanation, "¥12.34 is still in the wallet: transfer it out");
        let ready = Facts { documents: DocumentKind::CANCELLATION.into_iter().collect(), ..Facts::default() };
        assert!(all_met(&checklist(&ready, true)));
        let terminal_only = checklist(&Facts { available: 5, ..Facts::default() }, false);
        assert!(all_met(&terminal_only), "the wallet does not matter for one terminal");
    }

    #[test]
    fn steps() {
        assert_eq!(next(State::Submitted, Step::Approve), Ok(State::CoolingOff));
        assert_eq!(next(State::CoolingOff, Step::Withdraw), Ok(State::Withdrawn));
        assert_eq!(next(State::CoolingOff, Step::Close), Ok(State::Closed));
        assert!(next(State::Closed, Step::Withdraw).is_err());
        assert!(next(State::Submitted, Step::Close).is_err());
    }
}
