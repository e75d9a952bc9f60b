//! The benchmark cases of `benches/mac.rs`, run once each so they cannot rot.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_crypto::{MacAlgorithm, SecretKey, mac};

#[test]
fn mac_of_a_sale() {
    let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", None).unwrap();
    let data = vec![0x5Au8; 232];
    for algorithm in [MacAlgorithm::CupEcb, MacAlgorithm::X919] {
        assert_eq!(mac::compute(algorithm, &key, &data).unwrap().len(), 8);
    }
}
