//! Reports over a business day: per merchant, what was approved and what
//! failed, voids, refunds and what settlement made of it; and the acquirer's
//! fee income per day. The SQL is shared by both stores (`?N` placeholders,
//! rewritten to `$N` for PostgreSQL).

/// One merchant's business day.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MerchantDayReport {
    pub merchant: String,
    pub business_date: String,
    /// Sales and completions the network approved (including those voided later).
    pub approved_count: u64,
    pub approved_amount: u64,
    /// Financial requests declined, or reversed for want of an answer.
    pub failed_count: u64,
    pub failed_amount: u64,
    pub voids_count: u64,
    pub voids_amount: u64,
    pub refunds_count: u64,
    pub refunds_amount: u64,
    /// What settlement recorded; `None` before the day is settled.
    pub settled: Option<Settled>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Settled {
    pub fees: u64,
    pub held: u64,
    pub net: i64,
    /// What the day paid to available funds (its net less any debt carried in).
    pub paid: u64,
    /// The debt carried on after the day.
    pub carried: u64,
    /// Late reversals of earlier settled days taken back (negative) or given
    /// back with this day; already in `net`.
    pub adjustments: i64,
}

/// The acquirer's fee income of one business day.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FeeIncomeDay {
    pub business_date: String,
    pub merchants: u64,
    pub takings: u64,
    pub fees: u64,
}

/// One break in the reconciliation exception queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExceptionItem {
    pub id: i64,
    pub business_date: String,
    /// `host_only`, `network_only` or `amount_mismatch`.
    pub kind: String,
    pub link_stan: u32,
    pub link_transmitted: String,
    pub txn_id: Option<i64>,
    pub host_amount: Option<u64>,
    pub network_amount: Option<u64>,
    pub reason: String,
    pub status: String,
}

/// At most this many exceptions in one report.
pub const EXCEPTIONS_MAX: i64 = 10_000;

/// Days a fee-income report may span.
pub const FEE_REPORT_DAYS_MAX: i64 = 366;

pub(crate) const MERCHANT_DAY: &str = "
    SELECT d.merchant_id, d.approved_count, d.approved_amount, d.failed_count, d.failed_amount,
           d.voids_count, d.voids_amount, d.refunds_count, d.refunds_amount, s.fees, s.held, s.net, s.paid, s.carried,
           s.adjustments
    FROM (
        SELECT merchant_id,
          CAST(COALESCE(SUM(CASE WHEN kind IN ('sale', 'completion', 'completion_advice') AND state IN ('approved', 'voided') THEN 1 ELSE 0 END), 0) AS BIGINT) AS approved_count,
          CAST(COALESCE(SUM(CASE WHEN kind IN ('sale', 'completion', 'completion_advice') AND state IN ('approved', 'voided') THEN amount ELSE 0 END), 0) AS BIGINT) AS approved_amount,
          CAST(COALESCE(SUM(CASE WHEN kind <> 'balance' AND state IN ('declined', 'reversed') THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed_count,
          CAST(COALESCE(SUM(CASE WHEN kind <> 'balance' AND state IN ('declined', 'reversed') THEN amount ELSE 0 END), 0) AS BIGINT) AS failed_amount,
          CAST(COALESCE(SUM(CASE WHEN kind IN ('sale_void', 'completion_void') AND state = 'approved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS voids_count,
          CAST(COALESCE(SUM(CASE WHEN kind IN ('sale_void', 'completion_void') AND state = 'approved' THEN amount ELSE 0 END), 0) AS BIGINT) AS voids_amount,
          CAST(COALESCE(SUM(CASE WHEN kind = 'refund' AND state = 'approved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS refunds_count,
          CAST(COALESCE(SUM(CASE WHEN kind = 'refund' AND state = 'approved' THEN amount ELSE 0 END), 0) AS BIGINT) AS refunds_amount
        FROM transactions WHERE business_date = ?1 AND (?2 = '' OR merchant_id = ?2)
        GROUP BY merchant_id
    ) d
    LEFT JOIN merchant_settlements s ON s.merchant_id = d.merchant_id AND s.business_date = ?1
    ORDER BY d.merchant_id";

pub(crate) const FEE_INCOME: &str = "
    SELECT business_date, CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(gross), 0) AS BIGINT),
           CAST(COALESCE(SUM(fees), 0) AS BIGINT)
    FROM merchant_settlements WHERE business_date >= ?1 AND business_date <= ?2
    GROUP BY business_date ORDER BY business_date";

pub(crate) const EXCEPTIONS: &str = "
    SELECT id, business_date, kind, CAST(link_stan AS BIGINT), link_transmitted, txn_id, host_amount, network_amount,
           reason, status
    FROM reconciliation_exceptions WHERE business_date = ?1 ORDER BY id LIMIT ?2";

/// A report row from its columns (in `MERCHANT_DAY`'s order).
pub(crate) fn merchant_day(
    business_date: &str,
    merchant: String,
    n: [i64; 8],
    settled: Option<[i64; 6]>,
) -> MerchantDayReport {
    let u = |v: i64| v.max(0) as u64;
    MerchantDayReport {
        merchant,
        business_date: business_date.to_string(),
        approved_count: u(n[0]),
        approved_amount: u(n[1]),
        failed_count: u(n[2]),
        failed_amount: u(n[3]),
        voids_count: u(n[4]),
        voids_amount: u(n[5]),
        refunds_count: u(n[6]),
        refunds_amount: u(n[7]),
        settled: settled.map(|[fees, held, net, paid, carried, adjustments]| Settled {
            fees: u(fees),
            held: u(held),
            net,
            paid: u(paid),
            carried: u(carried),
            adjustments,
        }),
    }
}
