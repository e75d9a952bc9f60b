//! Packs and unpacks the sample chip sale in a loop, for profilers
//! (`valgrind --tool=callgrind target/release/examples/profile_loop`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_iso8583::{TERMINAL, pack, samples, unpack};

fn main() {
    let message = samples::chip_sale();
    let mut total = 0usize;
    for _ in 0..100_000 {
        let bytes = pack(&TERMINAL, std::hint::black_box(&message)).map(|b| b.len()).unwrap_or(0);
        total += bytes;
    }
    let bytes = pack(&TERMINAL, &message).unwrap_or_default();
    for _ in 0..100_000 {
        total += unpack(&TERMINAL, std::hint::black_box(&bytes)).map(|m| m.numbers().count()).unwrap_or(0);
    }
    println!("{total}");
}
