//! `kassa sim`: the deterministic simulation of the whole authorization
//! path (`kassa::sim`), one seed or many, with a one-line verdict each.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct SimArgs {
    /// The seed (default: one from the clock, printed so the run can be replayed).
    #[arg(long)]
    seed: Option<u64>,
    /// Seeds to run, from --seed on (seed, seed + 1, …).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Terminal operations per run before the world is quieted and audited.
    #[arg(long, default_value_t = 1_000)]
    steps: u64,
    /// Terminals.
    #[arg(long, default_value_t = 6)]
    terminals: usize,
    /// The same workload without faults.
    #[arg(long)]
    no_faults: bool,
    /// Print every event of the trace.
    #[arg(long)]
    trace: bool,
}

pub fn run(args: SimArgs) -> Result<ExitCode> {
    // Logs only when asked (KASSA_LOG=warn, …), on stderr: the verdict stays on stdout.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("KASSA_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_target(false)
            .with_writer(std::io::stderr)
            .try_init();
    }
    let first = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    let mut failed = 0;
    let (started, mut operations) = (Instant::now(), 0);
    for n in 0..args.seeds.max(1) {
        let config = kassa::sim::Config {
            seed: first.wrapping_add(n),
            steps: args.steps,
            terminals: args.terminals.clamp(1, 64),
            faults: !args.no_faults,
            keep_trace: args.trace,
        };
        let report = kassa::sim::run(&config).map_err(anyhow::Error::msg)?;
        for line in &report.trace {
            println!("{line}");
        }
        println!("{}", report.verdict());
        operations += report.operations;
        failed += u64::from(report.violation.is_some());
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "{} seeds, {failed} failed; {operations} operations in {wall:.1} s of wall time ({:.0} simulated operations/s)",
        args.seeds.max(1),
        operations as f64 / wall.max(0.001)
    );
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
