//! Day reports on PostgreSQL (the SQL is in `crate::reports`).

use deadpool_postgres::GenericClient;
use kassa_core::MerchantId;

use super::pg_error;
use crate::Result;
use crate::reports::{FEE_INCOME, FeeIncomeDay, MERCHANT_DAY, MerchantDayReport, for_postgres, merchant_day};

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
            let settled = row.get::<_, Option<i64>>(9).map(|fees| [fees, row.get(10), row.get(11)]);
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
