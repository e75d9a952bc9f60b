//! Field specifications: how one field is laid out on the wire, as data.
//!
//! A field is described by what its content is ([`Kind`]), how its length is
//! carried ([`Length`]) and, for odd-length BCD, on which side the pad nibble
//! goes ([`Align`]). Profiles are tables of these; the codec has no per-field code.

/// What a field holds, which decides its wire encoding and its printed form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `n`: decimal digits. Packed BCD (or ASCII digits in an ASCII profile).
    Numeric,
    /// `z`: track data. Digits with `=` as the separator (the nibble `D`).
    /// Encrypted track data may hold any nibble; `A`–`F` except `D` print as letters.
    Track,
    /// `an`, `ans`: text, sent as bytes. Fixed-length text is space-padded.
    Text,
    /// `b`: raw bytes, printed as upper-case hex.
    Binary,
}

/// How a field's length is known. Lengths count digits for numeric and track
/// fields and bytes for text and binary fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    /// Always exactly this long.
    Fixed(u16),
    /// A one-byte (two-digit) length prefix, then at most this much.
    LlVar(u16),
    /// A two-byte (three-digit) length prefix, then at most this much.
    LllVar(u16),
}

impl Length {
    /// The most the field may hold, in its own units.
    pub const fn max(self) -> u16 {
        match self {
            Length::Fixed(n) | Length::LlVar(n) | Length::LllVar(n) => n,
        }
    }
}

/// Where an odd-length BCD value sits in its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Digits first, pad nibble last (the default).
    Left,
    /// Pad nibble first, then the digits (field 23 of the terminal profile).
    Right,
}

/// One field of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field number, 2..=128.
    pub number: u8,
    /// A short English name, for tables and errors.
    pub name: &'static str,
    pub kind: Kind,
    pub length: Length,
    pub align: Align,
}

impl FieldSpec {
    pub const fn new(number: u8, name: &'static str, kind: Kind, length: Length) -> Self {
        FieldSpec { number, name, kind, length, align: Align::Left }
    }

    /// The same field with its BCD value right-aligned.
    pub const fn right_aligned(self) -> Self {
        FieldSpec { align: Align::Right, ..self }
    }

    /// True when the length counts digits (nibbles) rather than bytes.
    pub const fn counts_digits(&self) -> bool {
        matches!(self.kind, Kind::Numeric | Kind::Track)
    }
}
