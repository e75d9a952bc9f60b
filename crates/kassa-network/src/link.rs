//! The link client: one TCP connection to the card network, kept up with
//! sign-on, echo and reconnection; requests MACed, matched to their answers by
//! link trace number and transmission time, and given up after a timeout.
//!
//! A request whose deadline has passed is never written to the wire, so a
//! request the host has already given up on (and reversed) cannot reach the
//! network late from this side.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kassa_crypto::{MacAlgorithm, SecurityModule, WrappedKey};
use kassa_iso8583::{Message, mac_block, pack, unpack};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};
use tokio_util::sync::CancellationToken;

use crate::transport::{BoxStream, Dialer};

use crate::messages::{FormatError, LinkRequest, LinkResponse, management, management_request};
use crate::profile::NETWORK;

/// The largest link frame either side accepts.
pub const LINK_FRAME_SIZE_MAX: usize = 8192;
/// Requests waiting for an answer at once; more are refused.
pub const PENDING_MAX: usize = 20_000;
/// Frames queued for the writer.
pub const OUTGOING_QUEUE_MAX: usize = 8192;
const RECONNECT_DELAY_MIN: Duration = Duration::from_millis(50);

/// The framing of the link: a 2-byte big-endian length, then the message.
pub fn link_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder().length_field_length(2).max_frame_length(LINK_FRAME_SIZE_MAX).new_codec()
}

/// The field the link's MAC travels in.
pub const NETWORK_MAC_FIELD: u8 = 128;

/// The MAC algorithm of the link: AES-CMAC (first 8 bytes) under the zone MAC key, an AES-128 key.
pub const LINK_MAC: MacAlgorithm = MacAlgorithm::AesCmac;

#[derive(Clone, Debug)]
pub struct LinkConfig {
    /// `host:port` of the network.
    pub address: String,
    /// Our acquiring institution id (field 32).
    pub acquirer: String,
    /// How long a request may wait for its answer.
    pub timeout: Duration,
    pub echo_interval: Duration,
    pub reconnect_delay_max: Duration,
    /// The zone MAC key shared with the network.
    pub mac_key: WrappedKey,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the network link is down")]
    Down,
    #[error("too many requests in flight")]
    Busy,
    #[error("the answer failed its MAC")]
    BadMac,
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("encode: {0}")]
    Encode(#[from] kassa_iso8583::EncodeError),
    #[error("security module: {0}")]
    Crypto(#[from] kassa_crypto::CryptoError),
}

struct Outgoing {
    bytes: Bytes,
    deadline: Instant,
}

type Answer = (Message, Bytes);

struct Shared {
    config: LinkConfig,
    hsm: Arc<dyn SecurityModule>,
    outgoing: mpsc::Sender<Outgoing>,
    pending: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    up: AtomicBool,
    management_stan: AtomicU32,
}

/// A handle to the link; cheap to clone.
#[derive(Clone)]
pub struct NetworkLink {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for NetworkLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetworkLink").field("address", &self.shared.config.address).field("up", &self.is_up()).finish()
    }
}

fn pending_key(stan: &str, transmitted: &str) -> String {
    format!("{stan}/{transmitted}")
}

impl NetworkLink {
    /// Starts the connection task; it runs until `shutdown` is cancelled.
    pub fn spawn(config: LinkConfig, hsm: Arc<dyn SecurityModule>, shutdown: CancellationToken) -> NetworkLink {
        NetworkLink::spawn_with(config, hsm, shutdown, Dialer::tcp())
    }

    /// [`NetworkLink::spawn`], reaching the network through `dialer`.
    pub fn spawn_with(
        config: LinkConfig,
        hsm: Arc<dyn SecurityModule>,
        shutdown: CancellationToken,
        dialer: Dialer,
    ) -> NetworkLink {
        let (tx, rx) = mpsc::channel(OUTGOING_QUEUE_MAX);
        let shared = Arc::new(Shared {
            config,
            hsm,
            outgoing: tx,
            pending: Mutex::new(HashMap::new()),
            up: AtomicBool::new(false),
            management_stan: AtomicU32::new(1),
        });
        tokio::spawn(run(shared.clone(), rx, shutdown, dialer));
        NetworkLink { shared }
    }

    /// Whether the link is connected and signed on.
    pub fn is_up(&self) -> bool {
        self.shared.up.load(Ordering::Acquire)
    }

