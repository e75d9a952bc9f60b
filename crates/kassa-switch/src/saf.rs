//! Store and forward: the host's reversals (0420) owed to the network, sent
//! from the durable queue and retried with backoff until acknowledged (an
//! answer that leaves a reversal owed, such as `96`, is no acknowledgement).
//! The queue survives restarts because it is the store.

use std::sync::Arc;
use std::time::Duration;

use kassa_core::time::Clock;
use kassa_crypto::SecurityModule;
use kassa_network::{LinkKind, LinkRequest, OriginalRef};
use kassa_store::{SafItem, Store, StoreError};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::network::Network;

/// Reversals taken from the queue per round.
pub const SAF_BATCH_MAX: usize = 64;
/// How often the queue is looked at when nothing wakes the worker.
pub const SAF_POLL: Duration = Duration::from_millis(500);
/// The first retry delay; it doubles with each attempt up to [`SAF_RETRY_MAX`].
pub const SAF_RETRY_MIN: Duration = Duration::from_millis(250);
pub const SAF_RETRY_MAX: Duration = Duration::from_secs(60);

/// The delay before attempt `attempts + 1`.
pub fn retry_delay(attempts: u32) -> Duration {
    SAF_RETRY_MIN.saturating_mul(2u32.saturating_pow(attempts.min(16))).min(SAF_RETRY_MAX)
}

/// The 0420 for a queued reversal: the original's card, amount and type, and
/// field 90 naming the original's link trace and transmission time.
pub fn reversal_request(item: &SafItem, hsm: &dyn SecurityModule, clock: &dyn Clock, acquirer: &str) -> LinkRequest {
    let txn = &item.txn;
    let pan = txn
        .pan_sealed
        .as_deref()
        .and_then(|sealed| hsm.decrypt_pan(sealed).ok())
        .and_then(|clear| kassa_core::CardNumber::parse(&clear));
    let now = clock.local();
    LinkRequest {
        kind: LinkKind::Reversal(txn.kind),
        stan: txn.link_stan,
        transmitted: now.mmddhhmmss(),
        pan,
        amount: Some(txn.amount),
        currency: txn.currency,
        expiry: None,
        entry_mode: if txn.entry_mode.is_empty() { "000".into() } else { txn.entry_mode.clone() },
        card_sequence: None,
        pin_block: None,
        track2: None,
        track3: None,
        emv: None,
        mcc: "0000".into(),
        terminal: txn.key.terminal.to_string(),
        merchant: txn.key.merchant.to_string(),
        merchant_name: String::new(),
        acquirer: acquirer.to_string(),
        local_time: now.hhmmss(),
        local_date: now.mmdd(),
        original: Some(OriginalRef {
            mti: txn.kind.wire().0.to_string(),
            stan: txn.link_stan,
            transmitted: txn.link_transmitted.clone(),
        }),
        rrn: None,
    }
}

/// Sends one round of due reversals; returns how many were acknowledged.
pub async fn send_due<S: Store, N: Network>(
    store: &S,
    network: &N,
    hsm: &dyn SecurityModule,
    clock: &dyn Clock,
    acquirer: &str,
) -> Result<usize, StoreError> {
    let mut due = store.saf_due(clock.now_ms(), SAF_BATCH_MAX).await?;
    if !due.is_empty() && crate::planted::take_skip_reversal() {
        // A planted fault (tests only): one reversal "sent" without sending it.
        let skipped = due.remove(0);
        store.saf_done(skipped.id, clock.now_ms()).await?;
    }
    let sends = due.iter().map(|item| {
        let request = reversal_request(item, hsm, clock, acquirer);
        async move { (item, network.request(request).await) }
    });
    let mut acknowledged = 0;
    for (item, answer) in futures_util::future::join_all(sends).await {
        match answer {
            // The network did not take it (96, 91, …; found by `kassa sim`,
            // seed 12): it stays queued and goes again.
            Ok(response) if response.code.leaves_reversal_owed() => {
                tracing::warn!(txn = item.txn.id, code = %response.code, "reversal not taken by the network; sent again");
                let next = clock.now_ms() + retry_delay(item.attempts).as_millis() as i64;
                store.saf_retry(item.id, next).await?;
            }
            // Any other answer acknowledges a reversal: the network has it.
            Ok(response) => {
                tracing::info!(txn = item.txn.id, code = %response.code, reason = %item.reason, "reversal acknowledged");
                store.saf_done(item.id, clock.now_ms()).await?;
                acknowledged += 1;
            }
            Err(_) => {
                let next = clock.now_ms() + retry_delay(item.attempts).as_millis() as i64;
                store.saf_retry(item.id, next).await?;
            }
        }
    }
    Ok(acknowledged)
}

/// Runs the store-and-forward loop until `shutdown`.
pub async fn run<S: Store, N: Network>(
    store: S,
    network: N,
    hsm: Arc<dyn SecurityModule>,
    clock: Arc<dyn Clock>,
    acquirer: String,
    wakeup: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(SAF_POLL) => {}
        }
        if let Err(error) = send_due(&store, &network, hsm.as_ref(), clock.as_ref(), &acquirer).await {
            tracing::error!(%error, "store and forward");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_ceiling() {
        assert_eq!(retry_delay(0), Duration::from_millis(250));
        assert_eq!(retry_delay(3), Duration::from_secs(2));
        assert_eq!(retry_delay(30), SAF_RETRY_MAX);
    }
}
