//! The records the store keeps, as domain types. SQL rows convert to and from
//! these inside the store implementations only.

use kassa_core::{Amount, Batch, Currency, MerchantId, TerminalId, Trace, TxnKind};
use kassa_crypto::{KeyMode, WrappedKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MerchantStatus {
    Active,
    Frozen,
    Closed,
}

impl MerchantStatus {
    pub fn code(self) -> &'static str {
        match self {
            MerchantStatus::Active => "active",
            MerchantStatus::Frozen => "frozen",
            MerchantStatus::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<MerchantStatus> {
        [MerchantStatus::Active, MerchantStatus::Frozen, MerchantStatus::Closed].into_iter().find(|s| s.code() == code)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Merchant {
    pub id: MerchantId,
    pub name: String,
    /// Merchant category code, 4 digits.
    pub mcc: String,
    pub status: MerchantStatus,
    /// Whether the merchant may take manually keyed cards (mail/telephone order).
    pub mail_order: bool,
    pub single_limit: Amount,
    pub daily_limit: Amount,
    /// Where it is registered (`lat,lon`), for mobile readers' distance.
    pub location: Option<String>,
    /// When its name or category changed (ms, newest last, at most [`PROFILE_CHANGES_KEPT`]).
    pub profile_changes: Vec<i64>,
    /// `small`, `standard` or `large`: its limits in the risk rules.
    pub tier: String,
}

/// The merchant tiers the risk rules know.
pub const MERCHANT_TIERS: [&str; 3] = ["small", "standard", "large"];

/// Name or category changes a merchant record remembers.
pub const PROFILE_CHANGES_KEPT: usize = 20;

/// `profile_changes` as stored: milliseconds, comma-separated.
pub fn parse_profile_changes(text: &str) -> Vec<i64> {
    text.split(',').filter_map(|t| t.trim().parse().ok()).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalStatus {
    /// Assigned to a merchant, not yet activated with its code.
    Assigned,
    Active,
    Dormant,
    Deregistered,
    /// On the risk block list.
    Blocked,
}

impl TerminalStatus {
    pub fn code(self) -> &'static str {
        match self {
            TerminalStatus::Assigned => "assigned",
            TerminalStatus::Active => "active",
            TerminalStatus::Dormant => "dormant",
            TerminalStatus::Deregistered => "deregistered",
            TerminalStatus::Blocked => "blocked",
        }
    }

    pub fn from_code(code: &str) -> Option<TerminalStatus> {
        [
            TerminalStatus::Assigned,
            TerminalStatus::Active,
            TerminalStatus::Dormant,
            TerminalStatus::Deregistered,
            TerminalStatus::Blocked,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// The working keys of a terminal's current sign-in, wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub mode: KeyMode,
    pub pin_key: WrappedKey,
    pub mac_key: WrappedKey,
    pub track_key: Option<WrappedKey>,
    /// Incremented at every sign-in.
    pub key_version: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    pub id: TerminalId,
    pub merchant: MerchantId,
    pub serial: String,
    pub status: TerminalStatus,
    pub tmk: WrappedKey,
    /// The VARIANT pad nibble this terminal uses: 0 or 0xF.
    pub pad_nibble: u8,
    pub session: Option<Session>,
    pub batch: Batch,
    pub batch_open: bool,
    /// A card reader paired with the merchant's phone: its requests must carry
    /// the phone's location (field 59).
    pub mobile_reader: bool,
}

/// Where a transaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TxnState {
    /// Recorded before the network was asked; no outcome yet.
    InFlight,
    Approved,
    Declined,
    /// Approved, then voided (sales, completions, pre-auths).
    Voided,
    /// Undone by a reversal (from the terminal, or by the host after a timeout or crash).
    Reversed,
    /// A reversal arrived for a transaction the host never saw; the row keeps
    /// the key so a late original is a duplicate.
    ReversalOnly,
}

impl TxnState {
    pub fn code(self) -> &'static str {
        match self {
            TxnState::InFlight => "in_flight",
            TxnState::Approved => "approved",
            TxnState::Declined => "declined",
            TxnState::Voided => "voided",
            TxnState::Reversed => "reversed",
            TxnState::ReversalOnly => "reversal_only",
        }
    }

    pub fn from_code(code: &str) -> Option<TxnState> {
        use TxnState::*;
        [InFlight, Approved, Declined, Voided, Reversed, ReversalOnly].into_iter().find(|s| s.code() == code)
    }

    /// Whether the network approved it and it still stands (voided ones stood
    /// at the network until their void).
    pub fn was_approved(self) -> bool {
        matches!(self, TxnState::Approved | TxnState::Voided)
    }
}

/// What identifies a transaction for duplicates and reversals (`protocol.md` §6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TxnKey {
    pub merchant: MerchantId,
    pub terminal: TerminalId,
    pub batch: Batch,
    pub trace: Trace,
}

/// A transaction as the host records it before asking the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTxn {
    pub key: TxnKey,
    pub kind: TxnKind,
    pub amount: Amount,
    pub currency: Currency,
    pub pan_masked: Option<String>,
    pub pan_hash: Option<[u8; 32]>,
    pub pan_sealed: Option<Vec<u8>>,
    /// A digest of MTI, processing code, amount and card: equal digests make a
    /// repeat the same request.
    pub request_digest: [u8; 32],
    pub original_id: Option<i64>,
    pub local_date: String,
    pub local_time: String,
    pub business_date: String,
    pub entry_mode: String,
    pub operator: String,
    /// A mobile reader's location (`lat,lon`), kept for risk cases.
    pub location: Option<String>,
    pub link_transmitted: String,
    pub now_ms: i64,
}

/// A stored transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnRecord {
    pub id: i64,
    pub key: TxnKey,
    pub kind: TxnKind,
    pub state: TxnState,
    pub amount: Amount,
    pub currency: Currency,
    pub pan_masked: Option<String>,
    pub pan_hash: Option<[u8; 32]>,
    pub pan_sealed: Option<Vec<u8>>,
    pub request_digest: [u8; 32],
    pub response_code: Option<String>,
    pub auth_code: Option<String>,
    pub rrn: Option<String>,
    pub card_org: Option<String>,
    pub original_id: Option<i64>,
    pub refunded: Amount,
    /// The link trace number: derived from the id, so unique per store.
    pub link_stan: u32,
    pub link_transmitted: String,
    pub local_date: String,
    pub local_time: String,
    pub business_date: String,
    pub entry_mode: String,
    pub created_at_ms: i64,
}

impl TxnRecord {
    /// The record `begin` just inserted, built from what was inserted rather than read back.
    pub fn started(id: i64, t: &NewTxn) -> TxnRecord {
        TxnRecord {
            id,
            key: t.key.clone(),
            kind: t.kind,
            state: TxnState::InFlight,
            amount: t.amount,
            currency: t.currency,
            pan_masked: t.pan_masked.clone(),
            pan_hash: t.pan_hash,
            pan_sealed: t.pan_sealed.clone(),
            request_digest: t.request_digest,
            response_code: None,
            auth_code: None,
            rrn: None,
            card_org: None,
            original_id: t.original_id,
            refunded: Amount::ZERO,
            link_stan: link_stan_of(id),
            link_transmitted: t.link_transmitted.clone(),
            local_date: t.local_date.clone(),
            local_time: t.local_time.clone(),
            business_date: t.business_date.clone(),
            entry_mode: t.entry_mode.clone(),
            created_at_ms: t.now_ms,
        }
    }
}

/// The link trace number of transaction `id`: 000001–999999.
pub fn link_stan_of(id: i64) -> u32 {
    (id.rem_euclid(999_999) + 1) as u32
}

/// The network's answer to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub state: TxnState,
    pub response_code: String,
    pub auth_code: Option<String>,
    pub rrn: Option<String>,
    pub card_org: Option<String>,
}

