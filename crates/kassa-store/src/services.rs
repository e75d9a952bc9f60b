//! The value-added services' records and postings, written once for both
//! stores over [`Sql`] (`office_write`): each step of a service is one
//! commit, with the postings of the leg it records.
//!
//! | step | postings |
//! |---|---|
//! | the payer's debit approved | network settlement → beneficiary funds (transfer, repayment) or carrier payable (top-up), the amount; network settlement → service fee income, the fee |
//! | the credit leg approved (transfer, repayment) | beneficiary funds → network settlement, the amount |
//! | the carrier's top-up confirmed | none: the top-up is owed to the carrier until its own settlement |
//! | the service reversed, by anyone, at any point | the opposite of each posting made |
//!
//! Posting ids are [`office_posting_id`]`(Service, txn id, purpose)`, so a
//! retried step finds its posting made.

use kassa_core::services::Service;
use kassa_core::{Amount, MerchantId};

use crate::ledger::{OfficeKind, Planned, Role, office_posting_id};
use crate::office::{Row, Sql};
use crate::{Result, StoreError, sql_params};

/// The credit leg's link trace number is its transaction's id plus this, in
/// the same 000001–999999 cycle (`docs/network-profile.md`).
pub const LEG_STAN_OFFSET: i64 = 499_999;

/// Second legs to reverse taken per round.
pub const LEG_BATCH_MAX: usize = 64;

/// The credit leg's link trace number.
pub fn leg_stan(txn_id: i64) -> u32 {
    crate::model::link_stan_of(txn_id + LEG_STAN_OFFSET)
}

/// Where a service's second leg stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegState {
    /// The payer's debit not approved (yet, or ever).
    Waiting,
    /// The debit approved and posted; the second leg asked.
    InFlight,
    Done,
    /// The second leg refused; the debit reversed.
    Refused,
    /// The second leg may have happened and must be undone.
    Reversing,
    Reversed,
    /// The carrier delivered a top-up after the debit was reversed.
    DeliveredLate,
}

impl LegState {
    pub const ALL: [LegState; 7] = [
        LegState::Waiting,
        LegState::InFlight,
        LegState::Done,
        LegState::Refused,
        LegState::Reversing,
        LegState::Reversed,
        LegState::DeliveredLate,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LegState::Waiting => "waiting",
            LegState::InFlight => "in_flight",
            LegState::Done => "done",
            LegState::Refused => "refused",
            LegState::Reversing => "reversing",
            LegState::Reversed => "reversed",
            LegState::DeliveredLate => "delivered_late",
        }
    }

    pub fn from_code(code: &str) -> Option<LegState> {
        LegState::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A service as recorded beside its transaction, before the debit is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewService {
    pub txn_id: i64,
    pub service: Service,
    pub merchant: MerchantId,
    pub terminal: String,
    pub business_date: String,
    pub amount: Amount,
    pub fee: Amount,
    pub payer_hash: [u8; 32],
    pub payer_masked: String,
    pub beneficiary_masked: String,
    pub beneficiary_hash: [u8; 32],
    pub beneficiary_sealed: Vec<u8>,
    pub now_ms: i64,
}

/// A stored service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRecord {
    pub txn_id: i64,
    pub service: Service,
    pub merchant: String,
    pub terminal: String,
    pub business_date: String,
    pub amount: Amount,
    pub fee: Amount,
    pub payer_masked: String,
    pub beneficiary_masked: String,
    pub beneficiary_sealed: Vec<u8>,
    pub leg_state: LegState,
    pub leg_transmitted: Option<String>,
    pub leg_code: Option<String>,
    pub leg_reference: Option<String>,
    pub leg_attempts: u32,
    /// The transaction's state (the payer's debit, and the service as a whole).
    pub txn_state: String,
    pub response_code: Option<String>,
    pub rrn: Option<String>,
    pub local_date: String,
    pub local_time: String,
    /// The debit's link transmission time, for the credit leg's field 90.
    pub debit_transmitted: String,
    pub created_at_ms: i64,
}

