//! The simulated network between terminals and the host, and between the
//! host and the card network: in-memory streams (`tokio::io::duplex`) with a
//! proxy in the middle that reads whole frames (the same 2-byte length
//! framing as the real links) and, by the seed, drops, delays (and so
//! reorders), duplicates or garbles them, cuts connections, and refuses to
//! connect while a link is partitioned. Both ends run the real code: the
//! terminal's and the link's clients, the host's and the simulator's servers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kassa_network::{BoxStream, Dialer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite, LengthDelimitedCodec};

use super::rng::Rng;

/// Which link a connection is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Terminals to the host.
    Terminal,
    /// The host to the card network.
    Network,
}

/// The faults of one link, in per mille of frames (or of connections).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkFaults {
    pub drop: u32,
    pub duplicate: u32,
    /// Frames held back up to `delay_max_ms`; two held differently arrive reordered.
    pub delay: u32,
    pub delay_max_ms: u64,
    /// Frames from the server with one byte flipped (the network's answers
    /// then fail their MAC; the terminal's fail to parse or their MAC).
    pub garble: u32,
    /// Each frame may end its connection instead.
    pub cut: u32,
}

/// What one link does now.
#[derive(Clone, Copy, Debug, Default)]
struct LinkState {
    faults: LinkFaults,
    partitioned: bool,
}

/// A server the simulation can connect to: it is handed the server's end of each connection.
pub type Serve = Arc<dyn Fn(BoxStream) -> bool + Send + Sync>;

struct Inner {
    rng: Rng,
    links: [LinkState; 2],
    servers: [Option<Serve>; 2],
    /// Counts for the verdict line: frames dropped, duplicated, delayed, garbled, connections cut.
    counts: [u64; 5],
}

/// The simulated network; cheap to clone.
#[derive(Clone)]
pub struct SimNet {
    inner: Arc<Mutex<Inner>>,
}

/// Frames a connection's proxy holds at once (the rest wait for room).
const PROXY_QUEUE: usize = 256;
/// Room of an in-memory stream's buffer.
const PIPE_BYTES: usize = 64 * 1024;

fn index(link: Link) -> usize {
    match link {
        Link::Terminal => 0,
        Link::Network => 1,
    }
}

impl std::fmt::Debug for SimNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimNet").field("counts", &self.counts()).finish()
    }
}

impl SimNet {
    pub fn new(rng: Rng) -> SimNet {
        SimNet {
            inner: Arc::new(Mutex::new(Inner {
                rng,
                links: [LinkState::default(); 2],
                servers: [None, None],
                counts: [0; 5],
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Who answers on `link` (none: connections are refused, as to a dead host).
    pub fn set_server(&self, link: Link, serve: Option<Serve>) {
        self.lock().servers[index(link)] = serve;
    }

    pub fn set_faults(&self, link: Link, faults: LinkFaults) {
        self.lock().links[index(link)].faults = faults;
    }

    pub fn partition(&self, link: Link, partitioned: bool) {
        self.lock().links[index(link)].partitioned = partitioned;
    }

    /// Frames dropped, duplicated, delayed, garbled; connections cut.
    pub fn counts(&self) -> [u64; 5] {
        self.lock().counts
    }

    /// A dialer onto `link`: each connection goes through a faulty proxy to the link's server.
    pub fn dialer(&self, link: Link) -> Dialer {
        let net = self.clone();
        Dialer::new(move |_address: &str| {
            let net = net.clone();
            Box::pin(async move { net.connect(link) })
        })
    }

    fn connect(&self, link: Link) -> std::io::Result<BoxStream> {
        let serve = {
            let inner = self.lock();
            let state = inner.links[index(link)];
            match (&inner.servers[index(link)], state.partitioned) {
                (Some(serve), false) => serve.clone(),
                _ => return Err(std::io::ErrorKind::ConnectionRefused.into()),
            }
        };
        let (client, client_side) = tokio::io::duplex(PIPE_BYTES);
        let (server_side, server) = tokio::io::duplex(PIPE_BYTES);
        if !serve(Box::new(server)) {
            return Err(std::io::ErrorKind::ConnectionRefused.into());
        }
        let (client_read, client_write) = tokio::io::split(client_side);
        let (server_read, server_write) = tokio::io::split(server_side);
        let cut = tokio_util::sync::CancellationToken::new();
        tokio::spawn(self.clone().carry(link, false, client_read, server_write, cut.clone()));
        tokio::spawn(self.clone().carry(link, true, server_read, client_write, cut));
        Ok(Box::new(client))
    }

    /// Carries frames one way, with the link's faults; `from_server` for answers.
    async fn carry(
        self,
        link: Link,
        from_server: bool,
        from: impl AsyncRead + Unpin,
        to: impl AsyncWrite + Unpin + Send + 'static,
        cut: tokio_util::sync::CancellationToken,
    ) {
        let codec =
            || LengthDelimitedCodec::builder().length_field_length(2).max_frame_length(u16::MAX as usize).new_codec();
        let mut reader = FramedRead::new(from, codec());
        let (tx, mut rx) = mpsc::channel::<Bytes>(PROXY_QUEUE);
        let writing_cut = cut.clone();
        let writing = tokio::spawn(async move {
            let mut writer = FramedWrite::new(to, codec());
            loop {
                let frame = tokio::select! {
                    biased;
                    _ = writing_cut.cancelled() => break,
                    frame = rx.recv() => frame,
                };
                let Some(frame) = frame else { break };
                if writer.send(frame).await.is_err() {
                    break;
                }
            }
            // Dropping the writer closes this direction: the reader sees the end.
        });
        loop {
            let frame = tokio::select! {
                biased;
                _ = cut.cancelled() => break,
                frame = reader.next() => frame,
            };
            let Some(Ok(frame)) = frame else { break };
            let mut frame = frame.freeze();
            let (action, delay, duplicate) = {
                let mut inner = self.lock();
                let state = inner.links[index(link)];
                let f = state.faults;
                let rng = &mut inner.rng;
                let action = if state.partitioned || rng.per_mille(f.drop) {
                    Some(0)
                } else if rng.per_mille(f.cut) {
                    Some(4)
                } else {
                    None
                };
                let garble = from_server && rng.per_mille(f.garble);
                let delay = if rng.per_mille(f.delay) { rng.below(f.delay_max_ms.max(1)) } else { 0 };
                let duplicate = rng.per_mille(f.duplicate);
                if garble && frame.len() > 12 {
                    let at = 11 + rng.below(frame.len() as u64 - 11) as usize;
                    let mut bytes = frame.to_vec();
                    bytes[at] ^= 0x20;
                    frame = Bytes::from(bytes);
                    inner.counts[3] += 1;
                }
                if delay > 0 {
                    inner.counts[2] += 1;
                }
                if duplicate {
                    inner.counts[1] += 1;
                }
                if let Some(a) = action {
                    inner.counts[a] += 1;
                }
                (action, delay, duplicate)
            };
            match action {
                Some(0) => continue,
                Some(_) => {
                    cut.cancel();
                    break;
                }
                None => {}
            }
            let copies = if duplicate { 2 } else { 1 };
            for _ in 0..copies {
                if delay == 0 {
                    if tx.send(frame.clone()).await.is_err() {
                        break;
                    }
                } else {
                    let (tx, frame) = (tx.clone(), frame.clone());
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(delay)).await;
                        let _ = tx.send(frame).await;
                    });
                }
            }
        }
        drop(tx);
        let _ = writing.await;
    }
}
