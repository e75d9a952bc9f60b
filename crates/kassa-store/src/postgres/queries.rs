//! The SQL of the PostgreSQL store. Statements are prepared once per
//! connection (`prepare_cached`).

use crate::office::for_postgres;
use crate::sql;
use deadpool_postgres::GenericClient;
use kassa_core::{Amount, Batch, Currency, MerchantId, TerminalId, Trace, TxnKind};
use kassa_crypto::{KeyMode, WrappedKey};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::pg_error;
use crate::model::*;
use crate::{Result, Standing, StoreError};

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

async fn rows(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let statement = c.prepare_cached(sql).await.map_err(pg_error)?;
    c.query(&statement, params).await.map_err(pg_error)
}

async fn row(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
    Ok(rows(c, sql, params).await?.into_iter().next())
}

async fn execute(c: &impl GenericClient, sql: &str, params: Params<'_>) -> Result<u64> {
    let statement = c.prepare_cached(sql).await.map_err(pg_error)?;
    c.execute(&statement, params).await.map_err(pg_error)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn units(amount: Amount) -> i64 {
    i64::try_from(amount.minor_units()).unwrap_or(i64::MAX)
}

fn amount(value: i64) -> Amount {
    Amount(value.max(0) as u64)
}

pub(super) async fn put_merchant(c: &impl GenericClient, m: &Merchant, now_ms: i64) -> Result<()> {
    execute(
        c,
        &for_postgres(sql::PUT_MERCHANT),
        &[
            &m.id.as_str(),
            &m.name,
            &m.mcc,
            &m.status.code(),
            &m.mail_order,
            &units(m.single_limit),
            &units(m.daily_limit),
            &now_ms,
        ],
    )
    .await
    .map(drop)
}

pub(super) async fn put_terminal(c: &impl GenericClient, t: &Terminal) -> Result<()> {
    let s = t.session.as_ref();
    let mode = s.map(|s| i32::from(s.mode.code()));
    let (pin, mac) = (s.map(|s| s.pin_key.encode()), s.map(|s| s.mac_key.encode()));
    let track = s.and_then(|s| s.track_key.as_ref().map(WrappedKey::encode));
    let version = s.map_or(0, |s| s.key_version as i32);
    execute(
        c,
        &for_postgres(sql::PUT_TERMINAL),
        &[
            &t.id.as_str(),
            &t.merchant.as_str(),
            &t.serial,
            &t.status.code(),
            &t.tmk.encode(),
            &i16::from(t.pad_nibble),
            &mode,
            &pin,
            &mac,
            &track,
            &version,
            &(t.batch.0 as i32),
            &t.batch_open,
            &t.mobile_reader,
        ],
    )
    .await
    .map(drop)
}

fn wrapped(text: Option<String>) -> Result<Option<WrappedKey>> {
    text.map(|t| WrappedKey::decode(&t).map_err(|_| corrupt("wrapped key"))).transpose()
}

pub(super) async fn terminal(c: &impl GenericClient, id: &TerminalId) -> Result<Option<(Terminal, Merchant)>> {
    let Some(r) = row(
        c,
        "SELECT t.merchant_id, t.serial, t.status, t.tmk, t.pad_nibble, t.key_mode, t.pin_key, t.mac_key,
                t.track_key, t.key_version, t.batch, t.batch_open,
                m.name, m.mcc, m.status, m.mail_order, m.single_limit, m.daily_limit, m.location, m.profile_changes, m.tier,
                t.mobile_reader
         FROM terminals t JOIN merchants m ON m.id = t.merchant_id WHERE t.id = $1",
        &[&id.as_str()],
    )
    .await?
    else {
        return Ok(None);
    };
    let merchant_id = MerchantId::parse(r.get::<_, &str>(0)).ok_or_else(|| corrupt("merchant id"))?;
    let mode = r.get::<_, Option<i32>>(5).and_then(|m| u16::try_from(m).ok()).and_then(KeyMode::from_code);
    let session = match (mode, wrapped(r.get(6))?, wrapped(r.get(7))?) {
        (Some(mode), Some(pin_key), Some(mac_key)) => Some(Session {
            mode,
            pin_key,
            mac_key,
            track_key: wrapped(r.get(8))?,
            key_version: r.get::<_, i32>(9) as u32,
        }),
        _ => None,
    };
    let terminal = Terminal {
        id: id.clone(),
        merchant: merchant_id.clone(),
        serial: r.get(1),
        status: TerminalStatus::from_code(r.get(2)).ok_or_else(|| corrupt("terminal status"))?,
        tmk: wrapped(r.get(3))?.ok_or_else(|| corrupt("master key"))?,
        pad_nibble: r.get::<_, i16>(4) as u8,
        session,
        batch: Batch(r.get::<_, i32>(10) as u32),
        batch_open: r.get(11),
        mobile_reader: r.get(21),
    };
    let merchant = Merchant {
        id: merchant_id,
        name: r.get(12),
        mcc: r.get(13),
        status: MerchantStatus::from_code(r.get(14)).ok_or_else(|| corrupt("merchant status"))?,
        mail_order: r.get(15),
        single_limit: amount(r.get(16)),
        daily_limit: amount(r.get(17)),
        location: r.get(18),
        profile_changes: crate::model::parse_profile_changes(r.get(19)),
        tier: r.get(20),
    };
    Ok(Some((terminal, merchant)))
}

pub(super) async fn sign_in(c: &impl GenericClient, id: &TerminalId, s: &Session) -> Result<Batch> {
    let track = s.track_key.as_ref().map(WrappedKey::encode);
    let r = row(
        c,
        "UPDATE terminals SET key_mode = $2, pin_key = $3, mac_key = $4, track_key = $5,
             key_version = key_version + 1,
             batch = CASE WHEN batch_open THEN batch WHEN batch >= 999999 THEN 1 ELSE batch + 1 END,
             batch_open = TRUE
         WHERE id = $1 RETURNING batch",
        &[&id.as_str(), &i32::from(s.mode.code()), &s.pin_key.encode(), &s.mac_key.encode(), &track],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("terminal {id}")))?;
    Ok(Batch(r.get::<_, i32>(0) as u32))
}