const COLUMNS: &str = "s.txn_id, s.service, s.merchant_id, s.terminal_id, s.business_date, s.amount, s.fee,
    s.payer_masked, s.beneficiary_masked, s.beneficiary_sealed, s.leg_state, s.leg_transmitted, s.leg_code,
    s.leg_reference, s.leg_attempts, t.state, t.response_code, t.rrn, t.local_date, t.local_time,
    t.link_transmitted, s.created_at";

fn record(row: &Row) -> Result<ServiceRecord> {
    let service = row.text(1)?;
    let leg = row.text(10)?;
    Ok(ServiceRecord {
        txn_id: row.int(0)?,
        service: Service::from_code(&service).ok_or_else(|| StoreError::Corrupt(format!("service {service:?}")))?,
        merchant: row.text(2)?,
        terminal: row.text(3)?,
        business_date: row.text(4)?,
        amount: Amount(row.int(5)?.max(0) as u64),
        fee: Amount(row.int(6)?.max(0) as u64),
        payer_masked: row.text(7)?,
        beneficiary_masked: row.text(8)?,
        beneficiary_sealed: row.blob(9)?,
        leg_state: LegState::from_code(&leg).ok_or_else(|| StoreError::Corrupt(format!("leg state {leg:?}")))?,
        leg_transmitted: row.opt_text(11)?,
        leg_code: row.opt_text(12)?,
        leg_reference: row.opt_text(13)?,
        leg_attempts: row.int(14)?.max(0) as u32,
        txn_state: row.text(15)?,
        response_code: row.opt_text(16)?,
        rrn: row.opt_text(17)?,
        local_date: row.opt_text(18)?.unwrap_or_default(),
        local_time: row.opt_text(19)?.unwrap_or_default(),
        debit_transmitted: row.opt_text(20)?.unwrap_or_default(),
        created_at_ms: row.int(21)?,
    })
}

/// The service of transaction `txn_id`.
pub fn find(sql: &mut dyn Sql, txn_id: i64) -> Result<Option<ServiceRecord>> {
    let query = format!("SELECT {COLUMNS} FROM services s JOIN transactions t ON t.id = s.txn_id WHERE s.txn_id = ?1");
    sql.one(&query, sql_params![txn_id])?.as_ref().map(record).transpose()
}

/// Services of a merchant's business day (or, with no merchant, of every
/// merchant), newest first, at most `limit`.
pub fn list(
    sql: &mut dyn Sql,
    merchant: Option<&str>,
    business_date: Option<&str>,
    leg_state: Option<&str>,
    limit: usize,
) -> Result<Vec<ServiceRecord>> {
    let query = format!(
        "SELECT {COLUMNS} FROM services s JOIN transactions t ON t.id = s.txn_id
         WHERE (CAST(?1 AS TEXT) IS NULL OR s.merchant_id = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR s.business_date = ?2)
           AND (CAST(?3 AS TEXT) IS NULL OR s.leg_state = ?3)
         ORDER BY s.txn_id DESC LIMIT ?4"
    );
    let limit = limit.min(crate::office::QUERY_ROWS_MAX) as i64;
    sql.query(&query, sql_params![merchant, business_date, leg_state, limit])?.iter().map(record).collect()
}

/// One merchant's services of one kind on a business day: what was completed
/// (both legs) and how many were undone (refused or reversed: nothing charged).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServiceDayTotal {
    pub merchant: String,
    /// `transfer`, `repayment` or `top_up`.
    pub service: String,
    pub completed_count: u64,
    /// What the beneficiaries (or the carrier) were paid, fen.
    pub amount: u64,
    /// The service fees the payers paid, fen: the acquirer's income, not the merchant's.
    pub fees: u64,
    /// Refused or reversed: nothing moved.
    pub undone_count: u64,
    /// Still between their legs.
    pub open_count: u64,
}

