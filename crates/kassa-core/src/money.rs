//! Money: integer minor units with a currency. No floats anywhere near money.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency, by its numeric code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Currency(pub u16);

impl Currency {
    /// Chinese yuan renminbi, `156`.
    pub const CNY: Currency = Currency(156);

    /// Digits after the decimal point (the ISO 4217 exponent).
    pub fn exponent(self) -> u32 {
        match self.0 {
            // Yen, won and a few others have no minor unit; dinars have three.
            392 | 410 | 704 => 0,
            48 | 368 | 400 | 414 | 434 | 512 | 788 => 3,
            _ => 2,
        }
    }

    /// The three digits as on the wire (field 49).
    pub fn code(self) -> String {
        format!("{:03}", self.0)
    }

    pub fn parse(code: &str) -> Option<Currency> {
        (code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit())).then(|| Currency(code.parse().unwrap_or(0)))
    }

    fn symbol(self) -> &'static str {
        match self.0 {
            156 => "¥",
            840 => "$",
            978 => "€",
            _ => "",
        }
    }
}

/// A non-negative amount in minor units (fen for CNY): `9900` is ¥99.00.
/// Arithmetic is checked; there is no `impl Add` that could overflow silently.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Amount(pub u64);

/// The largest amount field 4 (n12) can carry.
pub const AMOUNT_MAX: Amount = Amount(999_999_999_999);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn minor_units(self) -> u64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }

    /// `self × numerator / denominator`, rounded down; `None` on overflow or a zero denominator.
    pub fn scaled_down(self, numerator: u64, denominator: u64) -> Option<Amount> {
        if denominator == 0 {
            return None;
        }
        let value = u128::from(self.0) * u128::from(numerator) / u128::from(denominator);
        u64::try_from(value).ok().map(Amount)
    }

    /// From field 4's twelve digits.
    pub fn from_field(digits: &str) -> Option<Amount> {
        (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| Amount(digits.parse().unwrap_or(0)))
    }

    /// Field 4's twelve digits.
    pub fn to_field(self) -> String {
        format!("{:012}", self.0 % 1_000_000_000_000)
    }

    /// `¥99.00` for 9900 in CNY (terminals, slips, reports: no grouping).
    pub fn display(self, currency: Currency) -> String {
        written(false, self.0, currency, false, true)
    }

    /// `¥1,234.56`: thousands grouped, for pages people read.
    pub fn display_grouped(self, currency: Currency) -> String {
        written(false, self.0, currency, true, true)
    }

    /// `99.00`: the decimal amount without its symbol (CSV columns, decoded fields).
    pub fn decimal(self, currency: Currency) -> String {
        written(false, self.0, currency, false, false)
    }

    /// An amount as people write it, in major units: `99`, `99.5`, `99.00`,
    /// `¥1,234.56` — at most the currency's decimals, no sign, no exponent, no
    /// floating point; `None` for anything else or past [`AMOUNT_MAX`].
    pub fn parse_major(text: &str, currency: Currency) -> Option<Amount> {
        let symbol = currency.symbol();
        let text = text.trim();
        let text = if symbol.is_empty() { text } else { text.strip_prefix(symbol).unwrap_or(text).trim_start() };
        let text: String = text.chars().filter(|c| *c != ',').collect();
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let decimals = currency.exponent() as usize;
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 12 || !digits(whole) || fraction.len() > decimals || !digits(fraction) {
            return None;
        }
        let scale = 10u64.pow(currency.exponent());
        let padded = format!("{fraction:0<decimals$}");
        let minor = if decimals == 0 { 0 } else { padded.parse::<u64>().ok()? };
        let value = whole.parse::<u64>().ok()?.checked_mul(scale)?.checked_add(minor)?;
        (value <= AMOUNT_MAX.0).then_some(Amount(value))
    }
}

/// A signed amount of minor units (a net, a balance that went below zero):
/// `-¥10.00`, grouped or not. Every amount Kassa writes for people is written here.
pub fn display_signed(minor: i64, currency: Currency, grouped: bool) -> String {
    written(minor < 0, minor.unsigned_abs(), currency, grouped, true)
}

fn written(negative: bool, minor: u64, currency: Currency, grouped: bool, symbol: bool) -> String {
    let sign = if negative { "-" } else { "" };
    let symbol = if symbol { currency.symbol() } else { "" };
    let scale = 10u64.pow(currency.exponent());
    let mut whole = (minor / scale).to_string();
    if grouped {
        let mut groups = Vec::new();
        while whole.len() > 3 {
            groups.push(whole.split_off(whole.len() - 3));
        }
        groups.push(whole);
        groups.reverse();
        whole = groups.join(",");
    }
    match currency.exponent() {
        0 => format!("{sign}{symbol}{whole}"),
        e => format!("{sign}{symbol}{whole}.{:0width$}", minor % scale, width = e as usize),
    }
}

impl fmt::Display for Amount {
    /// Minor units, as on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_money_not_minor_units() {
        assert_eq!(Amount(9900).display(Currency::CNY), "¥99.00");
        assert_eq!(Amount(5).display(Currency::CNY), "¥0.05");
        assert_eq!(Amount(500).display(Currency(392)), "500");
        assert_eq!(Amount::from_field("000000009900"), Some(Amount(9900)));
        assert_eq!(Amount::from_field("9900"), None);
        assert_eq!(Amount(9900).to_field(), "000000009900");
        assert_eq!(Amount(10000).scaled_down(115, 100), Some(Amount(11500)));
        assert_eq!(Amount(u64::MAX).checked_add(Amount(1)), None);
    }

    #[test]
    fn amounts_are_read_as_people_write_them() {
        let cny = |t: &str| Amount::parse_major(t, Currency::CNY);
        assert_eq!(cny("99"), Some(Amount(9_900)));
        assert_eq!(cny("99.5"), Some(Amount(9_950)));
        assert_eq!(cny(" ¥1,234.56 "), Some(Amount(123_456)));
        assert_eq!(cny("0.05"), Some(Amount(5)));
        for bad in ["", "-1", "1.234", "1e3", ".5", "abc", "9999999999999"] {
            assert_eq!(cny(bad), None, "{bad}");
        }
        assert_eq!(Amount::parse_major("500", Currency(392)), Some(Amount(500)));
        assert_eq!(Amount::parse_major("5.1", Currency(392)), None);
    }

    #[test]
    fn grouped_and_signed_amounts_are_written_in_one_place() {
        assert_eq!(Amount(123_456_789).display_grouped(Currency::CNY), "¥1,234,567.89");
        assert_eq!(Amount(99_900).display_grouped(Currency::CNY), "¥999.00");
        assert_eq!(Amount(123_456_789).display(Currency::CNY), "¥1234567.89");
        assert_eq!(display_signed(-1_000, Currency::CNY, false), "-¥10.00");
        assert_eq!(display_signed(-100_000_000, Currency::CNY, true), "-¥1,000,000.00");
        assert_eq!(display_signed(i64::MIN, Currency::CNY, false), "-¥92233720368547758.08");
        assert_eq!(Amount(1_000_000).display_grouped(Currency(392)), "1,000,000");
        assert_eq!(Amount(9_905).decimal(Currency::CNY), "99.05");
    }
}
