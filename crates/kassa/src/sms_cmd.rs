//! `kassa sms outbox`: what the default SMS gateway sent (codes included),
//! for demos and tests.

use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, Subcommand};
use kassa_store::Store;

use crate::report_cmd::Where;
use crate::run_cmd::{runtime, store_url};

#[derive(Debug, Subcommand)]
pub enum SmsCommand {
    /// The SMS outbox, newest first.
    Outbox(OutboxArgs),
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    /// Only messages to this phone.
    #[arg(long)]
    phone: Option<String>,
    /// How many (1 to 1000).
    #[arg(long, default_value_t = 20)]
    limit: i64,
    #[command(flatten)]
    place: Where,
}

pub fn run(command: SmsCommand) -> Result<ExitCode> {
    let SmsCommand::Outbox(args) = command;
    let url = store_url(args.place.config.as_deref(), args.place.demo.as_deref())?;
    let (phone, limit) = (args.phone, args.limit);
    let rows = runtime()?.block_on(async {
        let store = kassa_store::AnyStore::open(&url).await.map_err(|e| anyhow!("open the store at {url}: {e}"))?;
        store
            .office_read(move |sql| kassa_api::ops::outbox(sql, phone.as_deref(), limit))
            .await
            .map_err(|e| anyhow!("read the outbox: {e}"))
    })?;
    if args.place.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!("(no messages)");
    }
    for sms in &rows {
        let at = kassa_core::time::LocalTime::from_unix_ms(sms.created_at, 480);
        println!("{} {}  {}  {}", at.yyyymmdd(), at.hhmmss(), sms.phone, sms.text);
    }
    Ok(ExitCode::SUCCESS)
}
