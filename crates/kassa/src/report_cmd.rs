//! `kassa report`: a business day per merchant, the reconciliation exception
//! queue, and the acquirer's fee income.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::{Args, Subcommand};
use kassa::settle::{money, signed_money};
use kassa_core::MerchantId;
use kassa_store::Store;
use kassa_store::reports::{ExceptionItem, FEE_REPORT_DAYS_MAX, FeeIncomeDay, MerchantDayReport};
use kassa_store::services::ServiceDayTotal;

use crate::run_cmd::{business_date, runtime, store_url};

#[derive(Debug, Args)]
pub struct Where {
    /// The configuration file naming the store (default: the demo's store with --demo).
    #[arg(long, conflicts_with = "demo", global = true)]
    pub config: Option<PathBuf>,
    /// The demo's store in this directory.
    #[arg(long, global = true)]
    pub demo: Option<PathBuf>,
    /// JSON instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Per merchant: approved and failed counts and amounts, voids, refunds, fees, net settled.
    Day {
        /// The business day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// Only this merchant (15 digits).
        #[arg(long)]
        merchant: Option<String>,
    },
    /// The mobile reader's services of a business day, per merchant and
    /// service: completed (both legs) with amounts and fees, undone, open.
    Services {
        /// The business day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// Only this merchant (15 digits).
        #[arg(long)]
        merchant: Option<String>,
    },
    /// The reconciliation exception queue of a business day.
    Exceptions {
        /// The business day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
    },
    /// The acquirer's fee income per settled business day.
    Fees {
        /// First business day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last business day, YYYY-MM-DD (inclusive).
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    command: ReportCommand,
    #[command(flatten)]
    place: Where,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let url = store_url(args.place.config.as_deref(), args.place.demo.as_deref())?;
    let json = args.place.json;
    match args.command {
        ReportCommand::Day { date, merchant } => {
            let date = business_date(&date)?;
            let merchant = match merchant {
                Some(m) => Some(MerchantId::parse(&m).ok_or_else(|| anyhow!("--merchant {m:?}: 15 digits"))?),
                None => None,
            };
            let rows = query(&url, async |store| store.merchant_day_report(date.clone(), merchant).await)?;
            show(json, &rows, || day_table(&date, &rows))?;
        }
        ReportCommand::Services { date, merchant } => {
            let date = business_date(&date)?;
            if let Some(m) = &merchant {
                MerchantId::parse(m).ok_or_else(|| anyhow!("--merchant {m:?}: 15 digits"))?;
            }
            let day = date.clone();
            let rows = query(&url, async |store| {
                store.office_read(move |sql| kassa_store::services::day_totals(sql, merchant.as_deref(), &day)).await
            })?;
            show(json, &rows, || services_table(&date, &rows))?;
        }
        ReportCommand::Exceptions { date } => {
            let date = business_date(&date)?;
            let rows = query(&url, async |store| store.exceptions(date.clone()).await)?;
            show(json, &rows, || exception_table(&date, &rows))?;
        }
        ReportCommand::Fees { from, to } => {
            let (from, to) = (business_date(&from)?, business_date(&to)?);
            let days = |d: &str| kassa_core::time::day_number_of(d).unwrap_or_default();
            if days(&to) < days(&from) || days(&to) - days(&from) >= FEE_REPORT_DAYS_MAX {
                bail!("--from {from} --to {to}: a range of 1 to {FEE_REPORT_DAYS_MAX} days");
            }
            let rows = query(&url, async |store| store.fee_income(from.clone(), to.clone()).await)?;
            show(json, &rows, || fee_table(&from, &to, &rows))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the store at `url` and runs one read on it.
fn query<T>(url: &str, read: impl AsyncFnOnce(&kassa_store::AnyStore) -> kassa_store::Result<T>) -> Result<T> {
    runtime()?.block_on(async {
        let store = kassa_store::AnyStore::open(url).await.map_err(|e| anyhow!("open the store at {url}: {e}"))?;
        read(&store).await.map_err(|e| anyhow!("report: {e}"))
    })
}

/// Prints `rows` as JSON, or the table.
fn show<T: serde::Serialize>(json: bool, rows: &T, table: impl FnOnce() -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(rows)?);
    } else {
        print!("{}", table());
    }
    Ok(())
}

fn day_table(date: &str, rows: &[MerchantDayReport]) -> String {
    let mut out = format!("business day {date}: {} merchants\n", rows.len());
    out.push_str(&format!(
        "{:<16} {:>6} {:>15} {:>6} {:>13} {:>5} {:>12} {:>5} {:>12} {:>11} {:>15}\n",
        "merchant", "appr", "approved", "fail", "failed", "void", "voids", "rfnd", "refunds", "fees", "net settled"
    ));
    for r in rows {
        let (fees, net) = match &r.settled {
            Some(s) => (money(s.fees), signed_money(s.net)),
            None => ("-".into(), "not settled".into()),
        };
        out.push_str(&format!(
            "{:<16} {:>6} {:>15} {:>6} {:>13} {:>5} {:>12} {:>5} {:>12} {:>11} {:>15}\n",
            r.merchant,
            r.approved_count,
            money(r.approved_amount),
            r.failed_count,
            money(r.failed_amount),
            r.voids_count,
            money(r.voids_amount),
            r.refunds_count,
            money(r.refunds_amount),
            fees,
            net
        ));
    }
    out
}

fn services_table(date: &str, rows: &[ServiceDayTotal]) -> String {
    let mut out = format!(
        "services of business day {date} (not takings: in no merchant's net)\n{:<16} {:<10} {:>6} {:>15} {:>11} {:>6} {:>5}\n",
        "merchant", "service", "done", "amount", "fees", "undone", "open"
    );
    let (mut amount, mut fees) = (0u64, 0u64);
    for r in rows {
        amount += r.amount;
        fees += r.fees;
        out.push_str(&format!(
            "{:<16} {:<10} {:>6} {:>15} {:>11} {:>6} {:>5}\n",
            r.merchant,
            r.service,
            r.completed_count,
            money(r.amount),
            money(r.fees),
            r.undone_count,
            r.open_count
        ));
    }
    out.push_str(&format!("{:<16} {:<10} {:>6} {:>15} {:>11}\n", "total", "", "", money(amount), money(fees)));
    out
}

fn fee_table(from: &str, to: &str, rows: &[FeeIncomeDay]) -> String {
    let mut out =
        format!("fee income {from} to {to}\n{:<10} {:>9} {:>16} {:>13}\n", "day", "merchants", "takings", "fees");
    let (mut takings, mut fees) = (0u64, 0u64);
    for r in rows {
        takings += r.takings;
        fees += r.fees;
        out.push_str(&format!(
            "{:<10} {:>9} {:>16} {:>13}\n",
            r.business_date,
            r.merchants,
            money(r.takings),
            money(r.fees)
        ));
    }
    out.push_str(&format!("{:<10} {:>9} {:>16} {:>13}\n", "total", "", money(takings), money(fees)));
    out
}

fn exception_table(date: &str, rows: &[ExceptionItem]) -> String {
    let mut out = format!("reconciliation exceptions of {date}: {}\n", rows.len());
    out.push_str(&format!(
        "{:<16} {:>6} {:<10} {:>8} {:>13} {:>13} {:<6} reason\n",
        "kind", "trace", "sent", "txn", "host", "network", "status"
    ));
    let amount = |v: Option<u64>| v.map(money).unwrap_or_else(|| "-".into());
    for r in rows {
        out.push_str(&format!(
            "{:<16} {:>6} {:<10} {:>8} {:>13} {:>13} {:<6} {}\n",
            r.kind,
            format!("{:06}", r.link_stan),
            r.link_transmitted,
            r.txn_id.map(|id| id.to_string()).unwrap_or_else(|| "-".into()),
            amount(r.host_amount),
            amount(r.network_amount),
            r.status,
            r.reason
        ));
    }
    out
}
