//! The network-link profile: ASCII numbers and length prefixes, binary
//! bitmaps (primary + secondary), MAC in field 128. See `docs/network-profile.md`.

use kassa_iso8583::Profile;
use kassa_iso8583::profile::{NumberWire, Options};
use kassa_iso8583::spec::{FieldSpec, Kind, Length};

use Kind::{Binary, Numeric, Text, Track};
use Length::{Fixed, LlVar, LllVar};

pub const NETWORK_FIELDS: [FieldSpec; 37] = [
    FieldSpec::new(2, "primary account number", Numeric, LlVar(19)),
    FieldSpec::new(3, "processing code", Numeric, Fixed(6)),
    FieldSpec::new(4, "amount", Numeric, Fixed(12)),
    FieldSpec::new(7, "transmission date and time", Numeric, Fixed(10)),
    FieldSpec::new(11, "link trace number", Numeric, Fixed(6)),
    FieldSpec::new(12, "local time", Numeric, Fixed(6)),
    FieldSpec::new(13, "local date", Numeric, Fixed(4)),
    FieldSpec::new(14, "card expiry", Numeric, Fixed(4)),
    FieldSpec::new(15, "settlement date", Numeric, Fixed(4)),
    FieldSpec::new(18, "merchant category code", Numeric, Fixed(4)),
    FieldSpec::new(22, "entry mode", Numeric, Fixed(3)),
    FieldSpec::new(23, "card sequence number", Numeric, Fixed(3)),
    FieldSpec::new(25, "condition code", Numeric, Fixed(2)),
    FieldSpec::new(26, "max PIN length", Numeric, Fixed(2)),
    FieldSpec::new(32, "acquiring institution", Numeric, LlVar(11)),
    FieldSpec::new(33, "forwarding institution", Numeric, LlVar(11)),
    FieldSpec::new(35, "track 2", Track, LlVar(37)),
    FieldSpec::new(36, "track 3", Track, LllVar(104)),
    FieldSpec::new(37, "retrieval reference number", Text, Fixed(12)),
    FieldSpec::new(38, "authorization code", Text, Fixed(6)),
    FieldSpec::new(39, "response code", Text, Fixed(2)),
    FieldSpec::new(41, "terminal id", Text, Fixed(8)),
    FieldSpec::new(42, "merchant id", Text, Fixed(15)),
    FieldSpec::new(43, "merchant name and location", Text, Fixed(40)),
    FieldSpec::new(49, "currency", Text, Fixed(3)),
    FieldSpec::new(52, "PIN block", Binary, Fixed(8)),
    FieldSpec::new(53, "security control", Numeric, Fixed(16)),
    FieldSpec::new(54, "balances", Text, LllVar(40)),
    FieldSpec::new(55, "EMV data", Binary, LllVar(255)),
    FieldSpec::new(61, "original amount", Numeric, LllVar(12)),
    FieldSpec::new(63, "card organisation", Text, LllVar(163)),
    FieldSpec::new(70, "network management code", Numeric, Fixed(3)),
    FieldSpec::new(90, "original data elements", Numeric, Fixed(42)),
    FieldSpec::new(100, "receiving institution", Numeric, LlVar(11)),
    FieldSpec::new(102, "account identification 1", Text, LlVar(28)),
    FieldSpec::new(103, "account identification 2", Text, LlVar(28)),
    FieldSpec::new(128, "MAC", Binary, Fixed(8)),
];

pub const NETWORK_OPTIONS: Options =
    Options { pad_nibble: 0, numbers: NumberWire::Ascii, prefixes: NumberWire::Ascii, secondary_bitmap: true };

/// The network-link profile.
pub static NETWORK: Profile = Profile::new("network", NETWORK_OPTIONS, &NETWORK_FIELDS);
