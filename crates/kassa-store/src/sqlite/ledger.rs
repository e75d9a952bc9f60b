//! The durable ledger on SQLite: postings decided by `kassa_ledger::decide`
//! over the rows they touch, written in the writer's transaction.

use crate::sql;
use std::collections::HashMap;

use kassa_core::MerchantId;
use kassa_ledger::{
    Account, AccountId, AccountKey, AccountKind, Balances, Delta, Hold, HoldState, Outcome, Owner, PostingId,
    Rejection, Request, decide,
};
use rusqlite::{Connection, OptionalExtension, params};

use super::db_error;
use crate::ledger::{
    ACQUIRER, DayDigest, LedgerAudit, Loaded, OnRefusal, Planned, Recorded, Role, narrow, refused, transfer,
};
use crate::model::TxnRecord;
use crate::{Result, StoreError};

thread_local! {
    /// Ledger account ids the writer thread has read back from the database.
    /// Only ids found by a query are kept (never one this job inserted, which a
    /// rollback could undo), and accounts are never deleted, so entries stay true.
    static ACCOUNT_IDS: std::cell::RefCell<HashMap<(String, String, u16), AccountId>> =
        std::cell::RefCell::new(HashMap::new());
    /// Whether this thread is a store's own writer (one database for its
    /// life), the only thread the cache is true on. A stepped store runs its
    /// jobs on its callers' threads, which may serve another database next
    /// (found by `kassa sim` running seeds one after another).
    static CACHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as a store's own writer thread.
pub(super) fn writer_thread() {
    CACHING.with(|c| c.set(true));
}

/// Account ids the cache may hold per writer thread.
const ACCOUNT_IDS_MAX: usize = 100_000;

fn account_id(c: &Connection, merchant: &MerchantId, role: Role, currency: u16) -> Result<AccountId> {
    let owner = if role.merchants() { merchant.as_str() } else { ACQUIRER };
    let kind = role.kind().code();
    let cache_key = (owner.to_string(), kind.clone(), currency);
    let caching = CACHING.with(std::cell::Cell::get);
    if caching && let Some(id) = ACCOUNT_IDS.with(|ids| ids.borrow().get(&cache_key).copied()) {
        return Ok(id);
    }
    let select = |c: &Connection| -> Result<Option<AccountId>> {
        c.prepare_cached(sql::ACCOUNT_ID)
            .map_err(db_error)?
            .query_row(params![owner, kind, currency], |row| row.get::<_, i64>(0))
            .optional()
            .map(|id| id.map(|id| AccountId(id as u32)))
            .map_err(db_error)
    };
    if let Some(id) = select(c)? {
        if !caching {
            return Ok(id);
        }
        ACCOUNT_IDS.with(|ids| {
            let mut ids = ids.borrow_mut();
            if ids.len() >= ACCOUNT_IDS_MAX {
                ids.clear();
            }
            ids.insert(cache_key, id);
        });
        return Ok(id);
    }
    let floor = role.floor().map(narrow).transpose()?;
    c.prepare_cached(sql::ACCOUNT_ID_2)
        .map_err(db_error)?
        .execute(params![owner, kind, currency, floor])
        .map_err(db_error)?;
    select(c)?.ok_or_else(|| StoreError::NotFound("ledger account".into()))
}

fn load_account(c: &Connection, id: AccountId) -> Result<Option<Account>> {
    c.prepare_cached(
        "SELECT owner, kind, currency, floor, debits_posted, credits_posted, debits_pending, credits_pending
         FROM ledger_accounts WHERE id = ?1",
    )
    .map_err(db_error)?
    .query_row([i64::from(id.0)], |row| {
        let owner: String = row.get(0)?;
        let kind: String = row.get(1)?;
        Ok((
            owner,
            kind,
            row.get::<_, u16>(2)?,
            row.get::<_, Option<i64>>(3)?,
            [row.get::<_, i64>(4)?, row.get(5)?, row.get(6)?, row.get(7)?],
        ))
    })
    .optional()
    .map_err(db_error)?
    .map(|(owner, kind, currency, floor, b)| {
        let owner = if owner == ACQUIRER {
            Owner::Acquirer
        } else {
            Owner::Merchant(MerchantId::parse(&owner).ok_or_else(|| StoreError::Corrupt("ledger owner".into()))?)
        };
        let kind = AccountKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt("ledger account kind".into()))?;
        Ok(Account {
            key: AccountKey { owner, kind, currency },
            balances: Balances {
                debits_posted: i128::from(b[0]),
                credits_posted: i128::from(b[1]),
                debits_pending: i128::from(b[2]),
                credits_pending: i128::from(b[3]),
            },
            floor: floor.map(i128::from),
        })
    })
    .transpose()
}

