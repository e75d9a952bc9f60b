//! The parts of Kassa wired together, shared by the `kassa` binary
//! (`serve`, `network-sim`, `demo`, `terminal`) and the end-to-end tests.

pub mod affinity;
pub mod api;
pub mod config;
pub mod demo;
pub mod metrics;
pub mod sim;
pub mod world;

// The day's back-office run lives in its own crate; these paths stay.
pub use kassa_dayrun::{monitor, payout, reconcile, settle};
