//! The shop till's records, written once for both stores over [`Sql`]: the
//! merchant's departments, catalogue and settings, the baskets paid at the
//! till with their lines and returns, and a period's figures computed in SQL
//! (`kassa_till::analytics` defines them, and tests the SQL against its own
//! plain computation).

use kassa_core::Amount;
use kassa_till::analytics::{self, Figures, ItemShare, Share};
use kassa_till::catalogue::{DEPARTMENTS_MAX, ITEMS_MAX, Item};
use kassa_till::{ItemCode, Segment};

use crate::office::{Row, Sql, Value};
use crate::{Result, sql_params};

/// Baskets a list answers at most.
pub const BASKETS_MAX: usize = 500;

/// The departments of a merchant, by name.
pub fn departments(sql: &mut dyn Sql, merchant: &str) -> Result<Vec<String>> {
    sql.query("SELECT name FROM till_departments WHERE merchant_id = ?1 ORDER BY name", sql_params![merchant])?
        .iter()
        .map(|r| r.text(0))
        .collect()
}

/// What adding a department did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepartmentAdded {
    Added,
    Exists,
    /// The merchant has [`DEPARTMENTS_MAX`] already.
    Full,
}

pub fn add_department(sql: &mut dyn Sql, merchant: &str, name: &str, now_ms: i64) -> Result<DepartmentAdded> {
    if departments(sql, merchant)?.iter().any(|d| d == name) {
        return Ok(DepartmentAdded::Exists);
    }
    let count = sql.scalar("SELECT COUNT(*) FROM till_departments WHERE merchant_id = ?1", sql_params![merchant])?;
    if count as usize >= DEPARTMENTS_MAX {
        return Ok(DepartmentAdded::Full);
    }
    sql.exec(
        "INSERT INTO till_departments (merchant_id, name, created_at) VALUES (?1, ?2, ?3)",
        sql_params![merchant, name, now_ms],
    )?;
    Ok(DepartmentAdded::Added)
}

/// What removing a department did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepartmentRemoved {
    Removed,
    NotFound,
    /// Items are in it: move or retire them first.
    InUse(u64),
}

pub fn remove_department(sql: &mut dyn Sql, merchant: &str, name: &str) -> Result<DepartmentRemoved> {
    let used = sql.scalar(
        "SELECT COUNT(*) FROM till_items WHERE merchant_id = ?1 AND department = ?2",
        sql_params![merchant, name],
    )?;
    if used > 0 {
        return Ok(DepartmentRemoved::InUse(used as u64));
    }
    let removed =
        sql.exec("DELETE FROM till_departments WHERE merchant_id = ?1 AND name = ?2", sql_params![merchant, name])?;
    Ok(if removed == 0 { DepartmentRemoved::NotFound } else { DepartmentRemoved::Removed })
}

const ITEM_COLUMNS: &str = "code, name, price, department, active";

fn item(row: &Row) -> Result<Item> {
    Ok(Item {
        code: ItemCode::stored(row.text(0)?),
        name: row.text(1)?,
        price: Amount(row.int(2)?.max(0) as u64),
        department: row.text(3)?,
        active: row.flag(4)?,
    })
}

/// Which items a list wants.
#[derive(Clone, Debug, Default)]
pub struct ItemQuery {
    /// Part of the name or the code.
    pub text: Option<String>,
    pub department: Option<String>,
    pub active: Option<bool>,
    pub limit: usize,
}

/// A merchant's items, by code.
pub fn items(sql: &mut dyn Sql, merchant: &str, q: &ItemQuery) -> Result<Vec<Item>> {
    let pattern = q.text.as_ref().map(|t| format!("%{}%", t.replace(['%', '_', '\\'], "")));
    let query = format!(
        "SELECT {ITEM_COLUMNS} FROM till_items WHERE merchant_id = ?1
           AND (CAST(?2 AS TEXT) IS NULL OR name LIKE ?2 OR code LIKE ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR department = ?3)
           AND (CAST(?4 AS BIGINT) IS NULL OR active = ?4)
         ORDER BY code LIMIT ?5"
    );
    let active = q.active.map(i64::from);
    let limit = q.limit.clamp(1, ITEMS_MAX) as i64;
    sql.query(&query, sql_params![merchant, pattern, q.department.clone(), active, limit])?.iter().map(item).collect()
}

