//! The shop till in the back office: the merchant's catalogue, departments
//! and till settings; the baskets its terminals paid, checked against the
//! sales that paid them; a period's sales figures against the period before;
//! and what the terminal itself may ask (its catalogue, recording a basket or
//! a return), signed with its own key (`kassa_till::api`).

use std::collections::HashSet;

use kassa_core::{Amount, Currency};
use kassa_merchant::identity::FieldError;
use kassa_store::till::{
    self as store_till, BasketRecord, DepartmentAdded, DepartmentRemoved, ItemQuery, TillSettings,
};
use kassa_till::ItemCode;
use kassa_till::analytics::{self, Figures, PERIOD_DAYS_MAX};
use kassa_till::catalogue::{self, ITEMS_MAX, Item, RowError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};
use crate::office::{Actor, Office, merchant_of};
use crate::txns::business_date;

mod terminal;

/// An item as the API shows it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// Canonical: a UPC-A as the EAN-13 it is inside.
    pub code: String,
    pub name: String,
    /// Fen.
    pub price: u64,
    pub price_text: String,
    pub department: String,
    pub active: bool,
}

impl From<&Item> for ItemView {
    fn from(i: &Item) -> ItemView {
        ItemView {
            code: i.code.to_string(),
            name: i.name.clone(),
            price: i.price.0,
            price_text: i.price.display(Currency::CNY),
            department: i.department.clone(),
            active: i.active,
        }
    }
}

/// An item to add or change.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ItemRequest {
    /// EAN-13, EAN-8 or UPC-A (check digit verified), or an internal code of
    /// up to 20 letters, digits, `-` or `_`. Ignored on a change (the path names it).
    #[serde(default)]
    pub code: String,
    pub name: String,
    /// Fen, 1 to 9,999,999.
    pub price: i64,
    pub department: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct ItemFilter {
    /// Part of the name or the code.
    pub q: Option<String>,
    pub department: Option<String>,
    /// `true` for items on sale, `false` for retired ones.
    pub active: Option<bool>,
    pub limit: Option<i64>,
}

/// What an import did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportView {
    /// Rows read.
    pub items: usize,
    pub created: usize,
    pub updated: usize,
}

