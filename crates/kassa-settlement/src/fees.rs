//! The merchant discount fee: a rate per merchant category (MCC), with an
//! optional cap per transaction.
//!
//! **Rounding rule.** The fee of one transaction is `amount × rate`, rounded
//! half up to the minor unit (四舍五入: 0.5 fen and above rounds up), then
//! capped. Everything is integer arithmetic: the rate is in parts per million,
//! the product is taken in `u128`, so no amount can overflow and no float is
//! involved. Fees are charged per transaction, never on a day's total.

use std::collections::HashMap;

use kassa_core::Amount;

/// One category's fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeRule {
    /// Parts per million of the amount: 6_000 is 0.6%.
    pub rate_ppm: u32,
    /// The most one transaction pays, if capped.
    pub cap: Option<Amount>,
}

/// The largest rate accepted: 10%.
pub const RATE_PPM_MAX: u32 = 100_000;

impl FeeRule {
    pub const fn new(rate_ppm: u32, cap: Option<Amount>) -> FeeRule {
        FeeRule { rate_ppm, cap }
    }

    /// The fee on `amount`, by the module's rounding rule.
    pub fn fee(&self, amount: Amount) -> Amount {
        let rate = u128::from(self.rate_ppm.min(RATE_PPM_MAX));
        let exact = u128::from(amount.minor_units()) * rate;
        let rounded = (exact + 500_000) / 1_000_000;
        // A rate of at most 10% keeps the fee below the amount, so it fits.
        let fee = Amount(u64::try_from(rounded).unwrap_or(u64::MAX));
        let fee = match self.cap {
            Some(cap) if fee > cap => cap,
            _ => fee,
        };
        assert!(fee <= amount, "a fee never exceeds its transaction");
        fee
    }
}

/// Fee rules by merchant category, with a default for the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    pub default: FeeRule,
    pub by_mcc: HashMap<String, FeeRule>,
}

impl FeeSchedule {
    /// China's usual debit-card pricing as a starting point: 0.6% by default;
    /// supermarkets and similar (5411, 5499) 0.38%; wholesale, property and
    /// cars (5013, 5172, 5511, 6513) 0.6% capped at ¥26.00; public services
    /// (4900, 8211, 8220, 9211) free.
    pub fn standard() -> FeeSchedule {
        let mut by_mcc = HashMap::new();
        for mcc in ["5411", "5499"] {
            by_mcc.insert(mcc.to_string(), FeeRule::new(3_800, None));
        }
        for mcc in ["5013", "5172", "5511", "6513"] {
            by_mcc.insert(mcc.to_string(), FeeRule::new(6_000, Some(Amount(2_600))));
        }
        for mcc in ["4900", "8211", "8220", "9211"] {
            by_mcc.insert(mcc.to_string(), FeeRule::new(0, None));
        }
        FeeSchedule { default: FeeRule::new(6_000, None), by_mcc }
    }

    pub fn rule(&self, mcc: &str) -> FeeRule {
        self.by_mcc.get(mcc).copied().unwrap_or(self.default)
    }

    pub fn fee(&self, mcc: &str, amount: Amount) -> Amount {
        self.rule(mcc).fee(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_up_to_the_fen_then_caps() {
        let rule = FeeRule::new(6_000, None);
        assert_eq!(rule.fee(Amount(9_900)), Amount(59)); // 59.4 fen
        assert_eq!(rule.fee(Amount(9_925)), Amount(60)); // 59.55 fen
        assert_eq!(rule.fee(Amount(250)), Amount(2)); // 1.5 fen rounds up
        assert_eq!(rule.fee(Amount(83)), Amount(0)); // 0.498 fen
        assert_eq!(rule.fee(Amount(84)), Amount(1)); // 0.504 fen
        let capped = FeeRule::new(6_000, Some(Amount(2_600)));
        assert_eq!(capped.fee(Amount(433_333)), Amount(2_600)); // 2,599.998 → 2,600
        assert_eq!(capped.fee(Amount(1_000_000)), Amount(2_600));
        assert_eq!(capped.fee(Amount(400_000)), Amount(2_400));
        assert_eq!(FeeRule::new(6_000, None).fee(Amount(u64::MAX)), Amount(110_680_464_442_257_310));
    }

    #[test]
    fn categories_choose_their_rule() {
        let schedule = FeeSchedule::standard();
        assert_eq!(schedule.fee("5411", Amount(10_000)), Amount(38));
        assert_eq!(schedule.fee("5812", Amount(10_000)), Amount(60));
        assert_eq!(schedule.fee("8211", Amount(10_000)), Amount(0));
        assert_eq!(schedule.fee("5511", Amount(100_000_000)), Amount(2_600));
    }
}
