//! Day reports on SQLite (the SQL is in `crate::reports`).

use kassa_core::MerchantId;
use rusqlite::Connection;

use super::db_error;
use crate::Result;
use crate::reports::{
    EXCEPTIONS, EXCEPTIONS_MAX, ExceptionItem, FEE_INCOME, FeeIncomeDay, MERCHANT_DAY, MerchantDayReport, merchant_day,
};

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
                Some(fees) => Some([fees, row.get(10)?, row.get(11)?, row.get(12)?, row.get(13)?, row.get(14)?]),
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

pub(super) fn exceptions(c: &Connection, business_date: &str) -> Result<Vec<ExceptionItem>> {
    let mut statement = c.prepare_cached(EXCEPTIONS).map_err(db_error)?;
    let amount = |v: Option<i64>| v.map(|v| v.max(0) as u64);
    let rows = statement
        .query_map(rusqlite::params![business_date, EXCEPTIONS_MAX], |row| {
            Ok(ExceptionItem {
                id: row.get(0)?,
                business_date: row.get(1)?,
                kind: row.get(2)?,
                link_stan: row.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                link_transmitted: row.get(4)?,
                txn_id: row.get(5)?,
                host_amount: amount(row.get(6)?),
                network_amount: amount(row.get(7)?),
                reason: row.get(8)?,
                status: row.get(9)?,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}