fn load_hold(c: &Connection, id: PostingId) -> Result<Option<Hold>> {
    c.prepare_cached("SELECT debit, credit, amount, expires_at, state, posted FROM ledger_holds WHERE id = ?1")
        .map_err(db_error)?
        .query_row([id.0.to_string()], |row| {
            let state: String = row.get(4)?;
            let posted: i64 = row.get(5)?;
            let state = match state.as_str() {
                "posted" => HoldState::Posted(posted.max(0) as u64),
                "voided" => HoldState::Voided,
                "expired" => HoldState::Expired,
                _ => HoldState::Pending,
            };
            Ok(Hold {
                debit: AccountId(row.get::<_, i64>(0)? as u32),
                credit: AccountId(row.get::<_, i64>(1)? as u32),
                amount: row.get::<_, i64>(2)?.max(0) as u64,
                expires_at_ms: row.get(3)?,
                state,
            })
        })
        .optional()
        .map_err(db_error)
}

fn write_delta(c: &Connection, posting: PostingId, account: AccountId, d: &Delta) -> Result<()> {
    let values =
        [narrow(d.debits_posted)?, narrow(d.credits_posted)?, narrow(d.debits_pending)?, narrow(d.credits_pending)?];
    c.prepare_cached(sql::WRITE_DELTA)
        .map_err(db_error)?
        .execute(params![i64::from(account.0), values[0], values[1], values[2], values[3]])
        .map_err(db_error)?;
    c.prepare_cached(sql::WRITE_DELTA_2)
        .map_err(db_error)?
        .execute(params![posting.0.to_string(), i64::from(account.0), values[0], values[1], values[2], values[3]])
        .map_err(db_error)?;
    Ok(())
}

fn set_hold_state(c: &Connection, id: PostingId, state: &str, posted: u64) -> Result<()> {
    c.prepare_cached(sql::SET_HOLD_STATE)
        .map_err(db_error)?
        .execute(params![id.0.to_string(), state, posted as i64])
        .map_err(db_error)?;
    Ok(())
}

/// A hold past its time is expired before anyone resolves it.
fn expire_if_due(c: &Connection, id: PostingId, now_ms: i64) -> Result<()> {
    let Some(hold) = load_hold(c, id)? else { return Ok(()) };
    if hold.state != HoldState::Pending || hold.expires_at_ms > now_ms {
        return Ok(());
    }
    let amount = i128::from(hold.amount);
    write_delta(c, id, hold.debit, &Delta { debits_pending: -amount, ..Delta::default() })?;
    write_delta(c, id, hold.credit, &Delta { credits_pending: -amount, ..Delta::default() })?;
    set_hold_state(c, id, "expired", 0)
}

