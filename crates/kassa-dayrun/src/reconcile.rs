//! The reconciliation run: the host's records of a business day against the
//! network's clearing file; every break goes to the exception queue with its
//! reason. Running it again queues nothing twice.

use kassa_settlement::{BreakKind, ClearingItem, Reconciliation, reconcile};
use kassa_store::Store;

use crate::Error;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub business_date: String,
    pub host_items: usize,
    pub network_items: usize,
    pub reconciliation: Reconciliation,
    /// Breaks queued by this run (the others were queued before).
    pub newly_queued: u64,
}

pub async fn run<S: Store>(
    store: &S,
    business_date: &str,
    clearing: &[ClearingItem],
    now_ms: i64,
) -> Result<RunSummary, Error> {
    let host = store.reconcilable(business_date.to_string()).await?;
    let reconciliation = reconcile(&host, clearing);
    let newly_queued = store.record_breaks(business_date.to_string(), reconciliation.breaks.clone(), now_ms).await?;
    Ok(RunSummary {
        business_date: business_date.to_string(),
        host_items: host.len(),
        network_items: clearing.len(),
        reconciliation,
        newly_queued,
    })
}

pub fn report(summary: &RunSummary) -> String {
    let count = |kind: BreakKind| summary.reconciliation.breaks.iter().filter(|b| b.kind == kind).count();
    let mut out = format!(
        "reconciliation of {}: host {} items, network {} items\n  matched {}  host-only {}  network-only {}  amount mismatch {}  (queued now {})\n",
        summary.business_date,
        summary.host_items,
        summary.network_items,
        summary.reconciliation.matched,
        count(BreakKind::HostOnly),
        count(BreakKind::NetworkOnly),
        count(BreakKind::AmountMismatch),
        summary.newly_queued
    );
    for b in summary.reconciliation.breaks.iter().take(20) {
        out.push_str(&format!("  {:<16} trace {:06} at {}  {}\n", b.kind.code(), b.stan, b.transmitted, b.reason));
    }
    out
}
