//! Financial requests: sale, voids, refund, pre-auth and its void,
//! completions, balance inquiry.

use kassa_core::{CardNumber, ResponseCode, TxnKind};
use kassa_iso8583::Message;
use kassa_network::{LinkKind, LinkRequest, LinkResponse, OriginalRef};
use kassa_store::{
    Begin, Merchant, NewTxn, OriginalEffect, Outcome, Session, Store, Terminal, TxnKey, TxnRecord, TxnState,
};
use sha2::{Digest, Sha256};

use crate::Switch;
use crate::network::{Network, NoAnswer};
use crate::request::{self, Financial};
use crate::respond::{Reply, asks_sign_in, seal, skeleton};
use crate::risk::RiskFacts;
use crate::rules::{RuleFacts, check_original};

/// The card as the host may handle it: clear only in memory, for the network.
pub(crate) struct Card {
    pub pan: CardNumber,
    pub expiry: Option<String>,
    pub track2: Option<String>,
    pub track3: Option<String>,
    pub fingerprint: [u8; 32],
}

/// What the answer carries beyond the code.
#[derive(Default)]
pub(crate) struct Answer {
    pub record: Option<TxnRecord>,
    pub network: Option<LinkResponse>,
    /// A service's answer: whose side the code speaks of (`P` or `B`), and
    /// what follows it in 63 (a top-up's confirmation number).
    pub side: Option<String>,
    /// The payer card's organisation when no network answer gives it (a service's failed second leg).
    pub org: Option<String>,
}

impl<S: Store, N: Network> Switch<S, N> {
    pub(crate) async fn financial(&self, m: &Message, body: &[u8], kind: TxnKind) -> Reply {
        let label = kind.code();
        // Validate.
        let request = match request::financial(m, kind) {
            Ok(request) => request,
            Err(code) => return self.plain(m, code, label),
        };
        // Session, then MAC.
        let (terminal, merchant) = match self.session(&request.names, Some(request.key.batch)).await {
            Ok(found) => found,
            Err(code) => return self.plain(m, code, label),
        };
        let Some(session) = terminal.session.clone() else {
            return self.plain(m, ResponseCode::SignInAgain, label);
        };
        if let Err(code) = self.verify_mac(m, body, &session) {
            return self.plain(m, code, label);
        }
        // A mobile reader without the phone's location (product.md §2): `30`,
        // nothing recorded; the reader asks for location access and tries again.
        if terminal.mobile_reader && request.location.is_none() {
            tracing::info!(terminal = %terminal.id, "a mobile reader sent no usable location (59): answering 30");
            return self.plain(m, ResponseCode::FormatError, label);
        }
        let card = match self.card(&request, &merchant, &session) {
            Ok(card) => card,
            Err(code) => return self.plain(m, code, label),
        };
        if let Some(service) = kind.service() {
            return self.service(m, request, terminal, merchant, session, card, service).await;
        }
        // Duplicate: the key is taken by recording the transaction as in flight.
        let original = self.find_original(&request).await;
        let new = self.new_txn(&request, &card, original.as_ref());
        let digest = new.request_digest;
        let record = match self.store.begin(new).await {
            Ok(Begin::Started(record)) => record,
            Ok(Begin::Existing(existing)) => {
                return self.duplicate(m, &existing, digest, &session, terminal.pad_nibble);
            }
            Err(error) => {
                tracing::error!(%error, "record transaction");
                return self.plain(m, ResponseCode::SystemMalfunction, label);
            }
        };
        // Rules, then risk.
        let effect = match self.rules(&request, &terminal, &card, original.as_ref()).await {
            Ok(effect) => effect,
            Err(code) => return self.declined(m, record, code, &session, terminal.pad_nibble).await,
        };
        let daily_total = match self.daily.get(&self.store, &merchant.id, &self.business_date()).await {
            Ok(total) => total,
            Err(error) => {
                tracing::error!(%error, "read the merchant's daily total: answering 96");
                return self.declined(m, record, ResponseCode::SystemMalfunction, &session, terminal.pad_nibble).await;
            }
        };
        let risk_facts = self.risk_facts(&request, &terminal, &merchant, &card, daily_total);
        if let Err(code) = self.assess(&risk_facts, &record, &merchant, &terminal, &card).await {
            return self.declined(m, record, code, &session, terminal.pad_nibble).await;
        }
        // Network, record, respond.
        let link = match self.link_request(&request, &merchant, &card, &record, original.as_ref(), &session) {
            Ok(link) => link,
            Err(code) => return self.declined(m, record, code, &session, terminal.pad_nibble).await,
        };
        match self.network.request(link).await {
            Ok(response) => {
                self.risk.observe(&risk_facts, &response.code);
                self.answered(m, record, response, effect, &session, terminal.pad_nibble).await
            }
            Err(NoAnswer::NotSent) => {
                self.declined(m, record, ResponseCode::SystemMalfunction, &session, terminal.pad_nibble).await
            }
            Err(NoAnswer::Unanswered(reason)) => {
                if let Err(error) = self.store.abandon(record.id, reason, self.clock.now_ms()).await {
                    tracing::error!(%error, "queue reversal; recovery will reverse it at restart");
                }
                self.saf_wakeup.notify_one();
                let answer = Answer { record: Some(record), network: None, side: None, org: None };
                self.respond(m, ResponseCode::NetworkTimeout, answer, &session, terminal.pad_nibble)
            }
        }
    }

