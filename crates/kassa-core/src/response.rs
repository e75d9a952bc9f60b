//! Response codes (field 39, `protocol.md` §4): one exhaustive enum, mapped to
//! the wire in a single `match` with no catch-all arm.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Every outcome the host answers with. Issuer codes the host does not know
/// pass through unchanged as [`ResponseCode::Issuer`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResponseCode {
    Approved,
    InvalidMerchant,
    DoNotHonour,
    InvalidTransaction,
    InvalidAmount,
    InvalidCardNumber,
    OutsidePeriod,
    OriginalNotFound,
    FormatError,
    LostCard,
    StolenCard,
    InsufficientFunds,
    ExpiredCard,
    IncorrectPin,
    NotPermittedToTerminal,
    SuspectedFraud,
    OverAmountLimit,
    AmountMismatch,
    OverFrequencyLimit,
    PinTriesExceeded,
    SignInAgain,
    Duplicate,
    SystemMalfunction,
    TerminalNotRegistered,
    NetworkTimeout,
    PinBlockError,
    MacFailed,
    /// Any other two-character code from the issuer, passed through.
    Issuer(String),
}

/// The answers to a reversal that leave it owed ([`ResponseCode::leaves_reversal_owed`]).
pub const REVERSAL_OWED_ON: [&str; 5] = ["96", "77", "A0", "91", "98"];

impl ResponseCode {
    /// The two characters of field 39.
    pub fn as_str(&self) -> &str {
        use ResponseCode::*;
        match self {
            Approved => "00",
            InvalidMerchant => "03",
            DoNotHonour => "05",
            InvalidTransaction => "12",
            InvalidAmount => "13",
            InvalidCardNumber => "14",
            OutsidePeriod => "22",
            OriginalNotFound => "25",
            FormatError => "30",
            LostCard => "41",
            StolenCard => "43",
            InsufficientFunds => "51",
            ExpiredCard => "54",
            IncorrectPin => "55",
            NotPermittedToTerminal => "58",
            SuspectedFraud => "59",
            OverAmountLimit => "61",
            AmountMismatch => "64",
            OverFrequencyLimit => "65",
            PinTriesExceeded => "75",
            SignInAgain => "77",
            Duplicate => "94",
            SystemMalfunction => "96",
            TerminalNotRegistered => "97",
            NetworkTimeout => "98",
            PinBlockError => "99",
            MacFailed => "A0",
            Issuer(code) => code,
        }
    }

    /// Every code the host knows (all but [`ResponseCode::Issuer`]).
    pub const KNOWN: [ResponseCode; 27] = {
        use ResponseCode::*;
        [
            Approved,
            InvalidMerchant,
            DoNotHonour,
            InvalidTransaction,
            InvalidAmount,
            InvalidCardNumber,
            OutsidePeriod,
            OriginalNotFound,
            FormatError,
            LostCard,
            StolenCard,
            InsufficientFunds,
            ExpiredCard,
            IncorrectPin,
            NotPermittedToTerminal,
            SuspectedFraud,
            OverAmountLimit,
            AmountMismatch,
            OverFrequencyLimit,
            PinTriesExceeded,
            SignInAgain,
            Duplicate,
            SystemMalfunction,
            TerminalNotRegistered,
            NetworkTimeout,
            PinBlockError,
            MacFailed,
        ]
    };

    /// From field 39. Unknown codes become [`ResponseCode::Issuer`].
    pub fn parse(code: &str) -> ResponseCode {
        ResponseCode::KNOWN
            .into_iter()
            .find(|c| c.as_str() == code)
            .unwrap_or_else(|| ResponseCode::Issuer(code.to_string()))
    }

    pub fn is_approved(&self) -> bool {
        *self == ResponseCode::Approved
    }

    /// Whether this answer to a reversal leaves it owed, to be sent again:
    /// the other side did not take it (a failure on its side, an issuer it
    /// could not reach, a session or a MAC it could not check). Any other
    /// answer settles the reversal: `00`, or a refusal such as `25` that
    /// sending it again cannot change. The terminal's kept reversal and the
    /// host's store-and-forward queue both follow it.
    pub fn leaves_reversal_owed(&self) -> bool {
        REVERSAL_OWED_ON.contains(&self.as_str())
    }

    /// What the code means, in English (`protocol.md` §4).
    pub fn meaning(&self) -> &'static str {
        use ResponseCode::*;
        match self {
            Approved => "approved",
            InvalidMerchant => "invalid merchant",
            DoNotHonour => "do not honour",
            InvalidTransaction => "invalid transaction",
            InvalidAmount => "invalid amount",
            InvalidCardNumber => "invalid card number",
            OutsidePeriod => "outside the allowed period",
            OriginalNotFound => "original not found or not usable",
            FormatError => "format error",
            LostCard => "lost card",
            StolenCard => "stolen card",
            InsufficientFunds => "insufficient funds",
            ExpiredCard => "expired card",
            IncorrectPin => "incorrect PIN",
            NotPermittedToTerminal => "not permitted to this terminal",
            SuspectedFraud => "suspected fraud",
            OverAmountLimit => "over amount limit",
            AmountMismatch => "amount does not match original",
            OverFrequencyLimit => "over frequency limit",
            PinTriesExceeded => "PIN tries exceeded",
            SignInAgain => "batch mismatch or not signed in: sign in again",
            Duplicate => "duplicate",
            SystemMalfunction => "system malfunction",
            TerminalNotRegistered => "terminal not registered",
            NetworkTimeout => "network timeout",
            PinBlockError => "PIN block error",
            MacFailed => "MAC failed: sign in again",
            Issuer(_) => "declined by the issuer",
        }
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in ["00", "03", "14", "30", "51", "77", "94", "98", "A0"] {
            assert_eq!(ResponseCode::parse(code).as_str(), code);
        }
        assert_eq!(ResponseCode::parse("N7"), ResponseCode::Issuer("N7".into()));
    }
}
