//! Day reports on SQLite (the SQL is in `crate::reports`).

use kassa_core::MerchantId;
use rusqlite::Connection;

use super::db_error;
use crate::Result;
use crate::reports::{FEE_INCOME, FeeIncomeDay, MERCHANT_DAY, MerchantDayReport, merchant_day};

pub(super) fn merchant_day_report(
    c: &Connection,
    business_date: &str,
    merchant: Option<&MerchantId>,
) -> Result<Vec<MerchantDayReport>> {
    let mut statement = c.prepare_cached(MERCHANT_DAY).map_err(db_error)?;
    let only = merchant.map(MerchantId::as_str).unwrap_or_default();
    let rows = statement
        .query_map([business_date, only], |row| {
            let mut n = [0i64; 8];
            for (i, v) in n.iter_mut().enumerate() {
                *v = row.get(i + 1)?;
            }
            let fees: Option<i64> = row.get(9)?;
            let settled = match fees {
                Some(fees) => Some([fees, row.get(10)?, row.get(11)?]),
                None => None,
            };
            Ok(merchant_day(business_date, row.get(0)?, n, settled))
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

pub(super) fn fee_income(c: &Connection, from: &str, to: &str) -> Result<Vec<FeeIncomeDay>> {
    let mut statement = c.prepare_cached(FEE_INCOME).map_err(db_error)?;
    let rows = statement
        .query_map([from, to], |row| {
            Ok(FeeIncomeDay {
                business_date: row.get(0)?,
                merchants: row.get::<_, i64>(1)?.max(0) as u64,
                takings: row.get::<_, i64>(2)?.max(0) as u64,
                fees: row.get::<_, i64>(3)?.max(0) as u64,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}
