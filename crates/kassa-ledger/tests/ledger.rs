//! The ledger's behaviour, by example.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use kassa_core::{Currency, MerchantId};
use kassa_ledger::*;

struct Books {
    ledger: Ledger,
    pending: AccountId,
    available: AccountId,
    network: AccountId,
    fees: AccountId,
}

fn books() -> Books {
    let mut ledger = Ledger::new();
    let merchant = MerchantId::parse("898310048990001").unwrap();
    let cny = Currency::CNY;
    let pending = ledger.open(AccountKey::merchant(&merchant, AccountKind::MerchantPending, cny), Some(0));
    let available = ledger.open(AccountKey::merchant(&merchant, AccountKind::MerchantAvailable, cny), Some(0));
    let network = ledger.open(AccountKey::acquirer(AccountKind::NetworkSettlement, cny), None);
    let fees = ledger.open(AccountKey::acquirer(AccountKind::FeeIncome, cny), Some(0));
    Books { ledger, pending, available, network, fees }
}

fn transfer(debit: AccountId, credit: AccountId, amount: u64) -> Request {
    Request::Post {
        entries: vec![
            Entry { account: debit, side: Side::Debit, amount },
            Entry { account: credit, side: Side::Credit, amount },
        ],
    }
}

fn posted(b: &Books, id: AccountId) -> i128 {
    b.ledger.account(id).unwrap().posted()
}

#[test]
fn a_sale_credits_the_merchant_and_a_reversal_undoes_it() {
    let mut b = books();
    assert_eq!(b.ledger.apply(PostingId(1), transfer(b.network, b.pending, 9_900), 0), Ok(Outcome::Applied));
    assert_eq!((posted(&b, b.pending), posted(&b, b.network)), (9_900, 9_900));
    assert_eq!(b.ledger.apply(PostingId(2), transfer(b.pending, b.network, 9_900), 0), Ok(Outcome::Applied));
    assert_eq!((posted(&b, b.pending), posted(&b, b.network)), (0, 0));
    b.ledger.audit().unwrap();
}

#[test]
fn ids_make_postings_idempotent() {
    let mut b = books();
    let sale = transfer(b.network, b.pending, 100);
    assert_eq!(b.ledger.apply(PostingId(7), sale.clone(), 0), Ok(Outcome::Applied));
    assert_eq!(b.ledger.apply(PostingId(7), sale, 0), Ok(Outcome::AlreadyApplied));
    assert_eq!(posted(&b, b.pending), 100, "applied once");
    assert_eq!(
        b.ledger.apply(PostingId(7), transfer(b.network, b.pending, 101), 0),
        Err(Rejection::ExistsWithDifferentContent)
    );
    // A rejected posting stays rejected, even once it would fit.
    let payout = transfer(b.pending, b.available, 500);
    assert_eq!(b.ledger.apply(PostingId(8), payout.clone(), 0), Err(Rejection::ExceedsFloor));
    b.ledger.apply(PostingId(9), transfer(b.network, b.pending, 1_000), 0).unwrap();
    assert_eq!(b.ledger.apply(PostingId(8), payout, 0), Err(Rejection::ExceedsFloor));
    assert_eq!(b.ledger.apply(PostingId(0), transfer(b.network, b.pending, 1), 0), Err(Rejection::IdZero));
    b.ledger.audit().unwrap();
}

