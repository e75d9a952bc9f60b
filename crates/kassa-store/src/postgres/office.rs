//! [`Sql`] on a PostgreSQL transaction, driven from a blocking thread.

use std::error::Error;

use bytes::BytesMut;
use kassa_core::MerchantId;
use tokio::runtime::Handle;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::pg_error;
use crate::ledger::Planned;
use crate::office::{QUERY_ROWS_MAX, Row, Sql, Value, for_postgres};
use crate::{Result, StoreError};

/// Serializes back-office writes of every host sharing the database.
pub(super) const OFFICE_LOCK: i64 = 0x004B_4153_5342;

#[derive(Debug)]
struct PgValue<'a>(&'a Value);

impl ToSql for PgValue<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::BOOL => (*v != 0).to_sql(ty, out),
                _ => Err(format!("an integer for a {ty} column").into()),
            },
            Value::Text(v) => v.as_str().to_sql(ty, out),
            Value::Blob(v) => v.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

pub(super) struct PgSql<'t> {
    pub(super) handle: &'t Handle,
    pub(super) tx: &'t deadpool_postgres::Transaction<'t>,
    pub(super) writable: bool,
}

fn value(row: &tokio_postgres::Row, i: usize) -> Result<Value> {
    let ty = row.columns().get(i).map(|c| c.type_().clone()).unwrap_or(Type::TEXT);
    let got = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int)),
        Type::INT4 => row.try_get::<_, Option<i32>>(i).map(|v| v.map(|v| Value::Int(i64::from(v)))),
        Type::INT2 => row.try_get::<_, Option<i16>>(i).map(|v| v.map(|v| Value::Int(i64::from(v)))),
        Type::BOOL => row.try_get::<_, Option<bool>>(i).map(|v| v.map(|v| Value::Int(i64::from(v)))),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map(|v| v.map(Value::Blob)),
        _ => row.try_get::<_, Option<String>>(i).map(|v| v.map(Value::Text)),
    };
    Ok(got.map_err(|e| StoreError::Corrupt(format!("column {i} ({ty}): {e}")))?.unwrap_or(Value::Null))
}

impl Sql for PgSql<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let params: Vec<PgValue<'_>> = params.iter().map(PgValue).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        self.handle.block_on(self.tx.execute(for_postgres(sql).as_str(), &refs)).map_err(pg_error)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let params: Vec<PgValue<'_>> = params.iter().map(PgValue).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let rows = self.handle.block_on(self.tx.query(for_postgres(sql).as_str(), &refs)).map_err(pg_error)?;
        rows.iter()
            .take(QUERY_ROWS_MAX)
            .map(|row| (0..row.len()).map(|i| value(row, i)).collect::<Result<Vec<_>>>().map(Row))
            .collect()
    }

    fn post(&mut self, merchant: &MerchantId, planned: &[Planned], now_ms: i64) -> Result<()> {
        if !self.writable {
            return Err(StoreError::Database("a read may not post to the ledger".into()));
        }
        self.handle.block_on(super::ledger::post_for(self.tx, merchant, 156, planned, now_ms))
    }
}
