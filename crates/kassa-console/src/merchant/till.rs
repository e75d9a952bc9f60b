//! The shop till in the portal: the catalogue (items, departments, CSV import
//! and export, the till's settings) and the sales analytics with their charts.

use kassa_api::till::{AnalyticsView, ImportError, ImportRow, ItemFilter, ItemRequest, ItemView, PeriodQuery};
use kassa_api::till::{SettingsRequest, SettingsView};
use kassa_till::analytics::{ItemShare, Share};

use super::*;
use crate::charts::{self, Bar, Legend};

#[derive(Template)]
#[template(path = "catalogue.html")]
pub(super) struct CataloguePage {
    c: Ctx,
    items: Vec<ItemView>,
    total: usize,
    departments: Vec<String>,
    settings: Option<SettingsView>,
    /// The item being changed.
    edit: Option<ItemView>,
    q: String,
    department: String,
    state: String,
    /// A refused import: the text sent, and every bad row.
    csv: String,
    rows: Vec<ImportRow>,
}

impl CataloguePage {
    fn segment_name(&self, s: &kassa_api::till::SegmentView) -> String {
        segment_words(self.c.t.0, &s.code, &s.name)
    }

    /// Fen as the yuan a merchant types: `12.90`.
    fn yuan_plain(&self, fen: &u64) -> String {
        kassa_core::Amount(*fen).decimal(kassa_core::Currency::CNY)
    }

    fn segment_lines(&self) -> String {
        self.settings
            .as_ref()
            .map(|s| s.segments.iter().map(|g| g.name.clone()).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }
}

/// A segment's name in the page's language: the default set's in English too.
fn segment_words(lang: Lang, code: &str, name: &str) -> String {
    match (lang, kassa_till::segment::english_name(code)) {
        (Lang::En, Some(english)) => english.to_string(),
        _ => name.to_string(),
    }
}

use crate::i18n::Lang;

#[derive(Debug, Default, Deserialize)]
pub(super) struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    department: String,
    /// `on_sale`, `retired`, or empty for both.
    #[serde(default)]
    state: String,
}

/// Items a page lists (the CSV export has them all).
const ITEMS_SHOWN: i64 = 500;

async fn catalogue_view(console: &Shared, c: Ctx, q: CatalogueQuery, edit: Option<ItemView>) -> Response {
    catalogue_view_with(console, c, q, edit, String::new(), Vec::new()).await
}

async fn catalogue_view_with(
    console: &Shared,
    c: Ctx,
    q: CatalogueQuery,
    edit: Option<ItemView>,
    csv: String,
    rows: Vec<ImportRow>,
) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    let office = &console.office;
    let active = match q.state.as_str() {
        "on_sale" => Some(true),
        "retired" => Some(false),
        _ => None,
    };
    let filter =
        |limit| ItemFilter { q: Some(q.q.clone()), department: Some(q.department.clone()), active, limit: Some(limit) };
    let (items, c) = match office.till_items(actor.clone(), filter(ITEMS_SHOWN)).await {
        Ok(items) => (items, c),
        Err(e) => (Vec::new(), c.fail(&e)),
    };
    let total = match items.len() as i64 {
        n if n < ITEMS_SHOWN => items.len(),
        _ => office.till_items(actor.clone(), filter(i64::MAX)).await.map(|all| all.len()).unwrap_or(items.len()),
    };
    let departments = office.till_departments(actor.clone()).await.unwrap_or_default();
    let settings = office.till_settings(actor).await.ok();
    let page_data = CataloguePage {
        c,
        items,
        total,
        departments,
        settings,
        edit,
        q: q.q,
        department: q.department,
        state: q.state,
        csv,
        rows,
    };
    page(&page_data.c.clone(), &page_data)
}

pub(super) async fn catalogue_page(State(console): State<Shared>, c: Ctx, Query(q): Query<CatalogueQuery>) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    catalogue_view(&console, c, q, None).await
}

