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
//! | reversal of any of these | the opposite posting (a pre-auth's hold voided; a pre-auth void's hold placed again) |
//!
//! Posting ids are the transaction id times 8 plus a purpose, so a retried
//! commit finds its posting already made.

use kassa_core::TxnKind;
use kassa_ledger::{AccountKind, PostingId};

use crate::model::TxnRecord;

/// The owner name of the acquirer's accounts in the store.
pub(crate) const ACQUIRER: &str = "acquirer";

/// The rows a posting touches, loaded by a store for `kassa_ledger::decide`.
pub(crate) struct Loaded {
    pub accounts: std::collections::HashMap<kassa_ledger::AccountId, kassa_ledger::Account>,
    pub holds: std::collections::HashMap<PostingId, kassa_ledger::Hold>,
}

impl kassa_ledger::Facts for Loaded {
    fn account(&self, id: kassa_ledger::AccountId) -> Option<&kassa_ledger::Account> {
        self.accounts.get(&id)
    }
    fn hold(&self, id: PostingId) -> Option<&kassa_ledger::Hold> {
        self.holds.get(&id)
    }
}

/// A ledger balance as the databases store it (64-bit).
pub(crate) fn narrow(value: i128) -> crate::Result<i64> {
    i64::try_from(value).map_err(|_| crate::StoreError::Corrupt("a ledger balance beyond 64 bits".into()))
}

/// A two-entry posting.
pub(crate) fn transfer(
    debit: kassa_ledger::AccountId,
    credit: kassa_ledger::AccountId,
    amount: u64,
) -> kassa_ledger::Request {
    use kassa_ledger::{Entry, Side};
    kassa_ledger::Request::Post {
        entries: vec![
            Entry { account: debit, side: Side::Debit, amount },
            Entry { account: credit, side: Side::Credit, amount },
        ],
    }
}

/// What a refused posting does to the operation it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnRefusal {
    /// The authorization path: the network has already decided and the money
    /// moved at the issuer, so the transaction is recorded whatever the
    /// ledger says; the refusal stays recorded with the posting (and fails the
    /// audit). Its accounts (merchant pending, network) have no floor.
    Record,
    /// Everything else (payouts, withdrawals, deposits, settlement, holds and
    /// releases): the operation stops, and the store's transaction is rolled
    /// back with it, so nothing of it is left half done.
    Stop,
}

/// Acts on a posting's result as `on` says: `Ok` unless it was refused and
/// the operation must stop.
pub(crate) fn refused(
    result: Result<kassa_ledger::Outcome, kassa_ledger::Rejection>,
    posting: PostingId,
    txn_id: i64,
    on: OnRefusal,
) -> crate::Result<()> {
    let Err(rejection) = result else { return Ok(()) };
    match on {
        OnRefusal::Record => {
            tracing::error!(txn = txn_id, posting = posting.0, %rejection, "ledger refused a posting");
            Ok(())
        }
        OnRefusal::Stop => {
            tracing::warn!(posting = posting.0, %rejection, "ledger refused a posting; the operation stops");
            Err(crate::StoreError::Refused(format!("the ledger refused posting {}: {rejection}", posting.0)))
        }
    }
}

/// How long a pre-authorization's hold lasts before it expires.
pub const HOLD_LIFETIME_MS: i64 = 30 * 24 * 60 * 60 * 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Authorization = 1,
    Reversal = 2,
    /// The part of a completion above its pre-auth's hold.
    Excess = 3,
    /// A pre-auth's hold placed again when the void that released it is reversed.
    Restored = 4,
}

/// Whether a transaction of this kind counts in a merchant's settled day.
pub fn settles(kind: TxnKind) -> bool {
    matches!(
        kind,
        TxnKind::Sale
            | TxnKind::Completion
            | TxnKind::CompletionAdvice
            | TxnKind::SaleVoid
            | TxnKind::CompletionVoid
            | TxnKind::Refund
    )
}

