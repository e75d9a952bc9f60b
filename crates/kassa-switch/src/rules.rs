//! The host's rules for transactions that refer to an original
//! (`protocol.md` §6, `product.md` §2). Pure: the original and the facts come
//! in, the decision goes out.
//!
//! Checks run in this order, and the first failure is the answer:
//! 1. the original exists, is of a kind this transaction may refer to, and is
//!    still usable — approved, not voided, reversed or already completed (`25`);
//! 2. a void's original is from today's business day, its batch is not
//!    settled, the merchant's day it belongs to is not settled, and no refund
//!    of it stands — a void returns the whole amount, so together voids and
//!    refunds never exceed the sale (`25`);
//! 3. a refund's or completion's original is within its period (`22`);
//! 4. the card is the original's (`14`);
//! 5. the amount fits: voids and pre-auth voids equal the original (`64`),
//!    completions at most 115% of it (`64`), refunds together at most the
//!    original (`61`).

use kassa_core::{Amount, Batch, ResponseCode, TxnKind};
use kassa_store::{OriginalEffect, TxnRecord, TxnState};

/// Limits from configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleLimits {
    pub refund_days_max: i64,
    pub completion_days_max: i64,
    pub completion_percent_max: u64,
}

impl Default for RuleLimits {
    fn default() -> Self {
        RuleLimits { refund_days_max: 30, completion_days_max: 30, completion_percent_max: 115 }
    }
}

/// The facts around the new transaction.
#[derive(Clone, Debug)]
pub struct RuleFacts<'a> {
    pub kind: TxnKind,
    pub amount: Amount,
    /// Keyed hash of the card presented, when one was.
    pub card: Option<&'a [u8; 32]>,
    pub business_date: &'a str,
    pub terminal_batch: Batch,
    pub batch_open: bool,
    /// Whether the original pre-auth already has an approved completion.
    pub original_completed: bool,
    /// Whether the merchant's business day the original belongs to is
    /// settled (nothing may change it then).
    pub original_day_settled: bool,
    pub limits: RuleLimits,
}

fn days_between(from: &str, to: &str) -> Option<i64> {
    Some(kassa_core::time::day_number_of(to)? - kassa_core::time::day_number_of(from)?)
}

/// Checks `facts` against `original`; on success, what the transaction does to it.
pub fn check_original(original: Option<&TxnRecord>, facts: &RuleFacts<'_>) -> Result<OriginalEffect, ResponseCode> {
    use ResponseCode::{AmountMismatch, InvalidCardNumber, OriginalNotFound, OutsidePeriod, OverAmountLimit};
    let kind = facts.kind;
    let allowed = kind.original_kind().ok_or(ResponseCode::InvalidTransaction)?;
    let original = original.ok_or(OriginalNotFound)?;
    let usable = allowed.contains(&original.kind)
        && original.state == TxnState::Approved
        && !(original.kind == TxnKind::PreAuth && facts.original_completed);
    if !usable {
        return Err(OriginalNotFound);
    }
    let is_void = matches!(kind, TxnKind::SaleVoid | TxnKind::CompletionVoid);
    if is_void {
        let same_day = original.business_date == facts.business_date;
        let batch_open = original.key.batch == facts.terminal_batch && facts.batch_open;
        let refunded = original.refunded > Amount::ZERO;
        if !same_day || !batch_open || facts.original_day_settled || refunded {
            return Err(OriginalNotFound);
        }
    }
    let period = match kind {
        TxnKind::Refund => Some(facts.limits.refund_days_max),
        TxnKind::Completion | TxnKind::CompletionAdvice => Some(facts.limits.completion_days_max),
        _ => None,
    };
    if let Some(days_max) = period {
        let elapsed = days_between(&original.business_date, facts.business_date).ok_or(OutsidePeriod)?;
        if !(0..=days_max).contains(&elapsed) {
            return Err(OutsidePeriod);
        }
    }
    if let (Some(card), Some(original_card)) = (facts.card, original.pan_hash.as_ref())
        && card != original_card
    {
        return Err(InvalidCardNumber);
    }
    match kind {
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::PreAuthVoid => {
            if facts.amount != original.amount {
                return Err(AmountMismatch);
            }
            Ok(OriginalEffect::Void { original_id: original.id })
        }
        TxnKind::Completion | TxnKind::CompletionAdvice => {
            let ceiling =
                original.amount.scaled_down(facts.limits.completion_percent_max, 100).ok_or(AmountMismatch)?;
            if facts.amount > ceiling {
                return Err(AmountMismatch);
            }
            Ok(OriginalEffect::Complete { original_id: original.id })
        }
        TxnKind::Refund => {
            let total = original.refunded.checked_add(facts.amount).ok_or(OverAmountLimit)?;
            if total > original.amount {
                return Err(OverAmountLimit);
            }
            Ok(OriginalEffect::Refund { original_id: original.id, amount: facts.amount })
        }
        TxnKind::Sale
        | TxnKind::PreAuth
        | TxnKind::BalanceInquiry
        | TxnKind::Transfer
        | TxnKind::Repayment
        | TxnKind::TopUp
        | TxnKind::PaymentToCard => Err(ResponseCode::InvalidTransaction),
    }
}

#[cfg(test)]
mod tests {
    use kassa_core::{Currency, MerchantId, TerminalId, Trace};
    use kassa_store::TxnKey;

    use super::*;

