//! The mobile reader's services (transfers, repayments, top-ups) as pages:
//! the merchant's own at `/services`, apart from its takings; every
//! merchant's for operations at `/console/services`, with each second leg's
//! state and a filter that finds the stuck ones.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use kassa_api::Actor;
use kassa_api::services::{ServiceFilter, ServiceView};
use kassa_store::services::LegState;
use serde::Deserialize;

use crate::{Ctx, Shared, page};

pub fn routes() -> axum::Router<Shared> {
    axum::Router::new().route("/services", get(merchant_services)).route("/console/services", get(console_services))
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    c: Ctx,
    rows: Vec<ServiceView>,
    action: &'static str,
    date: String,
    merchant: String,
    state: String,
    states: Vec<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
struct ServicesQuery {
    #[serde(default)]
    date: String,
    #[serde(default)]
    merchant: String,
    #[serde(default)]
    state: String,
}

async fn merchant_services(State(console): State<Shared>, c: Ctx, Query(q): Query<ServicesQuery>) -> Response {
    match crate::merchant::merchant(&c) {
        Ok(actor) => show(&console, c, actor, q, "/services").await,
        Err(r) => r,
    }
}

async fn console_services(State(console): State<Shared>, c: Ctx, Query(q): Query<ServicesQuery>) -> Response {
    match crate::ops::staff(&c) {
        Ok(actor) => show(&console, c, actor, q, "/console/services").await,
        Err(r) => r,
    }
}

async fn show(console: &Shared, c: Ctx, actor: Actor, q: ServicesQuery, action: &'static str) -> Response {
    let staff = matches!(actor, Actor::Staff { .. });
    let mut states: Vec<&'static str> = LegState::ALL.iter().map(|s| s.code()).collect();
    if staff {
        states.insert(0, "stuck");
    }
    let some = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let filter = ServiceFilter {
        date: some(&q.date),
        merchant: some(&q.merchant).filter(|_| staff),
        state: some(&q.state),
        limit: Some(200),
    };
    let (rows, c) = match console.office.services(actor, filter).await {
        Ok(rows) => (rows, c),
        Err(e) => (Vec::new(), c.fail(&e)),
    };
    page(&c.clone(), &ServicesPage { c, rows, action, date: q.date, merchant: q.merchant, state: q.state, states })
}