/// The holds a pre-auth's void or completion may act on: the pre-auth's own
/// (`hold`), and each placed again when one of its voids or completions
/// (`children`, by transaction id) was reversed. A hold resolves once, so a
/// restored hold is a new one, numbered by the reversed transaction; at most
/// one of them is pending at a time. (`hold`'s own restored number is where
/// stores written before completions restored holds put a void's.)
pub fn holds_of(hold: PostingId, children: &[i64]) -> Vec<PostingId> {
    let own_restored = PostingId(hold.0 / 8 * 8 + Purpose::Restored as u128);
    [hold, own_restored].into_iter().chain(children.iter().map(|&t| posting_id(t, Purpose::Restored))).collect()
}

pub fn posting_id(txn_id: i64, purpose: Purpose) -> PostingId {
    PostingId(u128::from(txn_id.max(0).unsigned_abs()) * 8 + purpose as u128)
}

/// The accounts postings move between, resolved by each store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    MerchantPending,
    MerchantAvailable,
    MerchantFrozen,
    /// The merchant's terminal deposits.
    MerchantDeposits,
    Network,
    FeeIncome,
    PayoutsInFlight,
    /// Services: money on its way to beneficiaries' cards.
    BeneficiaryFunds,
    /// Services: top-ups owed to the carriers.
    CarrierPayable,
    ServiceFeeIncome,
}

impl Role {
    pub fn kind(self) -> AccountKind {
        match self {
            Role::MerchantPending => AccountKind::MerchantPending,
            Role::MerchantAvailable => AccountKind::MerchantAvailable,
            Role::MerchantFrozen => AccountKind::MerchantFrozen,
            Role::MerchantDeposits => AccountKind::DepositsHeld,
            Role::Network => AccountKind::NetworkSettlement,
            Role::FeeIncome => AccountKind::FeeIncome,
            Role::PayoutsInFlight => AccountKind::PayoutsInFlight,
            Role::BeneficiaryFunds => AccountKind::BeneficiaryFunds,
            Role::CarrierPayable => AccountKind::CarrierPayable,
            Role::ServiceFeeIncome => AccountKind::ServiceFeeIncome,
        }
    }

    /// Whether the account belongs to the merchant (else to the acquirer).
    pub fn merchants(self) -> bool {
        matches!(self, Role::MerchantPending | Role::MerchantAvailable | Role::MerchantFrozen | Role::MerchantDeposits)
    }

    /// Merchant pending funds may go below zero (refunds are netted at
    /// settlement); available funds may not, since they are paid out.
    pub fn floor(self) -> Option<i128> {
        match self {
            Role::MerchantAvailable | Role::MerchantDeposits => Some(0),
            _ => None,
        }
    }
}

/// A merchant's settled day, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerchantSettlement {
    pub merchant: kassa_core::MerchantId,
    pub business_date: String,
    pub currency: u16,
    pub gross: u64,
    pub voids: u64,
    pub refunds: u64,
    pub fees: u64,
    pub held: u64,
    /// The day's own net; negative when refunds exceed takings.
    pub net: i64,
    /// What moves to available funds (and is paid out): the net less the debt
    /// carried in from earlier days, never below zero.
    pub paid: u64,
    /// The debt carried to the next days (what the merchant still owes).
    pub carried: u64,
    /// Late reversals of earlier settled days settled with this one (in `net`).
    pub adjustments: i64,
}

/// Settlement postings are numbered apart from transaction postings: the top
/// bit set, then the merchant id's digits, the date and a purpose.
pub fn settlement_posting_id(merchant: &kassa_core::MerchantId, date: &str, purpose: u8) -> PostingId {
    let digits: String = merchant.as_str().chars().filter(char::is_ascii_digit).chain(date.chars()).collect();
    let number: u128 = digits.parse().unwrap_or(0);
    PostingId((1u128 << 127) | (number * 10 + u128::from(purpose)))
}