/// Applies one posting with `kassa_ledger`'s rules: idempotent by id, decided
/// over the rows it touches, written with its journal.
fn apply(
    c: &Connection,
    id: PostingId,
    request: Request,
    txn_id: i64,
    now_ms: i64,
) -> Result<Result<Outcome, Rejection>> {
    let text = format!("{request:?}");
    let first: Option<(String, String)> = c
        .prepare_cached(sql::APPLY)
        .map_err(db_error)?
        .query_row([id.0.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
        .map_err(db_error)?;
    if let Some((first, result)) = first {
        if first != text {
            return Ok(Err(Rejection::ExistsWithDifferentContent));
        }
        return Ok(match Rejection::from_code(&result) {
            Some(rejection) => Err(rejection),
            None => Ok(Outcome::AlreadyApplied),
        });
    }
    let mut facts = Loaded { accounts: HashMap::new(), holds: HashMap::new() };
    let mut accounts: Vec<AccountId> = Vec::new();
    match &request {
        Request::Post { entries } => accounts.extend(entries.iter().map(|e| e.account)),
        Request::Hold { debit, credit, .. } => accounts.extend([*debit, *credit]),
        Request::PostHold { hold, .. } | Request::VoidHold { hold } => {
            expire_if_due(c, *hold, now_ms)?;
            if let Some(h) = load_hold(c, *hold)? {
                accounts.extend([h.debit, h.credit]);
                facts.holds.insert(*hold, h);
            }
        }
    }
    for account in accounts {
        if let Some(loaded) = load_account(c, account)? {
            facts.accounts.insert(account, loaded);
        }
    }
    let decided = decide(&facts, &request);
    let result_code = match &decided {
        Ok(_) => "ok".to_string(),
        Err(rejection) => rejection.code(),
    };
    if let Ok(deltas) = &decided {
        for (account, delta) in deltas {
            write_delta(c, id, *account, delta)?;
        }
        match &request {
            Request::Hold { debit, credit, amount, expires_at_ms } => {
                c.prepare_cached(sql::APPLY_2)
                    .map_err(db_error)?
                    .execute(params![
                        id.0.to_string(),
                        i64::from(debit.0),
                        i64::from(credit.0),
                        *amount as i64,
                        expires_at_ms
                    ])
                    .map_err(db_error)?;
            }
            Request::PostHold { hold, amount } => {
                let held = facts.holds.get(hold).map_or(0, |h| h.amount);
                set_hold_state(c, *hold, "posted", amount.unwrap_or(held))?;
            }
            Request::VoidHold { hold } => set_hold_state(c, *hold, "voided", 0)?,
            Request::Post { .. } => {}
        }
    }
    c.prepare_cached(sql::APPLY_3)
        .map_err(db_error)?
        .execute(params![id.0.to_string(), text, result_code, txn_id, now_ms])
        .map_err(db_error)?;
    Ok(decided.map(|_| Outcome::Applied))
}

/// Makes the postings `planned` for `txn`. A refusal is recorded with the
/// posting (and shows in the audit); it does not undo the transaction.
pub(super) fn post(c: &Connection, txn: &TxnRecord, planned: &[Planned], now_ms: i64) -> Result<()> {
    post_planned(c, &txn.key.merchant, txn.currency.0, txn.id, planned, now_ms, OnRefusal::Record)
}

/// Makes the postings `planned` for a merchant's money in `currency`, for
/// an operation that is not an authorization: a refused posting is an error
/// ([`StoreError::Refused`]) that stops the operation and rolls back its
/// store transaction.
pub(super) fn post_for(
    c: &Connection,
    merchant: &MerchantId,
    currency: u16,
    planned: &[Planned],
    now_ms: i64,
) -> Result<()> {
    post_planned(c, merchant, currency, 0, planned, now_ms, OnRefusal::Stop)
}

/// `txn_id` is 0 for postings that belong to no one transaction.
fn post_planned(
    c: &Connection,
    merchant: &MerchantId,
    currency: u16,
    txn_id: i64,
    planned: &[Planned],
    now_ms: i64,
    on: OnRefusal,
) -> Result<()> {
    let role = |r: Role| account_id(c, merchant, r, currency);
    for plan in planned {
        match *plan {
            Planned::Transfer { id, debit, credit, amount } => {
                refused(apply(c, id, transfer(role(debit)?, role(credit)?, amount), txn_id, now_ms)?, id, txn_id, on)?;
            }
            Planned::Hold { id, debit, credit, amount, expires_at_ms } => {
                let request = Request::Hold { debit: role(debit)?, credit: role(credit)?, amount, expires_at_ms };
                refused(apply(c, id, request, txn_id, now_ms)?, id, txn_id, on)?;
            }
            Planned::VoidHold { id, hold } => {
                // What is still held is released; a hold already resolved (a
                // completion posted it, or it expired) leaves nothing to void,
                // as at the network.
                if let Some(hold) = live_hold(c, hold)? {
                    expire_if_due(c, hold, now_ms)?;
                    if load_hold(c, hold)?.is_some_and(|h| h.state == HoldState::Pending) {
                        refused(apply(c, id, Request::VoidHold { hold }, txn_id, now_ms)?, id, txn_id, on)?;
                    }
                }
            }
            Planned::RestoreHold { id, hold, acted } => {
                let resolved = load_result(c, acted)?.as_deref() == Some("ok");
                if resolved
                    && load_hold(c, id)?.is_none()
                    && live_hold(c, hold)?.is_none()
                    && let Some(h) = load_hold(c, hold)?
                {
                    let request = Request::Hold {
                        debit: h.debit,
                        credit: h.credit,
                        amount: h.amount,
                        expires_at_ms: h.expires_at_ms,
                    };
                    refused(apply(c, id, request, txn_id, now_ms)?, id, txn_id, on)?;
                }
            }
            Planned::Complete { id, hold, amount, excess_id } => {
                let hold = live_hold(c, hold)?.unwrap_or(hold);
                expire_if_due(c, hold, now_ms)?;
                let held = load_hold(c, hold)?.filter(|h| h.state == HoldState::Pending).map_or(0, |h| h.amount);
                let from_hold = amount.min(held);
                if from_hold > 0 {
                    refused(
                        apply(c, id, Request::PostHold { hold, amount: Some(from_hold) }, txn_id, now_ms)?,
                        id,
                        txn_id,
                        on,
                    )?;
                }
                if amount > from_hold {
                    let request = transfer(role(Role::Network)?, role(Role::MerchantPending)?, amount - from_hold);
                    refused(apply(c, excess_id, request, txn_id, now_ms)?, excess_id, txn_id, on)?;
                }
            }
        }
    }
    Ok(())
}

/// The pending one of a pre-auth's holds (`hold` is its own), if any: what
/// its void or completion acts on ([`crate::ledger::holds_of`]).
fn live_hold(c: &Connection, hold: PostingId) -> Result<Option<PostingId>> {
    let preauth = i64::try_from(hold.0 / 8).map_err(|_| StoreError::Corrupt("hold id".into()))?;
    let children: Vec<i64> = {
        let mut statement =
            c.prepare_cached("SELECT id FROM transactions WHERE original_id = ?1 ORDER BY id").map_err(db_error)?;
        let rows = statement.query_map([preauth], |row| row.get(0)).map_err(db_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_error)?
    };
    for candidate in crate::ledger::holds_of(hold, &children) {
        if load_hold(c, candidate)?.is_some_and(|h| h.state == HoldState::Pending) {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// A posting's result (`ok` or its rejection), if it was made.
fn load_result(c: &Connection, id: PostingId) -> Result<Option<String>> {
    c.prepare_cached("SELECT result FROM ledger_postings WHERE id = ?1")
        .map_err(db_error)?
        .query_row([id.0.to_string()], |row| row.get(0))
        .optional()
        .map_err(db_error)
}

/// Expires every hold due by `now_ms`.
pub(super) fn expire_due(c: &Connection, now_ms: i64) -> Result<u64> {
    let due: Vec<String> = {
        let mut statement = c
            .prepare_cached("SELECT id FROM ledger_holds WHERE state = 'pending' AND expires_at <= ?1 LIMIT 10000")
            .map_err(db_error)?;
        let rows = statement.query_map([now_ms], |row| row.get(0)).map_err(db_error)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?
    };
    for id in &due {
        let id = id.parse::<u128>().map(PostingId).map_err(|_| StoreError::Corrupt("hold id".into()))?;
        expire_if_due(c, id, now_ms)?;
    }
    Ok(due.len() as u64)
}

/// The ledger's totals and each merchant's pending funds beside what the
/// transaction records say they should be.
pub(super) fn audit(c: &Connection) -> Result<LedgerAudit> {
    let mut audit = c
        .query_row(
            "SELECT COALESCE(SUM(debits_posted), 0), COALESCE(SUM(credits_posted), 0),
                    COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0) FROM ledger_accounts",
            [],
            |row| {
                Ok(LedgerAudit {
                    debits_posted: i128::from(row.get::<_, i64>(0)?),
                    credits_posted: i128::from(row.get::<_, i64>(1)?),
                    debits_pending: i128::from(row.get::<_, i64>(2)?),
                    credits_pending: i128::from(row.get::<_, i64>(3)?),
                    ..LedgerAudit::default()
                })
            },
        )
        .map_err(db_error)?;
    audit.rejected = c.query_row(sql::AUDIT, [], |row| row.get::<_, i64>(0)).map_err(db_error)?.max(0) as u64;
    let mut statement = c
        .prepare(
            "SELECT m.id,
                 COALESCE((SELECT credits_posted - debits_posted FROM ledger_accounts a
                           WHERE a.owner = m.id AND a.kind = 'MerchantPending'), 0),
                 COALESCE((SELECT SUM(CASE
                     WHEN t.kind IN ('sale', 'completion', 'completion_advice') AND t.state IN ('approved', 'voided') THEN t.amount
                     WHEN t.kind IN ('sale_void', 'completion_void', 'refund') AND t.state = 'approved' THEN -t.amount
                     ELSE 0 END) FROM transactions t WHERE t.merchant_id = m.id), 0)
                 - COALESCE((SELECT SUM(s.fees + s.held + s.paid)
                             FROM merchant_settlements s WHERE s.merchant_id = m.id), 0)
             FROM merchants m ORDER BY m.id",
        )
        .map_err(db_error)?;
    let rows = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, i128::from(row.get::<_, i64>(1)?), i128::from(row.get::<_, i64>(2)?)))
        })
        .map_err(db_error)?;
    audit.merchants = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?;
    let mut statement = c.prepare(sql::AUDIT_2).map_err(db_error)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, i128::from(row.get::<_, i64>(1)?))))
        .map_err(db_error)?;
    audit.available = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)?;
    Ok(audit)
}

