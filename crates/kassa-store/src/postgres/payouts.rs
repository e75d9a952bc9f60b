//! Payouts on PostgreSQL: as on SQLite, each step in its own transaction.

use crate::office::for_postgres;
use crate::sql;
use deadpool_postgres::GenericClient;
use kassa_core::MerchantId;

use super::ledger::post_for;
use super::pg_error;
use crate::ledger::{AVAILABLE, Payout, PayoutState, payout_amount, payout_id, payout_postings};
use crate::{Result, StoreError};

const CNY: u16 = 156;
const PAYOUT_COLUMNS: &str = "p.id, p.merchant_id, p.business_date, p.amount, c.pan_sealed, p.card_masked, p.state";

fn payout(row: &tokio_postgres::Row) -> Result<Payout> {
    Ok(Payout {
        id: row.get(0),
        merchant: MerchantId::parse(row.get(1)).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?,
        business_date: row.get(2),
        amount: row.get::<_, i64>(3).max(0) as u64,
        card_sealed: row.get(4),
        card_masked: row.get(5),
        state: PayoutState::from_code(row.get(6)).ok_or_else(|| StoreError::Corrupt("payout state".into()))?,
    })
}

pub(super) async fn put_settlement_card(
    c: &impl GenericClient,
    merchant: &MerchantId,
    sealed: &[u8],
    masked: &str,
    holder: &str,
) -> Result<()> {
    let statement = c.prepare_cached(&for_postgres(sql::PUT_SETTLEMENT_CARD)).await.map_err(pg_error)?;
    c.execute(&statement, &[&merchant.as_str(), &sealed, &masked, &holder]).await.map_err(pg_error)?;
    Ok(())
}

pub(super) async fn create_payouts(c: &impl GenericClient, business_date: &str, now_ms: i64) -> Result<Vec<Payout>> {
    let statement = c
        .prepare_cached(&format!(
            "SELECT s.merchant_id, s.paid, {AVAILABLE}, c.pan_sealed, c.pan_masked FROM merchant_settlements s
             JOIN merchant_cards c ON c.merchant_id = s.merchant_id
             WHERE s.business_date = $1 AND s.paid > 0
               AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.merchant_id = s.merchant_id AND p.business_date = s.business_date)
             ORDER BY s.merchant_id FOR UPDATE OF s"
        ))
        .await
        .map_err(pg_error)?;
    let rows = c.query(&statement, &[&business_date]).await.map_err(pg_error)?;
    let insert = c.prepare_cached(&for_postgres(sql::CREATE_PAYOUTS)).await.map_err(pg_error)?;
    let mut created = Vec::with_capacity(rows.len());
    for row in rows {
        let merchant = MerchantId::parse(row.get(0)).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?;
        let Some(amount) = payout_amount(row.get(1), row.get(2)) else { continue };
        let payout = Payout {
            id: payout_id(&merchant, business_date),
            merchant,
            business_date: business_date.to_string(),
            amount,
            card_sealed: row.get(3),
            card_masked: row.get(4),
            state: PayoutState::Created,
        };
        let amount = payout.amount as i64;
        c.execute(
            &insert,
            &[&payout.id, &payout.merchant.as_str(), &business_date, &amount, &payout.card_masked, &now_ms],
        )
        .await
        .map_err(pg_error)?;
        post_for(c, &payout.merchant, CNY, &payout_postings(&payout, PayoutState::Created), now_ms).await?;
        created.push(payout);
    }
    Ok(created)
}

pub(super) async fn open_payouts(c: &impl GenericClient) -> Result<Vec<Payout>> {
    let sql = format!(
        "SELECT {PAYOUT_COLUMNS} FROM payouts p JOIN merchant_cards c ON c.merchant_id = p.merchant_id
         WHERE p.state IN ('created', 'sent') ORDER BY p.id"
    );
    let statement = c.prepare_cached(&sql).await.map_err(pg_error)?;
    c.query(&statement, &[]).await.map_err(pg_error)?.iter().map(payout).collect()
}

pub(super) async fn mark_payout_sent(c: &impl GenericClient, id: &str, now_ms: i64) -> Result<()> {
    let statement = c.prepare_cached(&for_postgres(sql::MARK_PAYOUT_SENT)).await.map_err(pg_error)?;
    c.execute(&statement, &[&id, &now_ms]).await.map_err(pg_error)?;
    Ok(())
}

pub(super) async fn finish_payout(
    c: &impl GenericClient,
    id: &str,
    paid: bool,
    reason: Option<&str>,
    now_ms: i64,
) -> Result<bool> {
    let state = if paid { PayoutState::Paid } else { PayoutState::Failed };
    let statement = c.prepare_cached(&for_postgres(sql::FINISH_PAYOUT)).await.map_err(pg_error)?;
    if c.execute(&statement, &[&id, &state.code(), &reason, &now_ms]).await.map_err(pg_error)? == 0 {
        return Ok(false);
    }
    let sql = format!(
        "SELECT {PAYOUT_COLUMNS} FROM payouts p JOIN merchant_cards c ON c.merchant_id = p.merchant_id WHERE p.id = $1"
    );
    let statement = c.prepare_cached(&sql).await.map_err(pg_error)?;
    let row = c.query(&statement, &[&id]).await.map_err(pg_error)?.into_iter().next();
    let payout = payout(&row.ok_or_else(|| StoreError::NotFound(format!("payout {id}")))?)?;
    post_for(c, &payout.merchant, CNY, &payout_postings(&payout, state), now_ms).await?;
    if !paid {
        let text = payout.failure_notice(reason);
        let statement = c.prepare_cached(&for_postgres(sql::FINISH_PAYOUT_2)).await.map_err(pg_error)?;
        c.execute(&statement, &[&payout.merchant.as_str(), &text, &now_ms]).await.map_err(pg_error)?;
    }
    Ok(true)
}

pub(super) async fn notices(c: &impl GenericClient, merchant: &MerchantId) -> Result<Vec<String>> {
    let statement = c.prepare_cached(&for_postgres(sql::NOTICES)).await.map_err(pg_error)?;
    Ok(c.query(&statement, &[&merchant.as_str()]).await.map_err(pg_error)?.iter().map(|r| r.get(0)).collect())
}
