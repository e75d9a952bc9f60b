//! The SQL of the SQLite store. Each function runs on the writer's or the
//! reader's connection; writes run inside the writer's group transaction.

use crate::sql;
use kassa_core::{Amount, Batch, Currency, MerchantId, TerminalId, Trace, TxnKind};
use kassa_crypto::{KeyMode, WrappedKey};
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::db_error;
use crate::model::*;
use crate::{Result, Standing, StoreError};

fn corrupt(index: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, what.to_string().into())
}

pub(super) fn put_merchant(c: &Connection, m: &Merchant, now_ms: i64) -> Result<()> {
    c.prepare_cached(sql::PUT_MERCHANT)
        .map_err(db_error)?
        .execute(params![
            m.id.as_str(),
            m.name,
            m.mcc,
            m.status.code(),
            m.mail_order,
            m.single_limit.minor_units() as i64,
            m.daily_limit.minor_units() as i64,
            now_ms
        ])
        .map_err(db_error)?;
    Ok(())
}

pub(super) fn put_terminal(c: &Connection, t: &Terminal) -> Result<()> {
    let session = t.session.as_ref();
    c.prepare_cached(sql::PUT_TERMINAL)
        .map_err(db_error)?
        .execute(params![
            t.id.as_str(),
            t.merchant.as_str(),
            t.serial,
            t.status.code(),
            t.tmk.encode(),
            t.pad_nibble,
            session.map(|s| s.mode.code()),
            session.map(|s| s.pin_key.encode()),
            session.map(|s| s.mac_key.encode()),
            session.and_then(|s| s.track_key.as_ref().map(WrappedKey::encode)),
            session.map_or(0, |s| s.key_version),
            t.batch.0,
            t.batch_open,
            t.mobile_reader,
        ])
        .map_err(db_error)?;
    Ok(())
}

