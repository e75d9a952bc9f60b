//! The card number: a type that masks itself and zeroizes on drop.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A primary account number, 12–19 digits. `Debug` and `Display` show it
/// masked (first 6, last 4); the digits are read only through [`CardNumber::expose`].
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CardNumber(String);

impl CardNumber {
    pub fn parse(digits: &str) -> Option<CardNumber> {
        ((12..=19).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| CardNumber(digits.to_string()))
    }

    /// The digits. Every call site handles card data.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn masked(&self) -> String {
        mask_pan(&self.0)
    }

    /// Whether the Luhn check digit is right.
    pub fn luhn_ok(&self) -> bool {
        let sum: u32 = self
            .0
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
            })
            .sum();
        sum.is_multiple_of(10)
    }
}

/// First 6 and last 4 digits, the rest starred.
pub fn mask_pan(pan: &str) -> String {
    let n = pan.chars().count();
    if n <= 10 {
        return "*".repeat(n);
    }
    pan.chars().enumerate().map(|(i, c)| if i < 6 || i >= n - 4 { c } else { '*' }).collect()
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CardNumber({})", self.masked())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shows_the_middle_digits() {
        let card = CardNumber::parse("6222021234567890123").unwrap();
        assert_eq!(format!("{card:?}"), "CardNumber(622202*********0123)");
        assert_eq!(card.to_string(), "622202*********0123");
        assert!(CardNumber::parse("4111111111111111").unwrap().luhn_ok());
        assert!(CardNumber::parse("62220a").is_none());
    }
}
