//! The benchmark cases of `benches/codec.rs`, run once each so they cannot rot.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_iso8583::{TERMINAL, pack, samples, unpack};

#[test]
fn chip_sale_packs_and_unpacks() {
    let message = samples::chip_sale();
    let bytes = pack(&TERMINAL, &message).unwrap();
    let numbers: Vec<u8> = message.numbers().collect();
    assert_eq!(numbers, [2, 3, 4, 11, 14, 22, 23, 25, 26, 35, 41, 42, 49, 52, 53, 55, 60, 63, 64]);
    let field55 = message.get(55).unwrap().len();
    assert!((140..=170).contains(&field55), "field 55 is {field55} bytes");
    assert_eq!(unpack(&TERMINAL, &bytes).unwrap(), message);
}
