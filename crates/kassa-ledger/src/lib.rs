//! Kassa's double-entry ledger core: accounts, balanced postings idempotent
//! by id, two-phase holds for pre-authorizations, balance floors, and result
//! codes in a documented order. Pure: it is handed the time and does no I/O;
//! the store makes its effects durable.

pub mod account;
pub mod decide;
pub mod ledger;

pub use account::{Account, AccountKey, AccountKind, Balances, Owner, Side};
pub use decide::{Delta, Facts, apply_delta, decide};
pub use ledger::{
    AccountId, Entry, Hold, HoldState, Ledger, Outcome, POSTING_ENTRIES_MAX, PostingId, Rejection, Request,
};
