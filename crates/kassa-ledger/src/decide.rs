//! The decision of one request, pure over the facts it needs: the accounts it
//! names and the hold it resolves. The in-memory [`crate::Ledger`] and the
//! durable ledger in the store both decide through here, so the rules live once.

use crate::account::{Account, Balances, Side};
use crate::ledger::{AccountId, Entry, Hold, HoldState, POSTING_ENTRIES_MAX, PostingId, Rejection, Request};

/// What a decision may look at.
pub trait Facts {
    fn account(&self, id: AccountId) -> Option<&Account>;
    fn hold(&self, id: PostingId) -> Option<&Hold>;
}

/// A change to one account's balances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    pub debits_posted: i128,
    pub credits_posted: i128,
    pub debits_pending: i128,
    pub credits_pending: i128,
}

pub fn apply_delta(balances: &mut Balances, delta: &Delta) {
    balances.debits_posted += delta.debits_posted;
    balances.credits_posted += delta.credits_posted;
    balances.debits_pending += delta.debits_pending;
    balances.credits_pending += delta.credits_pending;
}

fn account_checked(facts: &impl Facts, id: AccountId) -> Result<&Account, Rejection> {
    facts.account(id).ok_or(Rejection::AccountNotFound)
}

/// Validates `request` against `facts` and returns the balance changes it
/// would make (checks 3 and 4 of the order in [`crate::ledger`]).
pub fn decide(facts: &impl Facts, request: &Request) -> Result<Vec<(AccountId, Delta)>, Rejection> {
    let deltas = match request {
        Request::Post { entries } => decide_post(facts, entries)?,
        Request::Hold { debit, credit, amount, .. } => {
            if *amount == 0 {
                return Err(Rejection::AmountZero);
            }
            let (d, c) = (account_checked(facts, *debit)?, account_checked(facts, *credit)?);
            if debit == credit {
                return Err(Rejection::SameAccount);
            }
            if d.key.currency != c.key.currency {
                return Err(Rejection::CurrencyMismatch);
            }
            let amount = i128::from(*amount);
            vec![
                (*debit, Delta { debits_pending: amount, ..Delta::default() }),
                (*credit, Delta { credits_pending: amount, ..Delta::default() }),
            ]
        }
        Request::PostHold { hold, amount } => {
            let h = pending_hold(facts, *hold)?;
            let posted = amount.unwrap_or(h.amount);
            if posted > h.amount {
                return Err(Rejection::AmountExceedsHold);
            }
            let (held, posted) = (i128::from(h.amount), i128::from(posted));
            vec![
                (h.debit, Delta { debits_pending: -held, debits_posted: posted, ..Delta::default() }),
                (h.credit, Delta { credits_pending: -held, credits_posted: posted, ..Delta::default() }),
            ]
        }
        Request::VoidHold { hold } => {
            let h = pending_hold(facts, *hold)?;
            let held = i128::from(h.amount);
            vec![
                (h.debit, Delta { debits_pending: -held, ..Delta::default() }),
                (h.credit, Delta { credits_pending: -held, ..Delta::default() }),
            ]
        }
    };
    check_floors(facts, &deltas)?;
    Ok(deltas)
}

fn decide_post(facts: &impl Facts, entries: &[Entry]) -> Result<Vec<(AccountId, Delta)>, Rejection> {
    if entries.len() < 2 {
        return Err(Rejection::EntriesTooFew);
    }
    if entries.len() > POSTING_ENTRIES_MAX {
        return Err(Rejection::EntriesTooMany);
    }
    if entries.iter().any(|e| e.amount == 0) {
        return Err(Rejection::AmountZero);
    }
    let accounts = entries.iter().map(|e| account_checked(facts, e.account)).collect::<Result<Vec<_>, _>>()?;
    if accounts.iter().any(|a| a.key.currency != accounts[0].key.currency) {
        return Err(Rejection::CurrencyMismatch);
    }
    let sum = |side: Side| entries.iter().filter(|e| e.side == side).map(|e| i128::from(e.amount)).sum::<i128>();
    if sum(Side::Debit) != sum(Side::Credit) {
        return Err(Rejection::NotBalanced);
    }
    Ok(entries
        .iter()
        .map(|e| {
            let amount = i128::from(e.amount);
            let delta = match e.side {
                Side::Debit => Delta { debits_posted: amount, ..Delta::default() },
                Side::Credit => Delta { credits_posted: amount, ..Delta::default() },
            };
            (e.account, delta)
        })
        .collect())
}

fn pending_hold(facts: &impl Facts, id: PostingId) -> Result<Hold, Rejection> {
    let hold = facts.hold(id).ok_or(Rejection::HoldNotFound)?;
    match hold.state {
        HoldState::Pending => Ok(*hold),
        HoldState::Posted(_) => Err(Rejection::HoldAlreadyPosted),
        HoldState::Voided => Err(Rejection::HoldAlreadyVoided),
        HoldState::Expired => Err(Rejection::HoldExpired),
    }
}

/// No account the deltas touch may end below its floor. Only a change
/// that lowers a balance is held to the floor, so releasing a hold or
/// paying into an account that sits below a raised floor is never refused.
fn check_floors(facts: &impl Facts, deltas: &[(AccountId, Delta)]) -> Result<(), Rejection> {
    let mut touched: Vec<(AccountId, i128, Account)> = Vec::with_capacity(deltas.len());
    for (id, delta) in deltas {
        let position = match touched.iter().position(|(t, _, _)| t == id) {
            Some(position) => position,
            None => {
                let account = account_checked(facts, *id)?;
                touched.push((*id, account.available(), account.clone()));
                touched.len() - 1
            }
        };
        apply_delta(&mut touched[position].2.balances, delta);
    }
    let below = |(_, before, after): &(AccountId, i128, Account)| {
        after.floor.is_some_and(|floor| after.available() < floor && after.available() < *before)
    };
    if touched.iter().any(below) {
        return Err(Rejection::ExceedsFloor);
    }
    Ok(())
}
