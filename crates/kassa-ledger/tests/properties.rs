//! Random sequences of operations, checked against an independent model that
//! recomputes every balance from history rather than updating it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests and benchmarks fail loudly.

use std::collections::HashMap;

use kassa_core::{Currency, MerchantId};
use kassa_ledger::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Apply(u128, Request, i64),
    Expire(i64),
}

/// Accounts: two merchant accounts with a zero floor, a network account
/// without one, a fee account with a zero floor, and one in another currency.
fn open_accounts(ledger: &mut Ledger) -> Vec<(AccountId, u16, Option<i128>, Side)> {
    let m = MerchantId::parse("898310048990001").unwrap();
    let specs = [
        (AccountKey::merchant(&m, AccountKind::MerchantPending, Currency::CNY), Some(0)),
        (AccountKey::merchant(&m, AccountKind::MerchantAvailable, Currency::CNY), Some(0)),
        (AccountKey::acquirer(AccountKind::NetworkSettlement, Currency::CNY), None),
        (AccountKey::acquirer(AccountKind::FeeIncome, Currency::CNY), Some(0)),
        (AccountKey::acquirer(AccountKind::Suspense, Currency(840)), None),
    ];
    specs
        .into_iter()
        .map(|(key, floor)| {
            let (currency, normal) = (key.currency, key.kind.normal());
            (ledger.open(key, floor), currency, floor, normal)
        })
        .collect()
}

