//! The message: an MTI and a set of field values, independent of any wire format.
//!
//! Values are held in their logical form — ASCII digits for numeric fields,
//! digits and `=` for track fields, the bytes themselves for text and binary —
//! in one buffer, so decoding a message costs one allocation.

use std::fmt;

use crate::error::{EncodeError, EncodeReason, Part};
use crate::profile::FIELD_NUMBER_MAX;

const SLOTS: usize = FIELD_NUMBER_MAX as usize + 1;

#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

/// The field numbers whose bits are set in `present` (bit n-1 for field n), ascending.
pub(crate) fn bits(mut present: u128) -> impl Iterator<Item = u8> {
    std::iter::from_fn(move || {
        if present == 0 {
            return None;
        }
        let bit = present.trailing_zeros();
        present &= present - 1;
        Some(bit as u8 + 1)
    })
}

/// A message type indicator: four ASCII digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Mti([u8; 4]);

impl Mti {
    /// Parses four decimal digits.
    pub fn new(text: &str) -> Result<Mti, EncodeError> {
        let bytes: [u8; 4] = text.as_bytes().try_into().map_err(|_| bad_mti())?;
        Mti::from_digits(bytes).ok_or_else(bad_mti)
    }

    /// From four ASCII digit bytes.
    pub fn from_digits(bytes: [u8; 4]) -> Option<Mti> {
        bytes.iter().all(u8::is_ascii_digit).then_some(Mti(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("????")
    }

    pub fn digits(&self) -> [u8; 4] {
        self.0
    }

    /// The response MTI: the request's plus 10 (`0200` → `0210`).
    /// `None` when the message is already a response (third digit odd).
    pub fn response(&self) -> Option<Mti> {
        let function = self.0[2] - b'0';
        if function % 2 == 1 {
            return None;
        }
        let mut digits = self.0;
        digits[2] = b'0' + function + 1;
        Some(Mti(digits))
    }

    /// True for `xx1x` / `xx3x` messages.
    pub fn is_response(&self) -> bool {
        (self.0[2] - b'0') % 2 == 1
    }
}

fn bad_mti() -> EncodeError {
    EncodeError { part: Part::Mti, reason: EncodeReason::BadMti }
}

impl fmt::Debug for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mti({})", self.as_str())
    }
}

impl fmt::Display for Mti {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ISO 8583 message. Field values are validated against a profile when the
/// message is packed, not when they are set.
#[derive(Clone)]
pub struct Message {
    mti: Mti,
    present: u128,
    spans: [Span; SLOTS],
    data: Vec<u8>,
}

impl Message {
    pub fn new(mti: Mti) -> Message {
        Message::with_capacity(mti, 256)
    }

    pub(crate) fn with_capacity(mti: Mti, capacity: usize) -> Message {
        Message { mti, present: 0, spans: [Span::default(); SLOTS], data: Vec::with_capacity(capacity) }
    }

    pub fn mti(&self) -> Mti {
        self.mti
    }

    pub fn set_mti(&mut self, mti: Mti) {
        self.mti = mti;
    }

    /// Sets field `number` (2..=128) to `value`, replacing any earlier value.
    ///
    /// Panics when `number` is out of range: field numbers in code are constants.
    /// Use [`Message::try_set`] for numbers that came from outside.
    pub fn set(&mut self, number: u8, value: impl AsRef<[u8]>) -> &mut Self {
        assert!((2..=FIELD_NUMBER_MAX).contains(&number), "field number {number} out of range");
        let value = value.as_ref();
        // Values longer than the largest field (999) are refused when packing;
        // the buffer itself is bounded by the callers' frames.
        let start = u32::try_from(self.data.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        self.data.extend_from_slice(value);
        self.spans[number as usize] = Span { start, len };
        self.present |= 1u128 << (number - 1);
        self
    }

    /// Sets field `number` to what `write` appends to the buffer; on error the
    /// field is left absent. The decoder writes straight into the message this way.
    pub(crate) fn set_with<E>(
        &mut self,
        number: u8,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        debug_assert!((2..=FIELD_NUMBER_MAX).contains(&number));
        let start = self.data.len();
        if let Err(e) = write(&mut self.data) {
            self.data.truncate(start);
            return Err(e);
        }
        let len = self.data.len() - start;
        self.spans[number as usize] =
            Span { start: u32::try_from(start).unwrap_or(u32::MAX), len: u32::try_from(len).unwrap_or(u32::MAX) };
        self.present |= 1u128 << (number - 1);
        Ok(())
    }

    /// [`Message::set`] for field numbers from outside input.
    pub fn try_set(&mut self, number: u8, value: impl AsRef<[u8]>) -> Result<&mut Self, EncodeError> {
        if !(2..=FIELD_NUMBER_MAX).contains(&number) {
            return Err(EncodeError {
                part: Part::Field(number),
                reason: EncodeReason::UndefinedField { profile: "any" },
            });
        }
        Ok(self.set(number, value))
    }

    /// Removes field `number`; a no-op when absent.
    pub fn remove(&mut self, number: u8) -> &mut Self {
        if (2..=FIELD_NUMBER_MAX).contains(&number) {
            self.present &= !(1u128 << (number - 1));
        }
        self
    }

    pub fn has(&self, number: u8) -> bool {
        (1..=FIELD_NUMBER_MAX).contains(&number) && self.present & (1u128 << (number - 1)) != 0
    }

    /// The value of field `number`, in its logical form.
    pub fn get(&self, number: u8) -> Option<&[u8]> {
        if !self.has(number) {
            return None;
        }
        let span = self.spans[number as usize];
        self.data.get(span.start as usize..(span.start + span.len) as usize)
    }

    /// The value of field `number` as text; `None` when absent or not UTF-8.
    pub fn get_str(&self, number: u8) -> Option<&str> {
        self.get(number).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// The present field numbers, ascending.
    pub fn numbers(&self) -> impl Iterator<Item = u8> + '_ {
        bits(self.present)
    }

    /// The present fields with their values, ascending.
    pub fn fields(&self) -> impl Iterator<Item = (u8, &[u8])> + '_ {
        self.numbers().filter_map(|n| self.get(n).map(|v| (n, v)))
    }

    /// True when any field above 64 is present.
    pub fn needs_secondary_bitmap(&self) -> bool {
        self.present >> 64 != 0
    }

    /// The bitmap bits for fields 1..=128 as two 64-bit words, bit 1 first.
    /// Bit 1 (secondary bitmap present) is set when fields above 64 are.
    pub fn bitmap(&self) -> (u64, u64) {
        let low = self.present as u64;
        let high = (self.present >> 64) as u64;
        let mut primary = low.reverse_bits();
        if high != 0 {
            primary |= 1 << 63;
        }
        (primary, high.reverse_bits())
    }

    /// A response skeleton: MTI + 10 with fields 3, 4, 11, 41 and 42 echoed
    /// from this request when present (`protocol.md` §1).
    pub fn response(&self) -> Option<Message> {
        let mut response = Message::new(self.mti.response()?);
        for number in [3, 4, 11, 41, 42] {
            if let Some(value) = self.get(number) {
                response.set(number, value);
            }
        }
        Some(response)
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.mti == other.mti && self.present == other.present && self.fields().eq(other.fields())
    }
}

impl Eq for Message {}

/// Shows field numbers and lengths only: values may be card data.
impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_struct("Message");
        list.field("mti", &self.mti.as_str());
        let fields: Vec<String> = self.fields().map(|(n, v)| format!("{n}[{}]", v.len())).collect();
        list.field("fields", &fields);
        list.finish()
    }
}
