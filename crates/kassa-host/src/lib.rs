//! The terminal host: a TCP server speaking the terminal profile's framing.
//! Each connection reads whole frames (length checked before the body is
//! read), hands the message to the [`Switch`], and writes the answer with the
//! TPDU's addresses swapped and the header echoed.
//!
//! Limits: [`HostLimits`]. Shutdown: stop accepting, let every connection
//! finish the request it is on, then close.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kassa_iso8583::frame::{FRAME_SIZE_MAX, PROCESSING_SIGN_IN_AGAIN};
use kassa_iso8583::split_body;
use kassa_store::Store;
use kassa_switch::{Network, Switch};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::codec::{Framed, LengthDelimitedCodec};
use tokio_util::sync::CancellationToken;

/// Named limits of the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostLimits {
    /// Terminal connections served at once; more are refused.
    pub connections_max: usize,
    /// A connection with no frame for this long is closed.
    pub idle_timeout: Duration,
    /// How long shutdown waits for connections to finish their request.
    pub shutdown_grace: Duration,
}

impl Default for HostLimits {
    fn default() -> Self {
        HostLimits {
            connections_max: 4096,
            idle_timeout: Duration::from_secs(300),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Counters the host keeps (exported as metrics by the binary).
#[derive(Debug, Default)]
pub struct HostCounters {
    pub connections_open: AtomicU64,
    pub connections_refused: AtomicU64,
    pub frames: AtomicU64,
    /// Frames dropped without an answer: unreadable TPDU/header or MTI.
    pub frames_dropped: AtomicU64,
    /// Connections closed because a frame declared more than the limit.
    pub oversized: AtomicU64,
}

/// The framing of the terminal side: a 2-byte big-endian length, at most
/// [`FRAME_SIZE_MAX`], checked before the body is read.
pub fn terminal_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().length_field_length(2).max_frame_length(FRAME_SIZE_MAX).new_codec()
}

/// Serves terminals on `listener` until `shutdown` is cancelled.
pub async fn serve<S: Store, N: Network>(
    listener: TcpListener,
    switch: Switch<S, N>,
    limits: HostLimits,
    counters: Arc<HostCounters>,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.connections_max));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(%error, "accept");
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            counters.connections_refused.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("kassa_connections_refused_total").increment(1);
            tracing::warn!(%peer, limit = limits.connections_max, "connection refused: limit reached");
            continue;
        };
        let (switch, counters, shutdown) = (switch.clone(), counters.clone(), shutdown.clone());
        connections.spawn(async move {
            let open = counters.connections_open.fetch_add(1, Ordering::Relaxed) + 1;
            metrics::gauge!("kassa_connections_open").set(open as f64);
            let _ = stream.set_nodelay(true);
            serve_connection(stream, peer.to_string(), switch, limits, &counters, shutdown).await;
            let open = counters.connections_open.fetch_sub(1, Ordering::Relaxed).saturating_sub(1);
            metrics::gauge!("kassa_connections_open").set(open as f64);
            drop(permit);
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    let drained =
        tokio::time::timeout(limits.shutdown_grace, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        tracing::warn!("shutdown: connections still open after the grace period; closing them");
        connections.abort_all();
    }
}

/// Serves one terminal connection — a TCP one from [`serve`], or any stream
/// (the deterministic simulation's) — until it closes, idles out or `shutdown`.
pub async fn serve_connection<S: Store, N: Network>(
    stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    peer: String,
    switch: Switch<S, N>,
    limits: HostLimits,
    counters: &HostCounters,
    shutdown: CancellationToken,
) {
    let mut framed = Framed::new(stream, terminal_codec());
    loop {
        let next = tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            next = tokio::time::timeout(limits.idle_timeout, framed.next()) => next,
        };
        let frame = match next {
            Err(_) => {
                tracing::debug!(%peer, "idle connection closed");
                return;
            }
            Ok(None) => return,
            Ok(Some(Err(error))) => {
                // Oversized declared length: the stream cannot be trusted any more.
                counters.oversized.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("kassa_frames_oversized_total").increment(1);
                tracing::warn!(%peer, %error, "frame rejected; closing the connection");
                return;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        counters.frames.fetch_add(1, Ordering::Relaxed);
        let Some(answer) = answer(&switch, &frame).await else {
            counters.frames_dropped.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("kassa_frames_dropped_total").increment(1);
            continue;
        };
        if let Err(error) = framed.send(answer).await {
            tracing::debug!(%peer, %error, "write failed");
            return;
        }
    }
}

/// The answer frame (without length prefix) for one frame, or `None` to drop it.
async fn answer<S: Store, N: Network>(switch: &Switch<S, N>, frame: &[u8]) -> Option<Bytes> {
    let parts = split_body(frame).ok()?;
    let started = std::time::Instant::now();
    let reply = switch.handle(parts.body).await;
    let label = reply.label;
    metrics::histogram!("kassa_request_duration_seconds", "type" => label).record(started.elapsed().as_secs_f64());
    metrics::counter!("kassa_transactions_total", "type" => label, "code" => reply.code.clone()).increment(1);
    let body = reply.body?;
    let header = if reply.sign_in_again {
        parts.header.with_processing_requirement(PROCESSING_SIGN_IN_AGAIN)
    } else {
        parts.header
    };
    let mut out = Vec::with_capacity(11 + body.len());
    out.extend_from_slice(&parts.tpdu.swapped().0);
    out.extend_from_slice(&header.0);
    out.extend_from_slice(&body);
    Some(Bytes::from(out))
}