/// The postings of a settled day, out of the merchant's pending funds: the
/// fees to fee income, risk holds to frozen funds, what is paid (the net less
/// any debt carried in) to available funds. A debt stays in pending funds,
/// where the next days' takings cover it.
pub fn settlement(day: &MerchantSettlement) -> Vec<Planned> {
    let mut planned = Vec::new();
    let id = |purpose| settlement_posting_id(&day.merchant, &day.business_date, purpose);
    if day.fees > 0 {
        planned.push(Planned::Transfer {
            id: id(1),
            debit: Role::MerchantPending,
            credit: Role::FeeIncome,
            amount: day.fees,
        });
    }
    if day.held > 0 {
        planned.push(Planned::Transfer {
            id: id(2),
            debit: Role::MerchantPending,
            credit: Role::MerchantFrozen,
            amount: day.held,
        });
    }
    if day.paid > 0 {
        planned.push(Planned::Transfer {
            id: id(3),
            debit: Role::MerchantPending,
            credit: Role::MerchantAvailable,
            amount: day.paid,
        });
    }
    planned
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
    /// Releases what the pre-auth whose own hold is `hold` still holds (its
    /// pending hold, [`holds_of`]); nothing when none is pending.
    VoidHold {
        id: PostingId,
        hold: PostingId,
    },
    /// Places the pre-auth's hold `hold` again as `id` (same accounts, amount
    /// and expiry) when the reversed transaction's own posting `acted` (a
    /// void's or a completion's) resolved one of its holds and none of them
    /// is pending now; nothing otherwise. Later voids and completions of the
    /// pre-auth act on it ([`holds_of`]).
    RestoreHold {
        id: PostingId,
        hold: PostingId,
        acted: PostingId,
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
        // A service's legs post their own (`services.rs`), leg by leg.
        TxnKind::BalanceInquiry | TxnKind::Transfer | TxnKind::Repayment | TxnKind::TopUp | TxnKind::PaymentToCard => {
            Vec::new()
        }
    }
}

