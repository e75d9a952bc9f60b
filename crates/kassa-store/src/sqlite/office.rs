//! [`Sql`] on the SQLite writer's (or reader's) connection.

use kassa_core::MerchantId;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::db_error;
use crate::Result;
use crate::ledger::Planned;
use crate::office::{QUERY_ROWS_MAX, Row, Sql, Value};

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Blob(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
        })
    }
}

pub(super) struct SqliteSql<'c> {
    pub(super) conn: &'c Connection,
    /// Reads may not post.
    pub(super) writable: bool,
}

impl Sql for SqliteSql<'_> {
    fn exec(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut statement = self.conn.prepare_cached(sql).map_err(db_error)?;
        Ok(statement.execute(rusqlite::params_from_iter(params.iter())).map_err(db_error)? as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut statement = self.conn.prepare_cached(sql).map_err(db_error)?;
        let columns = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter())).map_err(db_error)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i).map_err(db_error)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => Value::Int(v as i64),
                    ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
                    ValueRef::Blob(v) => Value::Blob(v.to_vec()),
                });
            }
            out.push(Row(values));
            if out.len() >= QUERY_ROWS_MAX {
                break;
            }
        }
        Ok(out)
    }

    fn post(&mut self, merchant: &MerchantId, planned: &[Planned], now_ms: i64) -> Result<()> {
        if !self.writable {
            return Err(crate::StoreError::Database("a read may not post to the ledger".into()));
        }
        super::ledger::post_for(self.conn, merchant, 156, planned, now_ms)
    }
}
