//! Kassa's link to the card network: the network ISO 8583 profile
//! (`docs/network-profile.md`), typed link messages, and the link client with
//! sign-on, echo, MACs and timeouts.

pub mod link;
pub mod messages;
pub mod profile;
pub mod transport;

pub use link::{LINK_MAC, LinkConfig, LinkError, NETWORK_MAC_FIELD, NetworkLink, link_codec};
pub use messages::{FormatError, LinkKind, LinkRequest, LinkResponse, OriginalRef};
pub use profile::NETWORK;
pub use transport::{BoxStream, Dialer};
