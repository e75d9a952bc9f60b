//! Fee and settlement arithmetic over random inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_core::{Amount, MerchantId, TxnKind};
use kassa_settlement::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn fees_are_rounded_capped_and_monotone(amount in 0u64..1_000_000_000_000, rate in 0u32..100_000, cap in proptest::option::of(0u64..1_000_000)) {
        let rule = FeeRule::new(rate, cap.map(Amount));
        let fee = rule.fee(Amount(amount)).minor_units();
        prop_assert!(fee <= amount);
        if let Some(cap) = cap {
            prop_assert!(fee <= cap);
        }
        // Within half a fen of the exact fee, unless capped.
        let exact = u128::from(amount) * u128::from(rate);
        let rounded = u128::from(fee) * 1_000_000;
        if cap.is_none_or(|c| fee < c) {
            prop_assert!(rounded + 500_000 > exact && rounded <= exact + 500_000);
        }
        prop_assert!(rule.fee(Amount(amount + 1)).minor_units() >= fee);
    }

    #[test]
    fn a_day_adds_up(items in proptest::collection::vec((0usize..3, 0usize..5, 1u64..1_000_000, any::<bool>(), any::<bool>(), proptest::bool::weighted(0.1)), 0..200)) {
        let merchants = ["898310048990001", "898310048990002", "898310048990003"].map(|m| MerchantId::parse(m).unwrap());
        let kinds = [TxnKind::Sale, TxnKind::Completion, TxnKind::SaleVoid, TxnKind::Refund, TxnKind::PreAuth];
        let items: Vec<SettleItem> = items
            .into_iter()
            .enumerate()
            .map(|(i, (m, k, amount, voided, risk_held, adjustment))| SettleItem {
                txn_id: i as i64,
                merchant: merchants[m].clone(),
                mcc: "5812".into(),
                kind: kinds[k],
                amount: Amount(amount),
                voided,
                risk_held,
                adjustment,
            })
            .collect();
        let days = settle_day(&items, &FeeSchedule::standard());
        let gross: u64 = items.iter().filter(|i| !i.adjustment && matches!(i.kind, TxnKind::Sale | TxnKind::Completion)).map(|i| i.amount.minor_units()).sum();
        prop_assert_eq!(days.values().map(|d| d.gross).sum::<u64>(), gross);
        // A late reversal takes a sale back and gives a void or refund back.
        let adjusted: i64 = items.iter().filter(|i| i.adjustment).map(|i| match i.kind {
            TxnKind::Sale | TxnKind::Completion => -(i.amount.minor_units() as i64),
            TxnKind::SaleVoid | TxnKind::Refund => i.amount.minor_units() as i64,
            _ => 0,
        }).sum();
        prop_assert_eq!(days.values().map(|d| d.adjustments).sum::<i64>(), adjusted);
        for day in days.values() {
            prop_assert_eq!(
                day.net,
                i128::from(day.gross) - i128::from(day.voids) - i128::from(day.refunds) - i128::from(day.fees) - i128::from(day.held)
                    + i128::from(day.adjustments)
            );
        }
    }
}
