//! The mobile reader's value-added services (`docs/protocol-profile.md`):
//! what each is, its fee and its limits. Pure: the host checks a request
//! with these rules and the reader computes the fee it shows with the same.

use serde::{Deserialize, Serialize};

use crate::{Amount, CardNumber, TxnKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// 转账汇款: into another debit card.
    Transfer,
    /// 信用卡还款: into a credit card.
    Repayment,
    /// 手机充值: a phone number's credit, from its carrier.
    TopUp,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Transfer, Service::Repayment, Service::TopUp];

    pub fn kind(self) -> TxnKind {
        match self {
            Service::Transfer => TxnKind::Transfer,
            Service::Repayment => TxnKind::Repayment,
            Service::TopUp => TxnKind::TopUp,
        }
    }

    /// A stable name (as [`TxnKind::code`]).
    pub fn code(self) -> &'static str {
        self.kind().code()
    }

    pub fn from_code(code: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether its second leg is a payment to a card on the network (else the carrier's top-up).
    pub fn pays_a_card(self) -> bool {
        self != Service::TopUp
    }

    pub fn english(self) -> &'static str {
        match self {
            Service::Transfer => "card-to-card transfer",
            Service::Repayment => "credit card repayment",
            Service::TopUp => "mobile top-up",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Service::Transfer => "转账汇款",
            Service::Repayment => "信用卡还款",
            Service::TopUp => "手机充值",
        }
    }
}

/// A service fee: a rate in hundredths of a percent of the amount, rounded to
/// the nearest minor unit (half up), then raised to `min` and cut to `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeRule {
    pub rate_bp: u32,
    pub min: Amount,
    pub max: Amount,
}

impl FeeRule {
    pub const FREE: FeeRule = FeeRule { rate_bp: 0, min: Amount::ZERO, max: Amount::ZERO };

    pub fn fee(&self, amount: Amount) -> Amount {
        let raw = (u128::from(amount.0) * u128::from(self.rate_bp) + 5_000) / 10_000;
        let raw = u64::try_from(raw).unwrap_or(u64::MAX);
        Amount(raw.max(self.min.0).min(self.max.0.max(self.min.0)))
    }
}

/// Each service's fee and limits: the host's configuration, which the reader is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRules {
    pub transfer_fee: FeeRule,
    pub repayment_fee: FeeRule,
    pub top_up_fee: FeeRule,
    /// The most one transfer may move.
    pub transfer_max: Amount,
    /// The most one repayment may move.
    pub repayment_max: Amount,
    /// The most transfers and repayments from one payer card may move in a business day.
    pub card_day_max: Amount,
    /// The face values a top-up may have, in minor units.
    pub face_values: Vec<Amount>,
}

impl Default for ServiceRules {
    fn default() -> Self {
        let fee = FeeRule { rate_bp: 10, min: Amount(200), max: Amount(2_500) };
        ServiceRules {
            transfer_fee: fee,
            repayment_fee: fee,
            top_up_fee: FeeRule::FREE,
            transfer_max: Amount(2_000_000),
            repayment_max: Amount(5_000_000),
            card_day_max: Amount(5_000_000),
            face_values: [3_000, 5_000, 10_000, 20_000, 30_000, 50_000].into_iter().map(Amount).collect(),
        }
    }
}

/// Why a service request is refused before any money moves, and on whose side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `12`, payer side: a credit card cannot pay for a service.
    PayerIsCredit,
    /// `14`, beneficiary side: not a card number (Luhn, length) or not a mobile number.
    BadBeneficiary,
    /// `12`, beneficiary side: the wrong kind of card for the service.
    WrongBeneficiaryCard,
    /// `12`, beneficiary side: the payer's own card.
    SelfBeneficiary,
    /// `13`, payer side: the fee is not the schedule's, a face value not offered, no amount left.
    BadAmount,
    /// `61`, payer side: over a limit.
    OverLimit,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::PayerIsCredit | Refusal::WrongBeneficiaryCard | Refusal::SelfBeneficiary => "12",
            Refusal::BadBeneficiary => "14",
            Refusal::BadAmount => "13",
            Refusal::OverLimit => "61",
        }
    }

    /// Whether it speaks of the beneficiary's side (`B` in 63) rather than the payer's (`P`).
    pub fn beneficiary_side(self) -> bool {
        matches!(self, Refusal::BadBeneficiary | Refusal::WrongBeneficiaryCard | Refusal::SelfBeneficiary)
    }
}

/// A service request's money: the total debited and the fee it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priced {
    /// What the beneficiary gets (or the top-up's face value).
    pub amount: Amount,
    pub fee: Amount,
    /// What the payer's card is debited: amount + fee.
    pub total: Amount,
}

impl ServiceRules {
    pub fn fee_rule(&self, service: Service) -> FeeRule {
        match service {
            Service::Transfer => self.transfer_fee,
            Service::Repayment => self.repayment_fee,
            Service::TopUp => self.top_up_fee,
        }
    }

    /// The fee and total for an amount (what the reader shows before the PIN).
    pub fn price(&self, service: Service, amount: Amount) -> Option<Priced> {
        let fee = self.fee_rule(service).fee(amount);
        Some(Priced { amount, fee, total: amount.checked_add(fee)? })
    }

    /// Checks the money of a request (field 4 the total, 28 the fee): the fee
    /// is the schedule's, a top-up's amount a face value, within the
    /// per-transaction limit.
    pub fn check_money(&self, service: Service, total: Amount, fee: Amount) -> Result<Priced, Refusal> {
        let amount = total.checked_sub(fee).filter(|a| *a > Amount::ZERO).ok_or(Refusal::BadAmount)?;
        if self.fee_rule(service).fee(amount) != fee {
            return Err(Refusal::BadAmount);
        }
        match service {
            Service::TopUp if !self.face_values.contains(&amount) => return Err(Refusal::BadAmount),
            Service::Transfer if amount > self.transfer_max => return Err(Refusal::OverLimit),
            Service::Repayment if amount > self.repayment_max => return Err(Refusal::OverLimit),
            _ => {}
        }
        Ok(Priced { amount, fee, total })
    }
}

