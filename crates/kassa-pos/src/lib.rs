//! The POS terminal on screen (`kassa terminal`): the operator's day as a
//! state machine ([`App`]) fed by keys and by the device's answers, its
//! screens drawn with ratatui at 80×24 ([`view`]), and the slips an approved
//! transaction prints ([`slip`]). No I/O: the `kassa` binary reads the
//! keyboard, talks to the host through `kassa-terminal`, and saves slips.

pub mod app;
pub mod slip;
pub mod view;

pub use app::{App, BatchSummary, Effect, Key, Mode, Screen};