/// [`ServiceDayTotal`]s of a business day, per merchant (or only `merchant`'s)
/// and service.
pub fn day_totals(sql: &mut dyn Sql, merchant: Option<&str>, business_date: &str) -> Result<Vec<ServiceDayTotal>> {
    let done = "t.state = 'approved' AND s.leg_state = 'done'";
    let open = "t.state = 'in_flight' OR s.leg_state IN ('in_flight', 'reversing')";
    let query = format!(
        "SELECT s.merchant_id, s.service,
                CAST(SUM(CASE WHEN {done} THEN 1 ELSE 0 END) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN {done} THEN s.amount ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN {done} THEN s.fee ELSE 0 END), 0) AS BIGINT),
                CAST(SUM(CASE WHEN ({done}) OR ({open}) THEN 0 ELSE 1 END) AS BIGINT),
                CAST(SUM(CASE WHEN ({done}) OR NOT ({open}) THEN 0 ELSE 1 END) AS BIGINT)
         FROM services s JOIN transactions t ON t.id = s.txn_id
         WHERE s.business_date = ?2 AND (CAST(?1 AS TEXT) IS NULL OR s.merchant_id = ?1)
         GROUP BY s.merchant_id, s.service ORDER BY s.merchant_id, s.service"
    );
    let count = |row: &Row, i: usize| -> Result<u64> { Ok(row.int(i)?.max(0) as u64) };
    sql.query(&query, sql_params![merchant, business_date])?
        .iter()
        .map(|row| {
            Ok(ServiceDayTotal {
                merchant: row.text(0)?,
                service: row.text(1)?,
                completed_count: count(row, 2)?,
                amount: count(row, 3)?,
                fees: count(row, 4)?,
                undone_count: count(row, 5)?,
                open_count: count(row, 6)?,
            })
        })
        .collect()
}

/// What the payer card has moved through transfers and repayments on a
/// business day (standing or still in flight).
pub fn payer_day_total(sql: &mut dyn Sql, payer_hash: &[u8; 32], business_date: &str) -> Result<Amount> {
    let total = sql.scalar(
        "SELECT CAST(COALESCE(SUM(s.amount), 0) AS BIGINT) FROM services s JOIN transactions t ON t.id = s.txn_id
         WHERE s.payer_hash = ?1 AND s.business_date = ?2 AND s.service IN ('transfer', 'repayment')
           AND t.state IN ('in_flight', 'approved')",
        sql_params![&payer_hash[..], business_date],
    )?;
    Ok(Amount(total.max(0) as u64))
}

/// What the risk rules see of a transfer's or repayment's payer card and
/// beneficiary: the services of the last 24 hours before `now_ms` that moved
/// or are moving money (approved, or in flight), this one included once recorded.
pub fn risk_facts(
    sql: &mut dyn Sql,
    payer_hash: &[u8; 32],
    beneficiary_hash: &[u8; 32],
    now_ms: i64,
) -> Result<kassa_risk::ServiceFacts> {
    let since = now_ms - 86_400_000;
    let standing = "s.service IN ('transfer', 'repayment') AND s.created_at > ?2
         AND EXISTS (SELECT 1 FROM transactions t WHERE t.id = s.txn_id AND t.state IN ('in_flight', 'approved'))";
    let payer = sql.one(
        &format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(s.amount), 0) AS BIGINT) FROM services s
             WHERE s.payer_hash = ?1 AND {standing}"
        ),
        sql_params![&payer_hash[..], since],
    )?;
    let beneficiary = sql.one(
        &format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(s.amount), 0) AS BIGINT), COUNT(DISTINCT s.payer_hash) FROM services s
             WHERE s.beneficiary_hash = ?1 AND {standing}"
        ),
        sql_params![&beneficiary_hash[..], since],
    )?;
    let at = |row: &Option<Row>, i| row.as_ref().map(|r| r.opt_int(i)).transpose().map(|v| v.flatten().unwrap_or(0));
    Ok(kassa_risk::ServiceFacts {
        payer_count_24h: at(&payer, 0)?,
        payer_sum_24h: at(&payer, 1)?,
        beneficiary_count_24h: at(&beneficiary, 0)?,
        beneficiary_sum_24h: at(&beneficiary, 1)?,
        beneficiary_payers_24h: at(&beneficiary, 2)?,
    })
}

