//! The durable ledger: which postings each authorization outcome makes, in
//! the same database transaction as the transaction record, so the two can
//! never disagree. The rules of posting are `kassa-ledger`'s; each store
//! loads the rows a posting touches, asks `kassa_ledger::decide`, and writes
//! the result.
//!
//! | outcome | posting |
//! |---|---|
//! | sale or completion advice approved | network settlement → merchant pending |
//! | pre-auth approved | a hold, network settlement → merchant pending, expiring after 30 days |
//! | completion approved | the pre-auth's hold posted (up to its amount), the excess posted beside it |
//! | pre-auth void approved | the hold voided |
//! | sale void, completion void, refund approved | merchant pending → network settlement |
//! | reversal of any of these | the opposite posting (a pre-auth's hold voided) |
//!
//! Posting ids are the transaction id times 8 plus a purpose, so a retried
//! commit finds its posting already made.

use kassa_core::TxnKind;
use kassa_ledger::{AccountKind, PostingId};

use crate::model::TxnRecord;

/// How long a pre-authorization's hold lasts before it expires.
pub const HOLD_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Authorization = 1,
    Reversal = 2,
    /// The part of a completion above its pre-auth's hold.
    Excess = 3,
}

pub fn posting_id(txn_id: i64, purpose: Purpose) -> PostingId {
    PostingId(u128::from(txn_id.max(0).unsigned_abs()) * 8 + purpose as u128)
}

/// The accounts postings move between, resolved by each store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    MerchantPending,
    Network,
}

impl Role {
    pub fn kind(self) -> AccountKind {
        match self {
            Role::MerchantPending => AccountKind::MerchantPending,
            Role::Network => AccountKind::NetworkSettlement,
        }
    }

    /// Merchant pending funds may go below zero (refunds are netted at
    /// settlement); the network account has no floor either.
    pub fn floor(self) -> Option<i128> {
        None
    }
}

/// One posting to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Planned {
    Transfer {
        id: PostingId,
        debit: Role,
        credit: Role,
        amount: u64,
    },
    Hold {
        id: PostingId,
        debit: Role,
        credit: Role,
        amount: u64,
        expires_at_ms: i64,
    },
    VoidHold {
        id: PostingId,
        hold: PostingId,
    },
    /// Post the hold up to `amount` (as `id`); anything above the hold as `excess_id`.
    Complete {
        id: PostingId,
        hold: PostingId,
        amount: u64,
        excess_id: PostingId,
    },
}

/// The postings of `txn`'s approval. `original_id` names its original (for
/// completions and pre-auth voids, the pre-auth).
pub fn approval(txn: &TxnRecord, now_ms: i64) -> Vec<Planned> {
    let id = posting_id(txn.id, Purpose::Authorization);
    let amount = txn.amount.minor_units();
    let hold_of = |original: Option<i64>| original.map(|o| posting_id(o, Purpose::Authorization));
    match txn.kind {
        TxnKind::Sale => vec![Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantPending, amount }],
        TxnKind::PreAuth => vec![Planned::Hold {
            id,
            debit: Role::Network,
            credit: Role::MerchantPending,
            amount,
            expires_at_ms: now_ms + HOLD_LIFETIME_MS,
        }],
        TxnKind::Completion | TxnKind::CompletionAdvice => match hold_of(txn.original_id) {
            Some(hold) => vec![Planned::Complete { id, hold, amount, excess_id: posting_id(txn.id, Purpose::Excess) }],
            None => vec![Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantPending, amount }],
        },
        TxnKind::PreAuthVoid => {
            hold_of(txn.original_id).map(|hold| Planned::VoidHold { id, hold }).into_iter().collect()
        }
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund => {
            vec![Planned::Transfer { id, debit: Role::MerchantPending, credit: Role::Network, amount }]
        }
        TxnKind::BalanceInquiry => Vec::new(),
    }
}

/// The postings that undo `txn`'s approval when it is reversed.
pub fn reversal(txn: &TxnRecord) -> Vec<Planned> {
    let id = posting_id(txn.id, Purpose::Reversal);
    let amount = txn.amount.minor_units();
    match txn.kind {
        TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice => {
            vec![Planned::Transfer { id, debit: Role::MerchantPending, credit: Role::Network, amount }]
        }
        TxnKind::PreAuth => vec![Planned::VoidHold { id, hold: posting_id(txn.id, Purpose::Authorization) }],
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund => {
            vec![Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantPending, amount }]
        }
        // A voided hold cannot be restored; the pre-auth stays released (the
        // network has it back on hold, and its completion posts without a hold).
        TxnKind::PreAuthVoid | TxnKind::BalanceInquiry => Vec::new(),
    }
}

/// What the ledger says about itself, for audits and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerAudit {
    pub debits_posted: i128,
    pub credits_posted: i128,
    pub debits_pending: i128,
    pub credits_pending: i128,
    /// Per merchant: the pending-funds balance, and what the transaction
    /// records say it should be (approved takings less voids and refunds).
    pub merchants: Vec<(String, i128, i128)>,
    /// Postings the ledger refused while recording authorizations.
    pub rejected: u64,
}

impl LedgerAudit {
    /// The ledger sums to zero and agrees with the transaction records.
    pub fn check(&self) -> Result<(), String> {
        if self.debits_posted != self.credits_posted || self.debits_pending != self.credits_pending {
            return Err(format!("the ledger does not sum to zero: {self:?}"));
        }
        for (merchant, ledger, records) in &self.merchants {
            if ledger != records {
                return Err(format!("merchant {merchant}: ledger pending {ledger}, transaction records {records}"));
            }
        }
        if self.rejected > 0 {
            return Err(format!("{} authorization postings were refused", self.rejected));
        }
        Ok(())
    }
}
