//! How a terminal proves itself to the till's HTTP API: with its own key,
//! never a merchant's password. Each request carries the terminal's id, the
//! time, and a MAC under the MAC key of its current sign-in (the terminal
//! profile's MAC, `protocol.md` §5) over the SHA-256 of the request in its
//! canonical form ([`request_digest`]). The host verifies it with the same
//! key, and refuses a time more than [`TIME_SKEW_MAX_MS`] away from its own.

use kassa_core::Amount;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::basket::Line;
use crate::catalogue::Item;
use crate::code::ItemCode;
use crate::segment::Segment;

/// Where a terminal downloads its catalogue (GET).
pub const CATALOGUE_PATH: &str = "/api/v1/terminal/till/catalogue";
/// Where it records a paid basket (POST).
pub const BASKETS_PATH: &str = "/api/v1/terminal/till/baskets";
/// Where it records a refund's returned items (POST).
pub const RETURNS_PATH: &str = "/api/v1/terminal/till/returns";

/// The catalogue as a terminal downloads and keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TerminalCatalogue {
    pub merchant_id: String,
    pub version: i64,
    pub items: Vec<CatalogueEntry>,
    pub departments: Vec<String>,
    pub segments: Vec<Segment>,
    pub keyed_price: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    pub code: String,
    pub name: String,
    /// Fen.
    pub price: u64,
    pub department: String,
}

impl TerminalCatalogue {
    /// The item a scanned or keyed code names, if it is on sale.
    pub fn find(&self, code: &str) -> Option<Item> {
        let (code, _) = ItemCode::parse(code).ok()?;
        self.items.iter().find(|e| e.code == code.as_str()).map(|e| Item {
            code: code.clone(),
            name: e.name.clone(),
            price: Amount(e.price),
            department: e.department.clone(),
            active: true,
        })
    }
}

/// A paid basket, as a terminal sends it (and keeps it until the host has it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasketPost {
    /// The sale that paid it.
    pub batch: u32,
    pub trace: u32,
    pub segment: String,
    pub lines: Vec<Line>,
    /// Fen.
    pub total: u64,
}

/// A refund's return of a basket's lines (1-based line numbers), as a terminal sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnPost {
    /// The refund.
    pub batch: u32,
    pub trace: u32,
    pub lines: Vec<ReturnedLine>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedLine {
    pub line: u32,
    pub quantity: u32,
}

/// The terminal's id (8 characters, field 41's).
pub const HEADER_TERMINAL: &str = "kassa-terminal";
/// Milliseconds since the Unix epoch, decimal.
pub const HEADER_TIME: &str = "kassa-time";
/// The MAC: 8 hex characters, as field 64 carries them.
pub const HEADER_MAC: &str = "kassa-mac";
/// How far a request's time may be from the host's.
pub const TIME_SKEW_MAX_MS: i64 = 300_000;

/// What the MAC is computed over: the SHA-256 of
/// `KASSA-TILL-1\n{METHOD}\n{path and query}\n{time}\n{hex SHA-256 of the body}`.
pub fn request_digest(method: &str, path_and_query: &str, time_ms: i64, body: &[u8]) -> [u8; 32] {
    let canonical = format!(
        "KASSA-TILL-1\n{}\n{path_and_query}\n{time_ms}\n{}",
        method.to_ascii_uppercase(),
        hex::encode(Sha256::digest(body))
    );
    Sha256::digest(canonical.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_of_the_request_is_in_the_digest() {
        let base = request_digest("GET", "/api/v1/terminal/till/catalogue", 1, b"");
        assert_eq!(base, request_digest("get", "/api/v1/terminal/till/catalogue", 1, b""));
        assert_ne!(base, request_digest("POST", "/api/v1/terminal/till/catalogue", 1, b""));
        assert_ne!(base, request_digest("GET", "/api/v1/terminal/till/catalogue?x", 1, b""));
        assert_ne!(base, request_digest("GET", "/api/v1/terminal/till/catalogue", 2, b""));
        assert_ne!(base, request_digest("GET", "/api/v1/terminal/till/catalogue", 1, b"{}"));
    }
}