pub(super) async fn item_page(State(console): State<Shared>, c: Ctx, Path(code): Path<String>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.till_item(actor, code).await {
        Ok(item) => catalogue_view(&console, c, CatalogueQuery::default(), Some(item)).await,
        Err(e) => catalogue_view(&console, c.fail(&e), CatalogueQuery::default(), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct ItemForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    code: String,
    name: String,
    /// Yuan, as the merchant types it.
    price: String,
    department: String,
}

fn item_request(c: &Ctx, form: &ItemForm) -> Result<ItemRequest, ApiError> {
    let price = parse_yuan(&form.price).ok_or_else(|| ApiError::bad_request("invalid_price", c.t.s("price_help")))?;
    Ok(ItemRequest {
        code: form.code.trim().to_string(),
        name: form.name.clone(),
        price,
        department: form.department.clone(),
        active: true,
    })
}

pub(super) async fn add_item(State(console): State<Shared>, c: Ctx, Form(form): Form<ItemForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let done = match item_request(&c, &form) {
        Ok(req) => console.office.put_till_item(actor, None, req).await,
        Err(e) => Err(e),
    };
    let c = match done {
        Ok(item) => c.note(format!("✓ {} {} {}", item.code, item.name, item.price_text)),
        Err(e) => c.fail(&e),
    };
    catalogue_view(&console, c, CatalogueQuery::default(), None).await
}

pub(super) async fn change_item(
    State(console): State<Shared>,
    c: Ctx,
    Path(code): Path<String>,
    Form(form): Form<ItemForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let active = console.office.till_item(actor.clone(), code.clone()).await.map(|i| i.active).unwrap_or(true);
    let done = match item_request(&c, &form) {
        Ok(req) => console.office.put_till_item(actor.clone(), Some(code.clone()), ItemRequest { active, ..req }).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(item) => {
            let c = c.note(format!("✓ {} {} {}", item.code, item.name, item.price_text));
            catalogue_view(&console, c, CatalogueQuery::default(), None).await
        }
        Err(e) => {
            let edit = console.office.till_item(actor, code).await.ok();
            catalogue_view(&console, c.fail(&e), CatalogueQuery::default(), edit).await
        }
    }
}

async fn item_active(console: &Shared, c: Ctx, code: String, csrf: &str, active: bool) -> Response {
    let actor = match merchant_post(&c, csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.set_till_item_active(actor, code, active).await {
        Ok(item) => {
            let word = if active { c.t.s("on_sale") } else { c.t.s("retired_item") };
            c.note(format!("✓ {} {} · {word}", item.code, item.name))
        }
        Err(e) => c.fail(&e),
    };
    catalogue_view(console, c, CatalogueQuery::default(), None).await
}

pub(super) async fn retire_item(
    State(console): State<Shared>,
    c: Ctx,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    item_active(&console, c, code, &form._csrf, false).await
}

pub(super) async fn restore_item(
    State(console): State<Shared>,
    c: Ctx,
    Path(code): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    item_active(&console, c, code, &form._csrf, true).await
}

#[derive(Debug, Deserialize)]
pub(super) struct DepartmentForm {
    #[serde(default)]
    _csrf: String,
    name: String,
}

pub(super) async fn add_department(
    State(console): State<Shared>,
    c: Ctx,
    Form(form): Form<DepartmentForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.add_till_department(actor, form.name.clone()).await {
        Ok(_) => c.note(format!("✓ {}", form.name.trim())),
        Err(e) => c.fail(&e),
    };
    catalogue_view(&console, c, CatalogueQuery::default(), None).await
}

pub(super) async fn remove_department(
    State(console): State<Shared>,
    c: Ctx,
    Form(form): Form<DepartmentForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.remove_till_department(actor, form.name.clone()).await {
        Ok(()) => {
            let removed = c.t.s("removed");
            c.note(format!("✓ {} · {removed}", form.name))
        }
        Err(e) => c.fail(&e),
    };
    catalogue_view(&console, c, CatalogueQuery::default(), None).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ImportForm {
    #[serde(default)]
    _csrf: String,
    csv: String,
}

pub(super) async fn import_items(State(console): State<Shared>, c: Ctx, Form(form): Form<ImportForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.import_till_items(actor, form.csv.clone()).await {
        Ok(done) => {
            let note = match c.t.0 {
                Lang::Zh => format!("✓ 已导入 {} 行：新增 {}，更新 {}", done.items, done.created, done.updated),
                Lang::En => format!("✓ {} rows imported: {} new, {} changed", done.items, done.created, done.updated),
            };
            catalogue_view(&console, c.note(note), CatalogueQuery::default(), None).await
        }
        Err(ImportError::Rows(rows)) => {
            let text = match c.t.0 {
                Lang::Zh => format!("有 {} 行有误，未导入任何商品：请改正后再导入", rows.rows.len()),
                Lang::En => {
                    format!("{} rows are wrong; nothing was imported: correct them and import again", rows.rows.len())
                }
            };
            let mut c = c;
            c.error = Some(text);
            catalogue_view_with(&console, c, CatalogueQuery::default(), None, form.csv, rows.rows).await
        }
        Err(ImportError::Api(e)) => {
            catalogue_view_with(&console, c.fail(&e), CatalogueQuery::default(), None, form.csv, Vec::new()).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct SettingsForm {
    #[serde(default)]
    _csrf: String,
    /// One segment name a line; empty: the default set.
    #[serde(default)]
    segments: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    keyed_price: Option<String>,
}

pub(super) async fn save_settings(State(console): State<Shared>, c: Ctx, Form(form): Form<SettingsForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let segments: Vec<String> =
        form.segments.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let req = SettingsRequest { segments, keyed_price: form.keyed_price.is_some() };
    let c = match console.office.put_till_settings(actor, req).await {
        Ok(_) => {
            let saved = c.t.s("saved");
            c.note(format!("✓ {saved}"))
        }
        Err(e) => c.fail(&e),
    };
    catalogue_view(&console, c, CatalogueQuery::default(), None).await
}

/// One row of a figures table.
pub(super) struct FigureRow {
    label: String,
    sales: String,
    /// Of the period's sales, in per cent with one decimal.
    share: String,
    items: u64,
    baskets: u64,
    previous: String,
    change: String,
}

/// One view of the figures: its chart, its table and its CSV.
pub(super) struct Section {
    id: &'static str,
    title: &'static str,
    key: &'static str,
    svg: String,
    rows: Vec<FigureRow>,
    csv: String,
    /// Top items: the quantity column is units sold, and no baskets column.
    items_view: bool,
}

/// A headline figure with its change against the previous period.
pub(super) struct Tile {
    label: &'static str,
    value: String,
    previous: String,
    change: String,
    /// `up`, `down` or `flat`, for its colour.
    trend: &'static str,
}

#[derive(Template)]
#[template(path = "analytics.html")]
pub(super) struct AnalyticsPage {
    c: Ctx,
    from: String,
    to: String,
    previous_from: String,
    previous_to: String,
    tiles: Vec<Tile>,
    sections: Vec<Section>,
    empty: bool,
    quick: Vec<(String, String, &'static str)>,
}

/// `YYYYMMDD` as `YYYY-MM-DD`.
fn dashed(date: &str) -> String {
    match (date.get(..4), date.get(4..6), date.get(6..8)) {
        (Some(y), Some(m), Some(d)) => format!("{y}-{m}-{d}"),
        _ => date.to_string(),
    }
}

/// Basis points as a signed percentage: `+12.5%`; `—` without a base.
fn change_text(bp: Option<i64>) -> String {
    match bp {
        None => "—".into(),
        Some(bp) => {
            let sign = if bp > 0 {
                "+"
            } else if bp < 0 {
                "−"
            } else {
                ""
            };
            let abs = bp.unsigned_abs();
            // Tenths of a per cent, half up.
            let tenths = (abs + 5) / 10;
            format!("{sign}{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

fn change_of(current: u64, previous: Option<u64>) -> String {
    change_text(previous.and_then(|p| kassa_till::analytics::change_bp(current, p)))
}

fn trend(bp: Option<i64>) -> &'static str {
    match bp {
        Some(b) if b > 0 => "up",
        Some(b) if b < 0 => "down",
        _ => "flat",
    }
}

fn share_text(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "—".into();
    }
    let tenths = kassa_till::analytics::ratio_half_up(part.saturating_mul(1000), whole);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

fn fen(amount: u64) -> String {
    crate::i18n::yuan_u(&amount)
}

fn share_rows(current: &[Share], previous: &[Share], total: u64, label: impl Fn(&str) -> String) -> Vec<FigureRow> {
    current
        .iter()
        .map(|s| {
            let before = previous.iter().find(|p| p.key == s.key).map(|p| p.sales);
            FigureRow {
                label: label(&s.key),
                sales: fen(s.sales),
                share: share_text(s.sales, total),
                items: s.items,
                baskets: s.baskets,
                previous: fen(before.unwrap_or(0)),
                change: change_of(s.sales, before.or(Some(0))),
            }
        })
        .collect()
}

fn share_bars(rows: &[Share], previous: &[Share], label: impl Fn(&str) -> String) -> Vec<Bar> {
    rows.iter()
        .map(|s| Bar {
            label: label(&s.key),
            current: s.sales,
            previous: Some(previous.iter().find(|p| p.key == s.key).map_or(0, |p| p.sales)),
        })
        .collect()
}

fn item_rows(current: &[ItemShare], previous: &[ItemShare], total: u64) -> Vec<FigureRow> {
    current
        .iter()
        .map(|i| {
            let before = previous.iter().find(|p| p.code == i.code).map(|p| p.sales);
            FigureRow {
                label: format!("{} · {}", i.name, i.code),
                sales: fen(i.sales),
                share: share_text(i.sales, total),
                items: i.quantity,
                baskets: 0,
                previous: before.map(fen).unwrap_or_else(|| "—".into()),
                change: change_of(i.sales, before),
            }
        })
        .collect()
}

fn hours_of(shares: &[Share]) -> [u64; 24] {
    let mut out = [0u64; 24];
    for s in shares {
        if let Some(slot) = s.key.parse::<usize>().ok().and_then(|h| out.get_mut(h)) {
            *slot = s.sales;
        }
    }
    out
}

fn sections(c: &Ctx, a: &AnalyticsView, settings: Option<&SettingsView>) -> Vec<Section> {
    let t = c.t;
    let legend = Legend { current: t.s("this_period"), previous: t.s("previous_period") };
    let (now, before) = (&a.current, &a.previous);
    let query = format!("from={}&to={}", dashed(&a.from), dashed(&a.to));
    let csv = |view: &str| format!("/api/v1/merchant/till/analytics.csv?view={view}&{query}");
    let segment = |code: &str| {
        let name = settings.and_then(|s| s.segments.iter().find(|g| g.code == code)).map(|g| g.name.clone());
        segment_words(t.0, code, name.as_deref().unwrap_or(code))
    };
    let department = |key: &str| {
        if key == kassa_till::basket::KEYED_DEPARTMENT { t.s("keyed_items").to_string() } else { key.to_string() }
    };
    let hour = |key: &str| format!("{key}:00");
    let top: Vec<Bar> = now
        .top_items
        .iter()
        .map(|i| Bar {
            label: i.name.clone(),
            current: i.sales,
            previous: before.top_items.iter().find(|p| p.code == i.code).map(|p| p.sales),
        })
        .collect();
    vec![
        Section {
            id: "departments",
            title: t.s("by_department"),
            key: t.s("department"),
            svg: charts::bars(&share_bars(&now.by_department, &before.by_department, department), legend),
            rows: share_rows(&now.by_department, &before.by_department, now.sales, department),
            csv: csv("department"),
            items_view: false,
        },
        Section {
            id: "hours",
            title: t.s("by_hour"),
            key: t.s("hour"),
            svg: charts::hours(&hours_of(&now.by_hour), &hours_of(&before.by_hour), legend),
            rows: share_rows(&now.by_hour, &before.by_hour, now.sales, hour)
                .into_iter()
                .filter(|r| r.sales != fen(0) || r.previous != fen(0))
                .collect(),
            csv: csv("hour"),
            items_view: false,
        },
        Section {
            id: "segments",
            title: t.s("by_segment"),
            key: t.s("segment"),
            svg: charts::bars(&share_bars(&now.by_segment, &before.by_segment, segment), legend),
            rows: share_rows(&now.by_segment, &before.by_segment, now.sales, segment),
            csv: csv("segment"),
            items_view: false,
        },
        Section {
            id: "items",
            title: t.s("top_items"),
            key: t.s("item"),
            svg: charts::bars(&top, legend),
            rows: item_rows(&now.top_items, &before.top_items, now.sales),
            csv: csv("items"),
            items_view: true,
        },
        Section {
            id: "days",
            title: t.s("by_day"),
            key: t.s("day"),
            svg: String::new(),
            rows: now
                .by_day
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let before = before.by_day.get(i).map(|p| p.sales);
                    FigureRow {
                        label: dashed(&s.key),
                        sales: fen(s.sales),
                        share: share_text(s.sales, now.sales),
                        items: s.items,
                        baskets: s.baskets,
                        previous: before.map(fen).unwrap_or_else(|| "—".into()),
                        change: change_of(s.sales, before),
                    }
                })
                .collect(),
            csv: csv("day"),
            items_view: false,
        },
    ]
}

fn tiles(c: &Ctx, a: &AnalyticsView) -> Vec<Tile> {
    let t = c.t;
    let per_basket = |x100: u64| format!("{}.{:02}", x100 / 100, x100 % 100);
    let (now, before, change) = (&a.current, &a.previous, &a.change);
    vec![
        Tile {
            label: t.s("sales"),
            value: fen(now.sales),
            previous: fen(before.sales),
            change: change_text(change.sales_bp),
            trend: trend(change.sales_bp),
        },
        Tile {
            label: t.s("baskets"),
            value: now.baskets.to_string(),
            previous: before.baskets.to_string(),
            change: change_text(change.baskets_bp),
            trend: trend(change.baskets_bp),
        },
        Tile {
            label: t.s("average_basket"),
            value: fen(now.average_basket),
            previous: fen(before.average_basket),
            change: change_text(change.average_basket_bp),
            trend: trend(change.average_basket_bp),
        },
        Tile {
            label: t.s("items_per_basket"),
            value: per_basket(now.items_per_basket_x100),
            previous: per_basket(before.items_per_basket_x100),
            change: change_text(change.items_per_basket_bp),
            trend: trend(change.items_per_basket_bp),
        },
    ]
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct AnalyticsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub(super) async fn analytics_page(State(console): State<Shared>, c: Ctx, Query(q): Query<AnalyticsQuery>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let period = PeriodQuery { from: some(&q.from), to: some(&q.to), view: None, limit: None };
    let (analytics, c) = match console.office.till_analytics(actor.clone(), &period).await {
        Ok(a) => (Some(a), c),
        Err(e) => {
            // A bad period: say why, and show the default one.
            let c = c.fail(&e);
            (console.office.till_analytics(actor.clone(), &PeriodQuery::default()).await.ok(), c)
        }
    };
    let Some(a) = analytics else { return error_page(c, &ApiError::not_found("analytics")) };
    let settings = console.office.till_settings(actor).await.ok();
    let today = console.office.today();
    let day = |back: i64| dashed(&kassa_core::time::date_of_day_number(today - back));
    let quick = vec![
        (day(6), day(0), c.t.s("last_7_days")),
        (day(13), day(0), c.t.s("last_14_days")),
        (day(29), day(0), c.t.s("last_30_days")),
    ];
    let data = AnalyticsPage {
        from: dashed(&a.from),
        to: dashed(&a.to),
        previous_from: dashed(&a.previous_from),
        previous_to: dashed(&a.previous_to),
        tiles: tiles(&c, &a),
        sections: sections(&c, &a, settings.as_ref()),
        empty: a.current.baskets == 0 && a.previous.baskets == 0,
        quick,
        c,
    };
    page(&data.c.clone(), &data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_shares_in_words() {
        assert_eq!(change_text(None), "—");
        assert_eq!(change_text(Some(1250)), "+12.5%");
        assert_eq!(change_text(Some(-304)), "−3.0%");
        assert_eq!(change_text(Some(0)), "0.0%");
        assert_eq!(change_text(Some(5)), "+0.1%");
        assert_eq!(share_text(1, 3), "33.3%");
        assert_eq!(share_text(2, 3), "66.7%");
        assert_eq!(share_text(0, 0), "—");
        assert_eq!(dashed("20261207"), "2026-12-07");
    }
}
