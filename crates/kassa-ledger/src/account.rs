//! Accounts: who owns them, what they hold, and their balances.

use kassa_core::{Currency, MerchantId};

/// What an account holds. Merchant accounts exist per merchant; acquirer
/// accounts once per currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccountKind {
    /// Takings not yet settled.
    MerchantPending,
    /// Settled, ready to pay out.
    MerchantAvailable,
    /// Held back by risk control.
    MerchantFrozen,
    /// The merchant discount fees the acquirer earns.
    FeeIncome,
    /// What the card network owes the acquirer (or is owed).
    NetworkSettlement,
    /// Terminal deposits taken from merchants.
    DepositsHeld,
    /// Payouts sent to the bank and not yet confirmed.
    PayoutsInFlight,
    /// Money whose owner is not yet known (reconciliation breaks).
    Suspense,
    /// Services: payers' money on its way to the beneficiaries' cards (a
    /// transfer or repayment whose credit leg is not done).
    BeneficiaryFunds,
    /// Services: top-ups bought from the carriers and not yet paid to them.
    CarrierPayable,
    /// Services: the service fees the acquirer earns.
    ServiceFeeIncome,
}

impl AccountKind {
    pub const ALL: [AccountKind; 11] = [
        AccountKind::MerchantPending,
        AccountKind::MerchantAvailable,
        AccountKind::MerchantFrozen,
        AccountKind::FeeIncome,
        AccountKind::NetworkSettlement,
        AccountKind::DepositsHeld,
        AccountKind::PayoutsInFlight,
        AccountKind::Suspense,
        AccountKind::BeneficiaryFunds,
        AccountKind::CarrierPayable,
        AccountKind::ServiceFeeIncome,
    ];

    /// A stable name for storage.
    pub fn code(self) -> String {
        format!("{self:?}")
    }

    pub fn from_code(code: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The side on which the account's balance grows. Liabilities to merchants
    /// and income grow with credits; what others owe the acquirer grows with debits.
    pub fn normal(self) -> Side {
        match self {
            AccountKind::NetworkSettlement => Side::Debit,
            _ => Side::Credit,
        }
    }
}

/// Who an account belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    Merchant(MerchantId),
    Acquirer,
}

/// An account's identity: owner, kind and currency.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountKey {
    pub owner: Owner,
    pub kind: AccountKind,
    pub currency: u16,
}

impl AccountKey {
    pub fn merchant(id: &MerchantId, kind: AccountKind, currency: Currency) -> AccountKey {
        AccountKey { owner: Owner::Merchant(id.clone()), kind, currency: currency.0 }
    }

    pub fn acquirer(kind: AccountKind, currency: Currency) -> AccountKey {
        AccountKey { owner: Owner::Acquirer, kind, currency: currency.0 }
    }
}

/// Debit or credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Debit,
    Credit,
}

/// Balances in minor units. `i128` leaves no room for overflow from `u64` amounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balances {
    pub debits_posted: i128,
    pub credits_posted: i128,
    pub debits_pending: i128,
    pub credits_pending: i128,
}

/// An account: its key, balances and floor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub key: AccountKey,
    pub balances: Balances,
    /// The lowest balance (on the account's normal side, counting pending
    /// amounts against it) the account may reach; `None` for no floor.
    pub floor: Option<i128>,
}

impl Account {
    /// The posted balance on the account's normal side.
    pub fn posted(&self) -> i128 {
        let b = &self.balances;
        match self.key.kind.normal() {
            Side::Credit => b.credits_posted - b.debits_posted,
            Side::Debit => b.debits_posted - b.credits_posted,
        }
    }

    /// The balance a floor is checked against: posted, less pending amounts
    /// moving against the normal side.
    pub fn available(&self) -> i128 {
        let b = &self.balances;
        match self.key.kind.normal() {
            Side::Credit => b.credits_posted - b.debits_posted - b.debits_pending,
            Side::Debit => b.debits_posted - b.credits_posted - b.credits_pending,
        }
    }
}