pub(super) async fn sign_off(c: &impl GenericClient, id: &TerminalId) -> Result<()> {
    execute(c, &for_postgres(sql::SIGN_OFF_CLEAR), &[&id.as_str()]).await.map(drop)
}

const TXN_COLUMNS: &str = "id, merchant_id, terminal_id, batch, trace, kind, state, amount, currency, pan_masked,
    pan_hash, pan_sealed, request_digest, response_code, auth_code, rrn, card_org, original_id, refunded, id,
    link_transmitted, local_date, local_time, business_date, entry_mode, created_at";

fn digest(bytes: Option<Vec<u8>>) -> Result<Option<[u8; 32]>> {
    bytes.map(|b| <[u8; 32]>::try_from(b.as_slice()).map_err(|_| corrupt("digest"))).transpose()
}

fn txn_from_row(r: &Row) -> Result<TxnRecord> {
    let key = TxnKey {
        merchant: MerchantId::parse(r.get::<_, &str>(1)).ok_or_else(|| corrupt("merchant id"))?,
        terminal: TerminalId::parse(r.get::<_, &str>(2)).ok_or_else(|| corrupt("terminal id"))?,
        batch: Batch(r.get::<_, i32>(3) as u32),
        trace: Trace(r.get::<_, i32>(4) as u32),
    };
    Ok(TxnRecord {
        id: r.get(0),
        key,
        kind: TxnKind::from_code(r.get(5)).ok_or_else(|| corrupt("kind"))?,
        state: TxnState::from_code(r.get(6)).ok_or_else(|| corrupt("state"))?,
        amount: amount(r.get(7)),
        currency: Currency(r.get::<_, i32>(8) as u16),
        pan_masked: r.get(9),
        pan_hash: digest(r.get(10))?,
        pan_sealed: r.get(11),
        request_digest: digest(Some(r.get(12)))?.unwrap_or([0; 32]),
        response_code: r.get(13),
        auth_code: r.get(14),
        rrn: r.get(15),
        card_org: r.get(16),
        original_id: r.get(17),
        refunded: amount(r.get(18)),
        link_stan: link_stan_of(r.get(19)),
        link_transmitted: r.get::<_, Option<String>>(20).unwrap_or_default(),
        local_date: r.get::<_, Option<String>>(21).unwrap_or_default(),
        local_time: r.get::<_, Option<String>>(22).unwrap_or_default(),
        business_date: r.get(23),
        entry_mode: r.get::<_, Option<String>>(24).unwrap_or_default(),
        created_at_ms: r.get(25),
    })
}

