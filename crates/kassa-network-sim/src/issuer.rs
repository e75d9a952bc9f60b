//! The issuers' side of the network, as a pure state machine: card accounts,
//! authorizations, holds, voids, refunds, completions and idempotent
//! reversals, and the clearing records of what was approved.
//!
//! It is handed the date and a PIN verifier; it does no I/O.

use std::collections::{BTreeMap, HashMap};

use kassa_core::{Amount, ResponseCode, TxnKind};
use kassa_network::{LinkKind, LinkRequest, LinkResponse, OriginalRef};
use serde::Serialize;

use crate::cards::{CardAccount, CardKind, CardState, PIN_TRIES_MAX};

/// Transactions the simulator remembers; the oldest are forgotten beyond it.
pub const REMEMBERED_MAX: usize = 2_000_000;
/// Completion may exceed its pre-authorization by this much (percent).
pub const COMPLETION_PERCENT_MAX: u64 = 115;

/// A request is known by its link trace number and transmission time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TxnKey {
    pub stan: u32,
    pub transmitted: String,
}

impl From<&OriginalRef> for TxnKey {
    fn from(original: &OriginalRef) -> TxnKey {
        TxnKey { stan: original.stan, transmitted: original.transmitted.clone() }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SimState {
    Approved,
    Declined,
    Voided,
    Reversed,
    /// A reversal arrived before (or instead of) its original.
    ReversedBeforeArrival,
}

/// What an approved transaction did to the card, so a reversal can undo it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Effect {
    None,
    Charged(Amount),
    /// A payment to the card (a service's credit leg).
    Received(Amount),
    Credited {
        amount: Amount,
        refund_of: TxnKey,
    },
    Held(Amount),
    Released {
        amount: Amount,
        original: TxnKey,
    },
    Completed {
        released: Amount,
        charged: Amount,
        original: TxnKey,
    },
    Restored {
        amount: Amount,
        original: TxnKey,
    },
}

#[derive(Clone)]
struct SimTxn {
    kind: TxnKind,
    pan: String,
    amount: Amount,
    merchant: String,
    terminal: String,
    date: String,
    state: SimState,
    response: LinkResponse,
    effect: Effect,
    /// Pre-auths: the hold still outstanding. Sales: refunded so far.
    remaining: Amount,
}

/// One line of the clearing file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClearingRecord {
    pub date: String,
    pub stan: u32,
    pub transmitted: String,
    pub kind: &'static str,
    pub merchant: String,
    pub terminal: String,
    pub masked_pan: String,
    pub amount: u64,
    pub rrn: String,
    pub auth_code: String,
}

/// Today, as the issuer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Today {
    /// YYMM, to check expiry.
    pub yymm: String,
    /// MMDD, the settlement date.
    pub mmdd: String,
}

/// Checks a PIN block against the PIN on file (the security module's job).
pub trait PinVerifier {
    fn verify(&self, block: &[u8; 8], pan: &str, pin: &str) -> bool;
}

#[derive(Debug, Default)]
pub struct Issuer {
    cards: HashMap<String, CardAccount>,
    /// Boxed: the map grows to millions and a rehash then moves pointers, not records.
    txns: HashMap<TxnKey, Box<SimTxn>>,
    order: std::collections::VecDeque<TxnKey>,
    next_rrn: u64,
}

impl std::fmt::Debug for SimTxn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SimTxn({:?} {} {:?})", self.kind, self.amount, self.state)
    }
}

fn decline(code: ResponseCode) -> Result<(Effect, Amount), ResponseCode> {
    Err(code)
}

impl Issuer {
    pub fn new(cards: Vec<CardAccount>) -> Issuer {
        Issuer { cards: cards.into_iter().map(|c| (c.pan.clone(), c)).collect(), ..Issuer::default() }
    }

    pub fn card(&self, pan: &str) -> Option<&CardAccount> {
        self.cards.get(pan)
    }

    pub fn add_card(&mut self, card: CardAccount) {
        self.cards.insert(card.pan.clone(), card);
    }

    /// Handles a financial request or a reversal and returns the answer.
    pub fn handle(&mut self, request: &LinkRequest, today: &Today, pins: &dyn PinVerifier) -> LinkResponse {
        match request.kind {
            LinkKind::Reversal(_) => self.reverse(request),
            LinkKind::Financial(kind) => self.authorize(kind, request, today, pins),
        }
    }

