//! The durable ledger on PostgreSQL: as on SQLite, with the rows a posting
//! touches locked (`FOR UPDATE`) so hosts sharing the database post in turn.

use crate::office::for_postgres;
use crate::sql;
use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use kassa_core::MerchantId;
use kassa_ledger::{
    Account, AccountId, AccountKey, AccountKind, Balances, Delta, Hold, HoldState, Outcome, Owner, PostingId,
    Rejection, Request, decide,
};

use super::pg_error;
use crate::ledger::{
    ACQUIRER, DayDigest, LedgerAudit, Loaded, OnRefusal, Planned, Recorded, Role, narrow, refused, transfer,
};
use crate::model::TxnRecord;
use crate::{Result, StoreError};

async fn one(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Option<tokio_postgres::Row>> {
    let statement = c.prepare_cached(sql).await.map_err(pg_error)?;
    Ok(c.query(&statement, params).await.map_err(pg_error)?.into_iter().next())
}

async fn run(c: &impl GenericClient, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<()> {
    let statement = c.prepare_cached(sql).await.map_err(pg_error)?;
    c.execute(&statement, params).await.map_err(pg_error).map(drop)
}

async fn account_id(c: &impl GenericClient, merchant: &MerchantId, role: Role, currency: u16) -> Result<AccountId> {
    let owner = if role.merchants() { merchant.as_str() } else { ACQUIRER };
    let kind = role.kind().code();
    let floor = role.floor().map(narrow).transpose()?;
    let currency = i32::from(currency);
    run(c, &for_postgres(sql::ACCOUNT_ID_2), &[&owner, &kind, &currency, &floor]).await?;
    let row = one(c, &for_postgres(sql::ACCOUNT_ID), &[&owner, &kind, &currency])
        .await?
        .ok_or_else(|| StoreError::NotFound("ledger account".into()))?;
    Ok(AccountId(row.get::<_, i64>(0) as u32))
}

async fn load_account(c: &impl GenericClient, id: AccountId) -> Result<Option<Account>> {
    let Some(row) = one(
        c,
        "SELECT owner, kind, currency, floor, debits_posted, credits_posted, debits_pending, credits_pending
         FROM ledger_accounts WHERE id = $1 FOR UPDATE",
        &[&i64::from(id.0)],
    )
    .await?
    else {
        return Ok(None);
    };
    let owner: String = row.get(0);
    let owner = if owner == ACQUIRER {
        Owner::Acquirer
    } else {
        Owner::Merchant(MerchantId::parse(&owner).ok_or_else(|| StoreError::Corrupt("ledger owner".into()))?)
    };
    let kind = AccountKind::from_code(row.get(1)).ok_or_else(|| StoreError::Corrupt("ledger account kind".into()))?;
    Ok(Some(Account {
        key: AccountKey { owner, kind, currency: row.get::<_, i32>(2) as u16 },
        balances: Balances {
            debits_posted: i128::from(row.get::<_, i64>(4)),
            credits_posted: i128::from(row.get::<_, i64>(5)),
            debits_pending: i128::from(row.get::<_, i64>(6)),
            credits_pending: i128::from(row.get::<_, i64>(7)),
        },
        floor: row.get::<_, Option<i64>>(3).map(i128::from),
    }))
}

/// The pending one of a pre-auth's holds (`hold` is its own), if any: what
/// its void or completion acts on ([`crate::ledger::holds_of`]).
async fn live_hold(c: &impl GenericClient, hold: PostingId) -> Result<Option<PostingId>> {
    let preauth = i64::try_from(hold.0 / 8).map_err(|_| StoreError::Corrupt("hold id".into()))?;
    let rows = c
        .query("SELECT id FROM transactions WHERE original_id = $1 ORDER BY id", &[&preauth])
        .await
        .map_err(pg_error)?;
    let children: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
    for candidate in crate::ledger::holds_of(hold, &children) {
        if load_hold(c, candidate).await?.is_some_and(|h| h.state == HoldState::Pending) {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// A posting's result (`ok` or its rejection), if it was made.
async fn load_result(c: &impl GenericClient, id: PostingId) -> Result<Option<String>> {
    Ok(one(c, "SELECT result FROM ledger_postings WHERE id = $1", &[&id.0.to_string()]).await?.map(|row| row.get(0)))
}

async fn load_hold(c: &impl GenericClient, id: PostingId) -> Result<Option<Hold>> {
    let Some(row) = one(
        c,
        "SELECT debit, credit, amount, expires_at, state, posted FROM ledger_holds WHERE id = $1 FOR UPDATE",
        &[&id.0.to_string()],
    )
    .await?
    else {
        return Ok(None);
    };
    let state = match row.get::<_, &str>(4) {
        "posted" => HoldState::Posted(row.get::<_, i64>(5).max(0) as u64),
        "voided" => HoldState::Voided,
        "expired" => HoldState::Expired,
        _ => HoldState::Pending,
    };
    Ok(Some(Hold {
        debit: AccountId(row.get::<_, i64>(0) as u32),
        credit: AccountId(row.get::<_, i64>(1) as u32),
        amount: row.get::<_, i64>(2).max(0) as u64,
        expires_at_ms: row.get(3),
        state,
    }))
}

async fn write_delta(c: &impl GenericClient, posting: PostingId, account: AccountId, d: &Delta) -> Result<()> {
    let v =
        [narrow(d.debits_posted)?, narrow(d.credits_posted)?, narrow(d.debits_pending)?, narrow(d.credits_pending)?];
    let account = i64::from(account.0);
    run(c, &for_postgres(sql::WRITE_DELTA), &[&account, &v[0], &v[1], &v[2], &v[3]]).await?;
    run(c, &for_postgres(sql::WRITE_DELTA_2), &[&posting.0.to_string(), &account, &v[0], &v[1], &v[2], &v[3]]).await
}

async fn set_hold_state(c: &impl GenericClient, id: PostingId, state: &str, posted: u64) -> Result<()> {
    run(c, &for_postgres(sql::SET_HOLD_STATE), &[&id.0.to_string(), &state, &(posted as i64)]).await
}

async fn expire_if_due(c: &impl GenericClient, id: PostingId, now_ms: i64) -> Result<()> {
    let Some(hold) = load_hold(c, id).await? else { return Ok(()) };
    if hold.state != HoldState::Pending || hold.expires_at_ms > now_ms {
        return Ok(());
    }
    let amount = i128::from(hold.amount);
    write_delta(c, id, hold.debit, &Delta { debits_pending: -amount, ..Delta::default() }).await?;
    write_delta(c, id, hold.credit, &Delta { credits_pending: -amount, ..Delta::default() }).await?;
    set_hold_state(c, id, "expired", 0).await
}

async fn apply(
    c: &impl GenericClient,
    id: PostingId,
    request: Request,
    txn_id: i64,
    now_ms: i64,
) -> Result<Result<Outcome, Rejection>> {
    let text = format!("{request:?}");
    if let Some(row) = one(c, &for_postgres(sql::APPLY), &[&id.0.to_string()]).await? {
        if row.get::<_, &str>(0) != text {
            return Ok(Err(Rejection::ExistsWithDifferentContent));
        }
        return Ok(match Rejection::from_code(row.get(1)) {
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
            expire_if_due(c, *hold, now_ms).await?;
            if let Some(h) = load_hold(c, *hold).await? {
                accounts.extend([h.debit, h.credit]);
                facts.holds.insert(*hold, h);
            }
        }
    }
    accounts.sort();
    accounts.dedup();
    for account in accounts {
        if let Some(loaded) = load_account(c, account).await? {
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
            write_delta(c, id, *account, delta).await?;
        }
        match &request {
            Request::Hold { debit, credit, amount, expires_at_ms } => {
                run(
                    c,
                    &for_postgres(sql::APPLY_2),
                    &[&id.0.to_string(), &i64::from(debit.0), &i64::from(credit.0), &(*amount as i64), expires_at_ms],
                )
                .await?;
            }
            Request::PostHold { hold, amount } => {
                let held = facts.holds.get(hold).map_or(0, |h| h.amount);
                set_hold_state(c, *hold, "posted", amount.unwrap_or(held)).await?;
            }
            Request::VoidHold { hold } => set_hold_state(c, *hold, "voided", 0).await?,
            Request::Post { .. } => {}
        }
    }
    run(c, &for_postgres(sql::APPLY_3), &[&id.0.to_string(), &text, &result_code, &txn_id, &now_ms]).await?;
    Ok(decided.map(|_| Outcome::Applied))
}

/// Makes the postings `planned` for `txn`. A refusal is recorded with the
/// posting (and shows in the audit); it does not undo the transaction.
pub(super) async fn post(c: &impl GenericClient, txn: &TxnRecord, planned: &[Planned], now_ms: i64) -> Result<()> {
    post_planned(c, &txn.key.merchant, txn.currency.0, txn.id, planned, now_ms, OnRefusal::Record).await
}

/// Makes the postings `planned` for a merchant's money in `currency`, for
/// an operation that is not an authorization: a refused posting is an error
/// ([`StoreError::Refused`]) that stops the operation and rolls back its
/// store transaction.
pub(super) async fn post_for(
    c: &impl GenericClient,
    merchant: &MerchantId,
    currency: u16,
    planned: &[Planned],
    now_ms: i64,
) -> Result<()> {
    post_planned(c, merchant, currency, 0, planned, now_ms, OnRefusal::Stop).await
}

/// `txn_id` is 0 for postings that belong to no one transaction.
async fn post_planned(
    c: &impl GenericClient,
    merchant: &MerchantId,
    currency: u16,
    txn_id: i64,
    planned: &[Planned],
    now_ms: i64,
    on: OnRefusal,
) -> Result<()> {
    for plan in planned {
        match *plan {
            Planned::Transfer { id, debit, credit, amount } => {
                let (d, k) =
                    (account_id(c, merchant, debit, currency).await?, account_id(c, merchant, credit, currency).await?);
                refused(apply(c, id, transfer(d, k, amount), txn_id, now_ms).await?, id, txn_id, on)?;
            }
            Planned::Hold { id, debit, credit, amount, expires_at_ms } => {
                let (d, k) =
                    (account_id(c, merchant, debit, currency).await?, account_id(c, merchant, credit, currency).await?);
                refused(
                    apply(c, id, Request::Hold { debit: d, credit: k, amount, expires_at_ms }, txn_id, now_ms).await?,
                    id,
                    txn_id,
                    on,
                )?;
            }
            Planned::VoidHold { id, hold } => {
                // What is still held is released; a hold already resolved (a
                // completion posted it, or it expired) leaves nothing to void,
                // as at the network.
                if let Some(hold) = live_hold(c, hold).await? {
                    expire_if_due(c, hold, now_ms).await?;
                    if load_hold(c, hold).await?.is_some_and(|h| h.state == HoldState::Pending) {
                        refused(apply(c, id, Request::VoidHold { hold }, txn_id, now_ms).await?, id, txn_id, on)?;
                    }
                }
            }
            Planned::RestoreHold { id, hold, acted } => {
                let resolved = load_result(c, acted).await?.as_deref() == Some("ok");
                if resolved
                    && load_hold(c, id).await?.is_none()
                    && live_hold(c, hold).await?.is_none()
                    && let Some(h) = load_hold(c, hold).await?
                {
                    let request = Request::Hold {
                        debit: h.debit,
                        credit: h.credit,
                        amount: h.amount,
                        expires_at_ms: h.expires_at_ms,
                    };
                    refused(apply(c, id, request, txn_id, now_ms).await?, id, txn_id, on)?;
                }
            }
            Planned::Complete { id, hold, amount, excess_id } => {
                let hold = live_hold(c, hold).await?.unwrap_or(hold);
                expire_if_due(c, hold, now_ms).await?;
                let held = load_hold(c, hold).await?.filter(|h| h.state == HoldState::Pending).map_or(0, |h| h.amount);
                let from_hold = amount.min(held);
                if from_hold > 0 {
                    refused(
                        apply(c, id, Request::PostHold { hold, amount: Some(from_hold) }, txn_id, now_ms).await?,
                        id,
                        txn_id,
                        on,
                    )?;
                }
                if amount > from_hold {
                    let network = account_id(c, merchant, Role::Network, currency).await?;
                    let pending = account_id(c, merchant, Role::MerchantPending, currency).await?;
                    refused(
                        apply(c, excess_id, transfer(network, pending, amount - from_hold), txn_id, now_ms).await?,
                        excess_id,
                        txn_id,
                        on,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Expires every hold due by `now_ms`.
pub(super) async fn expire_due(c: &impl GenericClient, now_ms: i64) -> Result<u64> {
    let statement = c
        .prepare_cached(
            "SELECT id FROM ledger_holds WHERE state = 'pending' AND expires_at <= $1 LIMIT 10000 FOR UPDATE",
        )
        .await
        .map_err(pg_error)?;
    let due: Vec<String> = c.query(&statement, &[&now_ms]).await.map_err(pg_error)?.iter().map(|r| r.get(0)).collect();
    for id in &due {
        let id = id.parse::<u128>().map(PostingId).map_err(|_| StoreError::Corrupt("hold id".into()))?;
        expire_if_due(c, id, now_ms).await?;
    }
    Ok(due.len() as u64)
}

pub(super) async fn audit(c: &impl GenericClient) -> Result<LedgerAudit> {
    let totals = one(
        c,
        "SELECT COALESCE(SUM(debits_posted), 0)::BIGINT, COALESCE(SUM(credits_posted), 0)::BIGINT,
                COALESCE(SUM(debits_pending), 0)::BIGINT, COALESCE(SUM(credits_pending), 0)::BIGINT FROM ledger_accounts",
        &[],
    )
    .await?
    .ok_or_else(|| StoreError::NotFound("ledger totals".into()))?;
    let mut audit = LedgerAudit {
        debits_posted: i128::from(totals.get::<_, i64>(0)),
        credits_posted: i128::from(totals.get::<_, i64>(1)),
        debits_pending: i128::from(totals.get::<_, i64>(2)),
        credits_pending: i128::from(totals.get::<_, i64>(3)),
        ..LedgerAudit::default()
    };
    audit.rejected = one(c, &for_postgres(sql::AUDIT), &[]).await?.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64);
    let statement = c
        .prepare_cached(
            "SELECT m.id,
                 COALESCE((SELECT credits_posted - debits_posted FROM ledger_accounts a
                           WHERE a.owner = m.id AND a.kind = 'MerchantPending'), 0)::BIGINT,
                 COALESCE((SELECT SUM(CASE
                     WHEN t.kind IN ('sale', 'completion', 'completion_advice') AND t.state IN ('approved', 'voided') THEN t.amount
                     WHEN t.kind IN ('sale_void', 'completion_void', 'refund') AND t.state = 'approved' THEN -t.amount
                     ELSE 0 END) FROM transactions t WHERE t.merchant_id = m.id), 0)::BIGINT
                 - COALESCE((SELECT SUM(s.fees + s.held + s.paid)
                             FROM merchant_settlements s WHERE s.merchant_id = m.id), 0)::BIGINT
             FROM merchants m ORDER BY m.id",
        )
        .await
        .map_err(pg_error)?;
    audit.merchants = c
        .query(&statement, &[])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| (r.get::<_, String>(0), i128::from(r.get::<_, i64>(1)), i128::from(r.get::<_, i64>(2))))
        .collect();
    let statement = c.prepare_cached(&for_postgres(sql::AUDIT_2)).await.map_err(pg_error)?;
    audit.available = c
        .query(&statement, &[])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|r| (r.get::<_, String>(0), i128::from(r.get::<_, i64>(1))))
        .collect();
    Ok(audit)
}

pub(super) async fn day_items(
    c: &impl GenericClient,
    business_date: &str,
) -> Result<Vec<kassa_settlement::SettleItem>> {
    let statement = c.prepare_cached(&for_postgres(sql::DAY_ITEMS)).await.map_err(pg_error)?;
    let mut items = Vec::new();
    for row in c.query(&statement, &[&business_date]).await.map_err(pg_error)? {
        items.push(kassa_settlement::SettleItem {
            merchant: MerchantId::parse(row.get(0)).ok_or_else(|| StoreError::Corrupt("merchant id".into()))?,
            mcc: row.get(1),
            kind: kassa_core::TxnKind::from_code(row.get(2)).ok_or_else(|| StoreError::Corrupt("kind".into()))?,
            amount: kassa_core::Amount(row.get::<_, i64>(3).max(0) as u64),
            voided: row.get(4),
            risk_held: row.get(5),
            txn_id: row.get(6),
            adjustment: row.get(7),
        });
    }
    Ok(items)
}

pub(super) async fn record_settlement(
    c: &impl GenericClient,
    day: &crate::ledger::MerchantSettlement,
    digest: DayDigest,
    now_ms: i64,
) -> Result<Recorded> {
    // Against every begin of this merchant's transactions (they take the lock shared).
    super::queries::lock_merchant_day(c, &day.merchant, true).await?;
    let merchant_date: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&day.merchant.as_str(), &day.business_date];
    if super::queries::day_settled(c, &day.merchant, &day.business_date).await? {
        return Ok(Recorded::Before);
    }
    let statement =
        c.prepare_cached(&crate::office::for_postgres(crate::ledger::DAY_IN_FLIGHT_SQL)).await.map_err(pg_error)?;
    let in_flight: i64 = c.query_one(&statement, &merchant_date).await.map_err(pg_error)?.get(0);
    if in_flight > 0 {
        return Ok(Recorded::Retry("a transaction of the day is in flight"));
    }
    let statement =
        c.prepare_cached(&crate::office::for_postgres(crate::ledger::DAY_DIGEST_SQL)).await.map_err(pg_error)?;
    let row = c.query_one(&statement, &merchant_date).await.map_err(pg_error)?;
    if (DayDigest { count: row.get(0), ids: row.get(1), voided_ids: row.get(2) }) != digest {
        return Ok(Recorded::Retry("the day changed since it was read"));
    }
    let n = |v: u64| v as i64;
    let statement = c.prepare_cached(&for_postgres(sql::RECORD_SETTLEMENT)).await.map_err(pg_error)?;
    let inserted = c
        .execute(
            &statement,
            &[
                &day.merchant.as_str(),
                &day.business_date,
                &n(day.gross),
                &n(day.voids),
                &n(day.refunds),
                &n(day.fees),
                &n(day.held),
                &day.net,
                &now_ms,
                &n(day.paid),
                &n(day.carried),
                &day.adjustments,
            ],
        )
        .await
        .map_err(pg_error)?;
    if inserted == 0 {
        return Ok(Recorded::Before);
    }
    post_for(c, &day.merchant, day.currency, &crate::ledger::settlement(day), now_ms).await?;
    Ok(Recorded::Now)
}

pub(super) async fn reconcilable(
    c: &impl GenericClient,
    business_date: &str,
) -> Result<Vec<kassa_settlement::HostItem>> {
    let statement = c.prepare_cached(&for_postgres(sql::RECONCILABLE)).await.map_err(pg_error)?;
    Ok(c.query(&statement, &[&business_date])
        .await
        .map_err(pg_error)?
        .iter()
        .map(|row| {
            let id: i64 = row.get(0);
            kassa_settlement::HostItem {
                txn_id: id,
                stan: crate::model::link_stan_of(row.get(4)),
                transmitted: row.get::<_, Option<String>>(1).unwrap_or_default(),
                kind: row.get(2),
                amount: row.get::<_, i64>(3).max(0) as u64,
            }
        })
        .collect())
}

pub(super) async fn record_breaks(
    c: &impl GenericClient,
    business_date: &str,
    breaks: &[kassa_settlement::Break],
    now_ms: i64,
) -> Result<u64> {
    let statement = c.prepare_cached(&for_postgres(sql::RECORD_BREAKS)).await.map_err(pg_error)?;
    let mut new = 0;
    for b in breaks {
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 9] = [
            &business_date,
            &b.kind.code(),
            &(b.stan as i32),
            &b.transmitted,
            &b.txn_id,
            &b.host_amount.map(|a| a as i64),
            &b.network_amount.map(|a| a as i64),
            &b.reason,
            &now_ms,
        ];
        new += c.execute(&statement, &params).await.map_err(pg_error)?;
    }
    Ok(new)
}