    /// Waits until the link is up, or `limit` has passed.
    pub async fn wait_up(&self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.is_up() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    pub fn timeout(&self) -> Duration {
        self.shared.config.timeout
    }

    /// Sends a request and waits for its answer, at most the configured timeout.
    /// `Down` means nothing was sent; any other error means the network may
    /// have acted on it.
    pub async fn request(&self, request: &LinkRequest) -> Result<LinkResponse, LinkError> {
        if !self.is_up() {
            return Err(LinkError::Down);
        }
        let shared = &self.shared;
        let mut message = request.to_message();
        mac_block::reserve(&mut message, NETWORK_MAC_FIELD);
        let mut packed = pack(&NETWORK, &message)?;
        let (data, _) = mac_block::split(&message, &packed, NETWORK_MAC_FIELD).ok_or(LinkError::BadMac)?;
        let mac = shared.hsm.generate_mac(&shared.config.mac_key, LINK_MAC, data)?;
        mac_block::fill(&mut packed, mac);

        let key = pending_key(&format!("{:06}", request.stan), &request.transmitted);
        let (tx, rx) = oneshot::channel();
        {
            let mut pending = shared.pending.lock().unwrap_or_else(|e| e.into_inner());
            if pending.len() >= PENDING_MAX {
                return Err(LinkError::Busy);
            }
            pending.insert(key.clone(), tx);
        }
        let timeout = shared.config.timeout;
        let deadline = Instant::now() + timeout;
        let outgoing = Outgoing { bytes: Bytes::from(packed), deadline };
        let answer = match tokio::time::timeout_at(deadline, async {
            shared.outgoing.send(outgoing).await.map_err(|_| LinkError::Down)?;
            rx.await.map_err(|_| LinkError::Down)
        })
        .await
        {
            Ok(answer) => answer,
            Err(_) => Err(LinkError::Timeout(timeout)),
        };
        shared.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
        let (message, bytes) = answer?;
        let (data, mac) = mac_block::split(&message, &bytes, NETWORK_MAC_FIELD).ok_or(LinkError::BadMac)?;
        if !shared.hsm.verify_mac(&shared.config.mac_key, LINK_MAC, data, mac)? {
            return Err(LinkError::BadMac);
        }
        Ok(LinkResponse::from_message(&message)?)
    }
}

fn transmitted_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
    // Only used for management messages, which are matched by trace alone.
    let seconds_of_day = now % 86_400;
    format!("0101{:02}{:02}{:02}", seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60)
}

async fn run(shared: Arc<Shared>, mut outgoing: mpsc::Receiver<Outgoing>, shutdown: CancellationToken, dialer: Dialer) {
    let mut delay = RECONNECT_DELAY_MIN;
    loop {
        // Biased selects throughout: the same inputs take the same branch,
        // which the deterministic simulation needs (and shutdown comes first).
        let connected = tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            connected = dialer.dial(&shared.config.address) => connected,
        };
        match connected {
            Ok(stream) => {
                delay = RECONNECT_DELAY_MIN;
                if let Err(error) = serve(&shared, stream, &mut outgoing, &shutdown).await {
                    tracing::warn!(%error, address = %shared.config.address, "network link lost");
                }
                shared.up.store(false, Ordering::Release);
            }
            Err(error) => tracing::debug!(%error, address = %shared.config.address, "network link: connect failed"),
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(shared.config.reconnect_delay_max);
    }
}

fn management(shared: &Shared, code: &str) -> Result<Bytes, LinkError> {
    let stan = shared.management_stan.fetch_add(1, Ordering::Relaxed) % 1_000_000;
    let message = management_request(code, stan, &transmitted_now(), &shared.config.acquirer);
    Ok(Bytes::from(pack(&NETWORK, &message)?))
}

async fn serve(
    shared: &Shared,
    stream: BoxStream,
    outgoing: &mut mpsc::Receiver<Outgoing>,
    shutdown: &CancellationToken,
) -> Result<(), std::io::Error> {
    let (read, write) = tokio::io::split(stream);
    let mut reader = FramedRead::new(read, link_codec());
    let mut writer = FramedWrite::new(write, link_codec());
    let io_error = |e: LinkError| std::io::Error::other(e.to_string());
    writer.send(management(shared, management::SIGN_ON).map_err(io_error)?).await?;
    let mut echo = tokio::time::interval(shared.config.echo_interval);
    echo.tick().await;
    // When the network last said anything: silent for three echo rounds, the
    // connection is dead whatever TCP says, and it is dialled again.
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                let _ = writer.send(management(shared, management::SIGN_OFF).map_err(io_error)?).await;
                return Ok(());
            }
            frame = reader.next() => {
                let Some(frame) = frame else { return Err(std::io::ErrorKind::UnexpectedEof.into()) };
                heard = Instant::now();
                dispatch(shared, frame?.freeze());
            }
            item = outgoing.recv() => {
                let Some(item) = item else { return Ok(()) };
                // Everything already queued goes out in one write.
                let now = Instant::now();
                let mut next = Some(item);
                while let Some(item) = next {
                    if item.deadline > now {
                        writer.feed(item.bytes).await?;
                    }
                    next = outgoing.try_recv().ok();
                }
                SinkExt::<Bytes>::flush(&mut writer).await?;
            }
            _ = echo.tick() => {
                if heard.elapsed() >= shared.config.echo_interval * 3 {
                    return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "the network was silent for three echo intervals"));
                }
                // Not signed on yet (the answer to the sign-on was lost): sign on again.
                let code = if shared.up.load(Ordering::Acquire) { management::ECHO } else { management::SIGN_ON };
                writer.send(management(shared, code).map_err(io_error)?).await?;
            }
        }
    }
}

fn dispatch(shared: &Shared, bytes: Bytes) {
    let message = match unpack(&NETWORK, &bytes) {
        Ok(message) => message,
        Err(error) => {
            tracing::warn!(%error, "network link: undecodable frame dropped");
            return;
        }
    };
    if message.mti().as_str() == "0810" {
        let code = message.get_str(70).unwrap_or_default();
        if code == management::SIGN_ON && message.get_str(39) == Some("00") {
            shared.up.store(true, Ordering::Release);
            tracing::info!(address = %shared.config.address, "network link signed on");
        }
        return;
    }
    let key = pending_key(message.get_str(11).unwrap_or_default(), message.get_str(7).unwrap_or_default());
    let waiter = shared.pending.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
    match waiter {
        Some(waiter) => {
            let _ = waiter.send((message, bytes));
        }
        None => tracing::debug!(key, "network link: answer with nobody waiting (late)"),
    }
}
