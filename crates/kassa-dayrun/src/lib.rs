//! The business day's back-office run, as a library: the jobs a day goes
//! through once its cut-off passes — the merchant-day risk rules
//! ([`monitor`]), settlement ([`settle`]), reconciliation against the
//! network's clearing ([`reconcile`]) and payouts to the merchants' cards
//! ([`payout`]) — and the [`schedule`] that runs them. The `kassa` binary
//! wires it to the store and the clock; a simulation can drive the same jobs.

pub mod monitor;
pub mod payout;
pub mod reconcile;
pub mod schedule;
pub mod settle;

/// What can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("store: {0}")]
    Store(#[from] kassa_store::StoreError),
    #[error("security module: {0}")]
    Crypto(#[from] kassa_crypto::CryptoError),
    #[error("bank: {0}")]
    Bank(String),
    /// A request the run cannot carry out (a date that is not one), or a day that would not settle.
    #[error("{0}")]
    Refused(String),
}

impl From<String> for Error {
    fn from(text: String) -> Error {
        Error::Refused(text)
    }
}

impl From<&str> for Error {
    fn from(text: &str) -> Error {
        Error::Refused(text.to_string())
    }
}
