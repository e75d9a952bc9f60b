//! Identifiers as newtypes, validated when built from outside text.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Field 42: the merchant id, 15 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MerchantId(String);

/// Field 41: the terminal id, 8 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TerminalId(String);

/// Field 37: the retrieval reference number, 12 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Rrn(String);

macro_rules! text_id {
    ($name:ident, $len:expr, $what:expr) => {
        impl $name {
            pub const LEN: usize = $len;

            /// From outside text: exactly the field's length of printable ASCII
            /// (trailing spaces are part of the id, as on the wire).
            pub fn parse(text: &str) -> Option<$name> {
                (text.len() == Self::LEN && text.bytes().all(|b| (0x20..0x7F).contains(&b)))
                    .then(|| $name(text.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(MerchantId, 15, "merchant id");
text_id!(TerminalId, 8, "terminal id");
text_id!(Rrn, 12, "reference number");

/// Field 60.2: a terminal's batch number, 000001–999999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Batch(pub u32);

/// Field 11: a trace number (STAN), 000001–999999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Trace(pub u32);

/// The largest six-digit counter value; counters wrap to 1 after it.
pub const COUNTER_MAX: u32 = 999_999;

impl Batch {
    /// The next batch, wrapping after 999999.
    pub fn next(self) -> Batch {
        Batch(if self.0 >= COUNTER_MAX { 1 } else { self.0 + 1 })
    }
}

impl Trace {
    /// The next trace number, wrapping after 999999.
    pub fn next(self) -> Trace {
        Trace(if self.0 >= COUNTER_MAX { 1 } else { self.0 + 1 })
    }

    pub fn parse(digits: &str) -> Option<Trace> {
        (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| Trace(digits.parse().unwrap_or(0)))
    }
}

impl fmt::Display for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_field_lengths() {
        assert!(TerminalId::parse("10000001").is_some());
        assert!(TerminalId::parse("1000001").is_none());
        assert!(MerchantId::parse("898310048990001").is_some());
        assert_eq!(Trace(999_999).next(), Trace(1));
        assert_eq!(Batch(7).to_string(), "000007");
        assert_eq!(Trace::parse("000042"), Some(Trace(42)));
    }
}