    /// The network failing a request with `code` before any issuer sees it
    /// (the simulator's error fault). A financial request's key is
    /// remembered with that answer, so a copy of it (a frame the wire
    /// duplicated) gets the same answer rather than an approval (found by
    /// `kassa sim`, seed 34); a request already answered keeps its answer.
    /// A reversal is not remembered: it is sent again.
    pub fn fail(&mut self, request: &LinkRequest, today: &Today, code: ResponseCode) -> LinkResponse {
        let LinkKind::Financial(kind) = request.kind else { return LinkResponse::declined(code) };
        let key = TxnKey { stan: request.stan, transmitted: request.transmitted.clone() };
        if let Some(existing) = self.txns.get(&key) {
            return match existing.state {
                SimState::ReversedBeforeArrival => LinkResponse::declined(ResponseCode::Duplicate),
                _ => existing.response.clone(),
            };
        }
        let response = LinkResponse::declined(code);
        let txn = SimTxn {
            kind,
            pan: request.pan.as_ref().map(|p| p.expose().to_string()).unwrap_or_default(),
            amount: request.amount.unwrap_or(Amount::ZERO),
            merchant: request.merchant.clone(),
            terminal: request.terminal.clone(),
            date: today.mmdd.clone(),
            state: SimState::Declined,
            response: response.clone(),
            effect: Effect::None,
            remaining: Amount::ZERO,
        };
        self.remember(key, txn);
        response
    }

    fn authorize(
        &mut self,
        kind: TxnKind,
        request: &LinkRequest,
        today: &Today,
        pins: &dyn PinVerifier,
    ) -> LinkResponse {
        let key = TxnKey { stan: request.stan, transmitted: request.transmitted.clone() };
        if let Some(existing) = self.txns.get(&key) {
            return match existing.state {
                SimState::ReversedBeforeArrival => LinkResponse::declined(ResponseCode::Duplicate),
                _ => existing.response.clone(),
            };
        }
        let pan = request.pan.as_ref().map(|p| p.expose().to_string()).unwrap_or_default();
        let amount = request.amount.unwrap_or(Amount::ZERO);
        let outcome = match kind {
            TxnKind::Sale
            | TxnKind::PreAuth
            | TxnKind::BalanceInquiry
            | TxnKind::Transfer
            | TxnKind::Repayment
            | TxnKind::TopUp => {
                self.card_checks(kind, &pan, request, today, pins).and_then(|()| self.spend(kind, &pan, amount))
            }
            TxnKind::PaymentToCard => self.receive(&pan, amount),
            _ => self.refer(kind, &pan, amount, request),
        };
        let (response, state, effect, remaining) = match outcome {
            Ok((effect, remaining)) => {
                let mut response = self.approval(&pan, today, request.rrn.as_deref());
                if kind == TxnKind::BalanceInquiry {
                    response.balances = self.cards.get(&pan).map(balances);
                }
                (response, SimState::Approved, effect, remaining)
            }
            Err(code) => (LinkResponse::declined(code), SimState::Declined, Effect::None, Amount::ZERO),
        };
        let txn = SimTxn {
            kind,
            pan,
            amount,
            merchant: request.merchant.clone(),
            terminal: request.terminal.clone(),
            date: today.mmdd.clone(),
            state,
            response: response.clone(),
            effect,
            remaining,
        };
        self.remember(key, txn);
        response
    }

    /// An approval: the acquirer's reference number when it sent one (else
    /// the issuer's own counter), and an authorization code from it.
    fn approval(&mut self, pan: &str, today: &Today, acquirer_rrn: Option<&str>) -> LinkResponse {
        let rrn = match acquirer_rrn.and_then(|r| r.trim().parse::<u64>().ok()) {
            Some(rrn) => rrn,
            None => {
                self.next_rrn += 1;
                self.next_rrn
            }
        };
        LinkResponse {
            code: ResponseCode::Approved,
            auth_code: Some(format!("{:06}", rrn.wrapping_mul(7919).wrapping_add(104_729) % 1_000_000)),
            rrn: Some(format!("{rrn:012}")),
            balances: None,
            card_organisation: Some(crate::cards::organisation_of(pan).to_string()),
            settlement_date: Some(today.mmdd.clone()),
        }
    }

    fn remember(&mut self, key: TxnKey, txn: SimTxn) {
        if self.order.len() >= REMEMBERED_MAX
            && let Some(oldest) = self.order.pop_front()
        {
            self.txns.remove(&oldest);
        }
        self.order.push_back(key.clone());
        self.txns.insert(key, Box::new(txn));
    }