async fn query_txns(c: &impl GenericClient, condition: &str, params: Params<'_>) -> Result<Vec<TxnRecord>> {
    let sql = format!("SELECT {TXN_COLUMNS} FROM transactions WHERE {condition}");
    rows(c, &sql, params).await?.iter().map(txn_from_row).collect()
}

pub(super) async fn find(c: &impl GenericClient, key: &TxnKey, lock: bool) -> Result<Option<TxnRecord>> {
    let condition = if lock {
        "merchant_id = $1 AND terminal_id = $2 AND batch = $3 AND trace = $4 FOR UPDATE"
    } else {
        "merchant_id = $1 AND terminal_id = $2 AND batch = $3 AND trace = $4"
    };
    let params: Params<'_> =
        &[&key.merchant.as_str(), &key.terminal.as_str(), &(key.batch.0 as i32), &(key.trace.0 as i32)];
    Ok(query_txns(c, condition, params).await?.into_iter().next())
}

pub(super) async fn find_by_id(c: &impl GenericClient, id: i64) -> Result<Option<TxnRecord>> {
    Ok(query_txns(c, "id = $1", &[&id]).await?.into_iter().next())
}

pub(super) async fn find_by_rrn(c: &impl GenericClient, merchant: &MerchantId, rrn: &str) -> Result<Option<TxnRecord>> {
    let found =
        query_txns(c, "merchant_id = $1 AND rrn = $2 ORDER BY id DESC LIMIT 1", &[&merchant.as_str(), &rrn]).await?;
    Ok(found.into_iter().next())
}

pub(super) async fn children(c: &impl GenericClient, original_id: i64) -> Result<Vec<TxnRecord>> {
    query_txns(c, "original_id = $1 AND state = 'approved'", &[&original_id]).await
}

pub(super) async fn batch_transactions(
    c: &impl GenericClient,
    terminal: &TerminalId,
    batch: Batch,
) -> Result<Vec<TxnRecord>> {
    query_txns(c, "terminal_id = $1 AND batch = $2 ORDER BY trace", &[&terminal.as_str(), &(batch.0 as i32)]).await
}

/// Serializes a merchant's settlement (`exclusive`) against the begins of its
/// transactions (shared, so they never wait for each other), for the rest of
/// the database transaction. The two-key form keeps apart from the
/// single-key locks of migrations and the back office.
pub(super) async fn lock_merchant_day(c: &impl GenericClient, merchant: &MerchantId, exclusive: bool) -> Result<()> {
    const NAMESPACE: i32 = 0x4b53_4d44; // "KSMD"
    let key = (merchant.as_str().bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) >> 1) as i32;
    let sql = if exclusive {
        "SELECT pg_advisory_xact_lock($1, $2)::text"
    } else {
        "SELECT pg_advisory_xact_lock_shared($1, $2)::text"
    };
    let statement = c.prepare_cached(sql).await.map_err(pg_error)?;
    c.query_one(&statement, &[&NAMESPACE, &key]).await.map_err(pg_error)?;
    Ok(())
}

/// Whether the merchant's business day `date` is settled.
pub(super) async fn day_settled(c: &impl GenericClient, merchant: &MerchantId, date: &str) -> Result<bool> {
    let statement =
        c.prepare_cached(&crate::office::for_postgres(crate::ledger::DAY_SETTLED_SQL)).await.map_err(pg_error)?;
    let n: i64 = c.query_one(&statement, &[&merchant.as_str(), &date]).await.map_err(pg_error)?.get(0);
    Ok(n > 0)
}

/// The merchant's first business day after `date` not settled yet.
async fn open_day_after(c: &impl GenericClient, merchant: &MerchantId, date: &str) -> Result<String> {
    let mut date = crate::ledger::next_business_date(date)?;
    for _ in 0..crate::ledger::SETTLED_DAYS_SKIP_MAX {
        if !day_settled(c, merchant, &date).await? {
            break;
        }
        date = crate::ledger::next_business_date(&date)?;
    }
    Ok(date)
}

