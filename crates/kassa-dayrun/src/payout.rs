//! Payouts: each settled day's net goes directly to the merchant's own
//! settlement card through a bank adapter.
//!
//! Exactly once: a payout's id (`merchant-date`) is its idempotency key at the
//! bank. The payout is created (and its amount reserved on the ledger) before
//! anything is sent; a run that finds it `created` sends it again — the bank
//! ignores a repeat — so dying between sending and recording changes nothing.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kassa_core::time::Clock;
use kassa_crypto::SecurityModule;
use kassa_store::Store;
use kassa_store::ledger::PayoutState;

use crate::Error;

/// What the bank says about a payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BankStatus {
    /// Received; the result is not known yet.
    Pending,
    Paid,
    Failed(String),
}

/// A bank that pays out to cards. `send` must be idempotent by `id`.
pub trait Bank: Send + Sync {
    fn send(&self, id: &str, card: &str, amount: u64) -> impl Future<Output = Result<(), Error>> + Send;
    /// `None` when the bank never received `id`.
    fn status(&self, id: &str) -> impl Future<Output = Result<Option<BankStatus>, Error>> + Send;
}

/// The default bank: results after a delay, payouts to closed accounts fail.
/// Its time is the `Clock` it is given, so tests drive the delay.
pub struct SimulatedBank {
    /// Card numbers whose accounts are closed.
    pub closed: HashSet<String>,
    pub settle_after: Duration,
    clock: Arc<dyn Clock>,
    /// Payout id → (card, amount, received at in Unix ms).
    orders: Mutex<HashMap<String, (String, u64, i64)>>,
}

impl std::fmt::Debug for SimulatedBank {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedBank").field("settle_after", &self.settle_after).finish_non_exhaustive()
    }
}

impl SimulatedBank {
    pub fn new(closed: HashSet<String>, settle_after: Duration, clock: Arc<dyn Clock>) -> SimulatedBank {
        SimulatedBank { closed, settle_after, clock, orders: Mutex::new(HashMap::new()) }
    }

    /// How many distinct payouts the bank has debited (for tests).
    pub fn debits(&self) -> usize {
        self.orders.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Bank for SimulatedBank {
    async fn send(&self, id: &str, card: &str, amount: u64) -> Result<(), Error> {
        let mut orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.clock.now_ms();
        orders.entry(id.to_string()).or_insert_with(|| (card.to_string(), amount, now));
        Ok(())
    }

    async fn status(&self, id: &str) -> Result<Option<BankStatus>, Error> {
        let orders = self.orders.lock().unwrap_or_else(|e| e.into_inner());
        Ok(orders.get(id).map(|(card, _, at)| {
            if self.clock.now_ms().saturating_sub(*at) < self.settle_after.as_millis() as i64 {
                BankStatus::Pending
            } else if self.closed.contains(card) {
                BankStatus::Failed("account closed".into())
            } else {
                BankStatus::Paid
            }
        }))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub created: usize,
    pub sent: usize,
    pub paid: usize,
    pub failed: usize,
    pub pending: usize,
}

/// One line for people: what this run did.
pub fn report(summary: &RunSummary) -> String {
    format!(
        "payouts: {} created, {} sent, {} paid, {} failed (funds back to available, merchant notified), {} awaiting the bank\n",
        summary.created, summary.sent, summary.paid, summary.failed, summary.pending
    )
}

/// Creates the payouts of `business_date` (when given), then moves every open
/// payout on: sends what is not known to be sent, records what the bank has decided.
pub async fn run<S: Store, B: Bank>(
    store: &S,
    bank: &B,
    hsm: &dyn SecurityModule,
    business_date: Option<&str>,
    now_ms: i64,
) -> Result<RunSummary, Error> {
    let mut summary = RunSummary::default();
    if let Some(date) = business_date {
        summary.created = store.create_payouts(date.to_string(), now_ms).await?.len();
    }
    for payout in store.open_payouts().await? {
        if payout.state == PayoutState::Created || bank.status(&payout.id).await?.is_none() {
            let card = hsm.decrypt_pan(&payout.card_sealed)?;
            bank.send(&payout.id, &card, payout.amount).await?;
            store.mark_payout_sent(payout.id.clone(), now_ms).await?;
            summary.sent += 1;
        }
        match bank.status(&payout.id).await? {
            Some(BankStatus::Paid) => {
                store.finish_payout(payout.id.clone(), true, None, now_ms).await?;
                summary.paid += 1;
            }
            Some(BankStatus::Failed(reason)) => {
                store.finish_payout(payout.id.clone(), false, Some(reason), now_ms).await?;
                summary.failed += 1;
            }
            Some(BankStatus::Pending) | None => summary.pending += 1,
        }
    }
    Ok(summary)
}
