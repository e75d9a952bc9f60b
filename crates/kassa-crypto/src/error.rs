//! Errors of payment cryptography. Messages never contain key, PIN or card material.

/// What went wrong. Callers branch on these (a PIN block error is `99`, a
/// MAC failure `A0`), so each cause has its own variant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("key of {length} bytes: {algorithm} keys are {expected} bytes")]
    KeyLength { length: usize, algorithm: &'static str, expected: &'static str },
    #[error("invalid hex: {0}")]
    Hex(String),
    #[error("PIN must be 4 to 12 digits")]
    Pin,
    #[error("card number must be 13 to 19 digits")]
    Pan,
    #[error("PIN block is not a valid ISO 9564 format-0 block: {0}")]
    PinBlock(&'static str),
    #[error("{0} is not supported")]
    Unsupported(&'static str),
    #[error("the check value of the {0} does not match")]
    CheckValue(&'static str),
    #[error("key block of {length} bytes: mode {mode} needs {expected}")]
    KeyBlockLength { mode: &'static str, length: usize, expected: usize },
    #[error("track data too short to encrypt: {length} bytes, at least {needed} needed")]
    TrackLength { length: usize, needed: usize },
    #[error("a {actual} key cannot be used as a {expected} key")]
    KeyUsage { expected: &'static str, actual: &'static str },
    #[error("wrapped data failed its integrity check (wrong local master key, or tampered)")]
    Unwrap,
    #[error("malformed wrapped key: {0}")]
    WrappedKey(&'static str),
    #[error("the operating system's random source failed")]
    Random,
}

pub type Result<T, E = CryptoError> = std::result::Result<T, E>;

/// Decodes hex (either case, no separators) into bytes.
pub fn from_hex(text: &str) -> Result<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return Err(CryptoError::Hex(format!("odd number of digits ({})", text.len())));
    }
    let digit = |c: u8, at: usize| {
        char::from(c)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| CryptoError::Hex(format!("{:?} at position {at} is not a hex digit", char::from(c))))
    };
    text.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| Ok(digit(pair[0], 2 * i)? << 4 | digit(pair[1], 2 * i + 1)?))
        .collect()
}

/// Upper-case hex.
pub fn to_hex(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}