/// Records a service beside its just-begun transaction, unless the payer
/// card's day would pass `card_day_max` (then `false`, nothing recorded).
pub fn begin(sql: &mut dyn Sql, new: &NewService, card_day_max: Amount) -> Result<bool> {
    if new.service.pays_a_card() {
        let so_far = payer_day_total(sql, &new.payer_hash, &new.business_date)?;
        if so_far.checked_add(new.amount).is_none_or(|total| total > card_day_max) {
            return Ok(false);
        }
    }
    sql.exec(
        "INSERT INTO services (txn_id, service, merchant_id, terminal_id, business_date, amount, fee, payer_hash,
             payer_masked, beneficiary_masked, beneficiary_hash, beneficiary_sealed, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)
         ON CONFLICT (txn_id) DO NOTHING",
        sql_params![
            new.txn_id,
            new.service.code(),
            new.merchant.as_str(),
            &new.terminal,
            &new.business_date,
            new.amount.0,
            new.fee.0,
            &new.payer_hash[..],
            &new.payer_masked,
            &new.beneficiary_masked,
            &new.beneficiary_hash[..],
            new.beneficiary_sealed.clone(),
            new.now_ms
        ],
    )?;
    Ok(true)
}

fn id(txn_id: i64, purpose: u8) -> kassa_ledger::PostingId {
    office_posting_id(OfficeKind::Service, txn_id, purpose)
}

/// The debit leg's postings (purposes 1, 2), or their undoing (4, 5).
fn debit_postings(s: &ServiceRecord, undo: bool) -> Vec<Planned> {
    let funds = if s.service.pays_a_card() { Role::BeneficiaryFunds } else { Role::CarrierPayable };
    let mut planned = Vec::new();
    let legs = [(funds, s.amount.0, 1u8), (Role::ServiceFeeIncome, s.fee.0, 2u8)];
    for (credit, amount, purpose) in legs {
        if amount == 0 {
            continue;
        }
        planned.push(if undo {
            Planned::Transfer { id: id(s.txn_id, purpose + 3), debit: credit, credit: Role::Network, amount }
        } else {
            Planned::Transfer { id: id(s.txn_id, purpose), debit: Role::Network, credit, amount }
        });
    }
    planned
}

/// The credit leg's posting (purpose 3), or its undoing (6).
fn credit_posting(s: &ServiceRecord, undo: bool) -> Vec<Planned> {
    if !s.service.pays_a_card() {
        return Vec::new();
    }
    let amount = s.amount.0;
    vec![if undo {
        Planned::Transfer { id: id(s.txn_id, 6), debit: Role::Network, credit: Role::BeneficiaryFunds, amount }
    } else {
        Planned::Transfer { id: id(s.txn_id, 3), debit: Role::BeneficiaryFunds, credit: Role::Network, amount }
    }]
}

fn load(sql: &mut dyn Sql, txn_id: i64) -> Result<ServiceRecord> {
    find(sql, txn_id)?.ok_or_else(|| StoreError::NotFound(format!("service {txn_id}")))
}

fn set_leg(sql: &mut dyn Sql, txn_id: i64, state: LegState, now_ms: i64) -> Result<()> {
    sql.exec(
        "UPDATE services SET leg_state = ?2, updated_at = ?3 WHERE txn_id = ?1",
        sql_params![txn_id, state.code(), now_ms],
    )?;
    Ok(())
}

/// The payer's debit is approved: posts it and marks the second leg asked
/// (sent at `leg_transmitted`). `false` when the transaction was reversed
/// meanwhile (then nothing is posted and no second leg may be asked).
pub fn debit_approved(sql: &mut dyn Sql, txn_id: i64, leg_transmitted: &str, now_ms: i64) -> Result<bool> {
    let changed = sql.exec(
        "UPDATE services SET leg_state = 'in_flight', debit_posted = 1, leg_transmitted = ?2, updated_at = ?3
         WHERE txn_id = ?1 AND leg_state = 'waiting'
           AND EXISTS (SELECT 1 FROM transactions t WHERE t.id = ?1 AND t.state = 'in_flight')",
        sql_params![txn_id, leg_transmitted, now_ms],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    let s = load(sql, txn_id)?;
    sql.post(&merchant_of(&s), &debit_postings(&s, false), now_ms)?;
    Ok(true)
}

/// The payer's debit as the network answered it, to record with the service's approval.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebitAnswer {
    pub auth_code: Option<String>,
    pub rrn: Option<String>,
    pub card_org: Option<String>,
}