pub(super) fn day_items(c: &Connection, business_date: &str) -> Result<Vec<kassa_settlement::SettleItem>> {
    let mut statement = c.prepare_cached(sql::DAY_ITEMS).map_err(db_error)?;
    let rows = statement
        .query_map([business_date], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, bool>(4)?,
                row.get::<_, bool>(5)?,
                row.get::<_, i64>(6)?,
                row.get::<_, bool>(7)?,
            ))
        })
        .map_err(db_error)?;
    let mut items = Vec::new();
    for row in rows {
        let (merchant, mcc, kind, amount, voided, risk_held, txn_id, adjustment) = row.map_err(db_error)?;
        items.push(kassa_settlement::SettleItem {
            merchant: MerchantId::parse(&merchant).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?,
            mcc,
            kind: kassa_core::TxnKind::from_code(&kind).ok_or_else(|| StoreError::Corrupt("kind".into()))?,
            amount: kassa_core::Amount(amount.max(0) as u64),
            voided,
            risk_held,
            txn_id,
            adjustment,
        });
    }
    Ok(items)
}

pub(super) fn record_settlement(
    c: &Connection,
    day: &crate::ledger::MerchantSettlement,
    digest: DayDigest,
    now_ms: i64,
) -> Result<Recorded> {
    let merchant_date = params![day.merchant.as_str(), day.business_date];
    if super::queries::day_settled(c, &day.merchant, &day.business_date)? {
        return Ok(Recorded::Before);
    }
    let in_flight: i64 = c
        .prepare_cached(crate::ledger::DAY_IN_FLIGHT_SQL)
        .map_err(db_error)?
        .query_row(merchant_date, |row| row.get(0))
        .map_err(db_error)?;
    if in_flight > 0 {
        return Ok(Recorded::Retry("a transaction of the day is in flight"));
    }
    let stored = c
        .prepare_cached(crate::ledger::DAY_DIGEST_SQL)
        .map_err(db_error)?
        .query_row(merchant_date, |row| Ok(DayDigest { count: row.get(0)?, ids: row.get(1)?, voided_ids: row.get(2)? }))
        .map_err(db_error)?;
    if stored != digest {
        return Ok(Recorded::Retry("the day changed since it was read"));
    }
    let n = |v: u64| v as i64;
    let inserted = c
        .prepare_cached(sql::RECORD_SETTLEMENT)
        .map_err(db_error)?
        .execute(params![
            day.merchant.as_str(),
            day.business_date,
            n(day.gross),
            n(day.voids),
            n(day.refunds),
            n(day.fees),
            n(day.held),
            day.net,
            now_ms,
            n(day.paid),
            n(day.carried),
            day.adjustments
        ])
        .map_err(db_error)?;
    if inserted == 0 {
        return Ok(Recorded::Before);
    }
    post_for(c, &day.merchant, day.currency, &crate::ledger::settlement(day), now_ms)?;
    Ok(Recorded::Now)
}