    /// Checks in order: card known (14), lost (41) or stolen (43), expired (54),
    /// PIN tries exceeded (75), PIN (55).
    fn card_checks(
        &mut self,
        kind: TxnKind,
        pan: &str,
        request: &LinkRequest,
        today: &Today,
        pins: &dyn PinVerifier,
    ) -> Result<(), ResponseCode> {
        let card = self.cards.get_mut(pan).ok_or(ResponseCode::InvalidCardNumber)?;
        match card.state {
            CardState::Lost => return Err(ResponseCode::LostCard),
            CardState::Stolen => return Err(ResponseCode::StolenCard),
            CardState::Active => {}
        }
        let given = request.expiry.as_deref().unwrap_or(&card.expiry);
        if card.expiry.as_str() < today.yymm.as_str() || given != card.expiry {
            return Err(ResponseCode::ExpiredCard);
        }
        if card.wrong_pins >= PIN_TRIES_MAX {
            return Err(ResponseCode::PinTriesExceeded);
        }
        let pin_required = card.kind == CardKind::Debit || kind == TxnKind::BalanceInquiry;
        match &request.pin_block {
            Some(block) if pins.verify(block, pan, &card.pin) => card.wrong_pins = 0,
            Some(_) => {
                card.wrong_pins += 1;
                return Err(if card.wrong_pins >= PIN_TRIES_MAX {
                    ResponseCode::PinTriesExceeded
                } else {
                    ResponseCode::IncorrectPin
                });
            }
            None if pin_required => return Err(ResponseCode::IncorrectPin),
            None => {}
        }
        Ok(())
    }

    fn spend(&mut self, kind: TxnKind, pan: &str, amount: Amount) -> Result<(Effect, Amount), ResponseCode> {
        let card = self.cards.get_mut(pan).ok_or(ResponseCode::InvalidCardNumber)?;
        match kind {
            TxnKind::BalanceInquiry => Ok((Effect::None, Amount::ZERO)),
            _ if card.available() < amount => decline(ResponseCode::InsufficientFunds),
            TxnKind::PreAuth => {
                card.held = card.held.checked_add(amount).ok_or(ResponseCode::InvalidAmount)?;
                Ok((Effect::Held(amount), amount))
            }
            _ => {
                charge(card, amount)?;
                Ok((Effect::Charged(amount), Amount::ZERO))
            }
        }
    }

    /// Voids, refunds, pre-auth voids and completions: the original must be
    /// known and approved (25), on the same card (14), for a fitting amount (64, 61).
    /// A payment to a card (the credit leg of a transfer or repayment): the
    /// beneficiary's issuer credits the card, which must exist and be usable;
    /// no PIN and no expiry are asked.
    fn receive(&mut self, pan: &str, amount: Amount) -> Result<(Effect, Amount), ResponseCode> {
        let card = self.cards.get_mut(pan).ok_or(ResponseCode::InvalidCardNumber)?;
        match card.state {
            CardState::Lost => return decline(ResponseCode::LostCard),
            CardState::Stolen => return decline(ResponseCode::StolenCard),
            CardState::Active => {}
        }
        credit(card, amount);
        Ok((Effect::Received(amount), Amount::ZERO))
    }