fn request() -> impl Strategy<Value = Request> {
    let account = (0u32..6).prop_map(AccountId);
    let entry = (account.clone(), prop_oneof![Just(Side::Debit), Just(Side::Credit)], 0u64..2_000)
        .prop_map(|(account, side, amount)| Entry { account, side, amount });
    let balanced = (account.clone(), account.clone(), 1u64..2_000).prop_map(|(d, c, amount)| Request::Post {
        entries: vec![
            Entry { account: d, side: Side::Debit, amount },
            Entry { account: c, side: Side::Credit, amount },
        ],
    });
    prop_oneof![
        4 => balanced,
        1 => proptest::collection::vec(entry, 0..4).prop_map(|entries| Request::Post { entries }),
        2 => (account.clone(), account, 0u64..2_000, 0i64..100)
            .prop_map(|(debit, credit, amount, expires_at_ms)| Request::Hold { debit, credit, amount, expires_at_ms }),
        2 => (1u128..40, proptest::option::of(0u64..2_000)).prop_map(|(h, amount)| Request::PostHold { hold: PostingId(h), amount }),
        1 => (1u128..40).prop_map(|h| Request::VoidHold { hold: PostingId(h) }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        9 => (0u128..40, request(), 0i64..100).prop_map(|(id, r, now)| Op::Apply(id, r, now)),
        1 => (0i64..100).prop_map(Op::Expire),
    ];
    proptest::collection::vec(op, 1..120)
}

/// The model: the spec written plainly, with balances recomputed from the
/// list of what was applied.
#[derive(Default)]
struct Model {
    accounts: Vec<(u16, Option<i128>, Side)>,
    seen: HashMap<u128, (Request, Result<(), Rejection>)>,
    posts: Vec<Vec<Entry>>,
    holds: HashMap<u128, (AccountId, AccountId, u64, i64, HoldState)>,
}

impl Model {
    /// (debits posted, credits posted, debits pending, credits pending) of `account`.
    fn balances(&self, account: u32) -> (i128, i128, i128, i128) {
        let mut b = (0i128, 0i128, 0i128, 0i128);
        for entries in &self.posts {
            for e in entries.iter().filter(|e| e.account.0 == account) {
                match e.side {
                    Side::Debit => b.0 += i128::from(e.amount),
                    Side::Credit => b.1 += i128::from(e.amount),
                }
            }
        }
        for (debit, credit, amount, _, state) in self.holds.values() {
            match state {
                HoldState::Pending => {
                    if debit.0 == account {
                        b.2 += i128::from(*amount);
                    }
                    if credit.0 == account {
                        b.3 += i128::from(*amount);
                    }
                }
                HoldState::Posted(posted) => {
                    if debit.0 == account {
                        b.0 += i128::from(*posted);
                    }
                    if credit.0 == account {
                        b.1 += i128::from(*posted);
                    }
                }
                HoldState::Voided | HoldState::Expired => {}
            }
        }
        b
    }

    fn available(&self, account: u32) -> i128 {
        let (dp, cp, dpend, cpend) = self.balances(account);
        match self.accounts[account as usize].2 {
            Side::Credit => cp - dp - dpend,
            Side::Debit => dp - cp - cpend,
        }
    }

    fn expire(&mut self, now: i64) {
        for hold in self.holds.values_mut() {
            if hold.4 == HoldState::Pending && hold.3 <= now {
                hold.4 = HoldState::Expired;
            }
        }
    }

    fn apply(&mut self, id: u128, request: &Request, now: i64) -> Result<Outcome, Rejection> {
        if id == 0 {
            return Err(Rejection::IdZero);
        }
        if let Some((first, result)) = self.seen.get(&id) {
            return if first == request {
                result.map(|()| Outcome::AlreadyApplied)
            } else {
                Err(Rejection::ExistsWithDifferentContent)
            };
        }
        if let Request::PostHold { hold, .. } | Request::VoidHold { hold } = request
            && let Some(h) = self.holds.get_mut(&hold.0)
            && h.4 == HoldState::Pending
            && h.3 <= now
        {
            h.4 = HoldState::Expired;
        }
        let result = self.decide_and_apply(id, request);
        self.seen.insert(id, (request.clone(), result));
        result.map(|()| Outcome::Applied)
    }

    fn decide_and_apply(&mut self, id: u128, request: &Request) -> Result<(), Rejection> {
        let exists = |a: AccountId| (a.0 as usize) < self.accounts.len();
        let before: Vec<i128> = (0..self.accounts.len() as u32).map(|a| self.available(a)).collect();
        let undo = (self.posts.len(), self.holds.clone());
        match request {
            Request::Post { entries } => {
                if entries.len() < 2 {
                    return Err(Rejection::EntriesTooFew);
                }
                if entries.iter().any(|e| e.amount == 0) {
                    return Err(Rejection::AmountZero);
                }
                if !entries.iter().all(|e| exists(e.account)) {
                    return Err(Rejection::AccountNotFound);
                }
                let currencies: Vec<u16> = entries.iter().map(|e| self.accounts[e.account.0 as usize].0).collect();
                if currencies.iter().any(|c| *c != currencies[0]) {
                    return Err(Rejection::CurrencyMismatch);
                }
                let debits: u64 = entries.iter().filter(|e| e.side == Side::Debit).map(|e| e.amount).sum();
                let credits: u64 = entries.iter().filter(|e| e.side == Side::Credit).map(|e| e.amount).sum();
                if debits != credits {
                    return Err(Rejection::NotBalanced);
                }
                self.posts.push(entries.clone());
            }
            Request::Hold { debit, credit, amount, expires_at_ms } => {
                if *amount == 0 {
                    return Err(Rejection::AmountZero);
                }
                if !exists(*debit) || !exists(*credit) {
                    return Err(Rejection::AccountNotFound);
                }
                if debit == credit {
                    return Err(Rejection::SameAccount);
                }
                if self.accounts[debit.0 as usize].0 != self.accounts[credit.0 as usize].0 {
                    return Err(Rejection::CurrencyMismatch);
                }
                self.holds.insert(id, (*debit, *credit, *amount, *expires_at_ms, HoldState::Pending));
            }
            Request::PostHold { hold, amount } => {
                let h = self.holds.get_mut(&hold.0).ok_or(Rejection::HoldNotFound)?;
                match h.4 {
                    HoldState::Posted(_) => return Err(Rejection::HoldAlreadyPosted),
                    HoldState::Voided => return Err(Rejection::HoldAlreadyVoided),
                    HoldState::Expired => return Err(Rejection::HoldExpired),
                    HoldState::Pending => {}
                }
                let posted = amount.unwrap_or(h.2);
                if posted > h.2 {
                    return Err(Rejection::AmountExceedsHold);
                }
                h.4 = HoldState::Posted(posted);
            }
            Request::VoidHold { hold } => {
                let h = self.holds.get_mut(&hold.0).ok_or(Rejection::HoldNotFound)?;
                match h.4 {
                    HoldState::Posted(_) => return Err(Rejection::HoldAlreadyPosted),
                    HoldState::Voided => return Err(Rejection::HoldAlreadyVoided),
                    HoldState::Expired => return Err(Rejection::HoldExpired),
                    HoldState::Pending => {}
                }
                h.4 = HoldState::Voided;
            }
        }
        let breaks_floor = (0..self.accounts.len()).any(|a| {
            let after = self.available(a as u32);
            self.accounts[a].1.is_some_and(|floor| after < floor && after < before[a])
        });
        if breaks_floor {
            self.posts.truncate(undo.0);
            self.holds = undo.1;
            return Err(Rejection::ExceedsFloor);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_agrees_with_the_model(ops in ops()) {
        let mut ledger = Ledger::new();
        let accounts = open_accounts(&mut ledger);
        let mut model = Model { accounts: accounts.iter().map(|(_, c, f, s)| (*c, *f, *s)).collect(), ..Model::default() };
        for op in &ops {
            match op {
                Op::Apply(id, request, now) => {
                    let got = ledger.apply(PostingId(*id), request.clone(), *now);
                    let want = model.apply(*id, request, *now);
                    prop_assert_eq!(got, want, "{:?}", op);
                }
                Op::Expire(now) => {
                    ledger.expire(*now);
                    model.expire(*now);
                }
            }
            for (account, _, floor, _) in &accounts {
                let real = ledger.account(*account).unwrap();
                let b = real.balances;
                prop_assert_eq!((b.debits_posted, b.credits_posted, b.debits_pending, b.credits_pending), model.balances(account.0));
                if let Some(floor) = floor {
                    // Balances start at zero and only a lowering change is held
                    // to the floor, so a zero floor is never crossed.
                    prop_assert!(real.available() >= *floor);
                }
            }
            prop_assert!(ledger.audit().is_ok(), "{:?}", ledger.audit());
        }
        // Replaying everything changes nothing: each id already has its answer.
        let snapshot: Vec<Balances> = accounts.iter().map(|(a, ..)| ledger.account(*a).unwrap().balances).collect();
        for op in &ops {
            if let Op::Apply(id, request, now) = op {
                let again = ledger.apply(PostingId(*id), request.clone(), *now);
                prop_assert!(!matches!(again, Ok(Outcome::Applied)), "{:?} applied twice", op);
            }
        }
        let after: Vec<Balances> = accounts.iter().map(|(a, ..)| ledger.account(*a).unwrap().balances).collect();
        prop_assert_eq!(snapshot, after);
    }
}