    /// The risk step: the verdict, with a rule hit's detail kept (and a hold
    /// marked, a terminal frozen, a case opened) in one commit. `Err` is the
    /// code to decline with.
    pub(crate) async fn assess(
        &self,
        risk_facts: &RiskFacts<'_>,
        record: &TxnRecord,
        merchant: &Merchant,
        terminal: &Terminal,
        card: &Card,
    ) -> Result<(), ResponseCode> {
        let mut verdict = self.risk.check(risk_facts);
        let mut held = false;
        if let Some(detail) = self.risk.take_detail(risk_facts) {
            // Rare (a rule hit): kept with the transaction for the analyst,
            // carried out durably (a hold marked, a terminal frozen, a case),
            // or let through by a case's override — in one commit.
            let (id, merchant_id, now) = (record.id, merchant.id.to_string(), self.clock.now_ms());
            let terminal_id = terminal.id.to_string();
            let card_hex: String = card.fingerprint.iter().map(|b| format!("{b:02x}")).collect();
            let kept = self
                .store
                .office_write(move |sql| {
                    crate::risk::keep_decision(sql, id, &merchant_id, &terminal_id, &card_hex, &detail, now)
                })
                .await;
            match kept {
                Ok(Some(_override)) => verdict = Ok(crate::risk::Verdict::Pass),
                Ok(None) => held = true,
                Err(error) => tracing::error!(%error, "keep a risk decision"),
            }
        }
        match verdict {
            Err(code) => {
                self.risk.observe(risk_facts, &code);
                Err(code)
            }
            Ok(crate::risk::Verdict::HoldSettlement) if !held => {
                tracing::error!("a risk hold could not be marked: answering 96");
                // A hold that could not be marked is not let through.
                Err(ResponseCode::SystemMalfunction)
            }
            Ok(_) => Ok(()),
        }
    }

