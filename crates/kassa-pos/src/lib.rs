//! The POS terminal on screen (`kassa terminal`): the operator's day as a
//! state machine ([`App`]) fed by keys and by the device's answers, its
//! screens drawn with ratatui at 80×24 ([`view`]) in Chinese or English, and
//! what the terminal prints ([`slip`]): slips, reprints and the settlement
//! list, 32 columns wide. No I/O: the `kassa` binary reads the keyboard, talks
//! to the host through `kassa-terminal`, and saves what is printed.

pub mod app;
pub mod slip;
pub mod view;

pub use app::{App, Effect, Key, Lang, Mode, Screen};
pub use slip::BatchSummary;
