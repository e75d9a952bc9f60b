//! The Prometheus endpoint: `GET /metrics` on its own listener.
//!
//! Series: `kassa_transactions_total{type,code}`, `kassa_request_duration_seconds{type}`
//! (histogram), `kassa_connections_open`, `kassa_connections_refused_total`,
//! `kassa_frames_dropped_total`, `kassa_frames_oversized_total`, `kassa_saf_depth`.

use std::net::SocketAddr;

use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::world::Error;

/// Latency buckets, in seconds: fine below 20 ms, where the host should live.
const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Installs the process-wide recorder. Call once, before the host starts.
pub fn install_recorder() -> Result<PrometheusHandle, Error> {
    let builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full("kassa_request_duration_seconds".into()), &LATENCY_BUCKETS)?;
    Ok(builder.install_recorder()?)
}

/// Serves `/metrics` on `listen` until `shutdown`; returns the bound address.
pub async fn serve(listen: &str, handle: PrometheusHandle, shutdown: CancellationToken) -> Result<SocketAddr, Error> {
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
    );
    let listener = TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(error) = served {
            tracing::warn!(%error, "metrics endpoint stopped");
        }
    });
    Ok(address)
}
