//! The merchant and operations API over real HTTP, on SQLite (or PostgreSQL
//! with `KASSA_TEST_STORE=postgres`).
// Amounts are written yuan_fen (`120_50` is ¥120.50).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::inconsistent_digit_grouping)]

mod cancellation;
mod common;
mod edges;
mod money;
mod onboarding;
mod openapi;
mod risk;
mod terminals;

use common::*;
use kassa_core::MerchantId;
use kassa_store::Store;
use kassa_store::ledger::{OfficeKind, Planned, Role, office_posting_id};
use serde_json::{Value, json};

impl Server {
    async fn my_code(&self, token: &str, purpose: &str) -> String {
        let sent = self.post("/api/v1/merchant/sms/codes", Some(token), json!({"purpose": purpose})).await;
        assert_eq!(sent.status, 202, "{sent:?}");
        self.last_code("13800138000").await
    }

    async fn last_sms(&self, phone: &str) -> String {
        self.office.outbox(Some(phone.into()), 1).await.unwrap().remove(0).text
    }
}

/// Puts money in a merchant's available funds, as a settled day would.
async fn fund(s: &Server, merchant: &str, amount: u64, n: i64) {
    let merchant = MerchantId::parse(merchant).unwrap();
    s.office
        .store
        .office_write(move |sql| {
            let id = office_posting_id(OfficeKind::Deposit, 900_000 + n, 9);
            sql.post(
                &merchant,
                &[Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantAvailable, amount }],
                0,
            )
        })
        .await
        .unwrap();
}

/// Records a transaction as the host would (the columns the merchant sees).
#[allow(clippy::too_many_arguments)]
async fn record(
    s: &Server,
    merchant: &str,
    terminal: &str,
    trace: i64,
    kind: &str,
    state: &str,
    amount: i64,
    date: &str,
) -> i64 {
    let (merchant, terminal, kind, state, date) =
        (merchant.to_string(), terminal.to_string(), kind.to_string(), state.to_string(), date.to_string());
    s.office
        .store
        .office_write(move |sql| {
            let code = if state == "declined" { "51" } else { "00" };
            sql.insert(
                "INSERT INTO transactions (merchant_id, terminal_id, batch, trace, kind, state, amount, currency, pan_masked,
                   request_digest, response_code, auth_code, rrn, business_date, local_date, local_time, entry_mode, operator,
                   created_at, updated_at)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, 156, '622202******3446', ?7, ?8, '123456', ?9, ?10, ?11, '101502', '071', '01', 0, 0)
                 RETURNING id",
                kassa_store::sql_params![
                    merchant.as_str(), terminal.as_str(), trace, kind.as_str(), state.as_str(), amount, vec![trace as u8],
                    code, format!("{trace:012}"), date.as_str(), date.get(4..).unwrap_or("")
                ],
            )
        })
        .await
        .unwrap()
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A merchant with one active terminal `serial`.
async fn with_terminal(s: &Server, token: &str, merchant: &str, serial: &str, phone: &str) {
    let ops = s.staff("otto").await;
    assert_eq!(s.post("/api/v1/ops/terminals", Some(&ops), json!({"serial": serial, "model": "K9"})).await.status, 201);
    let assigned =
        s.post(&format!("/api/v1/ops/terminals/{serial}/assign"), Some(&ops), json!({"merchant_id": merchant})).await;
    assert_eq!(assigned.status, 200, "{assigned:?}");
    let code = s.last_sms(phone).await.split(" is ").nth(1).unwrap()[..8].to_string();
    let active = s
        .post("/api/v1/merchant/terminals/activate", Some(token), json!({"serial": serial, "activation_code": code}))
        .await;
    assert_eq!(active.body["state"], "active");
}

fn unmet(checklist: &Value) -> Vec<String> {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["met"] == false)
        .map(|i| i["item"].as_str().unwrap().to_string())
        .collect()
}