pub fn find_item(sql: &mut dyn Sql, merchant: &str, code: &str) -> Result<Option<Item>> {
    sql.one(
        &format!("SELECT {ITEM_COLUMNS} FROM till_items WHERE merchant_id = ?1 AND code = ?2"),
        sql_params![merchant, code],
    )?
    .as_ref()
    .map(item)
    .transpose()
}

pub fn item_count(sql: &mut dyn Sql, merchant: &str) -> Result<usize> {
    Ok(sql.scalar("SELECT COUNT(*) FROM till_items WHERE merchant_id = ?1", sql_params![merchant])?.max(0) as usize)
}

/// Writes `item` (new or changed); whether it was new.
pub fn put_item(sql: &mut dyn Sql, merchant: &str, item: &Item, now_ms: i64) -> Result<bool> {
    let params: Vec<Value> = vec![
        merchant.into(),
        item.code.as_str().into(),
        item.name.as_str().into(),
        item.price.0.into(),
        item.department.as_str().into(),
        item.active.into(),
        now_ms.into(),
    ];
    let changed = sql.exec(
        "UPDATE till_items SET name = ?3, price = ?4, department = ?5, active = ?6, updated_at = ?7
         WHERE merchant_id = ?1 AND code = ?2",
        &params,
    )?;
    if changed > 0 {
        return Ok(false);
    }
    sql.exec(
        "INSERT INTO till_items (merchant_id, code, name, price, department, active, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &params,
    )?;
    Ok(true)
}

/// The codes a merchant has on file.
pub fn codes(sql: &mut dyn Sql, merchant: &str) -> Result<std::collections::HashSet<String>> {
    let rows = sql.query("SELECT code FROM till_items WHERE merchant_id = ?1", sql_params![merchant])?;
    Ok(rows.iter().filter_map(|r| r.text(0).ok()).collect())
}

/// Rows one statement of [`put_items`] writes.
const PUT_ITEMS_CHUNK: usize = 250;

/// Writes `items` (new or changed) in a few statements, not one per item: an
/// import of thousands is a handful of round trips. How many were new.
pub fn put_items(sql: &mut dyn Sql, merchant: &str, items: &[Item], now_ms: i64) -> Result<usize> {
    let on_file = codes(sql, merchant)?;
    let created = items.iter().filter(|i| !on_file.contains(i.code.as_str())).count();
    for chunk in items.chunks(PUT_ITEMS_CHUNK) {
        let mut params: Vec<Value> = vec![merchant.into(), now_ms.into()];
        let mut rows = Vec::with_capacity(chunk.len());
        for item in chunk {
            let n = params.len();
            rows.push(format!("(?1, ?{}, ?{}, ?{}, ?{}, ?{}, ?2)", n + 1, n + 2, n + 3, n + 4, n + 5));
            params.push(item.code.as_str().into());
            params.push(item.name.as_str().into());
            params.push(item.price.0.into());
            params.push(item.department.as_str().into());
            params.push(item.active.into());
        }
        let statement = format!(
            "INSERT INTO till_items (merchant_id, code, name, price, department, active, updated_at) VALUES {}
             ON CONFLICT (merchant_id, code) DO UPDATE SET name = excluded.name, price = excluded.price,
               department = excluded.department, active = excluded.active, updated_at = excluded.updated_at",
            rows.join(", ")
        );
        sql.exec(&statement, &params)?;
    }
    Ok(created)
}

/// The till's settings of a merchant: its segments and whether a code not
/// in the catalogue may be sold at a keyed price.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TillSettings {
    pub segments: Vec<Segment>,
    pub keyed_price: bool,
}

impl Default for TillSettings {
    fn default() -> Self {
        TillSettings { segments: kassa_till::segment::default_segments(), keyed_price: true }
    }
}