    /// Reads the card: track 2 (decrypted when 53.3 says so) or field 2, with
    /// its expiry. Keyed entry needs a mail-order merchant and a credit card
    /// (`12`: never a debit card, product.md §2); a bad or inconsistent card
    /// number is `14`.
    fn card(&self, request: &Financial, merchant: &Merchant, session: &Session) -> Result<Card, ResponseCode> {
        let keyed = request.entry_mode.starts_with("01");
        if keyed && !merchant.mail_order {
            return Err(ResponseCode::InvalidTransaction);
        }
        let (track2, track3) = if request.track_encrypted {
            let key = session.track_key.as_ref().ok_or(ResponseCode::FormatError)?;
            let decrypt = |track: &Option<String>| -> Result<Option<String>, ResponseCode> {
                track.as_deref().map(|t| self.decrypt_track(key, t)).transpose()
            };
            (decrypt(&request.track2)?, decrypt(&request.track3)?)
        } else {
            (request.track2.clone(), request.track3.clone())
        };
        let from_track = track2.as_deref().and_then(|t| t.split_once('='));
        let digits = match (&request.pan, from_track) {
            (Some(pan), Some((track_pan, _))) if pan != track_pan => return Err(ResponseCode::InvalidCardNumber),
            (Some(pan), _) => pan.clone(),
            (None, Some((track_pan, _))) => track_pan.to_string(),
            (None, None) => return Err(ResponseCode::InvalidCardNumber),
        };
        let pan = CardNumber::parse(&digits).filter(CardNumber::luhn_ok).ok_or(ResponseCode::InvalidCardNumber)?;
        if keyed && !self.keyed_allowed(pan.expose()) {
            tracing::info!(bin = pan.expose().get(..6).unwrap_or(""), "keyed entry of a debit card: answering 12");
            return Err(ResponseCode::InvalidTransaction);
        }
        let expiry =
            request.expiry.clone().or_else(|| from_track.and_then(|(_, rest)| rest.get(..4)).map(String::from));
        let fingerprint = self.hsm.pan_fingerprint(pan.expose());
        Ok(Card { pan, expiry, track2, track3, fingerprint })
    }

    /// Whether a card number may be keyed in: a domestic credit card (its
    /// issuer prefix among `credit_bins`) or a foreign scheme's card (Visa,
    /// Mastercard, American Express, JCB: `4`, `5`, `34`/`37`, `35`), which
    /// mail and telephone orders take. Every other domestic card is debit.
    pub(crate) fn keyed_allowed(&self, pan: &str) -> bool {
        let bin = pan.get(..6).unwrap_or("");
        let foreign = pan.starts_with('4')
            || pan.starts_with('5')
            || pan.starts_with("34")
            || pan.starts_with("37")
            || pan.starts_with("35");
        foreign || self.config.credit_bins.contains(bin)
    }

    fn decrypt_track(&self, key: &kassa_crypto::WrappedKey, track: &str) -> Result<String, ResponseCode> {
        let mut packed = kassa_crypto::track::pack(track).map_err(|_| ResponseCode::FormatError)?;
        self.hsm.decrypt_track(key, &mut packed).map_err(|_| ResponseCode::FormatError)?;
        let text = kassa_crypto::track::unpack(&packed, track.len());
        if text.bytes().all(|b| b.is_ascii_digit() || b == b'=') { Ok(text) } else { Err(ResponseCode::FormatError) }
    }

    /// The original a void, refund or completion names: by 61 (batch and
    /// trace) on this terminal, else by reference number (37) at this merchant.
    async fn find_original(&self, request: &Financial) -> Option<TxnRecord> {
        if !request.kind.has_original() {
            return None;
        }
        if let Some(original) = &request.original {
            let key = TxnKey {
                merchant: request.key.merchant.clone(),
                terminal: request.key.terminal.clone(),
                batch: kassa_core::Batch(original.batch),
                trace: kassa_core::Trace(original.trace),
            };
            if let Ok(Some(found)) = self.store.find(key).await {
                return Some(found);
            }
        }
        let rrn = request.original_rrn.clone()?;
        self.store.find_by_rrn(request.key.merchant.clone(), rrn).await.ok().flatten()
    }

    pub(crate) fn new_txn(&self, request: &Financial, card: &Card, original: Option<&TxnRecord>) -> NewTxn {
        let now = self.clock.local();
        let mut digest = Sha256::new();
        for part in [request.mti.as_bytes(), request.processing.as_bytes(), request.amount.to_field().as_bytes()] {
            digest.update(part);
            digest.update([0]);
        }
        digest.update(card.fingerprint);
        NewTxn {
            key: request.key.clone(),
            kind: request.kind,
            amount: request.amount,
            currency: request.currency,
            pan_masked: Some(card.pan.masked()),
            pan_hash: Some(card.fingerprint),
            pan_sealed: self.hsm.encrypt_pan(card.pan.expose()).ok(),
            request_digest: digest.finalize().into(),
            original_id: original.map(|o| o.id),
            // The host's moment, as its answer gives it in 12 and 13 (a
            // terminal's own, where it sends them, is only its clock).
            local_date: now.mmdd(),
            local_time: now.hhmmss(),
            business_date: self.business_date(),
            entry_mode: request.entry_mode.clone(),
            operator: request.operator.clone(),
            location: request.location.clone(),
            link_transmitted: now.mmddhhmmss(),
            now_ms: self.clock.now_ms(),
        }
    }

