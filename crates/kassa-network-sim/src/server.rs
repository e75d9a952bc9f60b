//! The simulator's TCP server: speaks the network-link profile, checks MACs,
//! answers sign-on and echo, hands financial requests to the [`Issuer`], and
//! injects faults (delay, dropped answers, errors) from a seed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kassa_core::ResponseCode;
use kassa_crypto::{SecurityModule, WrappedKey};
use kassa_iso8583::{Message, mac_block, pack, unpack};
use kassa_network::{LINK_MAC, LinkRequest, LinkResponse, NETWORK, NETWORK_MAC_FIELD, link_codec};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};
use tokio_util::sync::CancellationToken;

use crate::issuer::{Issuer, PinVerifier, Today};

/// Connections the simulator serves at once.
pub const CONNECTIONS_MAX: usize = 64;
/// Answers queued per connection.
const ANSWERS_QUEUE_MAX: usize = 4096;

/// Faults to inject, reproducible from `seed`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Delay before every answer.
    pub delay_ms: u64,
    /// Percent of financial requests processed but never answered.
    pub drop_percent: u8,
    /// Percent of financial requests answered `96` without being processed.
    pub error_percent: u8,
    /// Percent of payments to cards (services' credit legs) processed but
    /// never answered: the beneficiary's issuer goes quiet.
    pub credit_drop_percent: u8,
    pub seed: u64,
}

/// SplitMix64: a tiny, well-known deterministic generator for fault rolls.
#[derive(Debug)]
struct Rolls(u64);

impl Rolls {
    fn next_percent(&mut self) -> u8 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % 100) as u8
    }
}

/// Keys the simulator shares with the acquirer.
#[derive(Clone, Debug)]
pub struct SimKeys {
    /// Zone PIN key: PIN blocks arrive under it.
    pub pin: WrappedKey,
    /// Zone MAC key: X9.19 over every financial message.
    pub mac: WrappedKey,
}

/// The running simulator's shared state.
#[derive(Clone)]
pub struct Simulator {
    issuer: Arc<Mutex<Issuer>>,
    hsm: Arc<dyn SecurityModule>,
    keys: SimKeys,
    faults: Arc<Mutex<(Faults, Rolls)>>,
    today: Arc<dyn Fn() -> Today + Send + Sync>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Simulator")
    }
}

struct HsmPins<'a> {
    hsm: &'a dyn SecurityModule,
    key: &'a WrappedKey,
}

impl PinVerifier for HsmPins<'_> {
    fn verify(&self, block: &[u8; 8], pan: &str, pin: &str) -> bool {
        self.hsm.verify_pin(block, self.key, Some(pan), pin).unwrap_or(false)
    }
}

enum Answer {
    Send(Bytes),
    Drop,
}

impl Simulator {
    pub fn new(
        issuer: Issuer,
        hsm: Arc<dyn SecurityModule>,
        keys: SimKeys,
        faults: Faults,
        today: Arc<dyn Fn() -> Today + Send + Sync>,
    ) -> Simulator {
        Simulator {
            issuer: Arc::new(Mutex::new(issuer)),
            hsm,
            keys,
            faults: Arc::new(Mutex::new((faults, Rolls(faults.seed)))),
            today,
        }
    }

    /// Changes the faults injected from now on (tests turn them on and off).
    pub fn set_faults(&self, faults: Faults) {
        *self.faults.lock().unwrap_or_else(|e| e.into_inner()) = (faults, Rolls(faults.seed));
    }

