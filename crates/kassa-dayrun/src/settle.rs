//! The daily settlement run: a business day's transactions, settled per
//! merchant by `kassa-settlement`'s arithmetic and recorded, with their ledger
//! postings, by the store. Running a day again changes nothing.

use kassa_core::{Amount, Currency};
use kassa_settlement::{FeeSchedule, settle_day};
use kassa_store::Store;
use kassa_store::ledger::{DayDigest, MerchantSettlement, Recorded};

use crate::Error;

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub business_date: String,
    pub merchants: usize,
    /// Merchants settled by this run (the others were settled before).
    pub newly_settled: usize,
    pub gross: u64,
    pub voids: u64,
    pub refunds: u64,
    pub fees: u64,
    /// Late reversals of earlier settled days, settled with this one (in `net`).
    pub adjustments: i64,
    pub net: i64,
    pub days: Vec<MerchantSettlement>,
}

/// Settles `business_date` (YYYYMMDD); `progress` is told (done, total) per merchant.
pub async fn run<S: Store>(
    store: &S,
    business_date: &str,
    fees: &FeeSchedule,
    now_ms: i64,
    progress: impl Fn(u64, u64),
) -> Result<RunSummary, Error> {
    if kassa_core::time::day_number_of(business_date).is_none() {
        return Err(format!("{business_date:?} is not a date (YYYYMMDD)").into());
    }
    let mut summary = RunSummary { business_date: business_date.to_string(), ..RunSummary::default() };
    // Merchants still to record: all of the day's at first, then those whose
    // day changed (or had a transaction in flight) between the read and the record.
    let mut left: Option<Vec<kassa_core::MerchantId>> = None;
    for attempt in 0..RECORD_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(RECORD_RETRY_WAIT).await;
        }
        let items = store.day_items(business_date.to_string()).await?;
        let mut days = settle_day(&items, fees);
        if let Some(left) = &left {
            days.retain(|merchant, _| left.contains(merchant));
        } else {
            summary.merchants = days.len();
        }
        let retry = record_days(store, business_date, &items, days, now_ms, &mut summary, &progress).await?;
        if retry.is_empty() {
            return Ok(summary);
        }
        left = Some(retry.into_iter().map(|(merchant, _)| merchant).collect());
    }
    let why: Vec<String> = left.unwrap_or_default().iter().map(|m| m.to_string()).collect();
    Err(format!(
        "settlement of {business_date}: the day of {} kept changing or had transactions in flight; run it again",
        why.join(", ")
    )
    .into())
}

/// How often a merchant's day is read and recorded again before the run gives up.
const RECORD_ATTEMPTS: usize = 50;
const RECORD_RETRY_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// Records each merchant's day of `days` (read from `items`); returns those
/// to read again, with why.
async fn record_days<S: Store>(
    store: &S,
    business_date: &str,
    items: &[kassa_settlement::SettleItem],
    mut days: std::collections::BTreeMap<kassa_core::MerchantId, kassa_settlement::MerchantDay>,
    now_ms: i64,
    summary: &mut RunSummary,
    progress: &impl Fn(u64, u64),
) -> Result<Vec<(kassa_core::MerchantId, &'static str)>, Error> {
    // Merchants whose settlement a risk case holds: the whole day to frozen funds.
    let held: Vec<String> = store
        .office_read(|sql| {
            sql.query("SELECT id FROM merchants WHERE settlement_held", &[])?.iter().map(|r| r.text(0)).collect()
        })
        .await?;
    for (merchant, day) in days.iter_mut() {
        if held.iter().any(|m| m == merchant.as_str()) {
            day.hold_all();
        }
    }
    // What each merchant still owes from earlier days (refunds above takings).
    let date = business_date.to_string();
    let debts: std::collections::HashMap<String, u64> = store
        .office_read(move |sql| {
            sql.query(
                "SELECT s.merchant_id, s.carried FROM merchant_settlements s
                 WHERE s.carried > 0 AND s.business_date = (SELECT MAX(p.business_date) FROM merchant_settlements p
                     WHERE p.merchant_id = s.merchant_id AND p.business_date < ?1)",
                kassa_store::sql_params![date],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.int(1)?.max(0).unsigned_abs())))
            .collect()
        })
        .await?;
    let total = summary.merchants as u64;
    let digests = DayDigest::by_merchant(items);
    let mut retry = Vec::new();
    for (merchant, day) in days {
        let debt_in = debts.get(merchant.as_str()).copied().unwrap_or(0);
        let (paid, carried) = kassa_settlement::carry(day.net, debt_in);
        let digest = digests.get(&merchant).copied().unwrap_or_default();
        let settled = MerchantSettlement {
            merchant,
            business_date: business_date.to_string(),
            currency: Currency::CNY.0,
            gross: day.gross,
            voids: day.voids,
            refunds: day.refunds,
            fees: day.fees,
            held: day.held,
            net: i64::try_from(day.net).map_err(|_| "a day's net beyond 64 bits")?,
            paid,
            carried,
            adjustments: day.adjustments,
        };
        match store.record_settlement(settled.clone(), digest, now_ms).await? {
            Recorded::Now => summary.newly_settled += 1,
            Recorded::Before => {}
            Recorded::Retry(why) => {
                tracing::info!(merchant = %settled.merchant, why, "settlement: the day is read again");
                retry.push((settled.merchant, why));
                continue;
            }
        }
        summary.gross += settled.gross;
        summary.voids += settled.voids;
        summary.refunds += settled.refunds;
        summary.fees += settled.fees;
        summary.adjustments += settled.adjustments;
        summary.net += settled.net;
        summary.days.push(settled);
        progress(summary.days.len() as u64, total);
    }
    Ok(retry)
}

/// Minor units as a person reads them: `¥1234.56`.
pub fn money(minor: u64) -> String {
    Amount(minor).display(Currency::CNY)
}

/// The same for an amount that may be negative (a day's net).
pub fn signed_money(minor: i64) -> String {
    kassa_core::display_signed(minor, Currency::CNY, false)
}

/// The summary as a person reads it.
pub fn report(summary: &RunSummary) -> String {
    let mut out = format!(
        "settlement of {}: {} merchants ({} settled now, {} before)\n",
        summary.business_date,
        summary.merchants,
        summary.newly_settled,
        summary.merchants - summary.newly_settled
    );
    out.push_str(&format!(
        "  takings {}  voids {}  refunds {}  fees {}  net to merchants {}\n",
        money(summary.gross),
        money(summary.voids),
        money(summary.refunds),
        money(summary.fees),
        signed_money(summary.net)
    ));
    if summary.adjustments != 0 {
        out.push_str(&format!(
            "  late reversals of days settled before {} (in the net)\n",
            signed_money(summary.adjustments)
        ));
    }
    for day in summary.days.iter().take(20) {
        let owes = if day.carried > 0 { format!("  still owes {}", money(day.carried)) } else { String::new() };
        out.push_str(&format!(
            "  {}  takings {:>14}  fees {:>10}  net {:>14}  paid {:>14}{owes}\n",
            day.merchant,
            money(day.gross),
            money(day.fees),
            signed_money(day.net),
            money(day.paid)
        ));
    }
    out
}
