//! What a message is, by the table of `protocol.md` §3 (MTI, processing code,
//! condition code, 60.1 / 60.3), and what a response code means (§4).

use crate::fields::Field60;
use crate::message::Message;

/// Every message type of the terminal profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransactionType {
    BalanceInquiry,
    Sale,
    SaleVoid,
    Refund,
    PreAuth,
    PreAuthVoid,
    Completion,
    CompletionAdvice,
    CompletionVoid,
    /// The mobile reader's services (`docs/protocol-profile.md`).
    Transfer,
    Repayment,
    TopUp,
    Reversal,
    SignIn,
    SignOff,
    Echo,
    BatchSettlement,
    BatchUpload,
}

impl TransactionType {
    /// Classifies a request, or a response by its request's MTI.
    pub fn classify(message: &Message) -> Option<TransactionType> {
        use TransactionType::*;
        let mti = message.mti();
        let mut digits = mti.digits();
        if mti.is_response() {
            digits[2] -= 1;
        }
        let processing = message.get(3).unwrap_or_default();
        let condition = message.get(25).unwrap_or_default();
        let field60 = message.get(60).and_then(|v| Field60::parse(v).ok());
        let management = field60.as_ref().and_then(|f| f.management_code);
        let pre_auth_family = condition == b"06";
        Some(match (&digits, processing) {
            (b"0200", b"310000") => BalanceInquiry,
            (b"0200", b"000000") if pre_auth_family => Completion,
            (b"0200", b"000000") => Sale,
            (b"0200", b"200000") if pre_auth_family => CompletionVoid,
            (b"0200", b"200000") => SaleVoid,
            (b"0220", b"200000") => Refund,
            (b"0220", b"000000") => CompletionAdvice,
            (b"0200", b"400000") => Transfer,
            (b"0200", b"400030") => Repayment,
            (b"0200", b"500000") => TopUp,
            (b"0100", b"030000") => PreAuth,
            (b"0100", b"200000") => PreAuthVoid,
            (b"0400", _) => Reversal,
            (b"0800", _) => SignIn,
            (b"0820", _) if management == Some(2) => SignOff,
            (b"0820", _) if management == Some(301) => Echo,
            (b"0500", _) => BatchSettlement,
            (b"0320", _) => BatchUpload,
            _ => return None,
        })
    }

    /// The transaction's name in English, as slips and logs print it.
    pub fn name(self) -> &'static str {
        use TransactionType::*;
        match self {
            BalanceInquiry => "balance inquiry",
            Sale => "sale",
            SaleVoid => "sale void",
            Refund => "refund",
            PreAuth => "pre-authorization",
            PreAuthVoid => "pre-authorization void",
            Completion => "pre-authorization completion",
            CompletionAdvice => "completion advice",
            CompletionVoid => "completion void",
            Transfer => "card-to-card transfer",
            Repayment => "credit card repayment",
            TopUp => "mobile top-up",
            Reversal => "reversal",
            SignIn => "sign-in",
            SignOff => "sign-off",
            Echo => "echo test",
            BatchSettlement => "batch settlement",
            BatchUpload => "batch upload",
        }
    }
}

/// The meaning of a field-39 response code from `protocol.md` §4.
pub fn describe_response_code(code: &str) -> Option<&'static str> {
    Some(match code {
        "00" => "approved",
        "03" => "invalid merchant",
        "05" => "do not honour",
        "06" => "error (reversal reason: other)",
        "12" => "invalid transaction",
        "13" => "invalid amount",
        "14" => "invalid card number",
        "22" => "outside the allowed period",
        "25" => "original not found or not usable",
        "30" => "format error",
        "41" => "lost card",
        "43" => "stolen card",
        "51" => "insufficient funds",
        "54" => "expired card",
        "55" => "incorrect PIN",
        "58" => "not permitted to this terminal",
        "59" => "suspected fraud",
        "61" => "over amount limit",
        "64" => "amount does not match original",
        "65" => "over frequency limit",
        "75" => "PIN tries exceeded",
        "77" => "batch mismatch or not signed in: sign in again",
        "94" => "duplicate",
        "96" => "system malfunction",
        "97" => "terminal not registered",
        "98" => "network timeout",
        "99" => "PIN block error",
        "A0" => "MAC failed: sign in again",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Mti;

    fn message(mti: &str, fields: &[(u8, &str)]) -> Message {
        let mut m = Message::new(Mti::new(mti).unwrap());
        for (n, v) in fields {
            m.set(*n, v);
        }
        m
    }

    #[test]
    fn classifies_the_protocol_table() {
        use TransactionType::*;
        let cases = [
            (message("0200", &[(3, "000000"), (25, "00")]), Sale),
            (message("0210", &[(3, "000000"), (25, "00")]), Sale),
            (message("0200", &[(3, "000000"), (25, "06")]), Completion),
            (message("0200", &[(3, "200000"), (25, "06")]), CompletionVoid),
            (message("0200", &[(3, "400000")]), Transfer),
            (message("0200", &[(3, "400030")]), Repayment),
            (message("0200", &[(3, "500000")]), TopUp),
            (message("0220", &[(3, "200000"), (25, "00")]), Refund),
            (message("0100", &[(3, "030000"), (25, "06")]), PreAuth),
            (message("0820", &[(60, "00000001301")]), Echo),
            (message("0830", &[(60, "00000001002")]), SignOff),
        ];
        for (m, expected) in cases {
            assert_eq!(TransactionType::classify(&m), Some(expected));
        }
        assert_eq!(TransactionType::classify(&message("0600", &[])), None);
        assert_eq!(describe_response_code("A0"), Some("MAC failed: sign in again"));
    }
}