/// The second leg is done: the service is approved, in one commit with the
/// credit leg's posting. `false` when the transaction was reversed meanwhile:
/// then the second leg is to be undone (and the sweep unwinds the debit).
pub fn complete(
    sql: &mut dyn Sql,
    txn_id: i64,
    debit: &DebitAnswer,
    leg_reference: Option<&str>,
    now_ms: i64,
) -> Result<bool> {
    let changed = sql.exec(
        "UPDATE transactions SET state = 'approved', response_code = '00', auth_code = ?2, rrn = ?3, card_org = ?4,
             updated_at = ?5 WHERE id = ?1 AND state = 'in_flight'",
        sql_params![txn_id, debit.auth_code.as_deref(), debit.rrn.as_deref(), debit.card_org.as_deref(), now_ms],
    )?;
    sql.exec(
        "UPDATE services SET leg_code = '00', leg_reference = ?2, updated_at = ?3 WHERE txn_id = ?1",
        sql_params![txn_id, leg_reference, now_ms],
    )?;
    if changed == 0 {
        set_leg(sql, txn_id, LegState::Reversing, now_ms)?;
        return Ok(false);
    }
    set_leg(sql, txn_id, LegState::Done, now_ms)?;
    let s = load(sql, txn_id)?;
    sql.post(&merchant_of(&s), &credit_posting(&s, false), now_ms)?;
    Ok(true)
}

/// The second leg failed: it was refused (`next` = `Refused`), or may have
/// happened (`Reversing`: it is to be undone). The payer's debit is reversed
/// — the transaction marked, its 0420 queued, its postings undone — in the
/// same commit. `code` is what the terminal is answered; `card_org` the
/// payer card's organisation, as the debit's answer gave it.
pub fn fail(
    sql: &mut dyn Sql,
    txn_id: i64,
    code: &str,
    card_org: Option<&str>,
    next: LegState,
    now_ms: i64,
) -> Result<()> {
    let changed = sql.exec(
        "UPDATE transactions SET state = 'reversed', response_code = ?2, card_org = ?4, reversal_reason = '06',
             updated_at = ?3 WHERE id = ?1 AND state = 'in_flight'",
        sql_params![txn_id, code, now_ms, card_org],
    )?;
    sql.exec(
        "UPDATE services SET leg_code = ?2, updated_at = ?3 WHERE txn_id = ?1",
        sql_params![txn_id, code, now_ms],
    )?;
    set_leg(sql, txn_id, next, now_ms)?;
    if changed == 1 {
        sql.exec(crate::sql::ENQUEUE_REVERSAL, sql_params![txn_id, "06", now_ms])?;
    }
    // Whoever reversed it, the debit's postings are undone now or by the sweep.
    mark_unwind_due(sql, txn_id)?;
    unwind(sql, txn_id, now_ms)?;
    Ok(())
}

/// Marks a service to unwind: its transaction has been reversed. Every path
/// that reverses a transaction runs it (`SERVICE_UNWIND_DUE` in the stores).
fn mark_unwind_due(sql: &mut dyn Sql, txn_id: i64) -> Result<()> {
    sql.exec(crate::sql::SERVICE_UNWIND_DUE, sql_params![txn_id])?;
    Ok(())
}