pub(super) async fn begin(c: &impl GenericClient, t: &NewTxn) -> Result<Begin> {
    // A settled day takes nothing more: the transaction is the next open day's.
    lock_merchant_day(c, &t.key.merchant, false).await?;
    let rolled;
    let t = if day_settled(c, &t.key.merchant, &t.business_date).await? {
        rolled = NewTxn { business_date: open_day_after(c, &t.key.merchant, &t.business_date).await?, ..t.clone() };
        &rolled
    } else {
        t
    };
    let hash = t.pan_hash.map(|h| h.to_vec());
    let inserted = row(
        c,
        &for_postgres(sql::BEGIN),
        &[
            &t.key.merchant.as_str(),
            &t.key.terminal.as_str(),
            &(t.key.batch.0 as i32),
            &(t.key.trace.0 as i32),
            &t.kind.code(),
            &units(t.amount),
            &i32::from(t.currency.0),
            &t.pan_masked,
            &hash,
            &t.pan_sealed,
            &t.request_digest.to_vec(),
            &t.original_id,
            &t.link_transmitted,
            &t.local_date,
            &t.local_time,
            &t.business_date,
            &t.entry_mode,
            &t.operator,
            &t.now_ms,
            &t.location,
        ],
    )
    .await?;
    match inserted {
        Some(r) => Ok(Begin::Started(TxnRecord::started(r.get(0), t))),
        None => {
            let existing =
                find(c, &t.key, false).await?.ok_or_else(|| StoreError::NotFound("conflicting transaction".into()))?;
            Ok(Begin::Existing(existing))
        }
    }
}

pub(super) async fn finish(
    c: &impl GenericClient,
    id: i64,
    o: &Outcome,
    effect: OriginalEffect,
    now_ms: i64,
) -> Result<()> {
    let changed = execute(
        c,
        "UPDATE transactions SET state = $2, response_code = $3, auth_code = $4, rrn = $5, card_org = $6, updated_at = $7
         WHERE id = $1 AND state = 'in_flight'",
        &[&id, &o.state.code(), &o.response_code, &o.auth_code, &o.rrn, &o.card_org, &now_ms],
    )
    .await?;
    if changed == 0 {
        // No longer in flight: an approval over a reversal is refused (`model::finish_refused`).
        let rows = c.query("SELECT state FROM transactions WHERE id = $1", &[&id]).await.map_err(pg_error)?;
        let state = rows.first().map(|r| r.get::<_, String>(0));
        return crate::model::finish_refused(id, state.as_deref(), o);
    }
    if o.state != TxnState::Approved {
        return Ok(());
    }
    if let Some(txn) = find_by_id(c, id).await? {
        super::ledger::post(c, &txn, &crate::ledger::approval(&txn, now_ms), now_ms).await?;
    }
    match effect {
        OriginalEffect::None | OriginalEffect::Complete { .. } => Ok(()),
        OriginalEffect::Void { original_id } => {
            execute(c, &for_postgres(sql::FINISH), &[&original_id, &now_ms]).await.map(drop)
        }
        OriginalEffect::Refund { original_id, amount } => {
            execute(c, &for_postgres(sql::FINISH_2), &[&original_id, &units(amount), &now_ms]).await.map(drop)
        }
    }
}

async fn enqueue_reversal(c: &impl GenericClient, txn_id: i64, reason: &str, now_ms: i64) -> Result<()> {
    execute(c, &for_postgres(sql::ENQUEUE_REVERSAL), &[&txn_id, &reason, &now_ms]).await?;
    // A service's other leg is unwound by the services sweep.
    execute(c, &for_postgres(sql::SERVICE_UNWIND_DUE), &[&txn_id]).await.map(drop)
}

pub(super) async fn abandon(c: &impl GenericClient, id: i64, reason: &str, now_ms: i64) -> Result<()> {
    let changed = execute(c, &for_postgres(sql::ABANDON), &[&id, &reason, &now_ms]).await?;
    if changed == 1 {
        enqueue_reversal(c, id, reason, now_ms).await?;
    }
    Ok(())
}

