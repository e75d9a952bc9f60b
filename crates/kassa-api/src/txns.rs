//! The merchant's transactions: search and filter, details, the electronic
//! receipt (what the paper slip shows), CSV export and daily statements.

use kassa_core::{Amount, Currency, MerchantId, TxnKind};
use kassa_store::office::{Row, Sql, Value};
use kassa_store::reports::MerchantDayReport;
use kassa_store::{Store, sql_params};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::office::merchant_of;
use crate::office::{Actor, Office};
use kassa_merchant::identity::FieldError;

/// Most rows a search answers; page with `offset`.
pub const PAGE_MAX: i64 = 500;
/// Most rows a CSV export holds.
pub const EXPORT_MAX: i64 = 10_000;

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct TxnFilter {
    /// First business day, YYYY-MM-DD or YYYYMMDD.
    pub from: Option<String>,
    /// Last business day (inclusive).
    pub to: Option<String>,
    /// Terminal id (8 characters).
    pub terminal: Option<String>,
    /// `sale`, `sale_void`, `refund`, `preauth`, `preauth_void`, `completion`, `completion_advice`, `completion_void`, `balance`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// `approved`, `declined`, `voided`, `reversed`, `in_flight`.
    pub status: Option<String>,
    /// Least amount, fen.
    pub min_amount: Option<i64>,
    /// Greatest amount, fen.
    pub max_amount: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// One transaction as the merchant sees it (card masked).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TxnView {
    pub id: i64,
    pub terminal_id: String,
    pub batch: i64,
    pub trace: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    /// Minor units (fen).
    pub amount: i64,
    pub amount_text: String,
    pub card: Option<String>,
    pub response_code: Option<String>,
    pub auth_code: Option<String>,
    pub reference: Option<String>,
    pub business_date: String,
    pub local_date: Option<String>,
    pub local_time: Option<String>,
    pub entry_mode: Option<String>,
    pub operator: Option<String>,
    pub original_id: Option<i64>,
    pub created_at: i64,
}

/// The electronic receipt: the slip's lines, and the same as text.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Receipt {
    pub lines: Vec<String>,
    pub text: String,
}

/// A business day's statement: approved and failed totals, voids, refunds, what settlement paid.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Statement {
    pub business_date: String,
    pub approved_count: u64,
    pub approved_amount: u64,
    pub failed_count: u64,
    pub failed_amount: u64,
    pub voids_count: u64,
    pub voids_amount: u64,
    pub refunds_count: u64,
    pub refunds_amount: u64,
    pub settled: bool,
    pub fees: u64,
    pub held: u64,
    pub net: i64,
    /// What the day paid out to available funds (its net less any debt from earlier days).
    pub paid: u64,
    /// What is still owed after the day (refunds above takings), recovered from later days.
    pub carried: u64,
    /// Sales of days already settled that were reversed afterwards, taken back
    /// with this day (negative, fen; already in `net`); or voids and refunds
    /// reversed, given back.
    pub late_reversals: i64,
    /// The mobile reader's services of the day, per service: not takings, in
    /// none of the figures above.
    pub services: Vec<ServiceDay>,
}

/// One service's day on a statement.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ServiceDay {
    /// `transfer`, `repayment` or `top_up`.
    pub service: String,
    /// Completed: both legs.
    pub count: u64,
    /// What the beneficiaries (or the carrier) were paid, fen.
    pub amount: u64,
    /// The payers' service fees, fen.
    pub fees: u64,
    /// Refused or reversed: nothing charged.
    pub undone: u64,
    /// Still between their legs.
    pub open: u64,
}

impl From<kassa_store::services::ServiceDayTotal> for ServiceDay {
    fn from(t: kassa_store::services::ServiceDayTotal) -> ServiceDay {
        ServiceDay {
            service: t.service,
            count: t.completed_count,
            amount: t.amount,
            fees: t.fees,
            undone: t.undone_count,
            open: t.open_count,
        }
    }
}

