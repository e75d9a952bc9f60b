//! MAC generation. Run: `cargo bench -p kassa-crypto`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_crypto::{KeyAlgorithm, MacAlgorithm, SecretKey, mac};

fn main() {
    divan::main();
}

/// A sale's MAC block is about 230 bytes (MTI to field 63).
const MAB_LEN: usize = 232;

#[divan::bench(args = [MacAlgorithm::CupEcb, MacAlgorithm::X919, MacAlgorithm::AesCmac])]
fn mac_of_a_sale(bencher: divan::Bencher<'_, '_>, algorithm: MacAlgorithm) {
    let family = (algorithm == MacAlgorithm::AesCmac).then_some(KeyAlgorithm::Aes128);
    let key = SecretKey::from_hex("0123456789ABCDEFFEDCBA9876543210", family).unwrap();
    let data = vec![0x5Au8; MAB_LEN];
    bencher.bench(|| mac::compute(algorithm, &key, divan::black_box(&data)));
}
