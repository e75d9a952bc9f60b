//! A merchant's settlement for one business day: what it took, what was
//! taken back, what it pays, and what it is owed.

use std::collections::BTreeMap;

use kassa_core::{Amount, MerchantId, TxnKind};

use crate::fees::FeeSchedule;

/// One transaction as settlement sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleItem {
    /// The transaction's id in the store (what proves the day unchanged).
    pub txn_id: i64,
    pub merchant: MerchantId,
    pub mcc: String,
    pub kind: TxnKind,
    pub amount: Amount,
    /// Approved and still standing, or voided later (only approved or voided items count).
    pub voided: bool,
    /// Held back by risk control: not paid out with this day.
    pub risk_held: bool,
    /// A transaction of an earlier, already settled day that was reversed
    /// since (a terminal's reversal that came late): settled here, the other
    /// way round — a sale's or completion's amount taken back, a void's or
    /// refund's given back.
    pub adjustment: bool,
}

/// A merchant's day. All amounts in minor units; `net` may be negative when
/// refunds exceed takings (the merchant then owes it, carried to the next day).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MerchantDay {
    /// Sales and completions, voided ones included.
    pub gross: u64,
    pub gross_count: u32,
    /// Voids of sales and completions (they cancel their originals).
    pub voids: u64,
    pub void_count: u32,
    pub refunds: u64,
    pub refund_count: u32,
    /// Fees on the sales and completions that stood; a void returns its fee,
    /// a refund does not.
    pub fees: u64,
    /// Takings held back by risk control.
    pub held: u64,
    /// Late reversals of earlier settled days' transactions (negative: taken
    /// back from the merchant).
    pub adjustments: i64,
    pub adjustment_count: u32,
    pub net: i128,
}

impl MerchantDay {
    /// A risk case holds the merchant's settlement: whatever the day would
    /// pay goes to frozen funds instead (a day that owes stays owed).
    pub fn hold_all(&mut self) {
        if let Ok(positive) = u64::try_from(self.net)
            && positive > 0
        {
            self.held += positive;
            self.net = 0;
        }
    }
}

/// A day's net against the debt carried in from earlier days: (what is
/// paid now, the debt carried on). Takings first cover the debt; a negative
/// day adds to it. Nothing is paid while a debt remains.
pub fn carry(net: i128, debt_in: u64) -> (u64, u64) {
    let after = net - i128::from(debt_in);
    if after >= 0 {
        (u64::try_from(after).unwrap_or(u64::MAX), 0)
    } else {
        (0, u64::try_from(-after).unwrap_or(u64::MAX))
    }
}

/// Settles a day's items per merchant.
pub fn settle_day(items: &[SettleItem], fees: &FeeSchedule) -> BTreeMap<MerchantId, MerchantDay> {
    let mut days: BTreeMap<MerchantId, MerchantDay> = BTreeMap::new();
    for item in items {
        let day = days.entry(item.merchant.clone()).or_default();
        let amount = item.amount.minor_units();
        if item.adjustment {
            let signed = i64::try_from(amount).unwrap_or(i64::MAX);
            match item.kind {
                TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice => day.adjustments -= signed,
                TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund => day.adjustments += signed,
                _ => continue,
            }
            day.adjustment_count += 1;
            continue;
        }
        match item.kind {
            TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice => {
                day.gross += amount;
                day.gross_count += 1;
                if !item.voided {
                    day.fees += fees.fee(&item.mcc, item.amount).minor_units();
                    if item.risk_held {
                        day.held += amount;
                    }
                }
            }
            TxnKind::SaleVoid | TxnKind::CompletionVoid => {
                day.voids += amount;
                day.void_count += 1;
            }
            TxnKind::Refund => {
                day.refunds += amount;
                day.refund_count += 1;
            }
            // Services are the payer's money on its way to somebody else,
            // never the merchant's takings.
            TxnKind::BalanceInquiry
            | TxnKind::PreAuth
            | TxnKind::PreAuthVoid
            | TxnKind::Transfer
            | TxnKind::Repayment
            | TxnKind::TopUp
            | TxnKind::PaymentToCard => {}
        }
    }
    for day in days.values_mut() {
        day.net = i128::from(day.gross)
            - i128::from(day.voids)
            - i128::from(day.refunds)
            - i128::from(day.fees)
            - i128::from(day.held)
            + i128::from(day.adjustments);
        assert_eq!(
            day.net + i128::from(day.voids) + i128::from(day.refunds) + i128::from(day.fees) + i128::from(day.held)
                - i128::from(day.adjustments),
            i128::from(day.gross),
            "a settlement adds up"
        );
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_merchant_day_pays_nothing_and_still_adds_up() {
        let mut day = MerchantDay { gross: 10_000, fees: 60, held: 1_000, net: 8_940, ..MerchantDay::default() };
        day.hold_all();
        assert_eq!((day.held, day.net), (9_940, 0));
        let mut owing = MerchantDay { gross: 100, refunds: 500, net: -400, ..MerchantDay::default() };
        owing.hold_all();
        assert_eq!((owing.held, owing.net), (0, -400), "a day that owes stays owed");
    }

    #[test]
    fn a_debt_is_carried_until_takings_cover_it() {
        assert_eq!(carry(1_000, 0), (1_000, 0));
        assert_eq!(carry(-400, 0), (0, 400), "refunds above takings: owed");
        assert_eq!(carry(-100, 400), (0, 500), "another bad day adds to it");
        assert_eq!(carry(300, 500), (0, 200), "takings cover part of it");
        assert_eq!(carry(900, 200), (700, 0), "then the rest is paid");
        assert_eq!(carry(0, 0), (0, 0));
    }
}