/// The postings that undo `txn`'s approval when it is reversed.
pub fn reversal(txn: &TxnRecord) -> Vec<Planned> {
    let id = posting_id(txn.id, Purpose::Reversal);
    let amount = txn.amount.minor_units();
    // The pre-auth is on hold again at the network when its void or its
    // completion is reversed: so it is on the ledger.
    let restore = || {
        txn.original_id.map(|o| Planned::RestoreHold {
            id: posting_id(txn.id, Purpose::Restored),
            hold: posting_id(o, Purpose::Authorization),
            acted: posting_id(txn.id, Purpose::Authorization),
        })
    };
    match txn.kind {
        TxnKind::Sale => vec![Planned::Transfer { id, debit: Role::MerchantPending, credit: Role::Network, amount }],
        TxnKind::Completion | TxnKind::CompletionAdvice => {
            let back = Planned::Transfer { id, debit: Role::MerchantPending, credit: Role::Network, amount };
            std::iter::once(back).chain(restore()).collect()
        }
        TxnKind::PreAuth => vec![Planned::VoidHold { id, hold: posting_id(txn.id, Purpose::Authorization) }],
        TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::Refund => {
            vec![Planned::Transfer { id, debit: Role::Network, credit: Role::MerchantPending, amount }]
        }
        TxnKind::PreAuthVoid => restore().into_iter().collect(),
        // A service is unwound by `services.rs`, which knows which legs posted.
        TxnKind::BalanceInquiry | TxnKind::Transfer | TxnKind::Repayment | TxnKind::TopUp | TxnKind::PaymentToCard => {
            Vec::new()
        }
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
    /// records say it should be (approved takings less voids and refunds,
    /// less what settlement has moved out).
    pub merchants: Vec<(String, i128, i128)>,
    /// Postings the ledger refused while recording authorizations.
    pub rejected: u64,
    /// Per merchant: available funds (settled, not yet paid out).
    pub available: Vec<(String, i128)>,
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

/// Where a payout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutState {
    Created,
    Sent,
    Paid,
    Failed,
}

impl PayoutState {
    pub fn code(self) -> &'static str {
        match self {
            PayoutState::Created => "created",
            PayoutState::Sent => "sent",
            PayoutState::Paid => "paid",
            PayoutState::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<PayoutState> {
        [PayoutState::Created, PayoutState::Sent, PayoutState::Paid, PayoutState::Failed]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A payout of a merchant's settled day to its settlement card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payout {
    /// `merchant-YYYYMMDD`: the bank's idempotency key.
    pub id: String,
    pub merchant: kassa_core::MerchantId,
    pub business_date: String,
    pub amount: u64,
    pub card_sealed: Vec<u8>,
    pub card_masked: String,
    pub state: PayoutState,
}

impl Payout {
    /// What the merchant is told when the payout fails (the card masked).
    pub fn failure_notice(&self, reason: Option<&str>) -> String {
        format!(
            "Your payout of {} for {} to card {} failed ({}); the money is back in your wallet.",
            kassa_core::Amount(self.amount).display(kassa_core::Currency::CNY),
            self.business_date,
            self.card_masked,
            reason.unwrap_or("no reason given")
        )
    }
}

/// A merchant's available funds as the floor sees them (posted, less what is
/// reserved), as an SQL expression over `s.merchant_id` for both stores.
pub(crate) const AVAILABLE: &str = "COALESCE((SELECT a.credits_posted - a.debits_posted - a.debits_pending
     FROM ledger_accounts a WHERE a.owner = s.merchant_id AND a.kind = 'MerchantAvailable' AND a.currency = 156), 0)";

/// What a day's payout pays: the day's settled `paid`, but never more than the
/// merchant's available funds now — a merchant with no card when the day was
/// paid may have withdrawn part of it since. `None`: nothing left to pay.
pub(crate) fn payout_amount(paid: i64, available: i64) -> Option<u64> {
    u64::try_from(paid.min(available)).ok().filter(|amount| *amount > 0)
}

pub fn payout_id(merchant: &kassa_core::MerchantId, date: &str) -> String {
    format!("{merchant}-{date}")
}

/// The posting that reserves a payout (available → in flight), and the one
/// that ends it: paid (in flight → network settlement, the money has left) or
/// failed (in flight → available again).
pub fn payout_postings(payout: &Payout, stage: PayoutState) -> Vec<Planned> {
    let purpose = match stage {
        PayoutState::Created | PayoutState::Sent => 4,
        PayoutState::Paid | PayoutState::Failed => 5,
    };
    let id = match withdrawal_number(&payout.business_date) {
        Some(number) => office_posting_id(OfficeKind::Withdrawal, number, purpose),
        None => settlement_posting_id(&payout.merchant, &payout.business_date, purpose),
    };
    let amount = payout.amount;
    let (debit, credit) = match stage {
        PayoutState::Created | PayoutState::Sent => (Role::MerchantAvailable, Role::PayoutsInFlight),
        PayoutState::Paid => (Role::PayoutsInFlight, Role::Network),
        PayoutState::Failed => (Role::PayoutsInFlight, Role::MerchantAvailable),
    };
    vec![Planned::Transfer { id, debit, credit, amount }]
}

/// What a back-office posting belongs to; part of its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfficeKind {
    Withdrawal = 1,
    Deposit = 2,
    /// A risk case releasing a merchant's frozen funds (numbered by the case event).
    Release = 3,
    /// A value-added service's legs (numbered by its transaction; `services.rs`).
    Service = 4,
}

