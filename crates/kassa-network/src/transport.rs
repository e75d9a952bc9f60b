//! How a client reaches a server: a TCP connection in production, or any
//! byte stream the caller provides — the deterministic simulation hands the
//! terminal and the network link in-memory streams with faults between them
//! (`kassa::sim`). Servers take their streams the same way
//! (`kassa_host::serve_connection`, the network simulator's `serve_stream`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

/// A connected byte stream.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

pub type BoxStream = Box<dyn Stream>;

type Connecting = Pin<Box<dyn Future<Output = std::io::Result<BoxStream>> + Send>>;

/// Opens a connection to an address (`host:port`).
#[derive(Clone)]
pub struct Dialer(Arc<dyn Fn(&str) -> Connecting + Send + Sync>);

impl std::fmt::Debug for Dialer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dialer")
    }
}

impl Dialer {
    /// TCP, with Nagle off (each message is one small write).
    pub fn tcp() -> Dialer {
        Dialer::new(|address: &str| {
            let address = address.to_string();
            Box::pin(async move {
                let stream = tokio::net::TcpStream::connect(&address).await?;
                let _ = stream.set_nodelay(true);
                Ok(Box::new(stream) as BoxStream)
            })
        })
    }

    pub fn new(dial: impl Fn(&str) -> Connecting + Send + Sync + 'static) -> Dialer {
        Dialer(Arc::new(dial))
    }

    pub async fn dial(&self, address: &str) -> std::io::Result<BoxStream> {
        (self.0)(address).await
    }
}

impl Default for Dialer {
    fn default() -> Dialer {
        Dialer::tcp()
    }
}
