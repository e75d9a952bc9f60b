//! The kinds of financial transaction a terminal sends (`protocol.md` §3).

use serde::{Deserialize, Serialize};

/// How the card was read, in words, from field 22's first two digits: as the
/// slip prints it (`SWIPE`, `CHIP`, …).
pub fn entry_mode_word(field22: &str) -> &'static str {
    match field22.get(..2) {
        Some("01") => "MANUAL",
        Some("02") => "SWIPE",
        Some("05") => "CHIP",
        Some("07") => "CONTACTLESS",
        Some("80") => "FALLBACK",
        _ => "OTHER",
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TxnKind {
    BalanceInquiry,
    Sale,
    SaleVoid,
    Refund,
    PreAuth,
    PreAuthVoid,
    Completion,
    CompletionAdvice,
    CompletionVoid,
    /// The mobile reader's card-to-card transfer (its payer's debit; the
    /// credit to the beneficiary is the service's second leg).
    Transfer,
    /// The mobile reader's credit-card repayment (its payer's debit).
    Repayment,
    /// The mobile reader's mobile top-up (its payer's debit; the carrier's
    /// top-up is the second leg).
    TopUp,
    /// The credit leg of a transfer or repayment on the network link: a
    /// payment to the beneficiary's card. Never sent by a terminal.
    PaymentToCard,
}

impl TxnKind {
    /// Every kind a terminal may send.
    pub const TERMINAL: [TxnKind; 12] = [
        TxnKind::BalanceInquiry,
        TxnKind::Sale,
        TxnKind::SaleVoid,
        TxnKind::Refund,
        TxnKind::PreAuth,
        TxnKind::PreAuthVoid,
        TxnKind::Completion,
        TxnKind::CompletionAdvice,
        TxnKind::CompletionVoid,
        TxnKind::Transfer,
        TxnKind::Repayment,
        TxnKind::TopUp,
    ];

    pub const ALL: [TxnKind; 13] = [
        TxnKind::BalanceInquiry,
        TxnKind::Sale,
        TxnKind::SaleVoid,
        TxnKind::Refund,
        TxnKind::PreAuth,
        TxnKind::PreAuthVoid,
        TxnKind::Completion,
        TxnKind::CompletionAdvice,
        TxnKind::CompletionVoid,
        TxnKind::Transfer,
        TxnKind::Repayment,
        TxnKind::TopUp,
        TxnKind::PaymentToCard,
    ];

    /// A stable name for storage, metrics and logs.
    pub fn code(self) -> &'static str {
        match self {
            TxnKind::BalanceInquiry => "balance",
            TxnKind::Sale => "sale",
            TxnKind::SaleVoid => "sale_void",
            TxnKind::Refund => "refund",
            TxnKind::PreAuth => "preauth",
            TxnKind::PreAuthVoid => "preauth_void",
            TxnKind::Completion => "completion",
            TxnKind::CompletionAdvice => "completion_advice",
            TxnKind::CompletionVoid => "completion_void",
            TxnKind::Transfer => "transfer",
            TxnKind::Repayment => "repayment",
            TxnKind::TopUp => "top_up",
            TxnKind::PaymentToCard => "payment_to_card",
        }
    }

    pub fn from_code(code: &str) -> Option<TxnKind> {
        TxnKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The MTI, processing code, condition code and 60.1 of the request.
    pub fn wire(self) -> (&'static str, &'static str, &'static str, u8) {
        match self {
            TxnKind::BalanceInquiry => ("0200", "310000", "00", 1),
            TxnKind::Sale => ("0200", "000000", "00", 22),
            TxnKind::SaleVoid => ("0200", "200000", "00", 23),
            TxnKind::Refund => ("0220", "200000", "00", 25),
            TxnKind::PreAuth => ("0100", "030000", "06", 10),
            TxnKind::PreAuthVoid => ("0100", "200000", "06", 11),
            TxnKind::Completion => ("0200", "000000", "06", 20),
            TxnKind::CompletionAdvice => ("0220", "000000", "06", 24),
            TxnKind::CompletionVoid => ("0200", "200000", "06", 21),
            TxnKind::Transfer => ("0200", "400000", "00", 40),
            TxnKind::Repayment => ("0200", "400030", "00", 41),
            TxnKind::TopUp => ("0200", "500000", "00", 42),
            // Link only: no 60.1 of the terminal side names it.
            TxnKind::PaymentToCard => ("0200", "260000", "00", 0),
        }
    }

    /// Whether the terminal keeps a reversal for it until it has a valid answer.
    pub fn is_reversible(self) -> bool {
        !matches!(self, TxnKind::BalanceInquiry | TxnKind::Refund | TxnKind::CompletionAdvice)
    }

    /// The value-added service this kind is, if it is one.
    pub fn service(self) -> Option<crate::services::Service> {
        use crate::services::Service;
        match self {
            TxnKind::Transfer => Some(Service::Transfer),
            TxnKind::Repayment => Some(Service::Repayment),
            TxnKind::TopUp => Some(Service::TopUp),
            _ => None,
        }
    }

    /// Whether it moves the cardholder's money towards the merchant (a debit in
    /// settlement totals: sales and completions).
    pub fn is_settlement_debit(self) -> bool {
        matches!(self, TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice)
    }

    /// Whether it is a settlement credit: voids, completion voids and refunds.
    pub fn is_settlement_credit(self) -> bool {
        matches!(self, TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund)
    }

    /// The kinds whose request carries an original transaction (field 61).
    pub fn has_original(self) -> bool {
        matches!(
            self,
            TxnKind::SaleVoid
                | TxnKind::Refund
                | TxnKind::PreAuthVoid
                | TxnKind::Completion
                | TxnKind::CompletionAdvice
                | TxnKind::CompletionVoid
        )
    }

    /// The kind of original each referring kind needs.
    pub fn original_kind(self) -> Option<&'static [TxnKind]> {
        match self {
            TxnKind::SaleVoid => Some(&[TxnKind::Sale]),
            TxnKind::Refund => Some(&[TxnKind::Sale, TxnKind::Completion, TxnKind::CompletionAdvice]),
            TxnKind::PreAuthVoid | TxnKind::Completion | TxnKind::CompletionAdvice => Some(&[TxnKind::PreAuth]),
            TxnKind::CompletionVoid => Some(&[TxnKind::Completion, TxnKind::CompletionAdvice]),
            TxnKind::BalanceInquiry
            | TxnKind::Sale
            | TxnKind::PreAuth
            | TxnKind::Transfer
            | TxnKind::Repayment
            | TxnKind::TopUp
            | TxnKind::PaymentToCard => None,
        }
    }

    /// Classifies a request by MTI, processing code and condition code.
    pub fn classify(mti: &str, processing: &str, condition: &str) -> Option<TxnKind> {
        TxnKind::ALL.into_iter().find(|k| {
            let (m, p, c, _) = k.wire();
            m == mti && p == processing && (c == condition || (c == "00" && condition != "06"))
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            TxnKind::BalanceInquiry => "balance inquiry",
            TxnKind::Sale => "sale",
            TxnKind::SaleVoid => "sale void",
            TxnKind::Refund => "refund",
            TxnKind::PreAuth => "pre-authorization",
            TxnKind::PreAuthVoid => "pre-authorization void",
            TxnKind::Completion => "pre-authorization completion",
            TxnKind::CompletionAdvice => "completion advice",
            TxnKind::CompletionVoid => "completion void",
            TxnKind::Transfer => "card-to-card transfer",
            TxnKind::Repayment => "credit card repayment",
            TxnKind::TopUp => "mobile top-up",
            TxnKind::PaymentToCard => "payment to card",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_classifies_back_from_its_wire_form() {
        for kind in TxnKind::ALL {
            let (mti, processing, condition, _) = kind.wire();
            assert_eq!(TxnKind::classify(mti, processing, condition), Some(kind));
            assert_eq!(TxnKind::from_code(kind.code()), Some(kind));
        }
        assert_eq!(TxnKind::classify("0200", "000000", "08"), Some(TxnKind::Sale));
    }
}