    fn original(kind: TxnKind, amount: u64, date: &str) -> TxnRecord {
        TxnRecord {
            id: 7,
            key: TxnKey {
                merchant: MerchantId::parse("898310048990001").unwrap_or_else(|| unreachable!()),
                terminal: TerminalId::parse("10000001").unwrap_or_else(|| unreachable!()),
                batch: Batch(1),
                trace: Trace(1),
            },
            kind,
            state: TxnState::Approved,
            amount: Amount(amount),
            currency: Currency::CNY,
            pan_masked: None,
            pan_hash: Some([1; 32]),
            pan_sealed: None,
            request_digest: [0; 32],
            response_code: Some("00".into()),
            auth_code: None,
            rrn: None,
            card_org: None,
            original_id: None,
            refunded: Amount::ZERO,
            link_stan: 1,
            link_transmitted: String::new(),
            local_date: String::new(),
            local_time: String::new(),
            business_date: date.into(),
            entry_mode: String::new(),
            created_at_ms: 0,
        }
    }

    fn facts(kind: TxnKind, amount: u64, date: &'static str) -> RuleFacts<'static> {
        RuleFacts {
            kind,
            amount: Amount(amount),
            card: Some(&[1; 32]),
            business_date: date,
            terminal_batch: Batch(1),
            batch_open: true,
            original_completed: false,
            original_day_settled: false,
            limits: RuleLimits::default(),
        }
    }

    fn check(kind: TxnKind, amount: u64, date: &'static str, original: &TxnRecord) -> Result<OriginalEffect, String> {
        check_original(Some(original), &facts(kind, amount, date)).map_err(|c| c.as_str().to_string())
    }

    #[test]
    fn voids() {
        let sale = original(TxnKind::Sale, 10_000, "20261122");
        assert_eq!(check(TxnKind::SaleVoid, 10_000, "20261122", &sale), Ok(OriginalEffect::Void { original_id: 7 }));
        assert_eq!(check(TxnKind::SaleVoid, 9_999, "20261122", &sale), Err("64".into()));
        assert_eq!(check(TxnKind::SaleVoid, 10_000, "20261123", &sale), Err("25".into()));
        let mut other_card = facts(TxnKind::SaleVoid, 10_000, "20261122");
        other_card.card = Some(&[2; 32]);
        assert_eq!(check_original(Some(&sale), &other_card), Err(ResponseCode::InvalidCardNumber));
        let mut settled = facts(TxnKind::SaleVoid, 10_000, "20261122");
        settled.batch_open = false;
        assert_eq!(check_original(Some(&sale), &settled), Err(ResponseCode::OriginalNotFound));
        let mut voided = sale.clone();
        voided.state = TxnState::Voided;
        assert_eq!(check(TxnKind::SaleVoid, 10_000, "20261122", &voided), Err("25".into()));
        assert_eq!(check_original(None, &facts(TxnKind::SaleVoid, 1, "20261122")), Err(ResponseCode::OriginalNotFound));
        let preauth = original(TxnKind::PreAuth, 10_000, "20261122");
        assert_eq!(check(TxnKind::SaleVoid, 10_000, "20261122", &preauth), Err("25".into()));
    }

    /// A void returns the whole sale: never once a refund of it stands, nor
    /// once the merchant's day it belongs to is settled; a refund never
    /// after a void.
    #[test]
    fn voids_and_refunds_never_return_more_than_the_sale() {
        let mut sale = original(TxnKind::Sale, 3_000, "20261122");
        sale.refunded = Amount(1_000);
        assert_eq!(check(TxnKind::SaleVoid, 3_000, "20261122", &sale), Err("25".into()));
        sale.refunded = Amount(3_000);
        assert_eq!(check(TxnKind::SaleVoid, 3_000, "20261122", &sale), Err("25".into()));
        sale.refunded = Amount::ZERO;
        let mut settled = facts(TxnKind::SaleVoid, 3_000, "20261122");
        settled.original_day_settled = true;
        assert_eq!(check_original(Some(&sale), &settled), Err(ResponseCode::OriginalNotFound));
        sale.state = TxnState::Voided;
        assert_eq!(check(TxnKind::Refund, 1, "20261122", &sale), Err("25".into()));
    }

    #[test]
    fn refunds_are_cumulative_and_within_thirty_days() {
        let mut sale = original(TxnKind::Sale, 10_000, "20261101");
        assert!(check(TxnKind::Refund, 6_000, "20261201", &sale).is_ok());
        assert_eq!(check(TxnKind::Refund, 6_000, "20261202", &sale), Err("22".into()));
        sale.refunded = Amount(6_000);
        assert!(check(TxnKind::Refund, 4_000, "20261110", &sale).is_ok());
        assert_eq!(check(TxnKind::Refund, 4_001, "20261110", &sale), Err("61".into()));
    }

    #[test]
    fn completions_up_to_115_percent_within_thirty_days() {
        let preauth = original(TxnKind::PreAuth, 10_000, "20261101");
        assert_eq!(
            check(TxnKind::Completion, 11_500, "20261101", &preauth),
            Ok(OriginalEffect::Complete { original_id: 7 })
        );
        assert_eq!(check(TxnKind::Completion, 11_501, "20261101", &preauth), Err("64".into()));
        assert_eq!(check(TxnKind::CompletionAdvice, 11_501, "20261101", &preauth), Err("64".into()));
        assert_eq!(check(TxnKind::Completion, 100, "20261202", &preauth), Err("22".into()));
        let mut completed = facts(TxnKind::Completion, 100, "20261101");
        completed.original_completed = true;
        assert_eq!(check_original(Some(&preauth), &completed), Err(ResponseCode::OriginalNotFound));
        assert_eq!(check(TxnKind::PreAuthVoid, 9_000, "20261101", &preauth), Err("64".into()));
        assert!(check(TxnKind::PreAuthVoid, 10_000, "20261101", &preauth).is_ok());
    }
}