    fn refer(
        &mut self,
        kind: TxnKind,
        pan: &str,
        amount: Amount,
        request: &LinkRequest,
    ) -> Result<(Effect, Amount), ResponseCode> {
        let original_key: TxnKey = request.original.as_ref().map(TxnKey::from).ok_or(ResponseCode::OriginalNotFound)?;
        let original = self.txns.get(&original_key).ok_or(ResponseCode::OriginalNotFound)?;
        let wanted = kind.original_kind().unwrap_or(&[]);
        if original.state != SimState::Approved || !wanted.contains(&original.kind) {
            return decline(ResponseCode::OriginalNotFound);
        }
        if !pan.is_empty() && pan != original.pan {
            return decline(ResponseCode::InvalidCardNumber);
        }
        let (original_amount, remaining, card_pan) = (original.amount, original.remaining, original.pan.clone());
        let card = self.cards.get_mut(&card_pan).ok_or(ResponseCode::InvalidCardNumber)?;
        let effect = match kind {
            TxnKind::SaleVoid | TxnKind::CompletionVoid => {
                if amount != original_amount {
                    return decline(ResponseCode::AmountMismatch);
                }
                credit(card, amount);
                Effect::Restored { amount, original: original_key.clone() }
            }
            TxnKind::Refund => {
                let total = remaining.checked_add(amount).ok_or(ResponseCode::InvalidAmount)?;
                if total > original_amount {
                    return decline(ResponseCode::OverAmountLimit);
                }
                credit(card, amount);
                Effect::Credited { amount, refund_of: original_key.clone() }
            }
            TxnKind::PreAuthVoid => {
                if amount != original_amount {
                    return decline(ResponseCode::AmountMismatch);
                }
                card.held = card.held.checked_sub(remaining).unwrap_or(Amount::ZERO);
                Effect::Released { amount: remaining, original: original_key.clone() }
            }
            TxnKind::Completion | TxnKind::CompletionAdvice => {
                let ceiling =
                    original_amount.scaled_down(COMPLETION_PERCENT_MAX, 100).ok_or(ResponseCode::InvalidAmount)?;
                if amount > ceiling {
                    return decline(ResponseCode::AmountMismatch);
                }
                card.held = card.held.checked_sub(remaining).unwrap_or(Amount::ZERO);
                if kind == TxnKind::Completion && card.available() < amount {
                    card.held = card.held.checked_add(remaining).unwrap_or(card.held);
                    return decline(ResponseCode::InsufficientFunds);
                }
                charge_unchecked(card, amount);
                Effect::Completed { released: remaining, charged: amount, original: original_key.clone() }
            }
            TxnKind::Sale
            | TxnKind::PreAuth
            | TxnKind::BalanceInquiry
            | TxnKind::Transfer
            | TxnKind::Repayment
            | TxnKind::TopUp
            | TxnKind::PaymentToCard => {
                return decline(ResponseCode::InvalidTransaction);
            }
        };
        if let Some(original) = self.txns.get_mut(&original_key) {
            match kind {
                TxnKind::Refund => {
                    original.remaining = original.remaining.checked_add(amount).unwrap_or(original.remaining)
                }
                TxnKind::SaleVoid | TxnKind::CompletionVoid | TxnKind::PreAuthVoid => original.state = SimState::Voided,
                _ => original.remaining = Amount::ZERO,
            }
        }
        Ok((effect, Amount::ZERO))
    }

    /// A 0420: undoes the original once. Unknown originals are remembered so a
    /// late original is refused; repeated reversals answer `00` again.
    fn reverse(&mut self, request: &LinkRequest) -> LinkResponse {
        let Some(original) = request.original.as_ref() else {
            return LinkResponse::declined(ResponseCode::FormatError);
        };
        let key = TxnKey::from(original);
        let approved = LinkResponse::declined(ResponseCode::Approved);
        let Some(txn) = self.txns.get(&key).cloned() else {
            let tombstone = SimTxn {
                kind: TxnKind::Sale,
                pan: String::new(),
                amount: Amount::ZERO,
                merchant: request.merchant.clone(),
                terminal: request.terminal.clone(),
                date: String::new(),
                state: SimState::ReversedBeforeArrival,
                response: LinkResponse::declined(ResponseCode::Duplicate),
                effect: Effect::None,
                remaining: Amount::ZERO,
            };
            self.remember(key, tombstone);
            return approved;
        };
        // A voided original's money is already back; only approved ones are undone.
        if txn.state == SimState::Approved {
            self.undo(&txn);
        }
        if let Some(stored) = self.txns.get_mut(&key)
            && stored.state != SimState::ReversedBeforeArrival
        {
            stored.state = SimState::Reversed;
        }
        approved
    }

    fn undo(&mut self, txn: &SimTxn) {
        let Some(card) = self.cards.get_mut(&txn.pan) else { return };
        match &txn.effect {
            Effect::None => {}
            Effect::Charged(amount) => credit(card, *amount),
            Effect::Received(amount) => charge_unchecked(card, *amount),
            Effect::Held(_) => card.held = card.held.checked_sub(txn.remaining).unwrap_or(Amount::ZERO),
            Effect::Credited { amount, refund_of } => {
                charge_unchecked(card, *amount);
                if let Some(sale) = self.txns.get_mut(refund_of) {
                    sale.remaining = sale.remaining.checked_sub(*amount).unwrap_or(Amount::ZERO);
                }
            }
            Effect::Released { amount, original } => {
                card.held = card.held.checked_add(*amount).unwrap_or(card.held);
                self.reopen(original, *amount);
            }
            Effect::Completed { released, charged, original } => {
                credit(card, *charged);
                card.held = card.held.checked_add(*released).unwrap_or(card.held);
                self.reopen(original, *released);
            }
            Effect::Restored { amount, original } => {
                charge_unchecked(card, *amount);
                self.reopen(original, Amount::ZERO);
            }
        }
    }