/// Why an import failed: every bad row, with its line (the header is line 1).
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportRows {
    pub code: String,
    pub reason: String,
    pub rows: Vec<ImportRow>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ImportRow {
    pub line: u64,
    pub reason: String,
}

/// An import either fails on its rows (nothing kept) or for another reason.
#[derive(Debug)]
pub enum ImportError {
    Rows(ImportRows),
    Api(ApiError),
}

impl From<ApiError> for ImportError {
    fn from(e: ApiError) -> ImportError {
        ImportError::Api(e)
    }
}

/// The till's settings.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// In key order: key 1 is the first.
    pub segments: Vec<SegmentView>,
    /// Whether the till may sell a code the catalogue does not know, at a price the cashier keys.
    pub keyed_price: bool,
    /// The segments are the default set.
    pub default_segments: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct SegmentView {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct SettingsRequest {
    /// The segments' names in key order (1 to 9); absent or empty: the default set.
    #[serde(default)]
    pub segments: Vec<String>,
    pub keyed_price: bool,
}

fn settings_view(s: &TillSettings) -> SettingsView {
    SettingsView {
        segments: s.segments.iter().map(|g| SegmentView { code: g.code.clone(), name: g.name.clone() }).collect(),
        keyed_price: s.keyed_price,
        default_segments: s.segments == kassa_till::segment::default_segments(),
    }
}

/// What a terminal downloads: the items on sale, the departments, the segments.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CatalogueView {
    pub merchant_id: String,
    /// Changes whenever the catalogue or the settings change.
    pub version: i64,
    pub items: Vec<CatalogueItem>,
    pub departments: Vec<String>,
    pub segments: Vec<SegmentView>,
    pub keyed_price: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CatalogueItem {
    pub code: String,
    pub name: String,
    pub price: u64,
    pub department: String,
}

/// A basket a terminal paid by a card sale.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct BasketRequest {
    /// The sale that paid it, on the sending terminal: its batch and trace.
    pub batch: u32,
    pub trace: u32,
    /// The segment's code (one of the merchant's).
    pub segment: String,
    pub lines: Vec<BasketLineRequest>,
    /// Fen: must be the lines' sum, and the sale's amount.
    pub total: u64,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct BasketLineRequest {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub department: String,
    /// Fen.
    pub unit_price: u64,
    pub quantity: u32,
    /// Keyed at the till: the code is not in the catalogue.
    #[serde(default)]
    pub keyed: bool,
}

/// A refund's return of items of a basket.
#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ReturnRequest {
    /// The refund, on the sending terminal: its batch and trace. Its original is the basket's sale.
    pub batch: u32,
    pub trace: u32,
    pub lines: Vec<ReturnLine>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
pub struct ReturnLine {
    /// The basket's line number, from 1.
    pub line: u32,
    pub quantity: u32,
}

/// A recorded basket.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BasketView {
    pub id: i64,
    pub terminal_id: String,
    pub batch: u32,
    pub trace: u32,
    /// The sale's reference number.
    pub reference: Option<String>,
    pub transaction_id: Option<i64>,
    pub total: u64,
    pub total_text: String,
    pub items: u64,
    pub segment: String,
    /// YYYYMMDD, the shop's.
    pub local_date: String,
    pub local_hour: u8,
    /// `paid`, `voided` (its sale was voided), `returned` (refunds took all
    /// back), `partly_returned`, `seeded` (the demo's history).
    pub state: String,
    pub returned: u64,
    pub lines: Vec<BasketLineView>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BasketLineView {
    pub number: u32,
    pub code: String,
    pub name: String,
    pub department: String,
    pub unit_price: u64,
    pub quantity: u32,
    pub amount: u64,
    pub amount_text: String,
    pub keyed: bool,
    pub returned: u32,
}

fn basket_view(b: &BasketRecord) -> BasketView {
    let state = match b.sale_state.as_str() {
        "seeded" => "seeded",
        "voided" | "reversed" => "voided",
        _ if b.returned_amount.0 > 0 && b.returned_amount >= b.total => "returned",
        _ if b.returned_amount.0 > 0 => "partly_returned",
        _ => "paid",
    };
    BasketView {
        id: b.id,
        terminal_id: b.terminal.clone(),
        batch: b.batch,
        trace: b.trace,
        reference: b.rrn.clone(),
        transaction_id: b.txn_id,
        total: b.total.0,
        total_text: b.total.display(Currency::CNY),
        items: b.items,
        segment: b.segment.clone(),
        local_date: b.local_date.clone(),
        local_hour: b.local_hour,
        state: state.into(),
        returned: b.returned_amount.0,
        lines: b
            .lines
            .iter()
            .map(|l| BasketLineView {
                number: l.number,
                code: l.line.code.to_string(),
                name: l.line.name.clone(),
                department: l.line.department.clone(),
                unit_price: l.line.unit_price.0,
                quantity: l.line.quantity,
                amount: l.amount.0,
                amount_text: l.amount.display(Currency::CNY),
                keyed: l.line.keyed,
                returned: l.returned,
            })
            .collect(),
    }
}

#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First day, YYYY-MM-DD (default: six days before `to`).
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: today).
    pub to: Option<String>,
    /// CSV only: `department`, `hour`, `segment`, `day` or `items`.
    pub view: Option<String>,
    /// Lists only: most baskets.
    pub limit: Option<i64>,
}

/// A period's figures beside the period of the same length just before it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AnalyticsView {
    /// YYYYMMDD.
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    #[schema(value_type = Object)]
    pub current: Figures,
    #[schema(value_type = Object)]
    pub previous: Figures,
    pub change: Change,
}

/// Changes against the previous period in basis points (`1250` is +12.50 %);
/// null when the previous period had none.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Change {
    pub sales_bp: Option<i64>,
    pub baskets_bp: Option<i64>,
    pub average_basket_bp: Option<i64>,
    pub items_per_basket_bp: Option<i64>,
}

/// The dates of a period, each YYYYMMDD, and the period before it.
pub fn period(from: Option<&str>, to: Option<&str>, today: i64) -> ApiResult<(Vec<String>, Vec<String>)> {
    let day = |field: &'static str, text: Option<&str>| -> ApiResult<Option<i64>> {
        match text.filter(|t| !t.trim().is_empty()) {
            Some(t) => Ok(kassa_core::time::day_number_of(&business_date(field, t)?)),
            None => Ok(None),
        }
    };
    let last = day("to", to)?.unwrap_or(today);
    let first = day("from", from)?.unwrap_or(last - 6);
    if first > last {
        return Err(FieldError::new("from", "from is after to").into());
    }
    if last - first >= PERIOD_DAYS_MAX {
        return Err(FieldError::new("from", format!("a period is at most {PERIOD_DAYS_MAX} days")).into());
    }
    let length = last - first + 1;
    let dates = |a: i64, b: i64| (a..=b).map(kassa_core::time::date_of_day_number).collect::<Vec<_>>();
    Ok((dates(first, last), dates(first - length, first - 1)))
}

