//! Settlement arithmetic: the business day and its cut-off, merchant discount
//! fees with caps (integer minor units, a documented rounding rule), and each
//! merchant's net for a day. Pure: the store and the payout adapter use it.

pub mod business_day;
pub mod fees;
pub mod reconcile;
pub mod settle;

pub use business_day::{CutOff, SETTLE_AFTER_CUTOFF_MS, next_day};
pub use fees::{FeeRule, FeeSchedule};
pub use reconcile::{Break, BreakKind, ClearingItem, HostItem, Reconciliation, parse_clearing, reconcile};
pub use settle::{MerchantDay, SettleItem, carry, settle_day};