    /// Puts an original back as it was before the reversed void or completion.
    fn reopen(&mut self, original: &TxnKey, remaining: Amount) {
        if let Some(txn) = self.txns.get_mut(original) {
            if txn.state == SimState::Voided {
                txn.state = SimState::Approved;
            }
            if txn.kind == TxnKind::PreAuth && txn.state == SimState::Approved {
                txn.remaining = remaining;
            }
        }
    }

    /// What the network approved and still stands (not reversed), by request key.
    pub fn standing(&self) -> BTreeMap<TxnKey, (TxnKind, u64)> {
        self.txns
            .iter()
            .filter(|(_, t)| matches!(t.state, SimState::Approved | SimState::Voided))
            .map(|(k, t)| (k.clone(), (t.kind, t.amount.minor_units())))
            .collect()
    }

    /// The clearing records of `date` (MMDD): sales, completions and refunds
    /// approved and neither voided nor reversed.
    pub fn clearing(&self, date: &str) -> Vec<ClearingRecord> {
        let mut records: Vec<ClearingRecord> = self
            .txns
            .iter()
            .filter(|(_, t)| t.state == SimState::Approved && t.date == date)
            .filter(|(_, t)| {
                matches!(
                    t.kind,
                    TxnKind::Sale
                        | TxnKind::Completion
                        | TxnKind::CompletionAdvice
                        | TxnKind::Refund
                        | TxnKind::Transfer
                        | TxnKind::Repayment
                        | TxnKind::TopUp
                        | TxnKind::PaymentToCard
                )
            })
            .map(|(k, t)| ClearingRecord {
                date: t.date.clone(),
                stan: k.stan,
                transmitted: k.transmitted.clone(),
                kind: t.kind.code(),
                merchant: t.merchant.clone(),
                terminal: t.terminal.clone(),
                masked_pan: kassa_core::mask_pan(&t.pan),
                amount: t.amount.minor_units(),
                rrn: t.response.rrn.clone().unwrap_or_default(),
                auth_code: t.response.auth_code.clone().unwrap_or_default(),
            })
            .collect();
        records.sort_by(|a, b| (&a.transmitted, a.stan).cmp(&(&b.transmitted, b.stan)));
        records
    }
}

/// The clearing records as CSV, one line per record after a header.
pub fn clearing_csv(records: &[ClearingRecord]) -> String {
    let mut out = String::from("date,stan,transmitted,kind,merchant,terminal,pan,amount,rrn,auth_code\n");
    for r in records {
        out.push_str(&format!(
            "{},{:06},{},{},{},{},{},{},{},{}\n",
            r.date, r.stan, r.transmitted, r.kind, r.merchant, r.terminal, r.masked_pan, r.amount, r.rrn, r.auth_code
        ));
    }
    out
}

fn charge(card: &mut CardAccount, amount: Amount) -> Result<(), ResponseCode> {
    if card.available() < amount {
        return Err(ResponseCode::InsufficientFunds);
    }
    charge_unchecked(card, amount);
    Ok(())
}

/// Takes money from the card even beyond what is available (advices and
/// undoing refunds cannot be declined).
fn charge_unchecked(card: &mut CardAccount, amount: Amount) {
    match card.kind {
        CardKind::Debit => card.funds = card.funds.checked_sub(amount).unwrap_or(Amount::ZERO),
        CardKind::Credit => card.used = card.used.checked_add(amount).unwrap_or(card.used),
    }
}

fn credit(card: &mut CardAccount, amount: Amount) {
    match card.kind {
        CardKind::Debit => card.funds = card.funds.checked_add(amount).unwrap_or(card.funds),
        CardKind::Credit => card.used = card.used.checked_sub(amount).unwrap_or(Amount::ZERO),
    }
}

/// Field 54: the ledger and available balances.
fn balances(card: &CardAccount) -> String {
    let account = if card.kind == CardKind::Debit { "10" } else { "30" };
    let ledger = match card.kind {
        CardKind::Debit => card.funds,
        CardKind::Credit => card.funds.checked_sub(card.used).unwrap_or(Amount::ZERO),
    };
    format!("{account}01156C{:012}{account}02156C{:012}", ledger.minor_units(), card.available().minor_units())
}

#[cfg(test)]
mod tests;