#[test]
fn postings_must_balance_and_name_real_accounts() {
    let mut b = books();
    let unbalanced = Request::Post {
        entries: vec![
            Entry { account: b.network, side: Side::Debit, amount: 100 },
            Entry { account: b.pending, side: Side::Credit, amount: 99 },
        ],
    };
    assert_eq!(b.ledger.apply(PostingId(1), unbalanced, 0), Err(Rejection::NotBalanced));
    let one = Request::Post { entries: vec![Entry { account: b.network, side: Side::Debit, amount: 1 }] };
    assert_eq!(b.ledger.apply(PostingId(2), one, 0), Err(Rejection::EntriesTooFew));
    assert_eq!(b.ledger.apply(PostingId(3), transfer(b.network, AccountId(99), 1), 0), Err(Rejection::AccountNotFound));
    assert_eq!(b.ledger.apply(PostingId(4), transfer(b.network, b.pending, 0), 0), Err(Rejection::AmountZero));
    let usd = b.ledger.open(AccountKey::acquirer(AccountKind::Suspense, Currency(840)), None);
    assert_eq!(b.ledger.apply(PostingId(5), transfer(b.network, usd, 1), 0), Err(Rejection::CurrencyMismatch));
    // A sale with its fee: three entries that balance.
    let with_fee = Request::Post {
        entries: vec![
            Entry { account: b.network, side: Side::Debit, amount: 10_000 },
            Entry { account: b.pending, side: Side::Credit, amount: 9_940 },
            Entry { account: b.fees, side: Side::Credit, amount: 60 },
        ],
    };
    assert_eq!(b.ledger.apply(PostingId(6), with_fee, 0), Ok(Outcome::Applied));
    b.ledger.audit().unwrap();
}

#[test]
fn holds_post_in_part_void_or_expire_and_resolve_once() {
    let mut b = books();
    b.ledger.apply(PostingId(1), transfer(b.network, b.available, 10_000), 0).unwrap();
    let hold = |amount| Request::Hold { debit: b.available, credit: b.pending, amount, expires_at_ms: 1_000 };
    assert_eq!(b.ledger.apply(PostingId(2), hold(6_000), 0), Ok(Outcome::Applied));
    assert_eq!(b.ledger.account(b.available).unwrap().available(), 4_000);
    assert_eq!(b.ledger.apply(PostingId(3), hold(4_001), 0), Err(Rejection::ExceedsFloor));
    // Posted in part: the rest is released.
    assert_eq!(
        b.ledger.apply(PostingId(4), Request::PostHold { hold: PostingId(2), amount: Some(5_000) }, 10),
        Ok(Outcome::Applied)
    );
    assert_eq!(posted(&b, b.available), 5_000);
    assert_eq!(b.ledger.account(b.available).unwrap().available(), 5_000);
    assert_eq!(
        b.ledger.apply(PostingId(5), Request::VoidHold { hold: PostingId(2) }, 10),
        Err(Rejection::HoldAlreadyPosted)
    );
    // Voided.
    b.ledger.apply(PostingId(6), hold(1_000), 10).unwrap();
    assert_eq!(b.ledger.apply(PostingId(7), Request::VoidHold { hold: PostingId(6) }, 10), Ok(Outcome::Applied));
    assert_eq!(
        b.ledger.apply(PostingId(8), Request::PostHold { hold: PostingId(6), amount: None }, 10),
        Err(Rejection::HoldAlreadyVoided)
    );
    // Expired, by the sweep or when someone tries to post it late.
    b.ledger.apply(PostingId(9), hold(1_000), 10).unwrap();
    b.ledger.apply(PostingId(10), hold(1_000), 10).unwrap();
    assert_eq!(b.ledger.expire(999), Vec::<PostingId>::new());
    let mut expired = b.ledger.expire(1_000);
    expired.sort();
    assert_eq!(expired, [PostingId(9), PostingId(10)]);
    assert_eq!(
        b.ledger.apply(PostingId(11), Request::PostHold { hold: PostingId(9), amount: None }, 2_000),
        Err(Rejection::HoldExpired)
    );
    b.ledger.apply(PostingId(12), hold(1_000), 10).unwrap();
    assert_eq!(
        b.ledger.apply(PostingId(13), Request::PostHold { hold: PostingId(12), amount: None }, 1_000),
        Err(Rejection::HoldExpired)
    );
    assert_eq!(b.ledger.account(b.available).unwrap().available(), 5_000);
    assert_eq!(
        b.ledger.apply(PostingId(14), Request::PostHold { hold: PostingId(99), amount: None }, 0),
        Err(Rejection::HoldNotFound)
    );
    assert_eq!(
        b.ledger.apply(PostingId(15), Request::PostHold { hold: PostingId(12), amount: Some(1) }, 0),
        Err(Rejection::HoldExpired)
    );
    b.ledger.audit().unwrap();
}
