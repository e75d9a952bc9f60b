//! Packing and unpacking a message body (MTI, bitmaps, fields) by a profile.
//!
//! The codec reads only the bytes it is given, never indexes past them, and
//! allocates at most twice the input length, so outside bytes are safe to feed it.

use crate::bcd;
use crate::error::{DecodeError, DecodeReason, EncodeError, EncodeReason, Part};
use crate::message::{Message, Mti};
use crate::profile::{NumberWire, Profile};
use crate::spec::{FieldSpec, Kind, Length};

/// The first allocation for a packed message: enough for a chip-card sale.
const PACKED_CAPACITY: usize = 512;

/// Packs `message` by `profile` into a new buffer.
pub fn pack(profile: &Profile, message: &Message) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(PACKED_CAPACITY);
    pack_into(profile, message, &mut out)?;
    Ok(out)
}

/// Packs `message` by `profile`, appending to `out`. On error `out` may hold
/// part of the message.
pub fn pack_into(profile: &Profile, message: &Message, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let options = profile.options;
    if message.needs_secondary_bitmap() && !options.secondary_bitmap {
        return Err(EncodeError {
            part: Part::Bitmap,
            reason: EncodeReason::SecondaryBitmap { profile: profile.name },
        });
    }
    let mti = message.mti().digits();
    match options.prefixes {
        NumberWire::Bcd => bcd::pack(&mti, 0, Kind::Numeric, crate::spec::Align::Left, 0, out)
            .map_err(|_| EncodeError { part: Part::Mti, reason: EncodeReason::BadMti })?,
        NumberWire::Ascii => out.extend_from_slice(&mti),
    }
    let (primary, secondary) = message.bitmap();
    out.extend_from_slice(&primary.to_be_bytes());
    if message.needs_secondary_bitmap() {
        out.extend_from_slice(&secondary.to_be_bytes());
    }
    for (number, value) in message.fields() {
        let spec = profile.field(number).ok_or(EncodeError {
            part: Part::Field(number),
            reason: EncodeReason::UndefinedField { profile: profile.name },
        })?;
        pack_field(profile, spec, value, out).map_err(|reason| EncodeError { part: Part::Field(number), reason })?;
    }
    Ok(())
}

fn pack_field(profile: &Profile, spec: &FieldSpec, value: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeReason> {
    let length = value.len();
    let max = usize::from(spec.length.max());
    // Fixed numeric values are zero-filled on the left, fixed text is
    // space-filled on the right; binary must be exact.
    let fill = match spec.length {
        Length::Fixed(_) if length > max || (length < max && spec.kind == Kind::Binary) => {
            return Err(EncodeReason::WrongLength { length, fixed: max });
        }
        Length::Fixed(_) => max - length,
        Length::LlVar(_) | Length::LllVar(_) if length > max => {
            return Err(EncodeReason::TooLong { length, max });
        }
        Length::LlVar(_) => {
            write_prefix(profile, 1, length, out);
            0
        }
        Length::LllVar(_) => {
            write_prefix(profile, 2, length, out);
            0
        }
    };
    let options = profile.options;
    match (spec.kind, options.numbers) {
        (Kind::Numeric | Kind::Track, NumberWire::Bcd) => {
            bcd::pack(value, fill, spec.kind, spec.align, options.pad_nibble, out)
                .map_err(|position| bad_character(spec.kind, value, position))?;
        }
        (Kind::Numeric, NumberWire::Ascii) => {
            validate_characters(spec.kind, value)?;
            out.extend(std::iter::repeat_n(b'0', fill));
            out.extend_from_slice(value);
        }
        (Kind::Track, NumberWire::Ascii) => {
            validate_characters(spec.kind, value)?;
            out.extend(value.iter().map(|&c| if c == b'D' || c == b'd' { b'=' } else { c.to_ascii_uppercase() }));
        }
        (Kind::Text, _) => {
            out.extend_from_slice(value);
            out.extend(std::iter::repeat_n(b' ', fill));
        }
        (Kind::Binary, _) => out.extend_from_slice(value),
    }
    Ok(())
}

fn validate_characters(kind: Kind, value: &[u8]) -> Result<(), EncodeReason> {
    match value.iter().position(|&c| bcd::nibble_of(kind, c).is_none()) {
        None => Ok(()),
        Some(position) => Err(bad_character(kind, value, position)),
    }
}

fn bad_character(kind: Kind, value: &[u8], position: usize) -> EncodeReason {
    let kind = if kind == Kind::Track { "track" } else { "numeric" };
    EncodeReason::BadCharacter { character: char::from(value[position]), position, kind }
}

/// Writes a length prefix of `bcd_width` BCD bytes (LL = 1, LLL = 2) or the
/// matching number of ASCII digits (2 or 3).
fn write_prefix(profile: &Profile, bcd_width: usize, length: usize, out: &mut Vec<u8>) {
    match profile.options.prefixes {
        NumberWire::Bcd => bcd::encode_bcd_number(length, bcd_width, out),
        NumberWire::Ascii => {
            let digits = bcd_width + 1;
            out.extend_from_slice(format!("{length:0digits$}").as_bytes());
        }
    }
}

/// A cursor over outside bytes that reports where it failed.
struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    fn offset(&self) -> usize {
        self.base + self.position
    }

    fn error(&self, part: Part, reason: DecodeReason) -> DecodeError {
        DecodeError::new(part, self.offset(), reason)
    }

    fn take(&mut self, part: Part, needed: usize) -> Result<&'a [u8], DecodeError> {
        let available = self.bytes.len() - self.position;
        if needed > available {
            return Err(self.error(part, DecodeReason::Truncated { needed, available }));
        }
        let taken = &self.bytes[self.position..self.position + needed];
        self.position += needed;
        Ok(taken)
    }
}

