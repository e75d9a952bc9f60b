//! The ledger: accounts, balanced idempotent postings, two-phase holds.
//!
//! Every operation carries a [`PostingId`]. The first operation with an id
//! decides its fate for good: a repeat with the same request returns
//! [`Outcome::AlreadyApplied`] (or the same rejection), a repeat with another
//! request is [`Rejection::ExistsWithDifferentContent`].
//!
//! Checks run in this order, the first failure being the answer:
//! 1. `IdZero` — id 0 is reserved;
//! 2. the id was seen before: the first result, or `ExistsWithDifferentContent`;
//! 3. the request itself — postings: `EntriesTooFew`, `EntriesTooMany`,
//!    `AmountZero`, `AccountNotFound`, `CurrencyMismatch`, `NotBalanced`;
//!    holds: `AmountZero`, `AccountNotFound`, `SameAccount`, `CurrencyMismatch`;
//!    resolving a hold: `HoldNotFound`, `HoldAlreadyPosted` / `HoldAlreadyVoided` /
//!    `HoldExpired`, then for a partial post `AmountExceedsHold`;
//! 4. `ExceedsFloor` — no account may end below its floor;
//! 5. `LedgerFull` — the posting limit is reached.
//!
//! Invariants, asserted after every operation: total debits equal total
//! credits, posted and pending alike (the ledger sums to zero); a hold is
//! resolved at most once.

use std::collections::HashMap;

use crate::account::{Account, AccountKey, Balances, Side};
use crate::decide::{Delta, Facts, apply_delta, decide};

/// Postings (of every kind) the ledger remembers.
pub const POSTINGS_MAX: usize = 50_000_000;
/// Entries one posting may have.
pub const POSTING_ENTRIES_MAX: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PostingId(pub u128);

/// One line of a posting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub account: AccountId,
    pub side: Side,
    pub amount: u64,
}

/// What an operation asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// Entries that must balance: total debits equal total credits.
    Post { entries: Vec<Entry> },
    /// Reserve `amount` from `debit` towards `credit` until `expires_at_ms`.
    /// The hold is known by this operation's id.
    Hold { debit: AccountId, credit: AccountId, amount: u64, expires_at_ms: i64 },
    /// Post a hold, in full (`None`) or in part; the rest is released.
    PostHold { hold: PostingId, amount: Option<u64> },
    /// Release a hold entirely.
    VoidHold { hold: PostingId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// The same request with the same id was applied before; nothing changed now.
    AlreadyApplied,
}

/// Why an operation was refused. Stable: callers and stored results rely on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Rejection {
    #[error("posting id 0 is reserved")]
    IdZero,
    #[error("the id was used for a different request")]
    ExistsWithDifferentContent,
    #[error("a posting needs at least two entries")]
    EntriesTooFew,
    #[error("a posting has at most {POSTING_ENTRIES_MAX} entries")]
    EntriesTooMany,
    #[error("amounts must not be zero")]
    AmountZero,
    #[error("no such account")]
    AccountNotFound,
    #[error("a hold moves between two different accounts")]
    SameAccount,
    #[error("the accounts are in different currencies")]
    CurrencyMismatch,
    #[error("debits and credits differ")]
    NotBalanced,
    #[error("no such hold")]
    HoldNotFound,
    #[error("the hold was already posted")]
    HoldAlreadyPosted,
    #[error("the hold was already voided")]
    HoldAlreadyVoided,
    #[error("the hold has expired")]
    HoldExpired,
    #[error("more than the hold holds")]
    AmountExceedsHold,
    #[error("an account would go below its floor")]
    ExceedsFloor,
    #[error("the ledger is full")]
    LedgerFull,
}

