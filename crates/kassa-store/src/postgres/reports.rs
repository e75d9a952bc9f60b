//! Day reports on PostgreSQL (the SQL is in `crate::reports`).

use deadpool_postgres::GenericClient;
use kassa_core::MerchantId;

use super::pg_error;
use crate::Result;
use crate::office::for_postgres;
use crate::reports::{
    EXCEPTIONS, EXCEPTIONS_MAX, ExceptionItem, FEE_INCOME, FeeIncomeDay, MERCHANT_DAY, MerchantDayReport, merchant_day,
};

pub(super) async fn merchant_day_report(
    c: &impl GenericClient,
    business_date: &str,
    merchant: Option<&MerchantId>,
) -> Result<Vec<MerchantDayReport>> {
    let statement = c.prepare_cached(&for_postgres(MERCHANT_DAY)).await.map_err(pg_error)?;
    let only = merchant.map(MerchantId::as_str).unwrap_or_default();
    let rows = c.query(&statement, &[&business_date, &only]).await.map_err(pg_error)?;
    Ok(rows
        .iter()
        .map(|row| {
            let mut n = [0i64; 8];
            for (i, v) in n.iter_mut().enumerate() {
                *v = row.get(i + 1);
            }
            let settled = row
                .get::<_, Option<i64>>(9)
                .map(|fees| [fees, row.get(10), row.get(11), row.get(12), row.get(13), row.get(14)]);
            merchant_day(business_date, row.get(0), n, settled)
        })
        .collect())
}

pub(super) async fn fee_income(c: &impl GenericClient, from: &str, to: &str) -> Result<Vec<FeeIncomeDay>> {
    let statement = c.prepare_cached(&for_postgres(FEE_INCOME)).await.map_err(pg_error)?;
    let rows = c.query(&statement, &[&from, &to]).await.map_err(pg_error)?;
    Ok(rows
        .iter()
        .map(|row| FeeIncomeDay {
            business_date: row.get(0),
            merchants: row.get::<_, i64>(1).max(0) as u64,
            takings: row.get::<_, i64>(2).max(0) as u64,
            fees: row.get::<_, i64>(3).max(0) as u64,
        })
        .collect())
}

pub(super) async fn exceptions(c: &impl GenericClient, business_date: &str) -> Result<Vec<ExceptionItem>> {
    let statement = c.prepare_cached(&for_postgres(EXCEPTIONS)).await.map_err(pg_error)?;
    let rows = c.query(&statement, &[&business_date, &EXCEPTIONS_MAX]).await.map_err(pg_error)?;
    let amount = |v: Option<i64>| v.map(|v| v.max(0) as u64);
    Ok(rows
        .iter()
        .map(|row| ExceptionItem {
            id: row.get(0),
            business_date: row.get(1),
            kind: row.get(2),
            link_stan: row.get::<_, i64>(3).clamp(0, i64::from(u32::MAX)) as u32,
            link_transmitted: row.get(4),
            txn_id: row.get(5),
            host_amount: amount(row.get(6)),
            network_amount: amount(row.get(7)),
            reason: row.get(8),
            status: row.get(9),
        })
        .collect())
}
