//! Profiles: a field table plus the wire options that vary between peers.
//!
//! The terminal profile of `protocol.md` §2 is [`TERMINAL`]. Per-terminal
//! VARIANT settings (the pad nibble) are [`Options`], applied with
//! [`Profile::with_options`], never code forks.

use crate::spec::{FieldSpec, Kind, Length};

/// The highest field number a message can carry (with a secondary bitmap).
pub const FIELD_NUMBER_MAX: u8 = 128;

/// How numbers (numeric fields, length prefixes, the MTI) are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberWire {
    /// Packed BCD, two digits a byte.
    Bcd,
    /// One ASCII digit a byte.
    Ascii,
}

/// Wire options of a profile: the things peers disagree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The nibble written to pad odd-length BCD values: `0x0` (default) or `0xF`.
    /// Decoding ignores it either way.
    pub pad_nibble: u8,
    /// How numeric field values are written.
    pub numbers: NumberWire,
    /// How length prefixes and the MTI are written.
    pub prefixes: NumberWire,
    /// Whether fields 65..=128 (and so a secondary bitmap) may appear.
    pub secondary_bitmap: bool,
}

impl Options {
    /// The terminal side: BCD everywhere, pad `0`, primary bitmap only.
    pub const TERMINAL: Options =
        Options { pad_nibble: 0x0, numbers: NumberWire::Bcd, prefixes: NumberWire::Bcd, secondary_bitmap: false };
}

/// A named field table with its wire options.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: &'static str,
    pub options: Options,
    fields: [Option<FieldSpec>; FIELD_NUMBER_MAX as usize + 1],
}

impl Profile {
    /// Builds a profile from a table. Panics at compile time (in a `const`) when
    /// the table is malformed: a field number out of range or defined twice.
    pub const fn new(name: &'static str, options: Options, table: &[FieldSpec]) -> Profile {
        let mut fields = [None; FIELD_NUMBER_MAX as usize + 1];
        let mut i = 0;
        while i < table.len() {
            let spec = table[i];
            assert!(spec.number >= 2 && spec.number <= FIELD_NUMBER_MAX);
            assert!(fields[spec.number as usize].is_none(), "field defined twice");
            assert!(spec.length.max() > 0 && spec.length.max() <= 999);
            fields[spec.number as usize] = Some(spec);
            i += 1;
        }
        Profile { name, options, fields }
    }

    /// The specification of field `number`, if the profile defines it.
    pub fn field(&self, number: u8) -> Option<&FieldSpec> {
        self.fields.get(number as usize).and_then(Option::as_ref)
    }

    /// The same table with other wire options.
    pub fn with_options(&self, options: Options) -> Profile {
        Profile { options, ..self.clone() }
    }

    /// Every field the profile defines, in ascending order.
    pub fn fields(&self) -> impl Iterator<Item = &FieldSpec> {
        self.fields.iter().flatten()
    }
}

use Kind::{Binary, Numeric, Text, Track};
use Length::{Fixed, LlVar, LllVar};

/// The terminal profile's field table (`protocol.md` §2), plus the mobile
/// reader's device fields 57 and 59 (`docs/protocol-profile.md`).
pub const TERMINAL_FIELDS: [FieldSpec; 35] = [
    FieldSpec::new(2, "primary account number", Numeric, LlVar(19)),
    FieldSpec::new(3, "processing code", Numeric, Fixed(6)),
    FieldSpec::new(4, "amount", Numeric, Fixed(12)),
    FieldSpec::new(11, "trace number", Numeric, Fixed(6)),
    FieldSpec::new(12, "local time", Numeric, Fixed(6)),
    FieldSpec::new(13, "local date", Numeric, Fixed(4)),
    FieldSpec::new(14, "card expiry", Numeric, Fixed(4)),
    FieldSpec::new(15, "settlement date", Numeric, Fixed(4)),
    FieldSpec::new(22, "entry mode", Numeric, Fixed(3)),
    FieldSpec::new(23, "card sequence number", Numeric, Fixed(3)).right_aligned(),
    FieldSpec::new(25, "condition code", Numeric, Fixed(2)),
    FieldSpec::new(26, "max PIN length", Numeric, Fixed(2)),
    FieldSpec::new(28, "service fee (x+n8: D and 8 digits)", Text, Fixed(9)),
    FieldSpec::new(32, "acquirer institution", Numeric, LlVar(11)),
    FieldSpec::new(35, "track 2", Track, LlVar(37)),
    FieldSpec::new(36, "track 3", Track, LllVar(104)),
    FieldSpec::new(37, "retrieval reference number", Text, Fixed(12)),
    FieldSpec::new(38, "authorization code", Text, Fixed(6)),
    FieldSpec::new(39, "response code", Text, Fixed(2)),
    FieldSpec::new(41, "terminal id", Text, Fixed(8)),
    FieldSpec::new(42, "merchant id", Text, Fixed(15)),
    FieldSpec::new(44, "issuer and acquirer ids", Text, LlVar(25)),
    FieldSpec::new(48, "private: totals and upload records", Numeric, LllVar(322)),
    FieldSpec::new(49, "currency", Text, Fixed(3)),
    FieldSpec::new(52, "PIN block", Binary, Fixed(8)),
    FieldSpec::new(53, "security control", Numeric, Fixed(16)),
    FieldSpec::new(54, "balances", Text, LllVar(40)),
    FieldSpec::new(55, "EMV data", Binary, LllVar(255)),
    FieldSpec::new(57, "device identity", Text, LllVar(100)),
    FieldSpec::new(59, "device location", Text, LllVar(100)),
    FieldSpec::new(60, "reserved: type, batch, management code", Numeric, LllVar(17)),
    FieldSpec::new(61, "original data", Numeric, LllVar(29)),
    FieldSpec::new(62, "reserved: keys, upload data, device info", Binary, LllVar(512)),
    FieldSpec::new(63, "operator / card organisation", Text, LllVar(163)),
    FieldSpec::new(64, "MAC", Binary, Fixed(8)),
];

/// The terminal profile with its default options.
pub static TERMINAL: Profile = Profile::new("terminal", Options::TERMINAL, &TERMINAL_FIELDS);
