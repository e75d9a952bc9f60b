//! Payouts on SQLite: created with their ledger reservation in one commit,
//! then sent, then paid or failed — each step once.

use crate::sql;
use kassa_core::MerchantId;
use rusqlite::{Connection, OptionalExtension, params};

use super::db_error;
use super::ledger::post_for;
use crate::ledger::{AVAILABLE, Payout, PayoutState, payout_amount, payout_id, payout_postings};
use crate::{Result, StoreError};

const CNY: u16 = 156;

pub(super) fn put_settlement_card(
    c: &Connection,
    merchant: &MerchantId,
    sealed: &[u8],
    masked: &str,
    holder: &str,
) -> Result<()> {
    c.prepare_cached(sql::PUT_SETTLEMENT_CARD)
        .map_err(db_error)?
        .execute(params![merchant.as_str(), sealed, masked, holder])
        .map_err(db_error)?;
    Ok(())
}

/// A payout row as SQLite returns it, before validation.
type PayoutRow = (String, String, String, i64, Vec<u8>, String, String);

fn payout_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PayoutRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?))
}

fn payout(row: PayoutRow) -> Result<Payout> {
    let (id, merchant, business_date, amount, card_sealed, card_masked, state) = row;
    Ok(Payout {
        id,
        merchant: MerchantId::parse(&merchant).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?,
        business_date,
        amount: amount.max(0) as u64,
        card_sealed,
        card_masked,
        state: PayoutState::from_code(&state).ok_or_else(|| StoreError::Corrupt("payout state".into()))?,
    })
}

pub(super) fn create_payouts(c: &Connection, business_date: &str, now_ms: i64) -> Result<Vec<Payout>> {
    let due: Vec<(String, i64, i64, Vec<u8>, String)> = {
        let mut statement = c
            .prepare_cached(&format!(
                "SELECT s.merchant_id, s.paid, {AVAILABLE}, c.pan_sealed, c.pan_masked FROM merchant_settlements s
                 JOIN merchant_cards c ON c.merchant_id = s.merchant_id
                 WHERE s.business_date = ?1 AND s.paid > 0
                   AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.merchant_id = s.merchant_id AND p.business_date = s.business_date)
                 ORDER BY s.merchant_id"
            ))
            .map_err(db_error)?;
        let rows = statement
            .query_map([business_date], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
            .map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?
    };
    let mut created = Vec::with_capacity(due.len());
    for (merchant, paid, available, card_sealed, card_masked) in due {
        let merchant = MerchantId::parse(&merchant).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?;
        let Some(amount) = payout_amount(paid, available) else { continue };
        let payout = Payout {
            id: payout_id(&merchant, business_date),
            merchant,
            business_date: business_date.to_string(),
            amount,
            card_sealed,
            card_masked,
            state: PayoutState::Created,
        };
        c.prepare_cached(sql::CREATE_PAYOUTS)
            .map_err(db_error)?
            .execute(params![
                payout.id,
                payout.merchant.as_str(),
                business_date,
                payout.amount as i64,
                payout.card_masked,
                now_ms
            ])
            .map_err(db_error)?;
        post_for(c, &payout.merchant, CNY, &payout_postings(&payout, PayoutState::Created), now_ms)?;
        created.push(payout);
    }
    Ok(created)
}

pub(super) fn open_payouts(c: &Connection) -> Result<Vec<Payout>> {
    let mut statement = c
        .prepare_cached(
            "SELECT p.id, p.merchant_id, p.business_date, p.amount, c.pan_sealed, p.card_masked, p.state FROM payouts p
             JOIN merchant_cards c ON c.merchant_id = p.merchant_id WHERE p.state IN ('created', 'sent') ORDER BY p.id",
        )
        .map_err(db_error)?;
    let rows = statement.query_map([], payout_from_row).map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?.into_iter().map(payout).collect()
}

pub(super) fn mark_payout_sent(c: &Connection, id: &str, now_ms: i64) -> Result<()> {
    c.prepare_cached(sql::MARK_PAYOUT_SENT).map_err(db_error)?.execute(params![id, now_ms]).map_err(db_error)?;
    Ok(())
}

/// Ends a payout once: paid, or failed with the funds back in available and a notice.
pub(super) fn finish_payout(c: &Connection, id: &str, paid: bool, reason: Option<&str>, now_ms: i64) -> Result<bool> {
    let state = if paid { PayoutState::Paid } else { PayoutState::Failed };
    let changed = c
        .prepare_cached(sql::FINISH_PAYOUT)
        .map_err(db_error)?
        .execute(params![id, state.code(), reason, now_ms])
        .map_err(db_error)?;
    if changed == 0 {
        return Ok(false);
    }
    let row = c
        .prepare_cached(
            "SELECT p.id, p.merchant_id, p.business_date, p.amount, c.pan_sealed, p.card_masked, p.state FROM payouts p
             JOIN merchant_cards c ON c.merchant_id = p.merchant_id WHERE p.id = ?1",
        )
        .map_err(db_error)?
        .query_row([id], payout_from_row)
        .optional()
        .map_err(db_error)?
        .ok_or_else(|| StoreError::NotFound(format!("payout {id}")))?;
    let payout = payout(row)?;
    post_for(c, &payout.merchant, CNY, &payout_postings(&payout, state), now_ms)?;
    if !paid {
        let text = payout.failure_notice(reason);
        c.prepare_cached(sql::FINISH_PAYOUT_2)
            .map_err(db_error)?
            .execute(params![payout.merchant.as_str(), text, now_ms])
            .map_err(db_error)?;
    }
    Ok(true)
}

pub(super) fn notices(c: &Connection, merchant: &MerchantId) -> Result<Vec<String>> {
    let mut statement = c.prepare_cached(sql::NOTICES).map_err(db_error)?;
    let rows = statement.query_map([merchant.as_str()], |row| row.get(0)).map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}