fn wrapped(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<WrappedKey>> {
    let text: Option<String> = row.get(index)?;
    text.map(|t| WrappedKey::decode(&t).map_err(|_| corrupt(index, "wrapped key"))).transpose()
}

pub(super) fn terminal(c: &Connection, id: &TerminalId) -> Result<Option<(Terminal, Merchant)>> {
    c.prepare_cached(
        "SELECT t.id, t.merchant_id, t.serial, t.status, t.tmk, t.pad_nibble, t.key_mode, t.pin_key, t.mac_key,
                t.track_key, t.key_version, t.batch, t.batch_open,
                m.name, m.mcc, m.status, m.mail_order, m.single_limit, m.daily_limit, m.location, m.profile_changes, m.tier,
                t.mobile_reader
         FROM terminals t JOIN merchants m ON m.id = t.merchant_id WHERE t.id = ?1",
    )
    .map_err(db_error)?
    .query_row([id.as_str()], |row| {
        let merchant_id: String = row.get(1)?;
        let merchant_id = MerchantId::parse(&merchant_id).ok_or_else(|| corrupt(1, "merchant id"))?;
        let mode: Option<u16> = row.get(6)?;
        let session = match (mode.and_then(KeyMode::from_code), wrapped(row, 7)?, wrapped(row, 8)?) {
            (Some(mode), Some(pin_key), Some(mac_key)) => {
                Some(Session { mode, pin_key, mac_key, track_key: wrapped(row, 9)?, key_version: row.get(10)? })
            }
            _ => None,
        };
        let status: String = row.get(3)?;
        let terminal = Terminal {
            id: id.clone(),
            merchant: merchant_id.clone(),
            serial: row.get(2)?,
            status: TerminalStatus::from_code(&status).ok_or_else(|| corrupt(3, "terminal status"))?,
            tmk: wrapped(row, 4)?.ok_or_else(|| corrupt(4, "master key"))?,
            pad_nibble: row.get(5)?,
            session,
            batch: Batch(row.get(11)?),
            batch_open: row.get(12)?,
            mobile_reader: row.get(22)?,
        };
        let merchant_status: String = row.get(15)?;
        let merchant = Merchant {
            id: merchant_id,
            name: row.get(13)?,
            mcc: row.get(14)?,
            status: MerchantStatus::from_code(&merchant_status).ok_or_else(|| corrupt(15, "merchant status"))?,
            mail_order: row.get(16)?,
            single_limit: Amount(row.get::<_, i64>(17)?.max(0) as u64),
            daily_limit: Amount(row.get::<_, i64>(18)?.max(0) as u64),
            location: row.get(19)?,
            profile_changes: crate::model::parse_profile_changes(&row.get::<_, String>(20)?),
            tier: row.get(21)?,
        };
        Ok((terminal, merchant))
    })
    .optional()
    .map_err(db_error)
}

pub(super) fn sign_in(c: &Connection, id: &TerminalId, s: &Session) -> Result<Batch> {
    c.prepare_cached(
        "UPDATE terminals SET key_mode = ?2, pin_key = ?3, mac_key = ?4, track_key = ?5,
             key_version = key_version + 1,
             batch = CASE WHEN batch_open = 1 THEN batch WHEN batch >= 999999 THEN 1 ELSE batch + 1 END,
             batch_open = 1
         WHERE id = ?1 RETURNING batch",
    )
    .map_err(db_error)?
    .query_row(
        params![
            id.as_str(),
            s.mode.code(),
            s.pin_key.encode(),
            s.mac_key.encode(),
            s.track_key.as_ref().map(WrappedKey::encode)
        ],
        |row| row.get(0).map(Batch),
    )
    .optional()
    .map_err(db_error)?
    .ok_or_else(|| StoreError::NotFound(format!("terminal {id}")))
}

pub(super) fn sign_off(c: &Connection, id: &TerminalId) -> Result<()> {
    c.prepare_cached(sql::SIGN_OFF_CLEAR).map_err(db_error)?.execute([id.as_str()]).map_err(db_error)?;
    Ok(())
}

const TXN_COLUMNS: &str = "id, merchant_id, terminal_id, batch, trace, kind, state, amount, currency, pan_masked,
    pan_hash, pan_sealed, request_digest, response_code, auth_code, rrn, card_org, original_id, refunded, id,
    link_transmitted, local_date, local_time, business_date, entry_mode, created_at";

fn digest(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<[u8; 32]>> {
    let bytes: Option<Vec<u8>> = row.get(index)?;
    bytes.map(|b| <[u8; 32]>::try_from(b.as_slice()).map_err(|_| corrupt(index, "digest"))).transpose()
}

fn txn_from_row(row: &Row<'_>) -> rusqlite::Result<TxnRecord> {
    let text = |i: usize| -> rusqlite::Result<String> { row.get(i) };
    let key = TxnKey {
        merchant: MerchantId::parse(&text(1)?).ok_or_else(|| corrupt(1, "merchant id"))?,
        terminal: TerminalId::parse(&text(2)?).ok_or_else(|| corrupt(2, "terminal id"))?,
        batch: Batch(row.get(3)?),
        trace: Trace(row.get(4)?),
    };
    Ok(TxnRecord {
        id: row.get(0)?,
        key,
        kind: TxnKind::from_code(&text(5)?).ok_or_else(|| corrupt(5, "kind"))?,
        state: TxnState::from_code(&text(6)?).ok_or_else(|| corrupt(6, "state"))?,
        amount: Amount(row.get::<_, i64>(7)?.max(0) as u64),
        currency: Currency(row.get(8)?),
        pan_masked: row.get(9)?,
        pan_hash: digest(row, 10)?,
        pan_sealed: row.get(11)?,
        request_digest: digest(row, 12)?.unwrap_or([0; 32]),
        response_code: row.get(13)?,
        auth_code: row.get(14)?,
        rrn: row.get(15)?,
        card_org: row.get(16)?,
        original_id: row.get(17)?,
        refunded: Amount(row.get::<_, i64>(18)?.max(0) as u64),
        link_stan: link_stan_of(row.get(19)?),
        link_transmitted: row.get::<_, Option<String>>(20)?.unwrap_or_default(),
        local_date: row.get::<_, Option<String>>(21)?.unwrap_or_default(),
        local_time: row.get::<_, Option<String>>(22)?.unwrap_or_default(),
        business_date: text(23)?,
        entry_mode: row.get::<_, Option<String>>(24)?.unwrap_or_default(),
        created_at_ms: row.get(25)?,
    })
}

fn query_txn(c: &Connection, condition: &str, params: impl rusqlite::Params) -> Result<Option<TxnRecord>> {
    let sql = format!("SELECT {TXN_COLUMNS} FROM transactions WHERE {condition}");
    c.prepare_cached(&sql).map_err(db_error)?.query_row(params, txn_from_row).optional().map_err(db_error)
}

pub(super) fn find(c: &Connection, key: &TxnKey) -> Result<Option<TxnRecord>> {
    query_txn(
        c,
        "merchant_id = ?1 AND terminal_id = ?2 AND batch = ?3 AND trace = ?4",
        params![key.merchant.as_str(), key.terminal.as_str(), key.batch.0, key.trace.0],
    )
}

pub(super) fn find_by_id(c: &Connection, id: i64) -> Result<Option<TxnRecord>> {
    query_txn(c, "id = ?1", [id])
}

pub(super) fn find_by_rrn(c: &Connection, merchant: &MerchantId, rrn: &str) -> Result<Option<TxnRecord>> {
    query_txn(c, "merchant_id = ?1 AND rrn = ?2 ORDER BY id DESC LIMIT 1", params![merchant.as_str(), rrn])
}

pub(super) fn children(c: &Connection, original_id: i64) -> Result<Vec<TxnRecord>> {
    let sql = format!("SELECT {TXN_COLUMNS} FROM transactions WHERE original_id = ?1 AND state = 'approved'");
    let mut statement = c.prepare_cached(&sql).map_err(db_error)?;
    let rows = statement.query_map([original_id], txn_from_row).map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

pub(super) fn batch_transactions(c: &Connection, terminal: &TerminalId, batch: Batch) -> Result<Vec<TxnRecord>> {
    let sql = format!("SELECT {TXN_COLUMNS} FROM transactions WHERE terminal_id = ?1 AND batch = ?2 ORDER BY trace");
    let mut statement = c.prepare_cached(&sql).map_err(db_error)?;
    let rows = statement.query_map(params![terminal.as_str(), batch.0], txn_from_row).map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

/// Whether the merchant's business day `date` is settled.
pub(super) fn day_settled(c: &Connection, merchant: &MerchantId, date: &str) -> Result<bool> {
    let n: i64 = c
        .prepare_cached(crate::ledger::DAY_SETTLED_SQL)
        .map_err(db_error)?
        .query_row(params![merchant.as_str(), date], |row| row.get(0))
        .map_err(db_error)?;
    Ok(n > 0)
}

/// The merchant's first business day after `date` not settled yet.
fn open_day_after(c: &Connection, merchant: &MerchantId, date: &str) -> Result<String> {
    let mut date = crate::ledger::next_business_date(date)?;
    for _ in 0..crate::ledger::SETTLED_DAYS_SKIP_MAX {
        if !day_settled(c, merchant, &date)? {
            break;
        }
        date = crate::ledger::next_business_date(&date)?;
    }
    Ok(date)
}

pub(super) fn begin(c: &Connection, t: &NewTxn) -> Result<Begin> {
    // A settled day takes nothing more: the transaction is the next open day's.
    let rolled;
    let t = if day_settled(c, &t.key.merchant, &t.business_date)? {
        rolled = NewTxn { business_date: open_day_after(c, &t.key.merchant, &t.business_date)?, ..t.clone() };
        &rolled
    } else {
        t
    };
    let inserted: Option<i64> = c
        .prepare_cached(sql::BEGIN)
        .map_err(db_error)?
        .query_row(
            params![
                t.key.merchant.as_str(),
                t.key.terminal.as_str(),
                t.key.batch.0,
                t.key.trace.0,
                t.kind.code(),
                t.amount.minor_units() as i64,
                t.currency.0,
                t.pan_masked,
                t.pan_hash.map(|h| h.to_vec()),
                t.pan_sealed,
                t.request_digest.to_vec(),
                t.original_id,
                t.link_transmitted,
                t.local_date,
                t.local_time,
                t.business_date,
                t.entry_mode,
                t.operator,
                t.now_ms,
                t.location,
            ],
            |row| row.get(0),
        )
        .optional()
        .map_err(db_error)?;
    match inserted {
        Some(id) => Ok(Begin::Started(TxnRecord::started(id, t))),
        None => {
            let existing = find(c, &t.key)?.ok_or_else(|| StoreError::NotFound("conflicting transaction".into()))?;
            Ok(Begin::Existing(existing))
        }
    }
}

/// A finish that found its transaction no longer in flight: an approval over
/// a reversal (the host's stale sweep, or the terminal's reversal, came
/// first) is refused, so the host does not answer it — found by `kassa sim`,
/// seed 1029; any other second answer changes nothing.
fn no_longer_in_flight(c: &Connection, id: i64, o: &Outcome) -> Result<()> {
    let state: Option<String> = c
        .prepare_cached("SELECT state FROM transactions WHERE id = ?1")
        .map_err(db_error)?
        .query_row([id], |row| row.get(0))
        .optional()
        .map_err(db_error)?;
    crate::model::finish_refused(id, state.as_deref(), o)
}

pub(super) fn finish(c: &Connection, id: i64, o: &Outcome, effect: OriginalEffect, now_ms: i64) -> Result<()> {
    // The row comes back from the update itself: the ledger needs it.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "UPDATE transactions SET state = ?2, response_code = ?3, auth_code = ?4, rrn = ?5, card_org = ?6,
                 updated_at = ?7
             WHERE id = ?1 AND state = 'in_flight'
             RETURNING {TXN_COLUMNS}"
        )
    });
    let finished = c
        .prepare_cached(&SQL)
        .map_err(db_error)?
        .query_row(params![id, o.state.code(), o.response_code, o.auth_code, o.rrn, o.card_org, now_ms], txn_from_row)
        .optional()
        .map_err(db_error)?;
    let Some(txn) = finished else { return no_longer_in_flight(c, id, o) };
    if o.state != TxnState::Approved {
        return Ok(());
    }
    super::ledger::post(c, &txn, &crate::ledger::approval(&txn, now_ms), now_ms)?;
    match effect {
        OriginalEffect::None | OriginalEffect::Complete { .. } => Ok(()),
        OriginalEffect::Void { original_id } => c
            .prepare_cached(sql::FINISH)
            .map_err(db_error)?
            .execute(params![original_id, now_ms])
            .map(drop)
            .map_err(db_error),
        OriginalEffect::Refund { original_id, amount } => c
            .prepare_cached(sql::FINISH_2)
            .map_err(db_error)?
            .execute(params![original_id, amount.minor_units() as i64, now_ms])
            .map(drop)
            .map_err(db_error),
    }
}

fn enqueue_reversal(c: &Connection, txn_id: i64, reason: &str, now_ms: i64) -> Result<()> {
    c.prepare_cached(sql::ENQUEUE_REVERSAL)
        .map_err(db_error)?
        .execute(params![txn_id, reason, now_ms])
        .map_err(db_error)?;
    // A service's other leg is unwound by the services sweep.
    c.prepare_cached(sql::SERVICE_UNWIND_DUE).map_err(db_error)?.execute(params![txn_id]).map_err(db_error)?;
    Ok(())
}

pub(super) fn abandon(c: &Connection, id: i64, reason: &str, now_ms: i64) -> Result<()> {
    let changed =
        c.prepare_cached(sql::ABANDON).map_err(db_error)?.execute(params![id, reason, now_ms]).map_err(db_error)?;
    if changed == 1 {
        enqueue_reversal(c, id, reason, now_ms)?;
    }
    Ok(())
}

/// Undoes what an approved transaction did to its original.
fn undo_effect(c: &Connection, txn: &TxnRecord, now_ms: i64) -> Result<()> {
    let Some(original_id) = txn.original_id else { return Ok(()) };
    let sql = match txn.kind {
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::PreAuthVoid => {
            "UPDATE transactions SET state = 'approved', updated_at = ?3 WHERE id = ?1 AND state = 'voided' AND ?2 IS NOT NULL"
        }
        TxnKind::Refund => "UPDATE transactions SET refunded = MAX(refunded - ?2, 0), updated_at = ?3 WHERE id = ?1",
        _ => return Ok(()),
    };
    c.execute(sql, params![original_id, txn.amount.minor_units() as i64, now_ms]).map_err(db_error)?;
    Ok(())
}

pub(super) fn reverse(c: &Connection, r: &ReversalRequest) -> Result<ReversalOutcome> {
    let Some(txn) = find(c, &r.key)? else {
        c.prepare_cached(
            "INSERT INTO transactions (merchant_id, terminal_id, batch, trace, kind, state, amount, currency,
                 request_digest, business_date, reversal_reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'reversal_only', ?6, ?7, zeroblob(32), ?8, ?9, ?10, ?10)",
        )
        .map_err(db_error)?
        .execute(params![
            r.key.merchant.as_str(),
            r.key.terminal.as_str(),
            r.key.batch.0,
            r.key.trace.0,
            r.kind.code(),
            r.amount.minor_units() as i64,
            r.currency.0,
            r.business_date,
            r.reason,
            r.now_ms
        ])
        .map_err(db_error)?;
        return Ok(ReversalOutcome::OriginalNotFound);
    };
    if txn.kind != r.kind {
        return Ok(ReversalOutcome::OriginalNotFound);
    }
    if matches!(txn.state, TxnState::Reversed | TxnState::ReversalOnly) {
        return Ok(ReversalOutcome::AlreadyReversed);
    }
    if txn.amount != r.amount {
        return Ok(ReversalOutcome::AmountMismatch);
    }
    if already_returned(&txn) {
        return Ok(ReversalOutcome::AlreadyReturned);
    }
    c.prepare_cached(sql::REVERSE).map_err(db_error)?.execute(params![txn.id, r.reason, r.now_ms]).map_err(db_error)?;
    if txn.state == TxnState::Approved {
        super::ledger::post(c, &txn, &crate::ledger::reversal(&txn), r.now_ms)?;
        if crate::ledger::settles(txn.kind) && day_settled(c, &txn.key.merchant, &txn.business_date)? {
            // Its day is settled (and perhaps paid): the merchant's next open day takes it back.
            let date = open_day_after(c, &txn.key.merchant, &txn.business_date)?;
            c.prepare_cached(sql::ADJUST).map_err(db_error)?.execute(params![txn.id, date]).map_err(db_error)?;
        }
    }
    if txn.state != TxnState::Declined {
        // Approved, voided or still in flight: the network may hold it.
        undo_effect(c, &txn, r.now_ms)?;
        enqueue_reversal(c, txn.id, &r.reason, r.now_ms)?;
    }
    Ok(ReversalOutcome::Reversed)
}

