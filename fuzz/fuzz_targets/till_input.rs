//! Feeds arbitrary text to the till's parsers of outside input: item codes
//! and the catalogue CSV. Whatever a CSV yields is written and read back to
//! the same items; every code that parses is in its canonical form.
#![no_main]

use std::collections::HashSet;

use kassa_till::ItemCode;
use kassa_till::catalogue::{parse_csv, to_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok((code, _)) = ItemCode::parse(text) {
        assert_eq!(ItemCode::parse(code.as_str()).map(|(c, _)| c), Ok(code));
    }
    let departments: HashSet<String> = ["A", "饮料"].iter().map(|s| s.to_string()).collect();
    if let Ok(items) = parse_csv(&format!("code,name,price,department\n{text}"), &departments) {
        assert_eq!(parse_csv(&to_csv(&items), &departments).ok(), Some(items));
    }
});
