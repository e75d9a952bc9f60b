//! The deterministic simulation (`kassa::sim`, `kassa sim`) in every CI run:
//! a replay gives the same trace, a budget of random seeds passes the
//! auditor with every fault on, the seeds that once found a bug still pass,
//! and a planted bug (one reversal skipped) is caught.
//!
//! - `SIM_SEED=N` starts the random seeds at N (default: from the clock,
//!   printed); `SIM_BUDGET_SECS` is how long they run (default 150);
//!   `SIM_STEPS` their length (default 500).
//! - A failure prints the seed and the command that replays it.
//!
//! Each run builds its own single-threaded runtime under a paused clock, so
//! the tests call [`kassa::sim::run`] from plain (non-async) tests. The
//! planted fault is a process-wide switch: nextest gives each test its own
//! process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use std::time::{Duration, Instant};

use kassa::sim::{Config, Report};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn run(seed: u64, steps: u64) -> Report {
    let config = Config { seed, steps, keep_trace: false, ..Config::default() };
    let report = kassa::sim::run(&config).unwrap();
    eprintln!("{}", report.verdict());
    report
}

fn replay(report: &Report, steps: u64) -> String {
    format!("{}\n  replay: cargo run -p kassa -- sim --seed {} --steps {steps} --trace", report.verdict(), report.seed)
}

#[test]
fn the_same_seed_gives_the_same_run_byte_for_byte() {
    let config = Config { seed: 1, steps: 300, keep_trace: true, ..Config::default() };
    let first = kassa::sim::run(&config).unwrap();
    let second = kassa::sim::run(&config).unwrap();
    assert_eq!(first.trace_hash, second.trace_hash);
    assert_eq!(first.trace, second.trace, "the same events, at the same simulated moments");
    assert!(first.trace.len() > 300, "a run that did something");
    let other = kassa::sim::run(&Config { seed: 2, ..config }).unwrap();
    assert_ne!(first.trace_hash, other.trace_hash, "another seed, another run");
}

/// The seeds (and their lengths) that each found a bug, now fixed (README,
/// "The deterministic simulation"). Run one after another in one thread, as
/// the bug seed 22 found needed (it failed only after seed 21 in the same thread).
const CORPUS: [(u64, u64); 20] = [
    (1, 500),
    (3, 500),
    (4, 500),
    (5, 500),
    (6, 500),
    (8, 500),
    (9, 500),
    (11, 500),
    (12, 500),
    (14, 500),
    (21, 500),
    (22, 500),
    (28, 500),
    (34, 500),
    (59, 500),
    (80, 500),
    (155, 500),
    (163, 500),
    (1029, 1000),
    (7_018_172_675_868_926, 500),
];

#[test]
fn the_seeds_that_once_failed_pass() {
    let failed: Vec<String> = CORPUS
        .iter()
        .map(|&(seed, steps)| (run(seed, steps), steps))
        .filter(|(r, _)| r.violation.is_some())
        .map(|(r, steps)| replay(&r, steps))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn random_seeds_pass_the_auditor_with_every_fault_on() {
    let first = env_u64("SIM_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(7, |d| d.as_nanos() as u64 >> 8)
    });
    let budget = Duration::from_secs(env_u64("SIM_BUDGET_SECS").unwrap_or(150));
    let steps = env_u64("SIM_STEPS").unwrap_or(500);
    eprintln!("random seeds from {first} for {budget:?}, {steps} steps each (SIM_SEED={first} replays them)");
    let started = Instant::now();
    let (mut seeds, mut operations) = (0u64, 0u64);
    while seeds == 0 || started.elapsed() < budget {
        let report = run(first.wrapping_add(seeds), steps);
        assert!(report.violation.is_none(), "{}", replay(&report, steps));
        seeds += 1;
        operations += report.operations;
    }
    let wall = started.elapsed().as_secs_f64();
    eprintln!(
        "{seeds} seeds, {operations} operations in {wall:.0} s ({:.0} simulated operations/s)",
        operations as f64 / wall
    );
}

/// The auditor is no rubber stamp: with store-and-forward planted to skip one
/// reversal (marked sent, never sent), some seed within a few shows it.
#[test]
fn a_skipped_reversal_is_caught() {
    for seed in 1..=10 {
        kassa_switch::planted::skip_one_reversal();
        let report = run(seed, 300);
        if let Some(violation) = &report.violation {
            eprintln!("caught at seed {seed}: {violation}");
            return;
        }
    }
    panic!("ten seeds ran with one reversal skipped each and the auditor saw nothing");
}