    async fn rules(
        &self,
        request: &Financial,
        terminal: &Terminal,
        card: &Card,
        original: Option<&TxnRecord>,
    ) -> Result<OriginalEffect, ResponseCode> {
        if !request.kind.has_original() {
            return Ok(OriginalEffect::None);
        }
        let original_completed =
            match original {
                Some(o) if o.kind == TxnKind::PreAuth => {
                    self.store.children(o.id).await.map_err(store_failure)?.iter().any(|c| {
                        matches!(c.kind, TxnKind::Completion | TxnKind::CompletionAdvice | TxnKind::PreAuthVoid)
                    })
                }
                _ => false,
            };
        // A void would change the merchant's day it belongs to: never once settled.
        let original_day_settled = match original {
            Some(o) if matches!(request.kind, TxnKind::SaleVoid | TxnKind::CompletionVoid) => {
                self.store.day_settled(o.key.merchant.clone(), o.business_date.clone()).await.map_err(store_failure)?
            }
            _ => false,
        };
        let business_date = self.business_date();
        let facts = RuleFacts {
            kind: request.kind,
            amount: request.amount,
            card: Some(&card.fingerprint),
            business_date: &business_date,
            terminal_batch: terminal.batch,
            batch_open: terminal.batch_open,
            original_completed,
            original_day_settled,
            limits: self.config.limits,
        };
        check_original(original, &facts)
    }