pub fn settings(sql: &mut dyn Sql, merchant: &str) -> Result<TillSettings> {
    let Some(row) =
        sql.one("SELECT segments, keyed_price FROM till_settings WHERE merchant_id = ?1", sql_params![merchant])?
    else {
        return Ok(TillSettings::default());
    };
    let segments =
        serde_json::from_str(&row.text(0)?).map_err(|e| crate::StoreError::Corrupt(format!("till segments: {e}")))?;
    Ok(TillSettings { segments, keyed_price: row.flag(1)? })
}

pub fn put_settings(sql: &mut dyn Sql, merchant: &str, settings: &TillSettings, now_ms: i64) -> Result<()> {
    let segments = serde_json::to_string(&settings.segments).unwrap_or_else(|_| "[]".into());
    sql.exec(
        "INSERT INTO till_settings (merchant_id, segments, keyed_price, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (merchant_id) DO UPDATE SET segments = ?2, keyed_price = ?3, updated_at = ?4",
        sql_params![merchant, segments, settings.keyed_price, now_ms],
    )?;
    Ok(())
}

/// The sale a basket names: its transaction as the host recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRef {
    pub txn_id: i64,
    pub kind: String,
    pub state: String,
    pub amount: Amount,
    pub rrn: Option<String>,
    pub local_date: Option<String>,
    pub local_time: Option<String>,
    pub business_date: String,
    pub original_id: Option<i64>,
}

/// The transaction of `terminal`'s (batch, trace), if the host has it.
pub fn transaction_at(
    sql: &mut dyn Sql,
    merchant: &str,
    terminal: &str,
    batch: u32,
    trace: u32,
) -> Result<Option<SaleRef>> {
    sql.one(
        "SELECT id, kind, state, amount, rrn, local_date, local_time, original_id, business_date FROM transactions
         WHERE terminal_id = ?1 AND batch = ?2 AND trace = ?3 AND merchant_id = ?4",
        sql_params![terminal, batch, trace, merchant],
    )?
    .map(|r| {
        Ok(SaleRef {
            txn_id: r.int(0)?,
            kind: r.text(1)?,
            state: r.text(2)?,
            amount: Amount(r.int(3)?.max(0) as u64),
            rrn: r.opt_text(4)?,
            local_date: r.opt_text(5)?,
            local_time: r.opt_text(6)?,
            original_id: r.opt_int(7)?,
            business_date: r.text(8)?,
        })
    })
    .transpose()
}

/// A basket to record.
#[derive(Clone, Debug)]
pub struct NewBasket {
    pub merchant: String,
    pub terminal: String,
    pub batch: u32,
    pub trace: u32,
    pub rrn: Option<String>,
    /// `None` only for the demo's seeded history.
    pub txn_id: Option<i64>,
    pub basket: kassa_till::Basket,
    pub segment: String,
    pub local_date: String,
    pub local_hour: u8,
}

/// What recording a basket did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasketRecorded {
    New(i64),
    /// The same basket was recorded before (a terminal sending it again).
    Again(i64),
    /// Another basket was recorded for this sale.
    Conflict(i64),
}

/// Records `b` once: a second basket for the same sale is [`BasketRecorded::Again`]
/// when it has the same total, segment and lines, else a conflict.
pub fn record_basket(sql: &mut dyn Sql, b: &NewBasket, now_ms: i64) -> Result<BasketRecorded> {
    let total = b.basket.total().map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
    if let Some(row) = sql.one(
        "SELECT id, total, segment FROM baskets WHERE terminal_id = ?1 AND batch = ?2 AND trace = ?3",
        sql_params![b.terminal.as_str(), b.batch, b.trace],
    )? {
        let id = row.int(0)?;
        let same_lines = lines(sql, id)?.iter().map(|l| &l.line).eq(b.basket.lines.iter());
        let same = row.int(1)? as u64 == total.0 && row.text(2)? == b.segment && same_lines;
        return Ok(if same { BasketRecorded::Again(id) } else { BasketRecorded::Conflict(id) });
    }
    let id = sql.insert(
        "INSERT INTO baskets (merchant_id, terminal_id, batch, trace, rrn, txn_id, total, items, segment, local_date,
                              local_hour, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
        sql_params![
            b.merchant.as_str(),
            b.terminal.as_str(),
            b.batch,
            b.trace,
            b.rrn.clone(),
            b.txn_id,
            total.0,
            b.basket.items(),
            b.segment.as_str(),
            b.local_date.as_str(),
            u32::from(b.local_hour),
            now_ms
        ],
    )?;
    for (i, line) in b.basket.lines.iter().enumerate() {
        let amount = line.amount().unwrap_or(Amount::ZERO);
        sql.exec(
            "INSERT INTO basket_lines (basket_id, line, code, name, department, unit_price, quantity, amount, keyed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            sql_params![
                id,
                i as u32 + 1,
                line.code.as_str(),
                line.name.as_str(),
                line.department.as_str(),
                line.unit_price.0,
                line.quantity,
                amount.0,
                line.keyed
            ],
        )?;
    }
    Ok(BasketRecorded::New(id))
}

