//! Pack and unpack of a typical chip-card sale. Run: `cargo bench -p kassa-iso8583`.
//! The same cases run once each as a test (`tests/bench_cases.rs`) so they cannot rot.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_iso8583::{TERMINAL, pack, samples, unpack};

fn main() {
    divan::main();
}

#[divan::bench]
fn pack_chip_sale(bencher: divan::Bencher<'_, '_>) {
    let message = samples::chip_sale();
    bencher.bench(|| pack(&TERMINAL, divan::black_box(&message)));
}

#[divan::bench]
fn unpack_chip_sale(bencher: divan::Bencher<'_, '_>) {
    let bytes = pack(&TERMINAL, &samples::chip_sale()).unwrap();
    bencher.bench(|| unpack(&TERMINAL, divan::black_box(&bytes)));
}

#[divan::bench]
fn pack_and_unpack_chip_sale(bencher: divan::Bencher<'_, '_>) {
    let message = samples::chip_sale();
    bencher.bench(|| {
        let bytes = pack(&TERMINAL, divan::black_box(&message)).unwrap();
        unpack(&TERMINAL, &bytes).unwrap()
    });
}