fn item_error(e: catalogue::ItemError) -> ApiError {
    let field = match e {
        catalogue::ItemError::Code(_) => "code",
        catalogue::ItemError::Name => "name",
        catalogue::ItemError::Price => "price",
        _ => "department",
    };
    FieldError::new(field, e.to_string()).into()
}

fn department_set(sql: &mut dyn kassa_store::office::Sql, merchant: &str) -> kassa_store::Result<HashSet<String>> {
    Ok(store_till::departments(sql, merchant)?.into_iter().collect())
}

impl Office {
    pub async fn till_departments(&self, actor: Actor) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?.to_string();
        self.read(move |sql| Ok(Ok(store_till::departments(sql, &merchant)?))).await
    }

    /// Adds a department; the merchant's departments after it.
    pub async fn add_till_department(&self, actor: Actor, name: String) -> ApiResult<Vec<String>> {
        let merchant = merchant_of(&actor)?.to_string();
        let name =
            catalogue::department_name(&name).map_err(|e| ApiError::from(FieldError::new("name", e.to_string())))?;
        let now = self.now_ms();
        self.write(move |sql| {
            Ok(match store_till::add_department(sql, &merchant, &name, now)? {
                DepartmentAdded::Full => Err(ApiError::conflict(
                    "too_many_departments",
                    format!("at most {} departments", catalogue::DEPARTMENTS_MAX),
                )),
                _ => Ok(store_till::departments(sql, &merchant)?),
            })
        })
        .await
    }

    pub async fn remove_till_department(&self, actor: Actor, name: String) -> ApiResult<()> {
        let merchant = merchant_of(&actor)?.to_string();
        self.write(move |sql| {
            Ok(match store_till::remove_department(sql, &merchant, &name)? {
                DepartmentRemoved::Removed => Ok(()),
                DepartmentRemoved::NotFound => Err(ApiError::not_found("department")),
                DepartmentRemoved::InUse(n) => Err(ApiError::conflict(
                    "department_in_use",
                    format!("{n} items are in this department: move them first"),
                )),
            })
        })
        .await
    }

    pub async fn till_items(&self, actor: Actor, filter: ItemFilter) -> ApiResult<Vec<ItemView>> {
        let merchant = merchant_of(&actor)?.to_string();
        let q = ItemQuery {
            text: filter.q.filter(|t| !t.trim().is_empty()).map(|t| t.trim().to_string()),
            department: filter.department.filter(|d| !d.trim().is_empty()),
            active: filter.active,
            limit: filter.limit.unwrap_or(ITEMS_MAX as i64).clamp(1, ITEMS_MAX as i64) as usize,
        };
        let items = self.read(move |sql| Ok(Ok(store_till::items(sql, &merchant, &q)?))).await?;
        Ok(items.iter().map(ItemView::from).collect())
    }

    pub async fn till_item(&self, actor: Actor, code: String) -> ApiResult<ItemView> {
        let merchant = merchant_of(&actor)?.to_string();
        let code = canonical(&code)?;
        let item = self.read(move |sql| Ok(Ok(store_till::find_item(sql, &merchant, &code)?))).await?;
        item.as_ref().map(ItemView::from).ok_or_else(|| ApiError::not_found("item"))
    }

    /// Adds an item (`existing` none: a code already on file is a conflict) or
    /// changes the one of code `existing` (unknown: not found).
    pub async fn put_till_item(&self, actor: Actor, existing: Option<String>, req: ItemRequest) -> ApiResult<ItemView> {
        let merchant = merchant_of(&actor)?.to_string();
        let code = match &existing {
            Some(code) => canonical(code)?,
            None => req.code.clone(),
        };
        let price = u64::try_from(req.price).map_err(|_| ApiError::from(FieldError::new("price", "fen, 1 or more")))?;
        let now = self.now_ms();
        self.write(move |sql| {
            let departments = department_set(sql, &merchant)?;
            let (item, _) = match Item::new(&code, &req.name, Amount(price), &req.department, req.active, &departments)
            {
                Ok(it) => it,
                Err(e) => return Ok(Err(item_error(e))),
            };
            let on_file = store_till::find_item(sql, &merchant, item.code.as_str())?.is_some();
            match (existing.is_some(), on_file) {
                (false, true) => {
                    return Ok(Err(ApiError::conflict(
                        "item_exists",
                        format!("item {} is on file: change it", item.code),
                    )));
                }
                (true, false) => return Ok(Err(ApiError::not_found("item"))),
                (false, false) if store_till::item_count(sql, &merchant)? >= ITEMS_MAX => {
                    return Ok(Err(ApiError::conflict("too_many_items", format!("at most {ITEMS_MAX} items"))));
                }
                _ => {}
            }
            store_till::put_item(sql, &merchant, &item, now)?;
            Ok(Ok(ItemView::from(&item)))
        })
        .await
    }

    /// Retires an item (or puts it back on sale): it stays on file for old baskets.
    pub async fn set_till_item_active(&self, actor: Actor, code: String, active: bool) -> ApiResult<ItemView> {
        let merchant = merchant_of(&actor)?.to_string();
        let code = canonical(&code)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(mut item) = store_till::find_item(sql, &merchant, &code)? else {
                return Ok(Err(ApiError::not_found("item")));
            };
            item.active = active;
            store_till::put_item(sql, &merchant, &item, now)?;
            Ok(Ok(ItemView::from(&item)))
        })
        .await
    }

    /// Imports a catalogue CSV: every row checked first, then all written in
    /// one commit, or none (each bad row reported with its line).
    pub async fn import_till_items(&self, actor: Actor, csv: String) -> Result<ImportView, ImportError> {
        let merchant = merchant_of(&actor)?.to_string();
        let now = self.now_ms();
        let outcome = self
            .write(move |sql| {
                let departments = department_set(sql, &merchant)?;
                let items = match catalogue::parse_csv(&csv, &departments) {
                    Ok(items) => items,
                    Err(rows) => return Ok(Ok(Err(rows))),
                };
                let on_file = store_till::codes(sql, &merchant)?;
                let fresh = items.iter().filter(|i| !on_file.contains(i.code.as_str())).count();
                if on_file.len() + fresh > ITEMS_MAX {
                    return Ok(Err(ApiError::conflict(
                        "too_many_items",
                        format!("the catalogue would hold {} items: at most {ITEMS_MAX}", on_file.len() + fresh),
                    )));
                }
                let created = store_till::put_items(sql, &merchant, &items, now)?;
                Ok(Ok(Ok(ImportView { items: items.len(), created, updated: items.len() - created })))
            })
            .await?;
        outcome.map_err(|rows: Vec<RowError>| {
            let first = rows.first().map(|r| format!("line {}: {}", r.line, r.reason)).unwrap_or_default();
            ImportError::Rows(ImportRows {
                code: "invalid_csv".into(),
                reason: format!("{} rows are wrong, nothing was imported; the first: {first}", rows.len()),
                rows: rows.into_iter().map(|r| ImportRow { line: r.line, reason: r.reason }).collect(),
            })
        })
    }

    pub async fn till_items_csv(&self, actor: Actor) -> ApiResult<String> {
        let merchant = merchant_of(&actor)?.to_string();
        let q = ItemQuery { limit: ITEMS_MAX, ..ItemQuery::default() };
        let items = self.read(move |sql| Ok(Ok(store_till::items(sql, &merchant, &q)?))).await?;
        Ok(catalogue::to_csv(&items))
    }

    pub async fn till_settings(&self, actor: Actor) -> ApiResult<SettingsView> {
        let merchant = merchant_of(&actor)?.to_string();
        let s = self.read(move |sql| Ok(Ok(store_till::settings(sql, &merchant)?))).await?;
        Ok(settings_view(&s))
    }

    pub async fn put_till_settings(&self, actor: Actor, req: SettingsRequest) -> ApiResult<SettingsView> {
        let merchant = merchant_of(&actor)?.to_string();
        let segments = if req.segments.is_empty() {
            kassa_till::segment::default_segments()
        } else {
            kassa_till::segment::own_segments(&req.segments)
                .map_err(|e| ApiError::from(FieldError::new("segments", e)))?
        };
        let settings = TillSettings { segments, keyed_price: req.keyed_price };
        let now = self.now_ms();
        let view = settings_view(&settings);
        self.write(move |sql| Ok(Ok(store_till::put_settings(sql, &merchant, &settings, now)?))).await?;
        Ok(view)
    }

    pub async fn baskets(&self, actor: Actor, q: PeriodQuery) -> ApiResult<Vec<BasketView>> {
        let merchant = merchant_of(&actor)?.to_string();
        let (dates, _) = period(q.from.as_deref(), q.to.as_deref(), self.today())?;
        let limit = q.limit.unwrap_or(200).clamp(1, store_till::BASKETS_MAX as i64) as usize;
        let (from, to) = (dates[0].clone(), dates[dates.len() - 1].clone());
        let rows = self.read(move |sql| Ok(Ok(store_till::baskets(sql, &merchant, &from, &to, limit)?))).await?;
        Ok(rows.iter().map(basket_view).collect())
    }

    pub async fn basket(&self, actor: Actor, id: i64) -> ApiResult<BasketView> {
        let merchant = merchant_of(&actor)?.to_string();
        let row = self.read(move |sql| Ok(Ok(store_till::basket(sql, &merchant, id)?))).await?;
        row.as_ref().map(basket_view).ok_or_else(|| ApiError::not_found("basket"))
    }

    /// The basket a sale (one of the merchant's transactions) paid, if any.
    pub async fn basket_of_sale(&self, actor: Actor, txn_id: i64) -> ApiResult<Option<BasketView>> {
        let merchant = merchant_of(&actor)?.to_string();
        let row = self.read(move |sql| Ok(Ok(store_till::basket_of_sale(sql, &merchant, txn_id)?))).await?;
        Ok(row.as_ref().map(basket_view))
    }

    /// A period's figures and the period before's.
    pub async fn till_analytics(&self, actor: Actor, q: &PeriodQuery) -> ApiResult<AnalyticsView> {
        let merchant = merchant_of(&actor)?.to_string();
        let (dates, before) = period(q.from.as_deref(), q.to.as_deref(), self.today())?;
        let (d, b) = (dates.clone(), before.clone());
        let (current, previous) = self
            .read(move |sql| {
                Ok(Ok((store_till::figures(sql, &merchant, &d)?, store_till::figures(sql, &merchant, &b)?)))
            })
            .await?;
        let change = Change {
            sales_bp: analytics::change_bp(current.sales, previous.sales),
            baskets_bp: analytics::change_bp(current.baskets, previous.baskets),
            average_basket_bp: analytics::change_bp(current.average_basket, previous.average_basket),
            items_per_basket_bp: analytics::change_bp(current.items_per_basket_x100, previous.items_per_basket_x100),
        };
        Ok(AnalyticsView {
            from: dates[0].clone(),
            to: dates[dates.len() - 1].clone(),
            previous_from: before[0].clone(),
            previous_to: before[before.len() - 1].clone(),
            current,
            previous,
            change,
        })
    }

    /// One view of the figures as CSV, with the previous period's sales beside each row.
    pub async fn till_analytics_csv(&self, actor: Actor, q: &PeriodQuery) -> ApiResult<String> {
        let view = q.view.clone().unwrap_or_else(|| "department".into());
        let a = self.till_analytics(actor, q).await?;
        let money = |fen: u64| Amount(fen).decimal(Currency::CNY);
        let mut out = String::new();
        // Names are the merchant's: quoted, and a formula defused, as the transactions' export.
        let quote = crate::txns::csv_field;
        if view == "items" {
            out.push_str("code,name,quantity,sales\n");
            for i in &a.current.top_items {
                out.push_str(&format!("{},{},{},{}\n", quote(&i.code), quote(&i.name), i.quantity, money(i.sales)));
            }
            return Ok(out);
        }
        let (current, previous) = match view.as_str() {
            "department" => (&a.current.by_department, &a.previous.by_department),
            "hour" => (&a.current.by_hour, &a.previous.by_hour),
            "segment" => (&a.current.by_segment, &a.previous.by_segment),
            "day" => (&a.current.by_day, &a.previous.by_day),
            _ => return Err(FieldError::new("view", "department, hour, segment, day or items").into()),
        };
        out.push_str(&format!("{view},sales,items,baskets,previous_sales\n"));
        for (i, s) in current.iter().enumerate() {
            let before = if view == "day" { previous.get(i) } else { previous.iter().find(|p| p.key == s.key) };
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                quote(&s.key),
                money(s.sales),
                s.items,
                s.baskets,
                money(before.map_or(0, |p| p.sales))
            ));
        }
        Ok(out)
    }
}

/// An item code from a path, in its canonical form.
fn canonical(code: &str) -> ApiResult<String> {
    ItemCode::parse(code).map(|(c, _)| c.to_string()).map_err(|e| FieldError::new("code", e.to_string()).into())
}