pub(super) fn batch_totals(c: &Connection, terminal: &TerminalId, batch: Batch) -> Result<BatchTotals> {
    let mut statement = c
        .prepare_cached(
            "SELECT kind, COALESCE(card_org, '') = 'CUP', COALESCE(SUM(amount), 0), COUNT(*) FROM transactions
             WHERE terminal_id = ?1 AND batch = ?2 AND state IN ('approved', 'voided')
             GROUP BY kind, COALESCE(card_org, '') = 'CUP'",
        )
        .map_err(db_error)?;
    let rows = statement
        .query_map(params![terminal.as_str(), batch.0], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?, row.get::<_, i64>(2)?, row.get::<_, i64>(3)?))
        })
        .map_err(db_error)?;
    let mut totals = BatchTotals::default();
    for row in rows {
        let (kind, domestic, amount, count) = row.map_err(db_error)?;
        let Some(kind) = TxnKind::from_code(&kind) else { continue };
        let half = if domestic { &mut totals.domestic } else { &mut totals.foreign };
        let (amount, count) = (amount.max(0) as u64, count.clamp(0, i64::from(u16::MAX)) as u16);
        if kind.is_settlement_debit() {
            half.debit_amount += amount;
            half.debit_count = half.debit_count.saturating_add(count);
        } else if kind.is_settlement_credit() {
            half.credit_amount += amount;
            half.credit_count = half.credit_count.saturating_add(count);
        }
    }
    Ok(totals)
}

