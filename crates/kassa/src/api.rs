//! The merchant portal, the operations console and their JSON API, started beside the host.

use std::net::SocketAddr;
use std::sync::Arc;

use kassa_api::office::{Outbox, SimulatedBankDirectory};
use kassa_api::{Office, Policies};
use kassa_core::time::Clock;
use kassa_crypto::SecurityModule;
use kassa_store::AnyStore;
use tokio_util::sync::CancellationToken;

use crate::world::Error;

/// Builds the back-office service on `store` with the default SMS outbox.
pub fn office(
    store: AnyStore,
    hsm: Arc<dyn SecurityModule>,
    clock: Arc<dyn Clock>,
    bank: Arc<SimulatedBankDirectory>,
    policies: Policies,
) -> Arc<Office> {
    Arc::new(Office { store, hsm, clock, sms: Arc::new(Outbox), bank, policies })
}

/// Serves the API on `listen` until `shutdown`; returns the bound address.
pub async fn serve(listen: &str, office: Arc<Office>, shutdown: CancellationToken) -> Result<SocketAddr, Error> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    tokio::spawn(daily_jobs(office.clone(), shutdown.clone()));
    // The pages (portal at /, console at /console) and the JSON API (/api/v1) on one port.
    let router = kassa_console::router(office.clone()).merge(kassa_api::http::router(office));
    tokio::spawn(async move {
        let stopped = shutdown.cancelled_owned();
        if let Err(error) = axum::serve(listener, router).with_graceful_shutdown(stopped).await {
            tracing::error!(%error, "the API server stopped");
        }
    });
    tracing::info!(%address, "merchant and operations API listening");
    Ok(address)
}

/// Runs the back office's daily jobs (terminal lifecycle, closing
/// cancellations) at start-up and then once each new local day, until `shutdown`.
pub async fn daily_jobs(office: Arc<Office>, shutdown: CancellationToken) {
    let mut last_day = None;
    loop {
        let today = office.today();
        if last_day != Some(today) {
            match office.daily_jobs().await {
                Ok(summary) => {
                    last_day = Some(today);
                    tracing::info!(
                        dormant = summary.terminals.made_dormant.len(),
                        deregistered = summary.terminals.deregistered.len(),
                        cancellations_closed = summary.cancellations_closed.len(),
                        "daily back-office jobs ran"
                    );
                    for held in &summary.cancellations_held {
                        tracing::warn!(
                            cancellation = held.id,
                            merchant = %held.merchant_id,
                            unmet = %held.unmet.join("; "),
                            "cancellation due but not closed: its checklist no longer holds (operations: see the audit log)"
                        );
                    }
                }
                Err(error) => tracing::warn!(%error, "daily back-office jobs failed; retrying in a minute"),
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
    }
}