    /// Runs `f` on the issuer state (for reports, the clearing file and tests).
    pub fn with_issuer<T>(&self, f: impl FnOnce(&mut Issuer) -> T) -> T {
        f(&mut self.issuer.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Serves connections on `listener` until `shutdown`.
    pub async fn serve(self, listener: TcpListener, shutdown: CancellationToken) {
        let slots = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS_MAX));
        loop {
            let accepted = tokio::select! {
                biased;
                _ = shutdown.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            let Ok((stream, peer)) = accepted else { continue };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "network simulator: connection limit reached");
                continue;
            };
            let simulator = self.clone();
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                let _ = stream.set_nodelay(true);
                simulator.serve_stream(stream, peer.to_string(), shutdown).await;
                drop(permit);
            });
        }
    }

    /// Serves one connection (TCP from [`Simulator::serve`], or any stream) until it closes or `shutdown`.
    pub async fn serve_stream(
        &self,
        stream: impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
        peer: String,
        shutdown: CancellationToken,
    ) {
        let (read, write) = tokio::io::split(stream);
        let mut reader = FramedRead::new(read, link_codec());
        let mut writer = FramedWrite::new(write, link_codec());
        let (tx, mut rx) = mpsc::channel::<Bytes>(ANSWERS_QUEUE_MAX);
        let writing = tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                // Every answer already queued goes out in one write.
                let mut next = Some(bytes);
                while let Some(bytes) = next {
                    if writer.feed(bytes).await.is_err() {
                        return;
                    }
                    next = rx.try_recv().ok();
                }
                if SinkExt::<Bytes>::flush(&mut writer).await.is_err() {
                    return;
                }
            }
        });
        loop {
            let frame = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                frame = reader.next() => frame,
            };
            let Some(Ok(frame)) = frame else { break };
            let (answer, delay) = self.answer(&frame);
            let Answer::Send(bytes) = answer else { continue };
            if delay.is_zero() {
                if tx.send(bytes).await.is_err() {
                    break;
                }
            } else {
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = tx.send(bytes).await;
                });
            }
        }
        drop(tx);
        let _ = writing.await;
        tracing::debug!(%peer, "network simulator: connection closed");
    }

    fn answer(&self, frame: &[u8]) -> (Answer, Duration) {
        let Ok(message) = unpack(&NETWORK, frame) else {
            tracing::warn!("network simulator: undecodable frame dropped");
            return (Answer::Drop, Duration::ZERO);
        };
        if message.mti().as_str() == "0800" {
            return (self.management(&message), Duration::ZERO);
        }
        let (faults, drop, error, credit_drop) = {
            let mut guard = self.faults.lock().unwrap_or_else(|e| e.into_inner());
            let faults = guard.0;
            let drop = guard.1.next_percent() < faults.drop_percent;
            let error = guard.1.next_percent() < faults.error_percent;
            let credit_drop = faults.credit_drop_percent > 0 && guard.1.next_percent() < faults.credit_drop_percent;
            (faults, drop, error, credit_drop)
        };
        let rolled_credit_drop = credit_drop;
        let delay = Duration::from_millis(faults.delay_ms);
        let response = match self.verify(&message, frame) {
            Err(code) => LinkResponse::declined(code),
            Ok(request) if error => {
                let today = (self.today)();
                self.with_issuer(|issuer| issuer.fail(&request, &today, ResponseCode::SystemMalfunction))
            }
            Ok(request) => {
                let today = (self.today)();
                let pins = HsmPins { hsm: self.hsm.as_ref(), key: &self.keys.pin };
                self.with_issuer(|issuer| issuer.handle(&request, &today, &pins))
            }
        };
        tracing::debug!(
            mti = message.mti().as_str(),
            stan = message.get_str(11).unwrap_or(""),
            transmitted = message.get_str(7).unwrap_or(""),
            code = response.code.as_str(),
            drop,
            "network simulator: answered"
        );
        let credit = message.get(3) == Some(b"260000".as_slice()) && message.mti().as_str() == "0200";
        if drop || (credit && rolled_credit_drop) {
            return (Answer::Drop, delay);
        }
        (self.seal(&message, &response), delay)
    }

    fn verify(&self, message: &Message, frame: &[u8]) -> Result<LinkRequest, ResponseCode> {
        let (data, mac) = mac_block::split(message, frame, NETWORK_MAC_FIELD).ok_or(ResponseCode::MacFailed)?;
        match self.hsm.verify_mac(&self.keys.mac, LINK_MAC, data, mac) {
            Ok(true) => LinkRequest::from_message(message).map_err(|_| ResponseCode::FormatError),
            _ => Err(ResponseCode::MacFailed),
        }
    }

    fn seal(&self, request: &Message, response: &LinkResponse) -> Answer {
        let Some(mut message) = LinkRequest::response_message(request, response) else { return Answer::Drop };
        mac_block::reserve(&mut message, NETWORK_MAC_FIELD);
        let Ok(mut packed) = pack(&NETWORK, &message) else { return Answer::Drop };
        let Some((data, _)) = mac_block::split(&message, &packed, NETWORK_MAC_FIELD) else { return Answer::Drop };
        let Ok(mac) = self.hsm.generate_mac(&self.keys.mac, LINK_MAC, data) else { return Answer::Drop };
        mac_block::fill(&mut packed, mac);
        Answer::Send(Bytes::from(packed))
    }

    fn management(&self, request: &Message) -> Answer {
        let Some(mut response) = request.response() else { return Answer::Drop };
        for n in [7, 11, 32, 70] {
            if let Some(v) = request.get(n) {
                response.set(n, v);
            }
        }
        response.set(39, "00");
        match pack(&NETWORK, &response) {
            Ok(bytes) => Answer::Send(Bytes::from(bytes)),
            Err(_) => Answer::Drop,
        }
    }
}
