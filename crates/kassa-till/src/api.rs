//! How a terminal proves itself to the till's HTTP API: with its own key,
//! never a merchant's password. Each request carries the terminal's id, the
//! time, and a MAC under the MAC key of its current sign-in (the terminal
//! profile's MAC, `protocol.md` §5) over the SHA-256 of the request in its
//! canonical form ([`request_digest`]). The host verifies it with the same
//! key, and refuses a time more than [`TIME_SKEW_MAX_MS`] away from its own.

use sha2::{Digest, Sha256};

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