pub(super) fn reconcilable(c: &Connection, business_date: &str) -> Result<Vec<kassa_settlement::HostItem>> {
    let mut statement = c.prepare_cached(sql::RECONCILABLE).map_err(db_error)?;
    let rows = statement
        .query_map([business_date], |row| {
            let id: i64 = row.get(0)?;
            Ok(kassa_settlement::HostItem {
                txn_id: id,
                stan: crate::model::link_stan_of(row.get(4)?),
                transmitted: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                kind: row.get(2)?,
                amount: row.get::<_, i64>(3)?.max(0) as u64,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

pub(super) fn record_breaks(
    c: &Connection,
    business_date: &str,
    breaks: &[kassa_settlement::Break],
    now_ms: i64,
) -> Result<u64> {
    let mut statement = c.prepare_cached(sql::RECORD_BREAKS).map_err(db_error)?;
    let mut new = 0;
    for b in breaks {
        new += statement
            .execute(params![
                business_date,
                b.kind.code(),
                b.stan,
                b.transmitted,
                b.txn_id,
                b.host_amount.map(|a| a as i64),
                b.network_amount.map(|a| a as i64),
                b.reason,
                now_ms
            ])
            .map_err(db_error)? as u64;
    }
    Ok(new)
}

#[cfg(test)]
mod tests {
    use kassa_ledger::{Entry, Side};

    use super::*;

    fn ledger() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::migrate(&conn).unwrap();
        for (owner, kind) in
            [("acquirer", "NetworkSettlement"), ("898310058120001", "MerchantPending"), ("acquirer", "FeeIncome")]
        {
            conn.execute("INSERT INTO ledger_accounts (owner, kind, currency) VALUES (?1, ?2, 156)", [owner, kind])
                .unwrap();
        }
        conn
    }

    fn balances(c: &Connection, id: u32) -> [i64; 4] {
        c.query_row(
            "SELECT debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts WHERE id = ?1",
            [id],
            |row| Ok([row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?]),
        )
        .unwrap()
    }

    fn entries(c: &Connection, posting: u128) -> i64 {
        c.query_row("SELECT COUNT(*) FROM ledger_entries WHERE posting_id = ?1", [posting.to_string()], |row| {
            row.get(0)
        })
        .unwrap()
    }

    fn entry(account: u32, side: Side, amount: u64) -> Entry {
        Entry { account: AccountId(account), side, amount }
    }

    /// The durable ledger keeps `kassa_ledger`'s rules: a repeat changes
    /// nothing, another request under the same id is refused, a refusal is
    /// remembered, an account named twice gets the sum, and a hold posts in part.
    #[test]
    fn postings_are_idempotent_and_add_up() {
        let c = ledger();
        let sale = Request::Post { entries: vec![entry(1, Side::Debit, 500), entry(2, Side::Credit, 500)] };
        assert_eq!(apply(&c, PostingId(1), sale.clone(), 7, 0).unwrap(), Ok(Outcome::Applied));
        assert_eq!(apply(&c, PostingId(1), sale, 7, 0).unwrap(), Ok(Outcome::AlreadyApplied));
        let other = Request::Post { entries: vec![entry(1, Side::Debit, 1), entry(2, Side::Credit, 1)] };
        assert_eq!(apply(&c, PostingId(1), other, 7, 0).unwrap(), Err(Rejection::ExistsWithDifferentContent));
        assert_eq!((balances(&c, 1), balances(&c, 2)), ([500, 0, 0, 0], [0, 500, 0, 0]));
        assert_eq!(entries(&c, 1), 2);

        let unbalanced = Request::Post { entries: vec![entry(1, Side::Debit, 5), entry(2, Side::Credit, 4)] };
        assert_eq!(apply(&c, PostingId(2), unbalanced.clone(), 0, 0).unwrap(), Err(Rejection::NotBalanced));
        assert_eq!(apply(&c, PostingId(2), unbalanced, 0, 0).unwrap(), Err(Rejection::NotBalanced));
        assert_eq!(entries(&c, 2), 0);

        // Account 2 twice, account 3 twice: four journal entries.
        let fee = Request::Post {
            entries: vec![
                entry(2, Side::Debit, 30),
                entry(3, Side::Credit, 30),
                entry(2, Side::Debit, 20),
                entry(3, Side::Credit, 20),
            ],
        };
        assert_eq!(apply(&c, PostingId(3), fee, 0, 0).unwrap(), Ok(Outcome::Applied));
        assert_eq!((balances(&c, 2), balances(&c, 3)), ([50, 500, 0, 0], [0, 50, 0, 0]));
        assert_eq!(entries(&c, 3), 4);

        let hold = Request::Hold { debit: AccountId(1), credit: AccountId(2), amount: 80, expires_at_ms: 1_000 };
        assert_eq!(apply(&c, PostingId(4), hold, 0, 0).unwrap(), Ok(Outcome::Applied));
        let post = Request::PostHold { hold: PostingId(4), amount: Some(60) };
        assert_eq!(apply(&c, PostingId(5), post, 0, 10).unwrap(), Ok(Outcome::Applied));
        assert_eq!((balances(&c, 1), balances(&c, 2)), ([560, 0, 0, 0], [50, 560, 0, 0]));
        let total: i64 = c
            .query_row(
                "SELECT SUM(debits_posted - credits_posted + debits_pending - credits_pending) FROM ledger_accounts",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(total, 0, "the ledger sums to zero");
    }

    /// Outside the authorization path a refused posting is an error, so the
    /// operation it belongs to stops; on the authorization path it is
    /// recorded and the transaction stands.
    #[test]
    fn a_refused_posting_stops_its_operation() {
        let c = ledger();
        let merchant = MerchantId::parse("898310058120001").unwrap();
        let payout = [Planned::Transfer {
            id: PostingId(900),
            debit: Role::MerchantAvailable,
            credit: Role::PayoutsInFlight,
            amount: 1,
        }];
        match post_for(&c, &merchant, 156, &payout, 0) {
            Err(StoreError::Refused(reason)) => assert!(reason.contains("900"), "{reason}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(post_planned(&c, &merchant, 156, 7, &payout, 0, OnRefusal::Record).ok(), Some(()));
        let recorded: String =
            c.query_row("SELECT result FROM ledger_postings WHERE id = '900'", [], |row| row.get(0)).unwrap();
        assert_ne!(recorded, "ok");
    }
}