/// A recorded line, with what refunds took back of it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RecordedLine {
    /// 1-based, as returns name it.
    pub number: u32,
    pub line: kassa_till::Line,
    pub amount: Amount,
    pub returned: u32,
    pub returned_amount: Amount,
}

pub fn lines(sql: &mut dyn Sql, basket: i64) -> Result<Vec<RecordedLine>> {
    sql.query(
        "SELECT line, code, name, department, unit_price, quantity, amount, keyed, returned, returned_amount
         FROM basket_lines WHERE basket_id = ?1 ORDER BY line",
        sql_params![basket],
    )?
    .iter()
    .map(|r| {
        Ok(RecordedLine {
            number: r.int(0)? as u32,
            line: kassa_till::Line {
                code: ItemCode::stored(r.text(1)?),
                name: r.text(2)?,
                department: r.text(3)?,
                unit_price: Amount(r.int(4)?.max(0) as u64),
                quantity: r.int(5)?.max(0) as u32,
                keyed: r.flag(7)?,
            },
            amount: Amount(r.int(6)?.max(0) as u64),
            returned: r.int(8)?.max(0) as u32,
            returned_amount: Amount(r.int(9)?.max(0) as u64),
        })
    })
    .collect()
}

/// A recorded basket.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BasketRecord {
    pub id: i64,
    pub terminal: String,
    pub batch: u32,
    pub trace: u32,
    pub rrn: Option<String>,
    pub txn_id: Option<i64>,
    pub total: Amount,
    pub items: u64,
    pub segment: String,
    pub local_date: String,
    pub local_hour: u8,
    /// The sale's state: `approved`, `voided`, …; `seeded` for the demo's history.
    pub sale_state: String,
    pub returned_amount: Amount,
    pub lines: Vec<RecordedLine>,
}

const BASKET_COLUMNS: &str = "b.id, b.terminal_id, b.batch, b.trace, b.rrn, b.txn_id, b.total, b.items, b.segment,
    b.local_date, b.local_hour, COALESCE(t.state, 'seeded'),
    CAST((SELECT COALESCE(SUM(l.returned_amount), 0) FROM basket_lines l WHERE l.basket_id = b.id) AS BIGINT)";

fn basket_row(row: &Row) -> Result<BasketRecord> {
    Ok(BasketRecord {
        id: row.int(0)?,
        terminal: row.text(1)?,
        batch: row.int(2)? as u32,
        trace: row.int(3)? as u32,
        rrn: row.opt_text(4)?,
        txn_id: row.opt_int(5)?,
        total: Amount(row.int(6)?.max(0) as u64),
        items: row.int(7)?.max(0) as u64,
        segment: row.text(8)?,
        local_date: row.text(9)?,
        local_hour: row.int(10)?.clamp(0, 23) as u8,
        sale_state: row.text(11)?,
        returned_amount: Amount(row.int(12)?.max(0) as u64),
        lines: Vec::new(),
    })
}

/// A merchant's baskets of local dates `from`–`to` (YYYYMMDD), newest first, without their lines.
pub fn baskets(sql: &mut dyn Sql, merchant: &str, from: &str, to: &str, limit: usize) -> Result<Vec<BasketRecord>> {
    let query = format!(
        "SELECT {BASKET_COLUMNS} FROM baskets b LEFT JOIN transactions t ON t.id = b.txn_id
         WHERE b.merchant_id = ?1 AND b.local_date >= ?2 AND b.local_date <= ?3 ORDER BY b.id DESC LIMIT ?4"
    );
    let limit = limit.clamp(1, BASKETS_MAX) as i64;
    sql.query(&query, sql_params![merchant, from, to, limit])?.iter().map(basket_row).collect()
}

