//! The card-network simulator: stands in for the card scheme and the issuing
//! banks. A pure issuer core ([`issuer`]) behind a TCP server ([`server`])
//! that speaks Kassa's network-link profile and injects faults from a seed.

pub mod cards;
pub mod issuer;
pub mod server;

pub use cards::{CardAccount, CardKind, CardState, test_cards};
pub use issuer::{ClearingRecord, Issuer, PinVerifier, Today, TxnKey, clearing_csv};
pub use server::{Faults, SimKeys, Simulator};