async fn undo_effect(c: &impl GenericClient, txn: &TxnRecord, now_ms: i64) -> Result<()> {
    let Some(original_id) = txn.original_id else { return Ok(()) };
    match txn.kind {
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::PreAuthVoid => execute(
            c,
            "UPDATE transactions SET state = 'approved', updated_at = $2 WHERE id = $1 AND state = 'voided'",
            &[&original_id, &now_ms],
        )
        .await
        .map(drop),
        TxnKind::Refund => execute(
            c,
            "UPDATE transactions SET refunded = GREATEST(refunded - $2, 0), updated_at = $3 WHERE id = $1",
            &[&original_id, &units(txn.amount), &now_ms],
        )
        .await
        .map(drop),
        _ => Ok(()),
    }
}

pub(super) async fn reverse(c: &impl GenericClient, r: &ReversalRequest) -> Result<ReversalOutcome> {
    let Some(txn) = find(c, &r.key, true).await? else {
        let inserted = execute(
            c,
            "INSERT INTO transactions (merchant_id, terminal_id, batch, trace, kind, state, amount, currency,
                 request_digest, business_date, reversal_reason, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'reversal_only', $6, $7, $8, $9, $10, $11, $11)
             ON CONFLICT (terminal_id, batch, trace, merchant_id) DO NOTHING",
            &[
                &r.key.merchant.as_str(),
                &r.key.terminal.as_str(),
                &(r.key.batch.0 as i32),
                &(r.key.trace.0 as i32),
                &r.kind.code(),
                &units(r.amount),
                &i32::from(r.currency.0),
                &vec![0u8; 32],
                &r.business_date,
                &r.reason,
                &r.now_ms,
            ],
        )
        .await?;
        // Lost a race with the original arriving on another host: reverse that instead.
        if inserted == 0 {
            return Box::pin(reverse(c, r)).await;
        }
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
    let settles = txn.state == TxnState::Approved && crate::ledger::settles(txn.kind);
    if settles {
        // Against a settlement run of its day: the one or the other first.
        lock_merchant_day(c, &txn.key.merchant, false).await?;
    }
    execute(c, &for_postgres(sql::REVERSE), &[&txn.id, &r.reason, &r.now_ms]).await?;
    if txn.state == TxnState::Approved {
        super::ledger::post(c, &txn, &crate::ledger::reversal(&txn), r.now_ms).await?;
    }
    if settles && day_settled(c, &txn.key.merchant, &txn.business_date).await? {
        // Its day is settled (and perhaps paid): the merchant's next open day takes it back.
        let date = open_day_after(c, &txn.key.merchant, &txn.business_date).await?;
        execute(c, &for_postgres(sql::ADJUST), &[&txn.id, &date]).await?;
    }
    if txn.state != TxnState::Declined {
        undo_effect(c, &txn, r.now_ms).await?;
        enqueue_reversal(c, txn.id, &r.reason, r.now_ms).await?;
    }
    Ok(ReversalOutcome::Reversed)
}

pub(super) async fn batch_totals(c: &impl GenericClient, terminal: &TerminalId, batch: Batch) -> Result<BatchTotals> {
    let found = rows(
        c,
        "SELECT kind, COALESCE(card_org, '') = 'CUP', COALESCE(SUM(amount), 0)::BIGINT, COUNT(*) FROM transactions
         WHERE terminal_id = $1 AND batch = $2 AND state IN ('approved', 'voided')
         GROUP BY kind, COALESCE(card_org, '') = 'CUP'",
        &[&terminal.as_str(), &(batch.0 as i32)],
    )
    .await?;
    let mut totals = BatchTotals::default();
    for r in found {
        let Some(kind) = TxnKind::from_code(r.get(0)) else { continue };
        let domestic: bool = r.get(1);
        let half = if domestic { &mut totals.domestic } else { &mut totals.foreign };
        let (sum, count) = (r.get::<_, i64>(2).max(0) as u64, r.get::<_, i64>(3).clamp(0, i64::from(u16::MAX)) as u16);
        if kind.is_settlement_debit() {
            half.debit_amount += sum;
            half.debit_count = half.debit_count.saturating_add(count);
        } else if kind.is_settlement_credit() {
            half.credit_amount += sum;
            half.credit_count = half.credit_count.saturating_add(count);
        }
    }
    Ok(totals)
}