impl Rejection {
    pub const ALL: [Rejection; 16] = [
        Rejection::IdZero,
        Rejection::ExistsWithDifferentContent,
        Rejection::EntriesTooFew,
        Rejection::EntriesTooMany,
        Rejection::AmountZero,
        Rejection::AccountNotFound,
        Rejection::SameAccount,
        Rejection::CurrencyMismatch,
        Rejection::NotBalanced,
        Rejection::HoldNotFound,
        Rejection::HoldAlreadyPosted,
        Rejection::HoldAlreadyVoided,
        Rejection::HoldExpired,
        Rejection::AmountExceedsHold,
        Rejection::ExceedsFloor,
        Rejection::LedgerFull,
    ];

    /// A stable name for storage.
    pub fn code(self) -> String {
        format!("{self:?}")
    }

    pub fn from_code(code: &str) -> Option<Rejection> {
        Rejection::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Where a hold stands. It leaves `Pending` once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldState {
    Pending,
    Posted(u64),
    Voided,
    Expired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hold {
    pub debit: AccountId,
    pub credit: AccountId,
    pub amount: u64,
    pub expires_at_ms: i64,
    pub state: HoldState,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Totals {
    debits_posted: i128,
    credits_posted: i128,
    debits_pending: i128,
    credits_pending: i128,
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: Vec<Account>,
    index: HashMap<AccountKey, AccountId>,
    results: HashMap<PostingId, (Request, Result<(), Rejection>)>,
    holds: HashMap<PostingId, Hold>,
    totals: Totals,
}

impl Ledger {
    pub fn new() -> Ledger {
        Ledger::default()
    }

    /// Opens an account (or returns the one with this key) with a floor.
    pub fn open(&mut self, key: AccountKey, floor: Option<i128>) -> AccountId {
        if let Some(id) = self.index.get(&key) {
            return *id;
        }
        let id = AccountId(u32::try_from(self.accounts.len()).unwrap_or(u32::MAX));
        self.accounts.push(Account { key: key.clone(), balances: Balances::default(), floor });
        self.index.insert(key, id);
        id
    }

    pub fn find(&self, key: &AccountKey) -> Option<AccountId> {
        self.index.get(key).copied()
    }

    pub fn accounts(&self) -> impl Iterator<Item = (AccountId, &Account)> {
        self.accounts.iter().enumerate().map(|(i, a)| (AccountId(i as u32), a))
    }

    /// Applies one operation at time `now_ms` (which decides whether a hold
    /// has expired).
    pub fn apply(&mut self, id: PostingId, request: Request, now_ms: i64) -> Result<Outcome, Rejection> {
        if id.0 == 0 {
            return Err(Rejection::IdZero);
        }
        if let Some((first, result)) = self.results.get(&id) {
            if *first != request {
                return Err(Rejection::ExistsWithDifferentContent);
            }
            return result.map(|()| Outcome::AlreadyApplied);
        }
        if matches!(request, Request::PostHold { .. } | Request::VoidHold { .. }) {
            self.expire_one(&request, now_ms);
        }
        let result = decide(&*self, &request).and_then(|deltas| {
            if self.results.len() >= POSTINGS_MAX {
                return Err(Rejection::LedgerFull);
            }
            self.commit(id, &request, &deltas);
            Ok(())
        });
        if result != Err(Rejection::LedgerFull) {
            self.results.insert(id, (request, result));
        }
        self.assert_balanced();
        result.map(|()| Outcome::Applied)
    }

    /// Expires every pending hold whose time has come; returns their ids.
    pub fn expire(&mut self, now_ms: i64) -> Vec<PostingId> {
        let due: Vec<PostingId> = self
            .holds
            .iter()
            .filter(|(_, h)| h.state == HoldState::Pending && h.expires_at_ms <= now_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in &due {
            self.release(*id, HoldState::Expired);
        }
        self.assert_balanced();
        due
    }

    fn expire_one(&mut self, request: &Request, now_ms: i64) {
        let (Request::PostHold { hold, .. } | Request::VoidHold { hold }) = request else { return };
        if self.holds.get(hold).is_some_and(|h| h.state == HoldState::Pending && h.expires_at_ms <= now_ms) {
            self.release(*hold, HoldState::Expired);
        }
    }

    /// Releases a pending hold into `state` (voided or expired).
    fn release(&mut self, id: PostingId, state: HoldState) {
        let Some(hold) = self.holds.get(&id).copied() else { return };
        assert_eq!(hold.state, HoldState::Pending, "a hold is resolved at most once");
        let amount = i128::from(hold.amount);
        self.change(hold.debit, Delta { debits_pending: -amount, ..Delta::default() });
        self.change(hold.credit, Delta { credits_pending: -amount, ..Delta::default() });
        if let Some(h) = self.holds.get_mut(&id) {
            h.state = state;
        }
    }

    fn commit(&mut self, id: PostingId, request: &Request, deltas: &[(AccountId, Delta)]) {
        for (account, delta) in deltas {
            self.change(*account, *delta);
        }
        match request {
            Request::Hold { debit, credit, amount, expires_at_ms } => {
                let hold = Hold {
                    debit: *debit,
                    credit: *credit,
                    amount: *amount,
                    expires_at_ms: *expires_at_ms,
                    state: HoldState::Pending,
                };
                self.holds.insert(id, hold);
            }
            Request::PostHold { hold, amount } => {
                if let Some(h) = self.holds.get_mut(hold) {
                    assert_eq!(h.state, HoldState::Pending, "a hold is resolved at most once");
                    h.state = HoldState::Posted(amount.unwrap_or(h.amount));
                }
            }
            Request::VoidHold { hold } => {
                if let Some(h) = self.holds.get_mut(hold) {
                    assert_eq!(h.state, HoldState::Pending, "a hold is resolved at most once");
                    h.state = HoldState::Voided;
                }
            }
            Request::Post { .. } => {}
        }
    }

    fn change(&mut self, id: AccountId, delta: Delta) {
        if let Some(account) = self.accounts.get_mut(id.0 as usize) {
            apply_delta(&mut account.balances, &delta);
        }
        self.totals.debits_posted += delta.debits_posted;
        self.totals.credits_posted += delta.credits_posted;
        self.totals.debits_pending += delta.debits_pending;
        self.totals.credits_pending += delta.credits_pending;
    }

    fn assert_balanced(&self) {
        assert_eq!(self.totals.debits_posted, self.totals.credits_posted, "posted debits equal posted credits");
        assert_eq!(self.totals.debits_pending, self.totals.credits_pending, "pending debits equal pending credits");
    }

    /// Recomputes every invariant from the accounts and holds (tests and audits).
    pub fn audit(&self) -> Result<(), String> {
        let mut sums = Totals::default();
        for account in &self.accounts {
            let b = &account.balances;
            sums.debits_posted += b.debits_posted;
            sums.credits_posted += b.credits_posted;
            sums.debits_pending += b.debits_pending;
            sums.credits_pending += b.credits_pending;
            if b.debits_pending < 0 || b.credits_pending < 0 {
                return Err(format!("negative pending on {:?}", account.key));
            }
        }
        if sums != self.totals {
            return Err(format!("account sums {sums:?} differ from running totals {:?}", self.totals));
        }
        if sums.debits_posted != sums.credits_posted || sums.debits_pending != sums.credits_pending {
            return Err(format!("the ledger does not sum to zero: {sums:?}"));
        }
        let pending: i128 =
            self.holds.values().filter(|h| h.state == HoldState::Pending).map(|h| i128::from(h.amount)).sum();
        if pending != sums.debits_pending {
            return Err(format!("pending holds {pending} differ from pending balances {}", sums.debits_pending));
        }
        Ok(())
    }
}

impl Facts for Ledger {
    fn account(&self, id: AccountId) -> Option<&Account> {
        self.accounts.get(id.0 as usize)
    }

    fn hold(&self, id: PostingId) -> Option<&Hold> {
        self.holds.get(&id)
    }
}
