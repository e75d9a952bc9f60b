//! The network as the switch sees it: ask, and get an answer or know why not.

use std::future::Future;

use kassa_network::{LinkError, LinkRequest, LinkResponse, NetworkLink};

/// Why there is no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoAnswer {
    /// Nothing was sent (the link is down): nothing to reverse.
    NotSent,
    /// Sent, but no valid answer: the network may have acted, so the host
    /// reverses it. Carries the reversal reason: `98` no answer in time,
    /// `A0` the answer failed its MAC, `96` anything else.
    Unanswered(&'static str),
}

pub trait Network: Clone + Send + Sync + 'static {
    fn request(&self, request: LinkRequest) -> impl Future<Output = Result<LinkResponse, NoAnswer>> + Send;
}

impl Network for NetworkLink {
    async fn request(&self, request: LinkRequest) -> Result<LinkResponse, NoAnswer> {
        match NetworkLink::request(self, &request).await {
            Ok(response) => Ok(response),
            // Every `96` says why in the log (link errors carry no card data).
            Err(error @ (LinkError::Down | LinkError::Busy | LinkError::Encode(_) | LinkError::Crypto(_))) => {
                tracing::warn!(%error, kind = ?request.kind, "network request not sent: answering 96");
                Err(NoAnswer::NotSent)
            }
            Err(LinkError::Timeout(_)) => Err(NoAnswer::Unanswered("98")),
            Err(LinkError::BadMac) => Err(NoAnswer::Unanswered("A0")),
            Err(error @ LinkError::Format(_)) => {
                tracing::warn!(%error, kind = ?request.kind, "network answer unreadable: answering 96, reversing");
                Err(NoAnswer::Unanswered("96"))
            }
        }
    }
}
