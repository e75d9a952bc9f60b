//! The parts of Kassa wired together, shared by the `kassa` binary
//! (`serve`, `network-sim`, `demo`, `terminal`) and the end-to-end tests.

pub mod affinity;
pub mod api;
pub mod config;
pub mod demo;
pub mod metrics;
pub mod monitor;
pub mod payout;
pub mod reconcile;
pub mod settle;
pub mod world;