    /// What the risk step decides on.
    pub(crate) fn risk_facts<'a>(
        &self,
        request: &'a Financial,
        terminal: &'a Terminal,
        merchant: &'a Merchant,
        card: &'a Card,
        daily_total: kassa_core::Amount,
    ) -> RiskFacts<'a> {
        let local = self.clock.local();
        let now_ms = self.clock.now_ms();
        let (distance_km, other_city) =
            kassa_risk::geo::reader_facts(request.location.as_deref(), merchant.location.as_deref());
        const DAYS_30_MS: i64 = 30 * 86_400_000;
        let changes = merchant.profile_changes.iter().filter(|at| now_ms - **at <= DAYS_30_MS).count();
        RiskFacts {
            distance_km,
            other_city,
            merchant_changes_30d: changes as i64,
            tier: &merchant.tier,
            kind: request.kind,
            amount: request.amount,
            terminal: &terminal.id,
            card: &card.fingerprint,
            single_limit: merchant.single_limit,
            daily_limit: merchant.daily_limit,
            daily_total,
            merchant: &merchant.id,
            bin: card.pan.expose().get(..6).unwrap_or(""),
            mcc: &merchant.mcc,
            entry_mode: &request.entry_mode,
            now_ms,
            hour: local.hhmmss().get(..2).and_then(|h| h.parse().ok()).unwrap_or(0),
            day: local.day_number(),
            service: kassa_risk::ServiceFacts::default(),
        }
    }

    /// The network request, with the PIN block translated to the zone PIN key (`99` when it cannot be).
    pub(crate) fn link_request(
        &self,
        request: &Financial,
        merchant: &Merchant,
        card: &Card,
        record: &TxnRecord,
        original: Option<&TxnRecord>,
        session: &Session,
    ) -> Result<LinkRequest, ResponseCode> {
        let pin_block = match &request.pin_block {
            Some(block) => Some(
                self.hsm
                    .translate_pin(
                        block,
                        &session.pin_key,
                        Some(card.pan.expose()),
                        &self.config.zone_pin_key,
                        Some(card.pan.expose()),
                    )
                    .map_err(|_| ResponseCode::PinBlockError)?,
            ),
            None => None,
        };
        let original = original.map(|o| OriginalRef {
            mti: o.kind.wire().0.to_string(),
            stan: o.link_stan,
            transmitted: o.link_transmitted.clone(),
        });
        let now = self.clock.local();
        Ok(LinkRequest {
            kind: LinkKind::Financial(request.kind),
            stan: record.link_stan,
            transmitted: record.link_transmitted.clone(),
            pan: Some(card.pan.clone()),
            amount: (request.kind != TxnKind::BalanceInquiry).then_some(request.amount),
            currency: request.currency,
            expiry: card.expiry.clone(),
            entry_mode: request.entry_mode.clone(),
            card_sequence: request.card_sequence.clone(),
            pin_block,
            track2: card.track2.clone(),
            track3: card.track3.clone(),
            emv: request.emv.clone(),
            mcc: merchant.mcc.clone(),
            terminal: request.key.terminal.to_string(),
            merchant: request.key.merchant.to_string(),
            merchant_name: merchant.name.clone(),
            acquirer: self.config.acquirer.clone(),
            local_time: if request.local_time.is_empty() { now.hhmmss() } else { request.local_time.clone() },
            local_date: if request.local_date.is_empty() { now.mmdd() } else { request.local_date.clone() },
            original,
            // The acquirer's reference: the transaction's id in the store.
            rrn: Some(format!("{:012}", record.id)),
        })
    }

    /// Records the network's answer with its effect on the original, then answers.
    async fn answered(
        &self,
        m: &Message,
        record: TxnRecord,
        response: LinkResponse,
        effect: OriginalEffect,
        session: &Session,
        pad: u8,
    ) -> Reply {
        let approved = response.code.is_approved();
        let outcome = Outcome {
            state: if approved { TxnState::Approved } else { TxnState::Declined },
            response_code: response.code.as_str().to_string(),
            auth_code: response.auth_code.clone(),
            rrn: response.rrn.clone(),
            card_org: response.card_organisation.clone(),
        };
        let effect = if approved { effect } else { OriginalEffect::None };
        if let Err(error) = self.store.finish(record.id, outcome, effect, self.clock.now_ms()).await {
            tracing::error!(%error, "record outcome; reversing");
            if approved {
                let _ = self.store.abandon(record.id, "96", self.clock.now_ms()).await;
                self.saf_wakeup.notify_one();
            }
            return self.respond(m, ResponseCode::SystemMalfunction, Answer::default(), session, pad);
        }
        if approved {
            let date = self.business_date();
            match record.kind {
                TxnKind::Sale | TxnKind::Completion | TxnKind::CompletionAdvice => {
                    self.daily.adjust(&record.key.merchant, &date, record.amount, true);
                }
                TxnKind::SaleVoid | TxnKind::CompletionVoid => {
                    self.daily.adjust(&record.key.merchant, &date, record.amount, false);
                }
                _ => {}
            }
        }
        let code = response.code.clone();
        self.respond(
            m,
            code,
            Answer { record: Some(record), network: Some(response), side: None, org: None },
            session,
            pad,
        )
    }

    /// Records a decline decided before or instead of the network, then answers.
    pub(crate) async fn declined(
        &self,
        m: &Message,
        record: TxnRecord,
        code: ResponseCode,
        session: &Session,
        pad: u8,
    ) -> Reply {
        let side = record.kind.service().map(|_| "P".to_string());
        self.declined_on(m, record, code, session, pad, side).await
    }

    /// [`Switch::declined`], saying whose side the code speaks of (services).
    pub(crate) async fn declined_on(
        &self,
        m: &Message,
        record: TxnRecord,
        code: ResponseCode,
        session: &Session,
        pad: u8,
        side: Option<String>,
    ) -> Reply {
        let outcome = Outcome {
            state: TxnState::Declined,
            response_code: code.as_str().to_string(),
            auth_code: None,
            rrn: None,
            card_org: None,
        };
        if let Err(error) = self.store.finish(record.id, outcome, OriginalEffect::None, self.clock.now_ms()).await {
            tracing::error!(%error, "record decline");
        }
        self.respond(m, code, Answer { record: Some(record), network: None, side, org: None }, session, pad)
    }

    /// A repeat of a logged key: the same request gets the stored answer (and
    /// moves nothing); anything else is `94`.
    pub(crate) fn duplicate(
        &self,
        m: &Message,
        existing: &TxnRecord,
        digest: [u8; 32],
        session: &Session,
        pad: u8,
    ) -> Reply {
        // A service whose second leg failed was reversed by the host after
        // answering: that answer is its stored outcome too.
        let service = existing.kind.service().is_some();
        let failed_service = service
            && existing.state == TxnState::Reversed
            && existing.response_code.as_deref().is_some_and(|c| c != "00");
        let answered =
            matches!(existing.state, TxnState::Approved | TxnState::Declined | TxnState::Voided) || failed_service;
        let side = service
            .then(|| if matches!(existing.state, TxnState::Approved | TxnState::Reversed) { "B" } else { "P" }.into());
        let stored_code = existing.response_code.as_deref().map(ResponseCode::parse);
        match stored_code {
            Some(code) if answered && existing.request_digest == digest => {
                let network = LinkResponse {
                    code: code.clone(),
                    auth_code: existing.auth_code.clone(),
                    rrn: existing.rrn.clone(),
                    balances: None,
                    card_organisation: existing.card_org.clone(),
                    settlement_date: None,
                };
                let mut reply = self.respond(
                    m,
                    code,
                    Answer { record: Some(existing.clone()), network: Some(network), side, org: None },
                    session,
                    pad,
                );
                reply.label = "duplicate";
                reply
            }
            _ => self.plain(m, ResponseCode::Duplicate, "duplicate"),
        }
    }

    /// The financial answer: echoed fields, host time, the network's codes,
    /// and a MAC when approved.
    pub(crate) fn respond(&self, m: &Message, code: ResponseCode, answer: Answer, session: &Session, pad: u8) -> Reply {
        let label = answer.record.as_ref().map_or("financial", |r| r.kind.code());
        let Some(mut response) = skeleton(m, &code) else { return Reply::none(label) };
        // The moment recorded with the transaction, so the slip and the records agree.
        let now = self.clock.local();
        let (time, date) = match &answer.record {
            Some(r) if r.local_time.len() == 6 && r.local_date.len() == 4 => {
                (r.local_time.clone(), r.local_date.clone())
            }
            _ => (now.hhmmss(), now.mmdd()),
        };
        response.set(12, time).set(13, date).set(32, &self.config.acquirer);
        // 28 and 48 come only with services (fee, beneficiary): echoed.
        for n in [25, 28, 48, 49, 60] {
            if let Some(v) = m.get(n) {
                response.set(n, v);
            }
        }
        if let Some(network) = &answer.network {
            if let Some(rrn) = &network.rrn {
                tracing::Span::current().record("rrn", rrn.as_str());
                response.set(37, format!("{rrn:<12.12}"));
            }
            if let Some(auth) = &network.auth_code {
                response.set(38, format!("{auth:<6.6}"));
            }
            if let Some(balances) = &network.balances {
                response.set(54, balances);
            }
            response.set(15, network.settlement_date.clone().unwrap_or_else(|| now.mmdd()));
            if let Some(org) = &network.card_organisation
                && answer.side.is_none()
            {
                response.set(63, format!("{org:<3.3}"));
            }
        }
        if let Some(side) = &answer.side {
            let org = answer
                .network
                .as_ref()
                .and_then(|n| n.card_organisation.clone())
                .or_else(|| answer.org.clone())
                .unwrap_or_default();
            response.set(63, format!("{org:<3.3}{side}"));
        }
        let mac_key = code.is_approved().then_some(&session.mac_key);
        let body = seal(self.hsm.as_ref(), response, mac_key, pad);
        Reply { body, sign_in_again: asks_sign_in(&code), label, code: code.as_str().to_string() }
    }
}

/// A store failure while deciding: `96`, with why in the log.
fn store_failure(error: kassa_store::StoreError) -> ResponseCode {
    tracing::error!(%error, "read the original's facts: answering 96");
    ResponseCode::SystemMalfunction
}
