//! Framing: the length prefix, TPDU and header around a packed message.
//!
//! Framing is separate from packing: a stream reader asks [`frame_length`]
//! whether a whole frame is buffered (and rejects an oversized one before
//! reading its body), then [`split_frame`] separates the parts.

use std::fmt;

use crate::error::{DecodeError, DecodeReason, EncodeError, EncodeReason, Part};

/// The largest frame body (everything after the length prefix) the host accepts.
pub const FRAME_SIZE_MAX: usize = 4096;
/// Bytes of the length prefix.
pub const LENGTH_PREFIX_SIZE: usize = 2;
pub const TPDU_SIZE: usize = 5;
pub const HEADER_SIZE: usize = 6;
/// The smallest body that can hold a TPDU, a header, an MTI and a bitmap.
pub const FRAME_SIZE_MIN: usize = TPDU_SIZE + HEADER_SIZE + 2 + 8;

/// The transport protocol data unit: `0x60`, destination (2 bytes), source (2 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tpdu(pub [u8; TPDU_SIZE]);

impl Tpdu {
    pub fn id(&self) -> u8 {
        self.0[0]
    }
    pub fn destination(&self) -> [u8; 2] {
        [self.0[1], self.0[2]]
    }
    pub fn source(&self) -> [u8; 2] {
        [self.0[3], self.0[4]]
    }
    /// The TPDU of the answer: destination and source swapped.
    pub fn swapped(&self) -> Tpdu {
        let [id, d1, d2, s1, s2] = self.0;
        Tpdu([id, s1, s2, d1, d2])
    }
}

impl fmt::Debug for Tpdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tpdu({})", crate::hex(&self.0))
    }
}

/// The 6-byte BCD header: app type (2 digits), version (2), terminal status (1),
/// processing requirement (1), software sub-version (6). Kept as raw bytes so
/// that it can be echoed exactly.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header(pub [u8; HEADER_SIZE]);

/// The processing-requirement digit the host sets to ask a terminal to sign in again.
pub const PROCESSING_SIGN_IN_AGAIN: u8 = 3;

impl Header {
    fn nibble(&self, index: usize) -> u8 {
        let byte = self.0[index / 2];
        if index.is_multiple_of(2) { byte >> 4 } else { byte & 0x0F }
    }
    fn digits(&self, from: usize, count: usize) -> String {
        (from..from + count).map(|i| char::from_digit(u32::from(self.nibble(i)), 16).unwrap_or('?')).collect()
    }
    pub fn app_type(&self) -> String {
        self.digits(0, 2)
    }
    pub fn version(&self) -> String {
        self.digits(2, 2)
    }
    pub fn terminal_status(&self) -> u8 {
        self.nibble(4)
    }
    pub fn processing_requirement(&self) -> u8 {
        self.nibble(5)
    }
    pub fn software_version(&self) -> String {
        self.digits(6, 6)
    }
    /// The same header with the processing-requirement digit replaced.
    pub fn with_processing_requirement(&self, digit: u8) -> Header {
        let mut bytes = self.0;
        bytes[2] = (bytes[2] & 0xF0) | (digit & 0x0F);
        Header(bytes)
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Header({})", crate::hex(&self.0))
    }
}

/// A frame split into its parts; `body` is the packed message (MTI onwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub tpdu: Tpdu,
    pub header: Header,
    pub body: &'a [u8],
}

/// Offset of the message body within a whole frame.
pub const BODY_OFFSET: usize = LENGTH_PREFIX_SIZE + TPDU_SIZE + HEADER_SIZE;

/// Is a whole frame at the front of `buffer`? `Ok(None)`: not yet, read more.
/// `Ok(Some(n))`: the first `n` bytes are one frame. An error means the
/// declared length is out of bounds and the stream cannot be trusted.
pub fn frame_length(buffer: &[u8]) -> Result<Option<usize>, DecodeError> {
    let [high, low, ..] = *buffer else {
        return Ok(None);
    };
    let declared = usize::from(u16::from_be_bytes([high, low]));
    check_declared(declared)?;
    let total = LENGTH_PREFIX_SIZE + declared;
    Ok((buffer.len() >= total).then_some(total))
}

fn check_declared(declared: usize) -> Result<(), DecodeError> {
    if declared > FRAME_SIZE_MAX {
        return Err(DecodeError::new(
            Part::Length,
            0,
            DecodeReason::FrameTooLong { length: declared, max: FRAME_SIZE_MAX },
        ));
    }
    if declared < FRAME_SIZE_MIN {
        return Err(DecodeError::new(
            Part::Length,
            0,
            DecodeReason::FrameTooShort { length: declared, min: FRAME_SIZE_MIN },
        ));
    }
    Ok(())
}

/// Splits exactly one whole frame (length prefix included) into its parts.
pub fn split_frame(frame: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let Some((prefix, rest)) = frame.split_first_chunk::<LENGTH_PREFIX_SIZE>() else {
        let reason = DecodeReason::Truncated { needed: LENGTH_PREFIX_SIZE, available: frame.len() };
        return Err(DecodeError::new(Part::Length, 0, reason));
    };
    let declared = usize::from(u16::from_be_bytes(*prefix));
    check_declared(declared)?;
    if rest.len() != declared {
        let reason = DecodeReason::LengthMismatch { declared, actual: rest.len() };
        return Err(DecodeError::new(Part::Length, 0, reason));
    }
    split_body(rest)
}

/// Splits a frame whose length prefix was already taken off (by a stream
/// codec) into TPDU, header and message body. Offsets in errors still count
/// the prefix, so they match the bytes on the wire.
pub fn split_body(rest: &[u8]) -> Result<Frame<'_>, DecodeError> {
    let (tpdu, rest) = rest.split_first_chunk::<TPDU_SIZE>().ok_or_else(|| truncated(Part::Tpdu, 2))?;
    let (header, body) = rest.split_first_chunk::<HEADER_SIZE>().ok_or_else(|| truncated(Part::Header, 7))?;
    Ok(Frame { tpdu: Tpdu(*tpdu), header: Header(*header), body })
}

fn truncated(part: Part, offset: usize) -> DecodeError {
    DecodeError::new(part, offset, DecodeReason::Truncated { needed: 1, available: 0 })
}

/// Writes a whole frame: length prefix, TPDU, header, then `body`.
pub fn write_frame(tpdu: &Tpdu, header: &Header, body: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let length = TPDU_SIZE + HEADER_SIZE + body.len();
    if length > FRAME_SIZE_MAX {
        return Err(EncodeError {
            part: Part::Length,
            reason: EncodeReason::FrameTooLong { length, max: FRAME_SIZE_MAX },
        });
    }
    out.reserve(LENGTH_PREFIX_SIZE + length);
    out.extend_from_slice(&(length as u16).to_be_bytes());
    out.extend_from_slice(&tpdu.0);
    out.extend_from_slice(&header.0);
    out.extend_from_slice(body);
    Ok(())
}
