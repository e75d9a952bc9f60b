//! Codec errors. Every decode error names the part of the frame and the byte
//! offset where decoding stopped, so a log line is enough to find the fault.

use std::fmt;

/// The part of a frame or message an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The two-byte length prefix of a frame.
    Length,
    Tpdu,
    Header,
    Mti,
    Bitmap,
    Field(u8),
    /// Bytes after the last field.
    Trailing,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Length => f.write_str("frame length"),
            Part::Tpdu => f.write_str("TPDU"),
            Part::Header => f.write_str("header"),
            Part::Mti => f.write_str("MTI"),
            Part::Bitmap => f.write_str("bitmap"),
            Part::Field(n) => write!(f, "field {n}"),
            Part::Trailing => f.write_str("end of message"),
        }
    }
}

/// Why decoding failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeReason {
    #[error("needs {needed} bytes, only {available} left")]
    Truncated { needed: usize, available: usize },
    #[error("declared frame length {length} exceeds the limit {max}")]
    FrameTooLong { length: usize, max: usize },
    #[error("declared frame length {length} is below the minimum {min}")]
    FrameTooShort { length: usize, min: usize },
    #[error("frame declares {declared} bytes but {actual} follow")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("invalid BCD digit {nibble:X}")]
    BadDigit { nibble: u8 },
    #[error("invalid length prefix")]
    BadLengthPrefix,
    #[error("declared length {length} exceeds the field maximum {max}")]
    FieldTooLong { length: usize, max: usize },
    #[error("not defined in the {profile} profile")]
    UndefinedField { profile: &'static str },
    #[error("secondary bitmap present but the {profile} profile has none")]
    SecondaryBitmap { profile: &'static str },
    #[error("{count} bytes left after the last field")]
    TrailingBytes { count: usize },
}

/// A decode failure: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part} at byte {offset}: {reason}")]
pub struct DecodeError {
    pub part: Part,
    /// Byte offset from the start of the input (the frame, or the bare message).
    pub offset: usize,
    pub reason: DecodeReason,
}

impl DecodeError {
    pub(crate) fn new(part: Part, offset: usize, reason: DecodeReason) -> Self {
        DecodeError { part, offset, reason }
    }
}

/// Why a message could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeReason {
    #[error("not defined in the {profile} profile")]
    UndefinedField { profile: &'static str },
    #[error("has length {length}, the field is fixed at {fixed}")]
    WrongLength { length: usize, fixed: usize },
    #[error("has length {length}, the field allows at most {max}")]
    TooLong { length: usize, max: usize },
    #[error("character {character:?} at position {position} is not allowed in a {kind} field")]
    BadCharacter { character: char, position: usize, kind: &'static str },
    #[error("MTI must be 4 digits")]
    BadMti,
    #[error("fields above 64 need a secondary bitmap, which the {profile} profile does not have")]
    SecondaryBitmap { profile: &'static str },
    #[error("frame of {length} bytes exceeds the limit {max}")]
    FrameTooLong { length: usize, max: usize },
}

/// An encode failure: which part, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub struct EncodeError {
    pub part: Part,
    pub reason: EncodeReason,
}