/// Ids of back-office postings: a space of their own (bit 126), then the
/// kind, the row's id and a purpose.
pub fn office_posting_id(kind: OfficeKind, number: i64, purpose: u8) -> PostingId {
    PostingId(
        (1u128 << 126) | ((kind as u128) << 96) | (u128::from(number.max(0).unsigned_abs()) << 8) | u128::from(purpose),
    )
}

/// A withdrawal's payout carries `W` and the withdrawal's number where a
/// settlement payout carries its business date.
pub fn withdrawal_date(number: i64) -> String {
    format!("W{number:08}")
}

pub fn withdrawal_number(business_date: &str) -> Option<i64> {
    business_date.strip_prefix('W')?.parse().ok()
}

/// What proves a merchant's day unchanged between the settlement run's read
/// and its record: the count of its items, the sum of their ids and the sum of
/// the voided ones' ids (a new, reversed or voided transaction changes it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DayDigest {
    pub count: i64,
    pub ids: i64,
    pub voided_ids: i64,
}

impl DayDigest {
    /// Each merchant's digest of `items`, in one pass.
    pub fn by_merchant(
        items: &[kassa_settlement::SettleItem],
    ) -> std::collections::HashMap<kassa_core::MerchantId, DayDigest> {
        let mut digests: std::collections::HashMap<kassa_core::MerchantId, DayDigest> =
            std::collections::HashMap::new();
        for item in items {
            let d = digests.entry(item.merchant.clone()).or_default();
            d.count += 1;
            d.ids = d.ids.wrapping_add(item.txn_id);
            d.voided_ids = d.voided_ids.wrapping_add(if item.voided { item.txn_id } else { 0 });
        }
        digests
    }
}

/// The same digest over the stored rows (`?1` merchant, `?2` business date),
/// with `day_items`' selection. Integers are 64-bit in both stores.
pub(crate) const DAY_DIGEST_SQL: &str = "SELECT COUNT(*), CAST(COALESCE(SUM(id), 0) AS BIGINT),
        CAST(COALESCE(SUM(CASE WHEN state = 'voided' THEN id ELSE 0 END), 0) AS BIGINT)
     FROM transactions WHERE merchant_id = ?1
       AND ((business_date = ?2 AND state IN ('approved', 'voided')) OR (adjusted_date = ?2 AND state = 'reversed'))
       AND kind IN ('sale', 'completion', 'completion_advice', 'sale_void', 'completion_void', 'refund')";

/// Whether a transaction that could still change the merchant's day `?2` is
/// in flight: one of that day, or one whose original is of that day (a void).
pub(crate) const DAY_IN_FLIGHT_SQL: &str = "SELECT COUNT(*) FROM transactions t
     WHERE t.state = 'in_flight' AND t.merchant_id = ?1
       AND (t.business_date = ?2 OR EXISTS (SELECT 1 FROM transactions o WHERE o.id = t.original_id AND o.business_date = ?2))";

/// Whether the merchant's business day `?2` is settled.
pub(crate) const DAY_SETTLED_SQL: &str =
    "SELECT COUNT(*) FROM merchant_settlements WHERE merchant_id = ?1 AND business_date = ?2";

/// How many settled days in a row a new transaction's business date may skip.
pub(crate) const SETTLED_DAYS_SKIP_MAX: usize = 366;

/// What recording a merchant's settled day did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Settled now, with its postings.
    Now,
    /// Settled before: nothing changed.
    Before,
    /// Not settled: the day changed since it was read, or a transaction that
    /// could change it is in flight. Read the day again and retry.
    Retry(&'static str),
}

/// The day after `date` (YYYYMMDD). A new transaction whose merchant's
/// business day is settled goes to the first day after it that is not: once
/// a merchant's day is settled nothing may change it.
pub(crate) fn next_business_date(date: &str) -> crate::Result<String> {
    kassa_core::time::day_number_of(date)
        .map(|number| kassa_core::time::date_of_day_number(number + 1))
        .ok_or_else(|| crate::StoreError::Corrupt(format!("business date {date:?}")))
}