impl From<MerchantDayReport> for Statement {
    fn from(r: MerchantDayReport) -> Statement {
        let settled = r.settled.clone();
        Statement {
            business_date: r.business_date,
            approved_count: r.approved_count,
            approved_amount: r.approved_amount,
            failed_count: r.failed_count,
            failed_amount: r.failed_amount,
            voids_count: r.voids_count,
            voids_amount: r.voids_amount,
            refunds_count: r.refunds_count,
            refunds_amount: r.refunds_amount,
            settled: settled.is_some(),
            fees: settled.as_ref().map_or(0, |s| s.fees),
            held: settled.as_ref().map_or(0, |s| s.held),
            paid: settled.as_ref().map_or(0, |s| s.paid),
            carried: settled.as_ref().map_or(0, |s| s.carried),
            late_reversals: settled.as_ref().map_or(0, |s| s.adjustments),
            net: settled.map_or(0, |s| s.net),
            services: Vec::new(),
        }
    }
}

/// A business date from `YYYY-MM-DD` or `YYYYMMDD`.
pub fn business_date(field: &'static str, text: &str) -> Result<String, FieldError> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    kassa_core::time::day_number_of(&digits)
        .map(|_| digits)
        .ok_or_else(|| FieldError::new(field, "must be a date, YYYY-MM-DD"))
}

/// The transaction type in words that cannot be confused (as on the slip).
pub fn type_words(kind: &str) -> &'static str {
    match TxnKind::from_code(kind) {
        Some(TxnKind::Sale) => "SALE",
        Some(TxnKind::SaleVoid) => "VOID",
        Some(TxnKind::Refund) => "REFUND",
        Some(TxnKind::PreAuth) => "PRE-AUTH",
        Some(TxnKind::PreAuthVoid) => "PRE-AUTH VOID",
        Some(TxnKind::Completion | TxnKind::CompletionAdvice) => "PRE-AUTH COMPLETION",
        Some(TxnKind::CompletionVoid) => "COMPLETION VOID",
        Some(TxnKind::BalanceInquiry) => "BALANCE INQUIRY",
        Some(TxnKind::Transfer) => "TRANSFER",
        Some(TxnKind::Repayment) => "CARD REPAYMENT",
        Some(TxnKind::TopUp) => "MOBILE TOP-UP",
        Some(TxnKind::PaymentToCard) => "PAYMENT TO CARD",
        None => "UNKNOWN",
    }
}

/// Field 22's first two digits in words.
pub fn entry_words(mode: &str) -> &'static str {
    kassa_core::txn::entry_mode_word(mode)
}

const COLUMNS: &str = "id, terminal_id, batch, trace, kind, state, amount, pan_masked, response_code, auth_code, rrn,
    business_date, local_date, local_time, entry_mode, operator, original_id, created_at";

fn view(r: &Row) -> kassa_store::Result<TxnView> {
    let amount = r.int(6)?;
    Ok(TxnView {
        id: r.int(0)?,
        terminal_id: r.text(1)?,
        batch: r.int(2)?,
        trace: r.int(3)?,
        kind: r.text(4)?,
        status: r.text(5)?,
        amount,
        amount_text: Amount(amount.max(0) as u64).display(Currency::CNY),
        card: r.opt_text(7)?,
        response_code: r.opt_text(8)?,
        auth_code: r.opt_text(9)?,
        reference: r.opt_text(10)?,
        business_date: r.text(11)?,
        local_date: r.opt_text(12)?,
        local_time: r.opt_text(13)?,
        entry_mode: r.opt_text(14)?,
        operator: r.opt_text(15)?,
        original_id: r.opt_int(16)?,
        created_at: r.int(17)?,
    })
}