/// What an approved transaction does to its original, applied in the same
/// commit as the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginalEffect {
    None,
    /// A void: the original is voided.
    Void {
        original_id: i64,
    },
    /// A refund: the original's refunded total grows.
    Refund {
        original_id: i64,
        amount: Amount,
    },
    /// A completion: the pre-auth is used up (stays approved; marked by its completion).
    Complete {
        original_id: i64,
    },
}

/// The outcome of recording a transaction before the network is asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    Started(TxnRecord),
    /// The key was taken: the request is a repeat (or a late original after its reversal).
    Existing(TxnRecord),
}

/// A terminal's 0400, as the store applies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReversalRequest {
    pub key: TxnKey,
    pub kind: TxnKind,
    pub amount: Amount,
    pub currency: Currency,
    pub reason: String,
    pub business_date: String,
    pub now_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReversalOutcome {
    /// The original was undone (and, if the network had approved it, queued for a 0420).
    Reversed,
    AlreadyReversed,
    /// Nothing undone: the original's money has already gone back through a
    /// void or a refund of it, and undoing it too would return it twice.
    AlreadyReturned,
    /// Nothing to undo; the key is kept so a late original is refused.
    OriginalNotFound,
    AmountMismatch,
}

/// Whether `original`'s money has already gone back (voided, or refunded in
/// part or in full): a reversal then has nothing left to undo.
pub fn already_returned(original: &TxnRecord) -> bool {
    original.state == TxnState::Voided || original.refunded > Amount::ZERO
}

/// A reversal the host owes the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafItem {
    pub id: i64,
    pub txn: TxnRecord,
    pub reason: String,
    pub attempts: u32,
}

/// A batch's totals as the host counts them (field 48 halves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchTotals {
    pub domestic: kassa_iso8583::fields::Totals,
    pub foreign: kassa_iso8583::fields::Totals,
}

/// What a finish of transaction `id` with outcome `o` does when the
/// transaction is no longer in flight (now `state`, if it exists): a second
/// answer changes nothing, but an approval over a reversal is refused — the
/// host must not answer an approval it no longer stands behind.
pub(crate) fn finish_refused(id: i64, state: Option<&str>, o: &Outcome) -> crate::Result<()> {
    match state {
        Some(state @ ("reversed" | "reversal_only")) if o.state == TxnState::Approved => {
            Err(crate::StoreError::Refused(format!("transaction {id} is no longer in flight (it is {state})")))
        }
        Some(_) => Ok(()),
        None => Err(crate::StoreError::NotFound(format!("transaction {id}"))),
    }
}
