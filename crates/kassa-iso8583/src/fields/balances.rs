//! Field 54: account balances returned by a balance inquiry.

use super::{ViewError, take_number};

/// Whether a balance is in the cardholder's favour (`C`) or owed (`D`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    Credit,
    Debit,
}

/// One 20-character balance entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    /// Account type, 2 characters (e.g. `10` savings, `30` credit).
    pub account_type: String,
    /// Amount type: `01` ledger balance, `02` available balance.
    pub amount_type: String,
    /// ISO 4217 numeric currency, 3 characters.
    pub currency: String,
    pub sign: Sign,
    /// Minor units.
    pub amount: u64,
}

pub const BALANCE_CHARS: usize = 20;

/// Field 54: one or two balance entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balances(pub Vec<Balance>);

impl Balances {
    pub fn parse(value: &[u8]) -> Result<Balances, ViewError> {
        if value.is_empty() || !value.len().is_multiple_of(BALANCE_CHARS) || value.len() > 2 * BALANCE_CHARS {
            return Err(ViewError::new(54, format!("length {} is not one or two 20-character entries", value.len())));
        }
        value.chunks(BALANCE_CHARS).map(Balance::parse).collect::<Result<_, _>>().map(Balances)
    }

    pub fn render(&self) -> String {
        self.0.iter().map(Balance::render).collect()
    }
}

impl Balance {
    fn parse(entry: &[u8]) -> Result<Balance, ViewError> {
        let text = |range: std::ops::Range<usize>| String::from_utf8_lossy(&entry[range]).into_owned();
        let sign = match entry[7] {
            b'C' => Sign::Credit,
            b'D' => Sign::Debit,
            other => return Err(ViewError::new(54, format!("sign {:?} is neither C nor D", char::from(other)))),
        };
        let mut at = 8;
        let amount = take_number(54, entry, &mut at, 12, "balance amount")?;
        Ok(Balance { account_type: text(0..2), amount_type: text(2..4), currency: text(4..7), sign, amount })
    }

    fn render(&self) -> String {
        let sign = match self.sign {
            Sign::Credit => 'C',
            Sign::Debit => 'D',
        };
        format!(
            "{:<2.2}{:<2.2}{:<3.3}{sign}{:012}",
            self.account_type,
            self.amount_type,
            self.currency,
            self.amount % 1_000_000_000_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ledger_and_available() {
        let text = "1001156C0000001234561002156D000000000100";
        let balances = Balances::parse(text.as_bytes()).unwrap();
        assert_eq!(balances.0.len(), 2);
        assert_eq!(balances.0[0].amount, 123456);
        assert_eq!(balances.0[1].sign, Sign::Debit);
        assert_eq!(balances.render(), text);
        assert!(Balances::parse(b"1001156X000000123456").is_err());
        assert!(Balances::parse(b"1001").is_err());
    }
}