/// Unpacks a whole message body by `profile`.
pub fn unpack(profile: &Profile, bytes: &[u8]) -> Result<Message, DecodeError> {
    unpack_at(profile, bytes, 0)
}

/// [`unpack`], reporting offsets as if `bytes` began at `base` (its place in the frame).
pub fn unpack_at(profile: &Profile, bytes: &[u8], base: usize) -> Result<Message, DecodeError> {
    let mut reader = Reader { bytes, position: 0, base };
    let mti = read_mti(profile, &mut reader)?;
    let (primary, secondary) = read_bitmaps(profile, &mut reader)?;
    let mut message = Message::with_capacity(mti, bytes.len() * 2);
    // Bit 1 is the secondary-bitmap flag, not a field.
    let present = (u128::from(primary & !(1 << 63)) << 64 | u128::from(secondary)).reverse_bits();
    for number in crate::message::bits(present) {
        message.set_with(number, |data| read_field(profile, number, &mut reader, data))?;
    }
    let count = bytes.len() - reader.position;
    if count > 0 {
        return Err(reader.error(Part::Trailing, DecodeReason::TrailingBytes { count }));
    }
    Ok(message)
}

fn read_mti(profile: &Profile, reader: &mut Reader<'_>) -> Result<Mti, DecodeError> {
    let start = reader.offset();
    let digits = match profile.options.prefixes {
        NumberWire::Bcd => {
            let raw = reader.take(Part::Mti, 2)?;
            let mut digits = Vec::with_capacity(4);
            bcd::unpack(raw, 4, crate::spec::Align::Left, Kind::Numeric, &mut digits)
                .map_err(|(at, nibble)| DecodeError::new(Part::Mti, start + at, DecodeReason::BadDigit { nibble }))?;
            digits
        }
        NumberWire::Ascii => reader.take(Part::Mti, 4)?.to_vec(),
    };
    let array: [u8; 4] = digits.try_into().unwrap_or([0; 4]);
    Mti::from_digits(array).ok_or(DecodeError::new(Part::Mti, start, DecodeReason::BadDigit { nibble: 0xF }))
}

fn read_bitmaps(profile: &Profile, reader: &mut Reader<'_>) -> Result<(u64, u64), DecodeError> {
    let primary = read_u64(reader.take(Part::Bitmap, 8)?);
    if primary & (1 << 63) == 0 {
        return Ok((primary, 0));
    }
    if !profile.options.secondary_bitmap {
        return Err(DecodeError::new(
            Part::Bitmap,
            reader.offset() - 8,
            DecodeReason::SecondaryBitmap { profile: profile.name },
        ));
    }
    Ok((primary, read_u64(reader.take(Part::Bitmap, 8)?)))
}

fn read_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))
}

fn read_field(profile: &Profile, number: u8, reader: &mut Reader<'_>, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let part = Part::Field(number);
    let start = reader.offset();
    let spec = profile.field(number).ok_or(DecodeError::new(
        part,
        start,
        DecodeReason::UndefinedField { profile: profile.name },
    ))?;
    let max = usize::from(spec.length.max());
    let length = match spec.length {
        Length::Fixed(n) => usize::from(n),
        Length::LlVar(_) => read_prefix(profile, 1, part, reader)?,
        Length::LllVar(_) => read_prefix(profile, 2, part, reader)?,
    };
    if length > max {
        return Err(DecodeError::new(part, start, DecodeReason::FieldTooLong { length, max }));
    }
    let bcd = spec.counts_digits() && profile.options.numbers == NumberWire::Bcd;
    let content_start = reader.offset();
    let raw = reader.take(part, if bcd { bcd::packed_len(length) } else { length })?;
    if bcd {
        return bcd::unpack(raw, length, spec.align, spec.kind, out)
            .map_err(|(at, nibble)| DecodeError::new(part, content_start + at, DecodeReason::BadDigit { nibble }));
    }
    if spec.counts_digits()
        && let Some(at) = raw.iter().position(|&c| bcd::nibble_of(spec.kind, c).is_none())
    {
        return Err(DecodeError::new(part, content_start + at, DecodeReason::BadDigit { nibble: raw[at] }));
    }
    out.extend_from_slice(raw);
    Ok(())
}

fn read_prefix(profile: &Profile, bcd_width: usize, part: Part, reader: &mut Reader<'_>) -> Result<usize, DecodeError> {
    let start = reader.offset();
    let bad = || DecodeError::new(part, start, DecodeReason::BadLengthPrefix);
    match profile.options.prefixes {
        NumberWire::Bcd => bcd::decode_bcd_number(reader.take(part, bcd_width)?).ok_or_else(bad),
        NumberWire::Ascii => {
            let digits = reader.take(part, bcd_width + 1)?;
            digits
                .iter()
                .try_fold(0usize, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + usize::from(c - b'0')))
                .ok_or_else(bad)
        }
    }
}
