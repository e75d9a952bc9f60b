//! The till's side of the terminal: its requests to the till's HTTP API,
//! signed with the MAC key of the current sign-in (`kassa_till::api`), the
//! catalogue it downloads, and the baskets it keeps while the API cannot be
//! reached and sends once when it can.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use kassa_crypto::{MacAlgorithm, mac};
use kassa_till::api::{self as till_api, BasketPost, ReturnPost, TerminalCatalogue};
use tokio::net::TcpStream;

use crate::{ScriptedTerminal, TerminalError};

/// Most pending baskets a terminal keeps (the oldest goes past it).
pub const PENDING_BASKETS_MAX: usize = 1_000;
/// How long a till request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read (a catalogue of 10,000 items fits).
pub const ANSWER_BYTES_MAX: usize = 8 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum TillError {
    /// Try again later: nothing was decided.
    #[error("the till API at {0} cannot be reached: {1}")]
    Unreachable(String, String),
    /// The host answered no: sending the same again will not help.
    #[error("{status} {code}: {reason}")]
    Refused { status: u16, code: String, reason: String },
    #[error("{0}")]
    Terminal(#[from] TerminalError),
}

impl TillError {
    /// The host refused it for good (not for want of a sign-in or a clock).
    pub fn is_final(&self) -> bool {
        matches!(self, TillError::Refused { status, .. } if *status != 401 && *status != 403 && *status < 500)
    }
}

/// The till API of one host (`host:port`).
#[derive(Clone, Debug)]
pub struct TillApi {
    pub address: String,
}

impl ScriptedTerminal {
    /// The `Kassa-Terminal`, `Kassa-Time` and `Kassa-Mac` of a till request.
    pub fn till_signature(
        &self,
        method: &str,
        path_and_query: &str,
        time_ms: i64,
        body: &[u8],
    ) -> Result<[(&'static str, String); 3], TerminalError> {
        let keys = self.keys.clone().ok_or(TerminalError::NotSignedIn)?;
        let digest = till_api::request_digest(method, path_and_query, time_ms, body);
        let code = mac::compute(MacAlgorithm::CupEcb, &keys.mac, &digest)?;
        Ok([
            (till_api::HEADER_TERMINAL, self.config.terminal_id.clone()),
            (till_api::HEADER_TIME, time_ms.to_string()),
            (till_api::HEADER_MAC, String::from_utf8_lossy(&code).into_owned()),
        ])
    }

    /// Keeps a basket the API did not take, to send later.
    pub fn keep_basket(&mut self, basket: BasketPost) -> Result<(), TerminalError> {
        if !self.state.pending_baskets.iter().any(|b| b.batch == basket.batch && b.trace == basket.trace) {
            self.state.pending_baskets.push(basket);
        }
        let excess = self.state.pending_baskets.len().saturating_sub(PENDING_BASKETS_MAX);
        self.state.pending_baskets.drain(..excess);
        self.save()
    }

    /// Sends the kept baskets, oldest first, until one cannot be sent: each
    /// the host took (or refused for good) leaves the queue. How many left it.
    pub async fn send_kept_baskets(&mut self, api: &TillApi, now_ms: i64) -> Result<usize, TillError> {
        let mut sent = 0;
        while let Some(basket) = self.state.pending_baskets.first().cloned() {
            match api.record_basket(self, &basket, now_ms).await {
                Ok(_) => {}
                // A basket refused for good (its sale unknown, its total not
                // the sale's) is not mended by sending it again: it leaves.
                Err(e) if e.is_final() => {}
                Err(e) => return if sent > 0 { Ok(sent) } else { Err(e) },
            }
            self.state.pending_baskets.remove(0);
            self.save()?;
            sent += 1;
        }
        Ok(sent)
    }
}

/// What became of a paid basket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BasketSent {
    /// The host has it (now, or it had it already).
    Recorded,
    /// The API could not be reached: kept, and sent when it can be.
    Kept(String),
    /// The host refused it for good (the reason); it is not kept.
    Refused(String),
}

/// Where the catalogue last downloaded is kept: beside the state file.
fn catalogue_path(terminal: &ScriptedTerminal) -> Option<std::path::PathBuf> {
    let state = terminal.config.state_path.as_ref()?;
    let stem = state.file_stem()?.to_string_lossy().into_owned();
    Some(state.with_file_name(format!("{stem}-catalogue.json")))
}

impl ScriptedTerminal {
    /// The catalogue: downloaded now (and kept), or, when the API cannot be
    /// reached, the one kept from the last download. The error says why it
    /// is not fresh; `None` when there is none at all.
    pub async fn till_catalogue(&self, api: &TillApi, now_ms: i64) -> (Option<TerminalCatalogue>, Option<TillError>) {
        let path = catalogue_path(self);
        match api.catalogue(self, now_ms).await {
            Ok(catalogue) => {
                if let Some(path) = &path
                    && let Ok(text) = serde_json::to_vec(&catalogue)
                {
                    // Kept as the state is: a temporary file, then a rename.
                    let temporary = path.with_extension("tmp");
                    let _ = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
                }
                (Some(catalogue), None)
            }
            Err(error) => {
                let kept = path
                    .and_then(|p| std::fs::read(p).ok())
                    .and_then(|bytes| serde_json::from_slice::<TerminalCatalogue>(&bytes).ok());
                (kept, Some(error))
            }
        }
    }

    /// After a till sale is approved: its basket goes on the sale's log entry
    /// (for the slip and reprints), then to the host — after any kept ones —
    /// or, when the API cannot be reached, into the queue.
    pub async fn till_sale_paid(&mut self, api: &TillApi, basket: BasketPost, now_ms: i64) -> BasketSent {
        if let Some(entry) =
            self.state.log.iter_mut().rev().find(|e| e.batch == basket.batch && e.trace == basket.trace)
        {
            entry.basket = Some(basket.clone());
        }
        if let Err(e) = self.save() {
            return BasketSent::Kept(e.to_string());
        }
        if !self.state.pending_baskets.is_empty()
            && let Err(e) = self.send_kept_baskets(api, now_ms).await
        {
            return match self.keep_basket(basket) {
                Ok(()) => BasketSent::Kept(e.to_string()),
                Err(e) => BasketSent::Kept(e.to_string()),
            };
        }
        match api.record_basket(self, &basket, now_ms).await {
            Ok(_) => BasketSent::Recorded,
            Err(e) if e.is_final() => BasketSent::Refused(e.to_string()),
            Err(e) => {
                let reason = e.to_string();
                match self.keep_basket(basket) {
                    Ok(()) => BasketSent::Kept(reason),
                    Err(e) => BasketSent::Kept(format!("{reason}; and it could not be kept: {e}")),
                }
            }
        }
    }
}

impl TillApi {
    pub fn new(address: impl Into<String>) -> TillApi {
        TillApi { address: address.into() }
    }

    pub async fn catalogue(&self, terminal: &ScriptedTerminal, now_ms: i64) -> Result<TerminalCatalogue, TillError> {
        let answer = self.call(terminal, "GET", till_api::CATALOGUE_PATH, Vec::new(), now_ms).await?;
        serde_json::from_slice(&answer)
            .map_err(|e| TillError::Unreachable(self.address.clone(), format!("catalogue unreadable: {e}")))
    }

    /// Records a basket; the host's answer (the recorded basket) as JSON.
    pub async fn record_basket(
        &self,
        terminal: &ScriptedTerminal,
        basket: &BasketPost,
        now_ms: i64,
    ) -> Result<serde_json::Value, TillError> {
        let body = serde_json::to_vec(basket).unwrap_or_default();
        let answer = self.call(terminal, "POST", till_api::BASKETS_PATH, body, now_ms).await?;
        Ok(serde_json::from_slice(&answer).unwrap_or(serde_json::Value::Null))
    }

    pub async fn record_return(
        &self,
        terminal: &ScriptedTerminal,
        ret: &ReturnPost,
        now_ms: i64,
    ) -> Result<serde_json::Value, TillError> {
        let body = serde_json::to_vec(ret).unwrap_or_default();
        let answer = self.call(terminal, "POST", till_api::RETURNS_PATH, body, now_ms).await?;
        Ok(serde_json::from_slice(&answer).unwrap_or(serde_json::Value::Null))
    }

    async fn call(
        &self,
        terminal: &ScriptedTerminal,
        method: &str,
        path: &str,
        body: Vec<u8>,
        now_ms: i64,
    ) -> Result<Vec<u8>, TillError> {
        let headers = terminal.till_signature(method, path, now_ms, &body)?;
        let unreachable = |e: String| TillError::Unreachable(self.address.clone(), e);
        let exchange = async {
            let stream = TcpStream::connect(&self.address).await.map_err(|e| unreachable(e.to_string()))?;
            let io = hyper_util::rt::TokioIo::new(stream);
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(io).await.map_err(|e| unreachable(e.to_string()))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            let mut request = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header(hyper::header::HOST, self.address.as_str())
                .header(hyper::header::CONTENT_TYPE, "application/json");
            for (name, value) in &headers {
                request = request.header(*name, value.as_str());
            }
            let request = request.body(Full::new(Bytes::from(body))).map_err(|e| unreachable(e.to_string()))?;
            let response = sender.send_request(request).await.map_err(|e| unreachable(e.to_string()))?;
            let status = response.status().as_u16();
            let limited = http_body_util::Limited::new(response.into_body(), ANSWER_BYTES_MAX);
            let bytes = limited.collect().await.map_err(|e| unreachable(e.to_string()))?.to_bytes().to_vec();
            Ok::<_, TillError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| unreachable(format!("no answer within {REQUEST_TIMEOUT:?}")))??;
        if status >= 400 {
            let error: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
            let text = |k: &str| error[k].as_str().unwrap_or("").to_string();
            return Err(TillError::Refused { status, code: text("code"), reason: text("reason") });
        }
        Ok(bytes)
    }
}