/// The `WHERE` clause and its parameters for `merchant` and `filter`.
fn conditions(merchant: &MerchantId, filter: &TxnFilter) -> Result<(String, Vec<Value>), FieldError> {
    let mut clauses = vec!["merchant_id = ?1".to_string()];
    let mut params = vec![Value::from(merchant.as_str())];
    let mut add = |clause: &str, value: Value| {
        params.push(value);
        clauses.push(clause.replace('#', &format!("?{}", params.len())));
    };
    if let Some(from) = &filter.from {
        add("business_date >= #", business_date("from", from)?.into());
    }
    if let Some(to) = &filter.to {
        add("business_date <= #", business_date("to", to)?.into());
    }
    if let Some(terminal) = &filter.terminal {
        add("terminal_id = #", terminal.as_str().into());
    }
    if let Some(kind) = &filter.kind {
        let kind = TxnKind::from_code(kind).ok_or_else(|| FieldError::new("type", "not a transaction type"))?;
        add("kind = #", kind.code().into());
    }
    if let Some(status) = &filter.status {
        if !["approved", "declined", "voided", "reversed", "in_flight", "reversal_only"].contains(&status.as_str()) {
            return Err(FieldError::new("status", "approved, declined, voided, reversed or in_flight"));
        }
        add("state = #", status.as_str().into());
    }
    if let Some(min) = filter.min_amount {
        add("amount >= #", min.into());
    }
    if let Some(max) = filter.max_amount {
        add("amount <= #", max.into());
    }
    Ok((clauses.join(" AND "), params))
}

fn search(
    sql: &mut dyn Sql,
    merchant: &MerchantId,
    filter: &TxnFilter,
    limit: i64,
) -> Result<kassa_store::Result<Vec<TxnView>>, FieldError> {
    let (clause, mut params) = conditions(merchant, filter)?;
    let offset = filter.offset.unwrap_or(0).max(0);
    params.push(limit.into());
    params.push(offset.into());
    let n = params.len();
    let text =
        format!("SELECT {COLUMNS} FROM transactions WHERE {clause} ORDER BY id DESC LIMIT ?{} OFFSET ?{n}", n - 1);
    Ok(sql.query(&text, &params).and_then(|rows| rows.iter().map(view).collect()))
}

pub(crate) fn csv_field(text: &str) -> String {
    // Quote everything that could split a cell or start a formula in a spreadsheet.
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_string() };
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text }
}

