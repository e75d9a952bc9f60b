//! Card accounts at the simulated issuers, and the demo's test cards.

use kassa_core::Amount;
use serde::{Deserialize, Serialize};

/// Debit cards draw on a balance; credit cards on a limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardKind {
    Debit,
    Credit,
}

/// What the issuer says about a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CardState {
    Active,
    Lost,
    Stolen,
}

/// Wrong PINs in a row before the card is blocked for PIN transactions.
pub const PIN_TRIES_MAX: u8 = 3;

/// One card account at its issuer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAccount {
    pub pan: String,
    pub pin: String,
    /// YYMM.
    pub expiry: String,
    pub kind: CardKind,
    pub state: CardState,
    /// Debit: the balance. Credit: the limit.
    pub funds: Amount,
    /// Credit: what has been spent. Always zero for debit cards.
    pub used: Amount,
    /// Pre-authorization holds outstanding.
    pub held: Amount,
    pub wrong_pins: u8,
}

impl CardAccount {
    pub fn new(pan: &str, pin: &str, expiry: &str, kind: CardKind, state: CardState, funds: Amount) -> CardAccount {
        CardAccount {
            pan: pan.to_string(),
            pin: pin.to_string(),
            expiry: expiry.to_string(),
            kind,
            state,
            funds,
            used: Amount::ZERO,
            held: Amount::ZERO,
            wrong_pins: 0,
        }
    }

    /// What can still be spent: balance (or limit less spending) less holds.
    pub fn available(&self) -> Amount {
        self.funds.checked_sub(self.used).and_then(|a| a.checked_sub(self.held)).unwrap_or(Amount::ZERO)
    }

    /// Track 2 as the stripe carries it: PAN `=` expiry, service code, discretionary data.
    pub fn track2(&self) -> String {
        let service = if self.kind == CardKind::Debit { "220" } else { "201" };
        format!("{}={}{}0000000000", self.pan, self.expiry, service)
    }

    /// The card organisation the network reports in field 63: `CUP` for
    /// UnionPay BINs (62…), else the foreign scheme.
    pub fn organisation(&self) -> &'static str {
        organisation_of(&self.pan)
    }
}

pub fn organisation_of(pan: &str) -> &'static str {
    match pan.as_bytes().first() {
        Some(b'6') => "CUP",
        Some(b'4') => "VIS",
        Some(b'5') => "MCC",
        Some(b'3') => "JCB",
        _ => "OTH",
    }
}

/// The demo's test cards: every decline reason has a card that produces it.
/// Numbers pass the Luhn check.
pub fn test_cards() -> Vec<CardAccount> {
    use CardKind::{Credit, Debit};
    use CardState::{Active, Lost, Stolen};
    vec![
        CardAccount::new("6222021234567890128", "123456", "3012", Debit, Active, Amount(10_000_000)),
        CardAccount::new("6225881234567890120", "123456", "3012", Credit, Active, Amount(5_000_000)),
        CardAccount::new("6222021234500000017", "111111", "3012", Debit, Active, Amount(1_000)),
        CardAccount::new("6222021234500000025", "222222", "2001", Debit, Active, Amount(10_000_000)),
        CardAccount::new("6222021234500000033", "333333", "3012", Debit, Lost, Amount(10_000_000)),
        CardAccount::new("6222021234500000041", "444444", "3012", Debit, Stolen, Amount(10_000_000)),
        CardAccount::new("4111111111111111", "1234", "3012", Credit, Active, Amount(2_000_000)),
        // For load tests: funds that no benchmark runs out of.
        CardAccount::new("6222021234500000058", "888888", "3012", Debit, Active, Amount(900_000_000_000)),
    ]
}
