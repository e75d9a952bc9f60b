//! Feeds arbitrary text to the clearing-file parser; whatever parses is
//! reconciled against itself, which must match item for item when its keys
//! are unique.
#![no_main]

use std::collections::BTreeSet;

use kassa_settlement::{HostItem, parse_clearing, reconcile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(items) = parse_clearing(text) else { return };
    let host: Vec<HostItem> = items
        .iter()
        .enumerate()
        .map(|(i, c)| HostItem { txn_id: i as i64, stan: c.stan, transmitted: c.transmitted.clone(), kind: c.kind.clone(), amount: c.amount })
        .collect();
    let result = reconcile(&host, &items);
    let keys: BTreeSet<(u32, &str)> = items.iter().map(|c| (c.stan, c.transmitted.as_str())).collect();
    if keys.len() == items.len() {
        assert!(result.breaks.is_empty(), "{:?}", result.breaks);
        assert_eq!(result.matched, items.len());
    }
});
