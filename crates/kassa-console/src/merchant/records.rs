//! Transactions, receipts and settlement statements.

use super::*;

#[derive(Template)]
#[template(path = "transactions.html")]
pub(super) struct TransactionsPage {
    c: Ctx,
    rows: Vec<kassa_api::txns::TxnView>,
    from: String,
    to: String,
    kind: String,
    status: String,
    terminal: String,
    query: String,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct TxnQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    terminal: String,
}

pub(super) async fn transactions(State(console): State<Shared>, c: Ctx, Query(q): Query<TxnQuery>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let filter = kassa_api::txns::TxnFilter {
        from: some(&q.from),
        to: some(&q.to),
        kind: some(&q.kind),
        status: some(&q.status),
        terminal: some(&q.terminal),
        limit: Some(200),
        ..Default::default()
    };
    let query = [("from", &q.from), ("to", &q.to), ("type", &q.kind), ("status", &q.status), ("terminal", &q.terminal)]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| {
            format!("{k}={}", v.trim().replace(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-' && ch != '_', ""))
        })
        .collect::<Vec<_>>()
        .join("&");
    let (rows, c) = match console.office.transactions(actor, filter).await {
        Ok(rows) => (rows, c),
        Err(e) => (Vec::new(), c.fail(&e)),
    };
    let kinds = kassa_core::TxnKind::TERMINAL.iter().map(|k| k.code()).collect();
    let statuses = vec!["approved", "declined", "voided", "reversed"];
    page(
        &c.clone(),
        &TransactionsPage {
            c,
            rows,
            from: q.from,
            to: q.to,
            kind: q.kind,
            status: q.status,
            terminal: q.terminal,
            query,
            kinds,
            statuses,
        },
    )
}

#[derive(Template)]
#[template(path = "receipt.html")]
pub(super) struct ReceiptPage {
    c: Ctx,
    text: String,
}

pub(super) async fn receipt(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.receipt(actor, id).await {
        Ok(r) => page(&c.clone(), &ReceiptPage { c, text: r.text }),
        Err(e) => error_page(c, &e),
    }
}

#[derive(Template)]
#[template(path = "statements.html")]
pub(super) struct StatementsPage {
    c: Ctx,
    s: kassa_api::txns::Statement,
    date_input: String,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DateQuery {
    date: Option<String>,
}

pub(super) async fn statements(State(console): State<Shared>, c: Ctx, Query(q): Query<DateQuery>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let date = q
        .date
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| kassa_core::time::date_of_day_number(console.office.today() - 1));
    match console.office.statement(actor, date).await {
        Ok(s) => {
            let d = &s.business_date;
            let date_input = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]);
            page(&c.clone(), &StatementsPage { c, s, date_input })
        }
        Err(e) => error_page(c, &e),
    }
}