/// The beneficiary a request names (field 48), checked for its service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Beneficiary {
    Card(CardNumber),
    Phone(String),
}

impl Beneficiary {
    /// What may be shown or logged: a card masked (first 6, last 4), a phone
    /// number with its middle four hidden (`138****5678`).
    pub fn masked(&self) -> String {
        match self {
            Beneficiary::Card(pan) => pan.masked(),
            Beneficiary::Phone(number) => mask_phone(number),
        }
    }

    pub fn digits(&self) -> &str {
        match self {
            Beneficiary::Card(pan) => pan.expose(),
            Beneficiary::Phone(number) => number,
        }
    }
}

/// `13812345678` as `138****5678`.
pub fn mask_phone(number: &str) -> String {
    match (number.get(..3), number.get(number.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if number.len() > 7 => format!("{head}****{tail}"),
        _ => "*".repeat(number.len()),
    }
}

/// Whether `number` is a mainland mobile number: 11 digits starting with `1`.
pub fn is_mobile_number(number: &str) -> bool {
    number.len() == 11 && number.starts_with('1') && number.bytes().all(|b| b.is_ascii_digit())
}

/// Reads field 48 for `service`. `is_credit` says whether a card number is a
/// credit card (the host knows its credit issuers' prefixes); `payer` is the
/// payer's card number.
pub fn check_beneficiary(
    service: Service,
    digits: &str,
    payer: &str,
    is_credit: impl Fn(&str) -> bool,
) -> Result<Beneficiary, Refusal> {
    if service == Service::TopUp {
        return if is_mobile_number(digits) {
            Ok(Beneficiary::Phone(digits.to_string()))
        } else {
            Err(Refusal::BadBeneficiary)
        };
    }
    let pan = CardNumber::parse(digits)
        .filter(|p| p.luhn_ok() && (13..=19).contains(&p.expose().len()))
        .ok_or(Refusal::BadBeneficiary)?;
    if pan.expose() == payer {
        return Err(Refusal::SelfBeneficiary);
    }
    let credit = is_credit(pan.expose());
    match service {
        Service::Transfer if credit => Err(Refusal::WrongBeneficiaryCard),
        Service::Repayment if !credit => Err(Refusal::WrongBeneficiaryCard),
        _ => Ok(Beneficiary::Card(pan)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_half_up_between_their_floor_and_ceiling() {
        let rule = FeeRule { rate_bp: 10, min: Amount(200), max: Amount(2_500) };
        assert_eq!(rule.fee(Amount(100_000)), Amount(200), "0.1% of ¥1,000 is ¥1, raised to ¥2");
        assert_eq!(rule.fee(Amount(1_000_000)), Amount(1_000));
        assert_eq!(rule.fee(Amount(1_234_500)), Amount(1_235), "1,234.5 fen rounds up");
        assert_eq!(rule.fee(Amount(1_234_499)), Amount(1_234));
        assert_eq!(rule.fee(Amount(900_000_000)), Amount(2_500));
        assert_eq!(FeeRule::FREE.fee(Amount(50_000)), Amount::ZERO);
    }

    #[test]
    fn the_host_refuses_a_total_whose_fee_disagrees() {
        let rules = ServiceRules::default();
        let priced = rules.price(Service::Transfer, Amount(500_000)).unwrap();
        assert_eq!(priced.fee, Amount(500));
        assert_eq!(rules.check_money(Service::Transfer, priced.total, priced.fee), Ok(priced));
        assert_eq!(rules.check_money(Service::Transfer, Amount(500_400), Amount(400)), Err(Refusal::BadAmount));
        assert_eq!(rules.check_money(Service::Transfer, Amount(200), Amount(200)), Err(Refusal::BadAmount));
        assert_eq!(rules.check_money(Service::TopUp, Amount(4_000), Amount::ZERO), Err(Refusal::BadAmount));
        assert!(rules.check_money(Service::TopUp, Amount(5_000), Amount::ZERO).is_ok());
        let over = rules.price(Service::Transfer, Amount(2_000_001)).unwrap();
        assert_eq!(rules.check_money(Service::Transfer, over.total, over.fee), Err(Refusal::OverLimit));
    }

    #[test]
    fn beneficiaries_are_checked_for_their_service() {
        let credit = |pan: &str| pan.starts_with("622588");
        let payer = "6222021234567890128";
        let check = |s, d: &str| check_beneficiary(s, d, payer, credit);
        assert!(matches!(check(Service::Transfer, "6222021234500000017"), Ok(Beneficiary::Card(_))));
        assert_eq!(check(Service::Transfer, "6222021234500000018"), Err(Refusal::BadBeneficiary), "Luhn");
        assert_eq!(check(Service::Transfer, "6225881234567890120"), Err(Refusal::WrongBeneficiaryCard));
        assert_eq!(check(Service::Transfer, payer), Err(Refusal::SelfBeneficiary));
        assert!(check(Service::Repayment, "6225881234567890120").is_ok());
        assert_eq!(check(Service::Repayment, "6222021234500000017"), Err(Refusal::WrongBeneficiaryCard));
        assert!(check(Service::TopUp, "13812345678").is_ok());
        assert_eq!(check(Service::TopUp, "2381234567"), Err(Refusal::BadBeneficiary));
        assert_eq!(mask_phone("13812345678"), "138****5678");
    }
}