pub(super) fn settle(
    c: &Connection,
    terminal: &TerminalId,
    batch: Batch,
    terminal_totals: &str,
    host_totals: &str,
    balanced: bool,
    now_ms: i64,
) -> Result<()> {
    c.prepare_cached(sql::SETTLE)
        .map_err(db_error)?
        .execute(params![terminal.as_str(), batch.0, terminal_totals, host_totals, balanced, now_ms])
        .map_err(db_error)?;
    c.prepare_cached(sql::CLOSE_BATCH)
        .map_err(db_error)?
        .execute(params![terminal.as_str(), batch.0])
        .map_err(db_error)?;
    Ok(())
}

pub(super) fn record_upload(
    c: &Connection,
    terminal: &TerminalId,
    batch: Batch,
    trace: Trace,
    amount: Amount,
    now_ms: i64,
) -> Result<bool> {
    let matched: bool = c
        .prepare_cached(sql::RECORD_UPLOAD)
        .map_err(db_error)?
        .query_row(params![terminal.as_str(), batch.0, trace.0, amount.minor_units() as i64], |row| row.get(0))
        .map_err(db_error)?;
    c.prepare_cached(sql::RECORD_UPLOAD_2)
        .map_err(db_error)?
        .execute(params![terminal.as_str(), batch.0, trace.0, amount.minor_units() as i64, matched, now_ms])
        .map_err(db_error)?;
    Ok(matched)
}