/// Undoes the postings of a reversed service's legs, once: the debit's when
/// it was posted, the credit's when the credit leg was done (and the second
/// leg, done or in flight, is then to be reversed at the network or the carrier).
fn unwind(sql: &mut dyn Sql, txn_id: i64, now_ms: i64) -> Result<bool> {
    let changed = sql.exec(
        "UPDATE services SET unwound = 1, unwind_due = 0, updated_at = ?2
         WHERE txn_id = ?1 AND unwound = 0
           AND EXISTS (SELECT 1 FROM transactions t WHERE t.id = ?1 AND t.state IN ('reversed', 'reversal_only'))",
        sql_params![txn_id, now_ms],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    let s = load(sql, txn_id)?;
    let merchant = merchant_of(&s);
    let posted = sql.scalar("SELECT debit_posted FROM services WHERE txn_id = ?1", sql_params![txn_id])? != 0;
    if posted {
        sql.post(&merchant, &debit_postings(&s, true), now_ms)?;
    }
    match s.leg_state {
        LegState::Done => {
            sql.post(&merchant, &credit_posting(&s, true), now_ms)?;
            set_leg(sql, txn_id, LegState::Reversing, now_ms)?;
        }
        LegState::InFlight => set_leg(sql, txn_id, LegState::Reversing, now_ms)?,
        _ => {}
    }
    Ok(true)
}

/// The sweep: unwinds every service whose transaction was reversed by
/// another path (a terminal's 0400, a restart's recovery). Returns how many.
pub fn unwind_due(sql: &mut dyn Sql, now_ms: i64, limit: usize) -> Result<u64> {
    let due = sql.query(
        "SELECT txn_id FROM services WHERE unwind_due = 1 ORDER BY txn_id LIMIT ?1",
        sql_params![limit.min(crate::office::QUERY_ROWS_MAX) as i64],
    )?;
    let mut done = 0;
    for row in due {
        let txn_id = row.int(0)?;
        if unwind(sql, txn_id, now_ms)? {
            done += 1;
        } else {
            // Not reversed after all (or already unwound): nothing to do.
            sql.exec("UPDATE services SET unwind_due = 0 WHERE txn_id = ?1", sql_params![txn_id])?;
        }
    }
    Ok(done)
}

/// Second legs due to be reversed (a 0420 of the credit, a carrier cancel).
pub fn legs_due(sql: &mut dyn Sql, now_ms: i64, limit: usize) -> Result<Vec<ServiceRecord>> {
    let query = format!(
        "SELECT {COLUMNS} FROM services s JOIN transactions t ON t.id = s.txn_id
         WHERE s.leg_state = 'reversing' AND s.leg_next_at <= ?1 ORDER BY s.txn_id LIMIT ?2"
    );
    sql.query(&query, sql_params![now_ms, limit.min(LEG_BATCH_MAX) as i64])?.iter().map(record).collect()
}

/// A second leg's reversal was acknowledged (`Reversed`), or the carrier
/// answered that it delivered the top-up anyway (`DeliveredLate`, which also
/// goes to the reconciliation exception queue).
pub fn leg_reversed(sql: &mut dyn Sql, txn_id: i64, outcome: LegState, now_ms: i64) -> Result<()> {
    let changed = sql.exec(
        "UPDATE services SET leg_state = ?2, updated_at = ?3 WHERE txn_id = ?1 AND leg_state = 'reversing'",
        sql_params![txn_id, outcome.code(), now_ms],
    )?;
    if changed == 1 && outcome == LegState::DeliveredLate {
        let s = load(sql, txn_id)?;
        sql.exec(
            crate::sql::RECORD_BREAKS,
            sql_params![
                &s.business_date,
                "top_up_delivered_late",
                leg_stan(txn_id),
                s.leg_transmitted.clone().unwrap_or_default(),
                txn_id,
                0i64,
                s.amount.0,
                format!(
                    "the carrier delivered the top-up of {} to {} after its payment was reversed: recover it from the carrier",
                    s.amount.display(kassa_core::Currency::CNY),
                    s.beneficiary_masked
                ),
                now_ms
            ],
        )?;
    }
    Ok(())
}

/// A second leg's reversal had no answer: tried again at `next_at_ms`.
pub fn leg_retry(sql: &mut dyn Sql, txn_id: i64, next_at_ms: i64) -> Result<()> {
    sql.exec(
        "UPDATE services SET leg_attempts = leg_attempts + 1, leg_next_at = ?2 WHERE txn_id = ?1",
        sql_params![txn_id, next_at_ms],
    )?;
    Ok(())
}

/// Second legs still to be reversed (part of the store-and-forward depth).
pub fn legs_owed(sql: &mut dyn Sql) -> Result<u64> {
    Ok(sql.scalar("SELECT COUNT(*) FROM services WHERE leg_state = 'reversing' OR unwind_due = 1", &[])?.max(0) as u64)
}

fn merchant_of(s: &ServiceRecord) -> MerchantId {
    MerchantId::parse(&s.merchant).unwrap_or_else(acquirer_merchant)
}

/// Services post only to the acquirer's accounts; the merchant named with a
/// posting is then unused.
fn acquirer_merchant() -> MerchantId {
    MerchantId::parse("000000000000000").unwrap_or_else(|| unreachable!("a literal merchant id"))
}