/// The CSV export's text.
pub fn to_csv(rows: &[TxnView]) -> String {
    let mut out = String::from(
        "id,business_date,local_date,local_time,terminal,batch,trace,type,status,amount,card,entry_mode,reference,auth_code,response_code\n",
    );
    for t in rows {
        let cells = [
            t.id.to_string(),
            t.business_date.clone(),
            t.local_date.clone().unwrap_or_default(),
            t.local_time.clone().unwrap_or_default(),
            t.terminal_id.clone(),
            format!("{:06}", t.batch),
            format!("{:06}", t.trace),
            t.kind.clone(),
            t.status.clone(),
            kassa_core::Amount(u64::try_from(t.amount).unwrap_or(0)).decimal(kassa_core::Currency::CNY),
            t.card.clone().unwrap_or_default(),
            t.entry_mode.as_deref().map(entry_words).unwrap_or("").to_string(),
            t.reference.clone().unwrap_or_default(),
            t.auth_code.clone().unwrap_or_default(),
            t.response_code.clone().unwrap_or_default(),
        ];
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

impl Office {
    pub async fn transactions(&self, actor: Actor, filter: TxnFilter) -> ApiResult<Vec<TxnView>> {
        let merchant = merchant_of(&actor)?;
        let limit = filter.limit.unwrap_or(50).clamp(1, PAGE_MAX);
        conditions(&merchant, &filter)?;
        self.read(move |sql| match search(sql, &merchant, &filter, limit) {
            Ok(rows) => Ok(Ok(rows?)),
            Err(e) => Ok(Err(e.into())),
        })
        .await
    }

    pub async fn transactions_csv(&self, actor: Actor, filter: TxnFilter) -> ApiResult<String> {
        let merchant = merchant_of(&actor)?;
        conditions(&merchant, &filter)?;
        self.read(move |sql| match search(sql, &merchant, &filter, EXPORT_MAX) {
            Ok(rows) => Ok(Ok(to_csv(&rows?))),
            Err(e) => Ok(Err(e.into())),
        })
        .await
    }

    /// One of the merchant's transactions; another merchant's is not found.
    pub async fn transaction(&self, actor: Actor, id: i64) -> ApiResult<TxnView> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| {
            let row = sql.one(
                &format!("SELECT {COLUMNS} FROM transactions WHERE id = ?1 AND merchant_id = ?2"),
                sql_params![id, merchant.as_str()],
            )?;
            Ok(match row {
                Some(row) => Ok(view(&row)?),
                None => Err(ApiError::not_found("transaction")),
            })
        })
        .await
    }

    /// The electronic receipt of an approved transaction.
    pub async fn receipt(&self, actor: Actor, id: i64) -> ApiResult<Receipt> {
        let t = self.transaction(actor.clone(), id).await?;
        if !matches!(t.status.as_str(), "approved" | "voided") {
            return Err(ApiError::conflict("no_receipt", format!("a {} transaction has no receipt", t.status)));
        }
        let merchant = merchant_of(&actor)?;
        let name = self
            .read({
                let merchant = merchant.clone();
                move |sql| Ok(Ok(sql.one("SELECT name FROM merchants WHERE id = ?1", sql_params![merchant.as_str()])?))
            })
            .await?
            .map(|r| r.text(0))
            .transpose()?
            .unwrap_or_default();
        let date = t.local_date.clone().unwrap_or_default();
        let time = t.local_time.clone().unwrap_or_default();
        let service = if TxnKind::from_code(&t.kind).and_then(TxnKind::service).is_some() {
            self.read(move |sql| Ok(Ok(kassa_store::services::find(sql, id)?))).await?
        } else {
            None
        };
        let mut lines = vec![
            "KASSA — ELECTRONIC RECEIPT".to_string(),
            format!("MERCHANT NAME: {name}"),
            format!("MERCHANT NO.:  {merchant}"),
            format!("TERMINAL NO.:  {}", t.terminal_id),
            format!("OPERATOR:      {}", t.operator.clone().unwrap_or_else(|| "01".into())),
            format!("CARD NO.:      {}", t.card.clone().unwrap_or_default()),
            format!("ENTRY:         {}", t.entry_mode.as_deref().map(entry_words).unwrap_or("OTHER")),
            format!("TYPE:          {}", type_words(&t.kind)),
            format!("AMOUNT:        {}", t.amount_text),
            format!(
                "DATE/TIME:     {}-{} {}",
                local_year(&t.business_date, &date),
                format_mmdd(&date),
                format_time(&time)
            ),
            format!("BATCH NO.:     {:06}", t.batch),
            format!("TRACE NO.:     {:06}", t.trace),
            format!("REFERENCE NO.: {}", t.reference.clone().unwrap_or_default()),
            format!("AUTH CODE:     {}", t.auth_code.clone().unwrap_or_default()),
        ];
        if let Some(s) = service {
            // A service: whom it paid, and what the card paid for it (AMOUNT above is the total).
            let money = |a: Amount| a.display(Currency::CNY);
            let to =
                if s.service == kassa_core::services::Service::TopUp { "PHONE:        " } else { "TO CARD:      " };
            lines.insert(8, format!("{to} {}", s.beneficiary_masked));
            lines[9] = format!("AMOUNT:        {}", money(s.amount));
            lines.insert(10, format!("FEE:           {}", money(s.fee)));
            lines.insert(11, format!("TOTAL DEBITED: {}", t.amount_text));
            if let Some(confirmation) = s.leg_reference.filter(|_| s.service == kassa_core::services::Service::TopUp) {
                lines.push(format!("CARRIER REF.:  {confirmation}"));
            }
        }
        let text = lines.join("\n");
        Ok(Receipt { lines, text })
    }

    /// A business day's approved sales and completions per local hour (24 amounts, fen).
    pub async fn takings_by_hour(&self, actor: Actor, date: String) -> ApiResult<[i64; 24]> {
        let merchant = merchant_of(&actor)?;
        let date = business_date("date", &date)?;
        self.read(move |sql| {
            let rows = sql.query(
                "SELECT substr(local_time, 1, 2), CAST(SUM(amount) AS BIGINT) FROM transactions
                 WHERE merchant_id = ?1 AND business_date = ?2 AND state IN ('approved', 'voided')
                   AND kind IN ('sale', 'completion', 'completion_advice') AND local_time IS NOT NULL
                 GROUP BY substr(local_time, 1, 2)",
                sql_params![merchant.as_str(), date],
            )?;
            let mut hours = [0i64; 24];
            for row in rows {
                if let Some(slot) = row.text(0)?.parse::<usize>().ok().and_then(|h| hours.get_mut(h)) {
                    *slot += row.int(1)?;
                }
            }
            Ok(Ok(hours))
        })
        .await
    }

    /// The statement of a business day.
    pub async fn statement(&self, actor: Actor, date: String) -> ApiResult<Statement> {
        let merchant = merchant_of(&actor)?;
        let date = business_date("date", &date)?;
        let rows = self.store.merchant_day_report(date.clone(), Some(merchant.clone())).await?;
        let services = {
            let (merchant, date) = (merchant.to_string(), date.clone());
            self.read(move |sql| Ok(Ok(kassa_store::services::day_totals(sql, Some(&merchant), &date)?))).await?
        };
        let mut statement = rows.into_iter().next().map(Statement::from).unwrap_or(Statement {
            business_date: date,
            approved_count: 0,
            approved_amount: 0,
            failed_count: 0,
            failed_amount: 0,
            voids_count: 0,
            voids_amount: 0,
            refunds_count: 0,
            refunds_amount: 0,
            settled: false,
            fees: 0,
            held: 0,
            net: 0,
            paid: 0,
            carried: 0,
            late_reversals: 0,
            services: Vec::new(),
        });
        statement.services = services.into_iter().map(ServiceDay::from).collect();
        Ok(statement)
    }
}