pub(super) fn saf_due(c: &Connection, now_ms: i64, limit: usize) -> Result<Vec<SafItem>> {
    let columns = TXN_COLUMNS.split(',').map(|col| format!("t.{}", col.trim())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, s.id, s.reason, s.attempts FROM saf_queue s JOIN transactions t ON t.id = s.txn_id
         WHERE s.done_at IS NULL AND s.next_attempt_at <= ?1 ORDER BY s.next_attempt_at, s.id LIMIT ?2"
    );
    let mut statement = c.prepare_cached(&sql).map_err(db_error)?;
    let rows = statement
        .query_map(params![now_ms, limit as i64], |row| {
            Ok(SafItem { txn: txn_from_row(row)?, id: row.get(26)?, reason: row.get(27)?, attempts: row.get(28)? })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

pub(super) fn saf_done(c: &Connection, id: i64, now_ms: i64) -> Result<()> {
    c.prepare_cached(sql::SAF_DONE).map_err(db_error)?.execute(params![id, now_ms]).map_err(db_error)?;
    Ok(())
}

pub(super) fn saf_retry(c: &Connection, id: i64, next_attempt_ms: i64) -> Result<()> {
    c.prepare_cached(sql::SAF_RETRY).map_err(db_error)?.execute(params![id, next_attempt_ms]).map_err(db_error)?;
    Ok(())
}

pub(super) fn saf_depth(c: &Connection) -> Result<u64> {
    c.prepare_cached(sql::SAF_DEPTH)
        .map_err(db_error)?
        .query_row([], |row| row.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
        .map_err(db_error)
}

pub(super) fn recover_in_flight(c: &Connection, started_before_ms: i64, now_ms: i64) -> Result<u64> {
    let ids: Vec<i64> = {
        let mut statement = c
            .prepare("SELECT id FROM transactions WHERE state = 'in_flight' AND created_at < ?1 ORDER BY id")
            .map_err(db_error)?;
        let rows = statement.query_map([started_before_ms], |row| row.get(0)).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?
    };
    for id in &ids {
        abandon(c, *id, "96", now_ms)?;
    }
    Ok(ids.len() as u64)
}

pub(super) fn daily_total(c: &Connection, merchant: &MerchantId, business_date: &str) -> Result<Amount> {
    c.prepare_cached(
        "SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE merchant_id = ?1 AND business_date = ?2
             AND kind IN ('sale', 'completion', 'completion_advice') AND state = 'approved'",
    )
    .map_err(db_error)?
    .query_row(params![merchant.as_str(), business_date], |row| row.get::<_, i64>(0))
    .map(|n| Amount(n.max(0) as u64))
    .map_err(db_error)
}

pub(super) fn standing(c: &Connection) -> Result<Vec<Standing>> {
    let mut statement = c.prepare(sql::STANDING).map_err(db_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok(Standing {
                link_stan: link_stan_of(row.get(0)?),
                link_transmitted: row.get(1)?,
                kind: row.get(2)?,
                amount: row.get::<_, i64>(3)?.max(0) as u64,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}
