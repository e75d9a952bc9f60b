//! Faults planted on purpose, so that a test can show the deterministic
//! simulation's auditor catches them (`crates/kassa/tests/sim.rs`). Each is
//! off unless a test turns it on; nothing else sets them.

use std::sync::atomic::{AtomicBool, Ordering};

static SKIP_ONE_REVERSAL: AtomicBool = AtomicBool::new(false);

/// The next reversal store-and-forward would send is marked sent without
/// being sent (the network keeps the transaction; the host thinks it undone).
pub fn skip_one_reversal() {
    SKIP_ONE_REVERSAL.store(true, Ordering::SeqCst);
}

/// Whether to skip this reversal: true once after [`skip_one_reversal`].
pub(crate) fn take_skip_reversal() -> bool {
    SKIP_ONE_REVERSAL.swap(false, Ordering::SeqCst)
}
