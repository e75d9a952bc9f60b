//! Field 48 in a 0500 batch settlement: the terminal's (or host's) totals.

use super::{ViewError, take_number};

/// One half of the settlement totals (domestic or foreign cards).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Sum of sales and completions, minor units (n12).
    pub debit_amount: u64,
    /// Count of sales and completions (n3).
    pub debit_count: u16,
    /// Sum of voids, completion voids and refunds, minor units (n12).
    pub credit_amount: u64,
    /// Count of voids, completion voids and refunds (n3).
    pub credit_count: u16,
    /// In a response: `1` balanced, `2` not balanced, `3` error. `0` in requests.
    pub flag: u8,
}

/// The digits of one [`Totals`] block.
pub const TOTALS_DIGITS: usize = 12 + 3 + 12 + 3 + 1;

/// Settlement flags of a 0510.
pub mod flag {
    pub const BALANCED: u8 = 1;
    pub const NOT_BALANCED: u8 = 2;
    pub const ERROR: u8 = 3;
}

impl Totals {
    fn parse(value: &[u8], at: &mut usize) -> Result<Totals, ViewError> {
        Ok(Totals {
            debit_amount: take_number(48, value, at, 12, "debit amount")?,
            debit_count: take_number(48, value, at, 3, "debit count")? as u16,
            credit_amount: take_number(48, value, at, 12, "credit amount")?,
            credit_count: take_number(48, value, at, 3, "credit count")? as u16,
            flag: take_number(48, value, at, 1, "flag")? as u8,
        })
    }

    fn render(&self, text: &mut String) {
        text.push_str(&format!(
            "{:012}{:03}{:012}{:03}{}",
            self.debit_amount % 1_000_000_000_000,
            self.debit_count % 1000,
            self.credit_amount % 1_000_000_000_000,
            self.credit_count % 1000,
            self.flag % 10
        ));
    }
}

/// Field 48 of a 0500/0510: domestic totals, then foreign totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettlementTotals {
    pub domestic: Totals,
    pub foreign: Totals,
}

impl SettlementTotals {
    /// Reads the domestic block and, when present, the foreign block.
    pub fn parse(value: &[u8]) -> Result<SettlementTotals, ViewError> {
        let mut at = 0;
        let domestic = Totals::parse(value, &mut at)?;
        let foreign = if value.len() > at { Totals::parse(value, &mut at)? } else { Totals::default() };
        if at != value.len() {
            return Err(ViewError::new(48, format!("{} digits after the totals", value.len() - at)));
        }
        Ok(SettlementTotals { domestic, foreign })
    }

    pub fn render(&self) -> String {
        let mut text = String::with_capacity(2 * TOTALS_DIGITS);
        self.domestic.render(&mut text);
        self.foreign.render(&mut text);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_halves() {
        let text = "000000019900002000000009900001100000000000000000000000000000000";
        let totals = SettlementTotals::parse(&text.as_bytes()[..62]).unwrap();
        assert_eq!(totals.domestic.debit_amount, 19900);
        assert_eq!(totals.domestic.debit_count, 2);
        assert_eq!(totals.domestic.credit_amount, 9900);
        assert_eq!(totals.domestic.credit_count, 1);
        assert_eq!(totals.domestic.flag, 1);
        assert_eq!(totals.render(), &text[..62]);
        assert!(SettlementTotals::parse(b"0000").is_err());
    }
}