/// One of a merchant's baskets, with its lines.
pub fn basket(sql: &mut dyn Sql, merchant: &str, id: i64) -> Result<Option<BasketRecord>> {
    let query = format!(
        "SELECT {BASKET_COLUMNS} FROM baskets b LEFT JOIN transactions t ON t.id = b.txn_id
         WHERE b.merchant_id = ?1 AND b.id = ?2"
    );
    let Some(row) = sql.one(&query, sql_params![merchant, id])? else { return Ok(None) };
    let mut record = basket_row(&row)?;
    record.lines = lines(sql, id)?;
    Ok(Some(record))
}

/// The basket a sale paid, by the sale's transaction.
pub fn basket_of_sale(sql: &mut dyn Sql, merchant: &str, txn_id: i64) -> Result<Option<BasketRecord>> {
    let id = sql.one("SELECT id FROM baskets WHERE merchant_id = ?1 AND txn_id = ?2", sql_params![merchant, txn_id])?;
    match id {
        Some(row) => basket(sql, merchant, row.int(0)?),
        None => Ok(None),
    }
}

/// Whether a refund's return is recorded already.
pub fn return_recorded(sql: &mut dyn Sql, refund_txn_id: i64) -> Result<bool> {
    Ok(sql.scalar("SELECT COUNT(*) FROM basket_returns WHERE refund_txn_id = ?1", sql_params![refund_txn_id])? > 0)
}

/// A refund's return of basket lines: (line number, quantity, amount).
pub fn record_return(
    sql: &mut dyn Sql,
    basket: i64,
    refund_txn_id: i64,
    returns: &[(u32, u32, Amount)],
    now_ms: i64,
) -> Result<bool> {
    let done =
        sql.scalar("SELECT COUNT(*) FROM basket_returns WHERE refund_txn_id = ?1", sql_params![refund_txn_id])?;
    if done > 0 {
        return Ok(false);
    }
    for (line, quantity, amount) in returns {
        sql.exec(
            "INSERT INTO basket_returns (refund_txn_id, basket_id, line, quantity, amount, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            sql_params![refund_txn_id, basket, *line, *quantity, amount.0, now_ms],
        )?;
        sql.exec(
            "UPDATE basket_lines SET returned = returned + ?3, returned_amount = returned_amount + ?4
             WHERE basket_id = ?1 AND line = ?2",
            sql_params![basket, *line, *quantity, amount.0],
        )?;
    }
    Ok(true)
}

/// Baskets that count: paid by a sale that stands (or seeded history).
const LIVE: &str = "b.merchant_id = ?1 AND b.local_date >= ?2 AND b.local_date <= ?3
    AND (b.txn_id IS NULL OR EXISTS (SELECT 1 FROM transactions t WHERE t.id = b.txn_id AND t.state = 'approved'))";