pub(super) async fn settle(
    c: &impl GenericClient,
    terminal: &TerminalId,
    batch: Batch,
    terminal_totals: &str,
    host_totals: &str,
    balanced: bool,
    now_ms: i64,
) -> Result<()> {
    execute(
        c,
        &for_postgres(sql::SETTLE),
        &[&terminal.as_str(), &(batch.0 as i32), &terminal_totals, &host_totals, &balanced, &now_ms],
    )
    .await?;
    execute(c, &for_postgres(sql::CLOSE_BATCH), &[&terminal.as_str(), &(batch.0 as i32)]).await.map(drop)
}

pub(super) async fn record_upload(
    c: &impl GenericClient,
    terminal: &TerminalId,
    batch: Batch,
    trace: Trace,
    value: Amount,
    now_ms: i64,
) -> Result<bool> {
    let params: Params<'_> = &[&terminal.as_str(), &(batch.0 as i32), &(trace.0 as i32), &units(value)];
    let matched: bool = row(c, &for_postgres(sql::RECORD_UPLOAD), params).await?.map(|r| r.get(0)).unwrap_or(false);
    execute(
        c,
        &for_postgres(sql::RECORD_UPLOAD_2),
        &[&terminal.as_str(), &(batch.0 as i32), &(trace.0 as i32), &units(value), &matched, &now_ms],
    )
    .await?;
    Ok(matched)
}

pub(super) async fn saf_due(c: &impl GenericClient, now_ms: i64, limit: usize) -> Result<Vec<SafItem>> {
    let columns = TXN_COLUMNS.split(',').map(|col| format!("t.{}", col.trim())).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, s.id, s.reason, s.attempts FROM saf_queue s JOIN transactions t ON t.id = s.txn_id
         WHERE s.done_at IS NULL AND s.next_attempt_at <= $1 ORDER BY s.next_attempt_at, s.id LIMIT $2"
    );
    rows(c, &sql, &[&now_ms, &(limit as i64)])
        .await?
        .iter()
        .map(|r| {
            Ok(SafItem {
                txn: txn_from_row(r)?,
                id: r.get(26),
                reason: r.get(27),
                attempts: r.get::<_, i32>(28) as u32,
            })
        })
        .collect()
}

pub(super) async fn saf_done(c: &impl GenericClient, id: i64, now_ms: i64) -> Result<()> {
    execute(c, &for_postgres(sql::SAF_DONE), &[&id, &now_ms]).await.map(drop)
}

pub(super) async fn saf_retry(c: &impl GenericClient, id: i64, next_attempt_ms: i64) -> Result<()> {
    execute(c, &for_postgres(sql::SAF_RETRY), &[&id, &next_attempt_ms]).await.map(drop)
}

pub(super) async fn saf_depth(c: &impl GenericClient) -> Result<u64> {
    let r = row(c, &for_postgres(sql::SAF_DEPTH), &[]).await?;
    Ok(r.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
}

pub(super) async fn recover_in_flight(c: &impl GenericClient, started_before_ms: i64, now_ms: i64) -> Result<u64> {
    let ids: Vec<i64> = rows(
        c,
        "SELECT id FROM transactions WHERE state = 'in_flight' AND created_at < $1 ORDER BY id FOR UPDATE",
        &[&started_before_ms],
    )
    .await?
    .iter()
    .map(|r| r.get(0))
    .collect();
    for id in &ids {
        abandon(c, *id, "96", now_ms).await?;
    }
    Ok(ids.len() as u64)
}

pub(super) async fn daily_total(c: &impl GenericClient, merchant: &MerchantId, business_date: &str) -> Result<Amount> {
    let r = row(
        c,
        "SELECT COALESCE(SUM(amount), 0)::BIGINT FROM transactions WHERE merchant_id = $1 AND business_date = $2
             AND kind IN ('sale', 'completion', 'completion_advice') AND state = 'approved'",
        &[&merchant.as_str(), &business_date],
    )
    .await?;
    Ok(r.map_or(Amount::ZERO, |r| amount(r.get(0))))
}

pub(super) async fn standing(c: &impl GenericClient) -> Result<Vec<Standing>> {
    let found = rows(c, &for_postgres(sql::STANDING), &[]).await?;
    Ok(found
        .iter()
        .map(|r| Standing {
            link_stan: link_stan_of(r.get(0)),
            link_transmitted: r.get::<_, Option<String>>(1).unwrap_or_default(),
            kind: r.get(2),
            amount: r.get::<_, i64>(3).max(0) as u64,
        })
        .collect())
}