fn format_mmdd(mmdd: &str) -> String {
    match (mmdd.get(..2), mmdd.get(2..4)) {
        (Some(m), Some(d)) => format!("{m}-{d}"),
        _ => mmdd.to_string(),
    }
}

fn format_time(hhmmss: &str) -> String {
    match (hhmmss.get(..2), hhmmss.get(2..4), hhmmss.get(4..6)) {
        (Some(h), Some(m), Some(s)) => format!("{h}:{m}:{s}"),
        _ => hhmmss.to_string(),
    }
}

/// The year of a transaction's local date (MMDD): its business day's, less
/// one when the business day ran into a new year past the cut-off (a sale on
/// 31 December after the cut-off belongs to 1 January's business day).
pub(crate) fn local_year(business_date: &str, mmdd: &str) -> String {
    let year: i32 = business_date.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let business_mmdd = business_date.get(4..8).unwrap_or("");
    if mmdd.len() == 4 && mmdd > business_mmdd { format!("{:04}", year - 1) } else { format!("{year:04}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(type_words("sale_void"), "VOID");
        assert_eq!(entry_words("071"), "CONTACTLESS");
        assert_eq!(business_date("from", "2026-11-22"), Ok("20261122".into()));
        assert!(business_date("from", "2026-13-22").is_err());
    }

    #[test]
    fn a_receipt_year_follows_the_local_date() {
        assert_eq!(local_year("20261206", "1206"), "2026");
        assert_eq!(local_year("20270101", "1231"), "2026", "after the cut-off on New Year's Eve");
        assert_eq!(local_year("20261207", "1206"), "2026", "a settled day's later sale");
    }
}