/// The figures of a merchant's baskets over `dates` (YYYYMMDD, consecutive, in order), in SQL.
pub fn figures(sql: &mut dyn Sql, merchant: &str, dates: &[String]) -> Result<Figures> {
    let (Some(from), Some(to)) = (dates.first(), dates.last()) else { return Ok(Figures::default()) };
    let params: Vec<Value> = vec![merchant.into(), from.as_str().into(), to.as_str().into()];
    let p = || &params[..];
    let count = |row: &Row, i: usize| -> Result<u64> { Ok(row.opt_int(i)?.unwrap_or(0).max(0) as u64) };
    let baskets = sql.scalar(&format!("SELECT COUNT(*) FROM baskets b WHERE {LIVE}"), p())?.max(0) as u64;
    let net = "CAST(COALESCE(SUM(l.amount - l.returned_amount), 0) AS BIGINT),
               CAST(COALESCE(SUM(l.quantity - l.returned), 0) AS BIGINT),
               CAST(COUNT(DISTINCT b.id) AS BIGINT)";
    let from_lines = format!("FROM basket_lines l JOIN baskets b ON b.id = l.basket_id WHERE {LIVE}");
    let totals = sql.one(&format!("SELECT {net} {from_lines}"), p())?;
    let (sales, items) = match &totals {
        Some(row) => (count(row, 0)?, count(row, 1)?),
        None => (0, 0),
    };
    let mut grouped = |key: &str| -> Result<Vec<Share>> {
        sql.query(&format!("SELECT {key}, {net} {from_lines} GROUP BY {key}"), p())?
            .iter()
            .map(|row| {
                let key = match row.opt_text(0) {
                    Ok(Some(text)) => text,
                    _ => format!("{:02}", row.int(0)?),
                };
                Ok(Share { key, sales: count(row, 1)?, items: count(row, 2)?, baskets: count(row, 3)? })
            })
            .collect()
    };
    let mut by_department = grouped("l.department")?;
    analytics::by_sales(&mut by_department);
    let by_hour = analytics::full_day(grouped("b.local_hour")?);
    let mut by_segment = grouped("b.segment")?;
    analytics::by_sales(&mut by_segment);
    let by_day = analytics::every_day(dates, grouped("b.local_date")?);
    let mut top_items = sql
        .query(
            &format!(
                "SELECT l.code, MIN(l.name), CAST(SUM(l.quantity - l.returned) AS BIGINT),
                        CAST(SUM(l.amount - l.returned_amount) AS BIGINT)
                 {from_lines} GROUP BY l.code
                 ORDER BY SUM(l.amount - l.returned_amount) DESC, l.code LIMIT {}",
                analytics::TOP_ITEMS
            ),
            p(),
        )?
        .iter()
        .map(|row| {
            Ok(ItemShare { code: row.text(0)?, name: row.text(1)?, quantity: count(row, 2)?, sales: count(row, 3)? })
        })
        .collect::<Result<Vec<_>>>()?;
    analytics::top(&mut top_items);
    Ok(Figures {
        baskets,
        sales,
        items,
        average_basket: analytics::ratio_half_up(sales, baskets),
        items_per_basket_x100: analytics::ratio_half_up(items * 100, baskets),
        by_department,
        by_hour,
        by_segment,
        by_day,
        top_items,
    })
}

/// The baskets of `dates` as the figures see them (for the independent
/// computation in tests, and exports), at most [`crate::office::QUERY_ROWS_MAX`] lines.
pub fn facts(sql: &mut dyn Sql, merchant: &str, from: &str, to: &str) -> Result<Vec<analytics::BasketFact>> {
    let rows = sql.query(
        "SELECT b.id, b.local_date, b.local_hour, b.segment,
                CASE WHEN b.txn_id IS NULL OR EXISTS (SELECT 1 FROM transactions t WHERE t.id = b.txn_id AND t.state = 'approved')
                     THEN 0 ELSE 1 END,
                l.code, l.name, l.department, l.quantity - l.returned, l.amount - l.returned_amount
         FROM baskets b JOIN basket_lines l ON l.basket_id = b.id
         WHERE b.merchant_id = ?1 AND b.local_date >= ?2 AND b.local_date <= ?3 ORDER BY b.id, l.line",
        sql_params![merchant, from, to],
    )?;
    let mut out: Vec<(i64, analytics::BasketFact)> = Vec::new();
    for row in &rows {
        let id = row.int(0)?;
        if out.last().is_none_or(|(last, _)| *last != id) {
            out.push((
                id,
                analytics::BasketFact {
                    local_date: row.text(1)?,
                    hour: row.int(2)?.clamp(0, 23) as u8,
                    segment: row.text(3)?,
                    lines: Vec::new(),
                    voided: row.int(4)? != 0,
                },
            ));
        }
        if let Some((_, fact)) = out.last_mut() {
            fact.lines.push(analytics::LineFact {
                code: row.text(5)?,
                name: row.text(6)?,
                department: row.text(7)?,
                quantity: row.int(8)?.max(0) as u64,
                amount: row.int(9)?.max(0) as u64,
            });
        }
    }
    Ok(out.into_iter().map(|(_, f)| f).collect())
}
