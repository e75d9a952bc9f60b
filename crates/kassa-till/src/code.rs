//! Item codes: the barcodes a scanner reads — EAN-13, EAN-8 and UPC-A, each
//! with its check digit verified — or a merchant's own internal code.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest internal code.
pub const INTERNAL_CODE_MAX: usize = 20;

/// What kind of code an item's code is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Ean13,
    Ean8,
    UpcA,
    /// The merchant's own: 1–20 letters, digits, `-` or `_`, and not 8, 12 or
    /// 13 digits (those are read as barcodes).
    Internal,
}

/// An item's code, checked and in its canonical form: a UPC-A is kept as the
/// EAN-13 it is inside (a leading `0`), so a scanner that reports either finds it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemCode(String);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("no code")]
    Empty,
    #[error("{kind} {code}: the check digit should be {expected}")]
    CheckDigit { kind: &'static str, code: String, expected: u8 },
    #[error("a code is a barcode (8, 12 or 13 digits) or up to {INTERNAL_CODE_MAX} letters, digits, - or _")]
    Malformed,
}

impl ItemCode {
    /// Checks `text` (spaces around it ignored) and returns the canonical code and its kind.
    pub fn parse(text: &str) -> Result<(ItemCode, CodeKind), CodeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(CodeError::Empty);
        }
        let all_digits = text.bytes().all(|b| b.is_ascii_digit());
        let kind = match (all_digits, text.len()) {
            (true, 13) => CodeKind::Ean13,
            (true, 12) => CodeKind::UpcA,
            (true, 8) => CodeKind::Ean8,
            _ => {
                let fits = text.len() <= INTERNAL_CODE_MAX
                    && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                return if fits {
                    Ok((ItemCode(text.to_string()), CodeKind::Internal))
                } else {
                    Err(CodeError::Malformed)
                };
            }
        };
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body);
        if check[0] != expected {
            let kind_name = match kind {
                CodeKind::Ean13 => "EAN-13",
                CodeKind::UpcA => "UPC-A",
                _ => "EAN-8",
            };
            return Err(CodeError::CheckDigit { kind: kind_name, code: text.to_string(), expected });
        }
        let canonical = if kind == CodeKind::UpcA { format!("0{text}") } else { text.to_string() };
        Ok((ItemCode(canonical), kind))
    }

    /// A code read back from the store, trusted as canonical.
    pub fn stored(text: String) -> ItemCode {
        ItemCode(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The GS1 check digit of `body` (every digit but the check): from the right,
/// weights 3, 1, 3, 1, …; the digit that makes the sum a multiple of ten.
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().rev().enumerate().map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 }).sum();
    ((10 - sum % 10) % 10) as u8
}

/// `body` with its check digit appended (for building demo and test codes).
pub fn with_check_digit(body: &str) -> Option<String> {
    let digits: Option<Vec<u8>> = body.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect();
    Some(format!("{body}{}", check_digit(&digits?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn published_barcodes_check() {
        // EAN-13 of a book (ISBN 978-0-306-40615-7), an EAN-8, a UPC-A.
        assert_eq!(ItemCode::parse("9780306406157").unwrap().1, CodeKind::Ean13);
        assert_eq!(ItemCode::parse("96385074").unwrap().1, CodeKind::Ean8);
        let (upc, kind) = ItemCode::parse("036000291452").unwrap();
        assert_eq!((upc.as_str(), kind), ("0036000291452", CodeKind::UpcA));
        assert_eq!(ItemCode::parse("0036000291452").unwrap().0, upc, "a UPC-A is its EAN-13");
        assert_eq!(ItemCode::parse(" 6901234567892 ").unwrap().1, CodeKind::Ean13);
    }

    #[test]
    fn wrong_check_digits_and_odd_codes_are_refused() {
        assert_eq!(
            ItemCode::parse("9780306406158"),
            Err(CodeError::CheckDigit { kind: "EAN-13", code: "9780306406158".into(), expected: 7 })
        );
        assert!(matches!(ItemCode::parse("96385075"), Err(CodeError::CheckDigit { kind: "EAN-8", .. })));
        assert!(matches!(ItemCode::parse("036000291453"), Err(CodeError::CheckDigit { kind: "UPC-A", .. })));
        assert_eq!(ItemCode::parse(""), Err(CodeError::Empty));
        assert_eq!(ItemCode::parse("苹果"), Err(CodeError::Malformed));
        assert_eq!(ItemCode::parse("A-1 2"), Err(CodeError::Malformed));
        assert_eq!(ItemCode::parse(&"9".repeat(21)), Err(CodeError::Malformed));
        assert_eq!(ItemCode::parse("1001").unwrap().1, CodeKind::Internal);
        assert_eq!(ItemCode::parse("BREAD-01").unwrap().1, CodeKind::Internal);
    }

    proptest! {
        #[test]
        fn a_body_with_its_check_digit_always_parses_and_any_other_digit_never(body in "[0-9]{12}", wrong in 1u8..10) {
            let good = with_check_digit(&body).unwrap();
            prop_assert_eq!(ItemCode::parse(&good).unwrap().1, CodeKind::Ean13);
            let last = good.as_bytes()[12] - b'0';
            let bad = format!("{body}{}", (last + wrong) % 10);
            prop_assert!(ItemCode::parse(&bad).is_err());
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,30}") {
            let _ = ItemCode::parse(&text);
        }
    }
}
