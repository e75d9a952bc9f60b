//! `kassa`: the one binary. Each subcommand lives in its own module; this file
//! only parses the command line and turns errors into one line and exit code 2.

mod bench_cmd;
mod bench_settle;
mod crypto_cmd;
mod iso8583_cmd;
mod pos_cmd;
mod render;
mod report_cmd;
mod run_cmd;
mod sim_cmd;
mod sms_cmd;
mod terminal_cmd;
mod till_cmd;

use std::process::ExitCode;

/// mimalloc instead of glibc's allocator: the authorization path allocates
/// and frees small buffers on several threads, and glibc's arenas and
/// consolidation cost about a tenth of the host's CPU under `kassa bench`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Kassa — an open-source card-acquiring platform.
#[derive(Debug, Parser)]
#[command(name = "kassa", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode and encode ISO 8583 frames of the terminal profile.
    #[command(subcommand)]
    Iso8583(iso8583_cmd::Iso8583Command),
    /// The payment engineer's calculator: check values, PIN blocks, MACs, keys.
    #[command(subcommand)]
    Crypto(crypto_cmd::CryptoCommand),
    /// Everything in one process: simulator, host, demo merchant, terminals, test cards.
    Demo(run_cmd::DemoArgs),
    /// Run the host (terminals, network link, store) from a config file.
    Serve(run_cmd::ServeArgs),
    /// Run the card-network simulator.
    NetworkSim(run_cmd::SimArgs),
    /// A scripted POS terminal: sign-in, sale, void, refund, settle, …
    Terminal(terminal_cmd::TerminalArgs),
    /// Settle a business day: fees, net to each merchant's available funds (idempotent).
    Settle(run_cmd::SettleArgs),
    /// Match a business day against the network's clearing file; queue every break.
    Reconcile(run_cmd::ReconcileArgs),
    /// Reports: a business day per merchant (`day`), reconciliation breaks (`exceptions`), fee income (`fees`).
    Report(report_cmd::ReportArgs),
    /// The SMS outbox of the default gateway (one-time codes, notices).
    #[command(subcommand)]
    Sms(sms_cmd::SmsCommand),
    /// The deterministic simulation: terminals, host, network and store in one simulated world, faults by the seed, an auditor.
    Sim(sim_cmd::SimArgs),
    /// Load: many terminals through the whole path against a running demo.
    Bench(bench_cmd::BenchArgs),
    /// Configuration: `kassa config example` prints a commented kassa.toml.
    #[command(subcommand)]
    Config(run_cmd::ConfigCommand),
}

/// Exit code for bad input and every other failure a user can fix.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Iso8583(command) => iso8583_cmd::run(command),
        Command::Crypto(command) => crypto_cmd::run(command),
        Command::Demo(args) => run_cmd::demo(args),
        Command::Serve(args) => run_cmd::serve(args),
        Command::NetworkSim(args) => run_cmd::network_sim(args),
        Command::Terminal(args) => terminal_cmd::run(args),
        Command::Config(command) => run_cmd::config(command),
        Command::Bench(args) => bench_cmd::run(args),
        Command::Sim(args) => sim_cmd::run(args),
        Command::Settle(args) => run_cmd::settle(args),
        Command::Reconcile(args) => run_cmd::reconcile(args),
        Command::Report(args) => report_cmd::run(args),
        Command::Sms(command) => sms_cmd::run(command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
