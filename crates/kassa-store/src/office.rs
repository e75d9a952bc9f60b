//! The back office's SQL, written once for both stores.
//!
//! Back-office calls are few and small next to the authorization path, so
//! they do not get a hand-tuned method per backend: the service runs a plain
//! closure over [`Sql`] inside one database transaction (SQLite: in the
//! writer's group commit; PostgreSQL: on a blocking thread, serialized by an
//! advisory lock). Statements are written with SQLite's `?N` placeholders and
//! rewritten for PostgreSQL; integers are 64-bit in both.
//!
//! Ledger postings go through the same store code as authorization
//! ([`Sql::post`]), in the same commit as the back-office rows.

use kassa_core::MerchantId;

use crate::ledger::Planned;
use crate::{Result, StoreError};

/// One SQL value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Value {
        Value::Blob(v)
    }
}
impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Blob(v.to_vec())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Parameters for [`Sql`] calls: `params![a, b]`.
#[macro_export]
macro_rules! sql_params {
    ($($value:expr),* $(,)?) => { &[$($crate::office::Value::from($value)),*][..] };
}

/// A result row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value> {
        self.0.get(i).ok_or_else(|| StoreError::Corrupt(format!("column {i} missing")))
    }

    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            other => Err(StoreError::Corrupt(format!("column {i}: expected an integer, found {other:?}"))),
        }
    }

    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| StoreError::Corrupt(format!("column {i} is null")))
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v.clone())),
            _ => Err(StoreError::Corrupt(format!("column {i}: expected text"))),
        }
    }

    pub fn blob(&self, i: usize) -> Result<Vec<u8>> {
        match self.at(i)? {
            Value::Blob(v) => Ok(v.clone()),
            _ => Err(StoreError::Corrupt(format!("column {i}: expected bytes"))),
        }
    }

    pub fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.int(i)? != 0)
    }
}

/// Rows a single [`Sql::query`] may return: every list the back office shows is paged below this.
pub const QUERY_ROWS_MAX: usize = 10_000;

/// One database transaction of the back office.
pub trait Sql {
    /// Runs a statement; the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Runs a query (at most [`QUERY_ROWS_MAX`] rows are returned).
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;
    /// Makes ledger postings for `merchant` (currency CNY) in this transaction.
    fn post(&mut self, merchant: &MerchantId, planned: &[Planned], now_ms: i64) -> Result<()>;

    /// The first row, if any.
    fn one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// An `INSERT … RETURNING id`'s id.
    fn insert(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        self.one(sql, params)?.ok_or_else(|| StoreError::Database("insert returned no id".into()))?.int(0)
    }

    /// A single integer (`COUNT(*)`, a sum cast to BIGINT); 0 when NULL.
    fn scalar(&mut self, sql: &str, params: &[Value]) -> Result<i64> {
        Ok(self.one(sql, params)?.map(|r| r.opt_int(0)).transpose()?.flatten().unwrap_or(0))
    }
}

/// `?N` placeholders as PostgreSQL's `$N`.
pub fn for_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// A merchant's ledger balances in minor units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Wallet {
    pub available: i64,
    pub pending: i64,
    pub frozen: i64,
    pub deposits: i64,
    pub payouts_in_flight: i64,
}

/// Reads `merchant`'s balances (credit-normal merchant accounts: credits − debits).
pub fn wallet(sql: &mut dyn Sql, merchant: &MerchantId) -> Result<Wallet> {
    let rows = sql.query(
        "SELECT kind, credits_posted - debits_posted FROM ledger_accounts WHERE owner = ?1 AND currency = 156",
        crate::sql_params![merchant.as_str()],
    )?;
    let mut wallet = Wallet::default();
    for row in rows {
        let value = row.int(1)?;
        match row.text(0)?.as_str() {
            "MerchantAvailable" => wallet.available = value,
            "MerchantPending" => wallet.pending = value,
            "MerchantFrozen" => wallet.frozen = value,
            "DepositsHeld" => wallet.deposits = value,
            _ => {}
        }
    }
    wallet.payouts_in_flight = sql.scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payouts WHERE merchant_id = ?1 AND state IN ('created', 'sent')",
        crate::sql_params![merchant.as_str()],
    )?;
    Ok(wallet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(for_postgres("SELECT ?1, '?', ?12 WHERE a = ?"), "SELECT $1, '?', $12 WHERE a = ?");
    }
}
