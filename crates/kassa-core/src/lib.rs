//! Kassa's domain vocabulary, shared by every crate: money, identifiers,
//! transaction kinds, response codes, and the card number type.
//!
//! These are domain types, not wire types: ISO 8583 fields, JSON bodies and
//! SQL rows convert to and from them at the edges.

pub mod card;
pub mod ids;
pub mod lang;
pub mod money;
pub mod response;
pub mod services;
pub mod time;
pub mod txn;

pub use card::{CardNumber, mask_pan};
pub use ids::{Batch, MerchantId, Rrn, TerminalId, Trace};
pub use lang::Lang;
pub use money::{Amount, Currency, display_signed};
pub use response::ResponseCode;
pub use txn::TxnKind;
