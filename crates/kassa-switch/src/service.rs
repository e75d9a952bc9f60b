//! The mobile reader's value-added services (`docs/protocol-profile.md`):
//! the payer's debit, then the second leg — a payment to the beneficiary's
//! card on the network, or the carrier's top-up — answered `00` only when
//! both are done. A second leg that fails reverses the debit before the
//! answer; one that may have happened is reversed from the services table,
//! a durable queue, by [`run`].

use std::sync::Arc;
use std::time::Duration;

use kassa_core::services::{Beneficiary, Refusal, Service, check_beneficiary};
use kassa_core::time::Clock;
use kassa_core::{Amount, CardNumber, ResponseCode, TxnKind};
use kassa_crypto::SecurityModule;
use kassa_iso8583::Message;
use kassa_network::{LinkKind, LinkRequest, LinkResponse, OriginalRef};
use kassa_store::services::{self as store_services, DebitAnswer, LegState, NewService, ServiceRecord};
use kassa_store::{Begin, Merchant, Session, Store, StoreError, Terminal, TxnRecord};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::Switch;
use crate::carrier::{CancelAnswer, Carrier, TopUpAnswer, TopUpOrder};
use crate::financial::{Answer, Card};
use crate::network::{Network, NoAnswer};
use crate::request::Financial;
use crate::respond::{Reply, asks_sign_in, seal, skeleton};

/// How a service's second leg ended, as the terminal is answered.
enum Second {
    Done {
        reference: Option<String>,
    },
    Refused(ResponseCode),
    /// Nothing was sent (the link is down): nothing to reverse.
    NotSent,
    /// No answer in time: it may have happened, so it is reversed.
    Unanswered,
}

impl<S: Store, N: Network> Switch<S, N> {
    /// A service request whose session, MAC and card are checked.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn service(
        &self,
        m: &Message,
        request: Financial,
        terminal: Terminal,
        merchant: Merchant,
        session: Session,
        card: Card,
        service: Service,
    ) -> Reply {
        let label = request.kind.code();
        let refuse = |code: ResponseCode, side: &str| self.plain_service(m, code, side, label);
        if !terminal.mobile_reader {
            return refuse(ResponseCode::NotPermittedToTerminal, "P");
        }
        let (Some(fee), Some(digits)) = (request.fee, request.beneficiary.as_deref()) else {
            return self.plain(m, ResponseCode::FormatError, label);
        };
        let payer = card.pan.expose();
        let checked = self.payer_is_debit(payer).and_then(|()| {
            let priced = self.config.services.check_money(service, request.amount, fee)?;
            let beneficiary = check_beneficiary(service, digits, payer, |pan| self.is_credit(pan))?;
            Ok((priced, beneficiary))
        });
        let (priced, beneficiary) = match checked {
            Ok(checked) => checked,
            Err(refusal) => {
                tracing::info!(service = service.code(), ?refusal, "service refused before any money moved");
                let side = if refusal.beneficiary_side() { "B" } else { "P" };
                return refuse(ResponseCode::parse(refusal.code()), side);
            }
        };
        // Record: duplicates are answered as every request's.
        let new = self.new_txn(&request, &card, None);
        let digest = new.request_digest;
        let record = match self.store.begin(new).await {
            Ok(Begin::Started(record)) => record,
            Ok(Begin::Existing(existing)) => {
                return self.duplicate(m, &existing, digest, &session, terminal.pad_nibble);
            }
            Err(error) => {
                tracing::error!(%error, "record a service");
                return self.plain_service(m, ResponseCode::SystemMalfunction, "P", label);
            }
        };
        let pad = terminal.pad_nibble;
        // The service beside it, within the payer card's day.
        let sealed = match self.hsm.encrypt_pan(beneficiary.digits()) {
            Ok(sealed) => sealed,
            Err(error) => {
                tracing::error!(%error, "seal a beneficiary");
                return self.declined(m, record, ResponseCode::SystemMalfunction, &session, pad).await;
            }
        };
        let new_service = NewService {
            txn_id: record.id,
            service,
            merchant: merchant.id.clone(),
            terminal: terminal.id.to_string(),
            business_date: record.business_date.clone(),
            amount: priced.amount,
            fee: priced.fee,
            payer_hash: card.fingerprint,
            payer_masked: card.pan.masked(),
            beneficiary_masked: beneficiary.masked(),
            beneficiary_hash: self.hsm.pan_fingerprint(beneficiary.digits()),
            beneficiary_sealed: sealed,
            now_ms: self.clock.now_ms(),
        };
        let day_max = self.config.services.card_day_max;
        let (payer_hash, beneficiary_hash, now) =
            (new_service.payer_hash, new_service.beneficiary_hash, new_service.now_ms);
        match self.store.office_write(move |sql| store_services::begin(sql, &new_service, day_max)).await {
            Ok(true) => {}
            Ok(false) => return self.declined(m, record, ResponseCode::OverAmountLimit, &session, pad).await,
            Err(error) => {
                tracing::error!(%error, "record a service");
                return self.declined(m, record, ResponseCode::SystemMalfunction, &session, pad).await;
            }
        }
        // Risk, as for every financial request, with the payer's and the
        // beneficiary's day of services; on the amount, not the fee.
        let service_facts = if service.pays_a_card() {
            let read = self
                .store
                .office_read(move |sql| store_services::risk_facts(sql, &payer_hash, &beneficiary_hash, now + 1))
                .await;
            match read {
                Ok(facts) => facts,
                Err(error) => {
                    tracing::error!(%error, "read a service's risk facts: answering 96");
                    return self.declined(m, record, ResponseCode::SystemMalfunction, &session, pad).await;
                }
            }
        } else {
            kassa_risk::ServiceFacts::default()
        };
        let mut risk_facts = self.risk_facts(&request, &terminal, &merchant, &card, Amount::ZERO);
        risk_facts.amount = priced.amount;
        risk_facts.service = service_facts;
        if let Err(code) = self.assess(&risk_facts, &record, &merchant, &terminal, &card).await {
            return self.declined(m, record, code, &session, pad).await;
        }
        // The first leg: the payer's debit of the total.
        let link = match self.link_request(&request, &merchant, &card, &record, None, &session) {
            Ok(link) => link,
            Err(code) => return self.declined(m, record, code, &session, pad).await,
        };
        let debit = match self.network.request(link).await {
            Ok(response) if response.code.is_approved() => response,
            Ok(response) => {
                self.risk.observe(&risk_facts, &response.code);
                return self.declined_answer(m, record, response, &session, pad).await;
            }
            Err(NoAnswer::NotSent) => {
                return self.declined(m, record, ResponseCode::SystemMalfunction, &session, pad).await;
            }
            Err(NoAnswer::Unanswered(reason)) => {
                if let Err(error) = self.store.abandon(record.id, reason, self.clock.now_ms()).await {
                    tracing::error!(%error, "queue a reversal; recovery will reverse it at restart");
                }
                self.saf_wakeup.notify_one();
                let answer = Answer { record: Some(record), network: None, side: Some("P".into()), org: None };
                return self.respond(m, ResponseCode::NetworkTimeout, answer, &session, pad);
            }
        };
        self.risk.observe(&risk_facts, &debit.code);
        let leg_transmitted = self.clock.local().mmddhhmmss();
        let (id, sent, now) = (record.id, leg_transmitted.clone(), self.clock.now_ms());
        match self.store.office_write(move |sql| store_services::debit_approved(sql, id, &sent, now)).await {
            Ok(true) => {}
            Ok(false) => {
                // The terminal reversed it meanwhile: no second leg.
                let answer = Answer { record: Some(record), network: None, side: Some("P".into()), org: None };
                return self.respond(m, ResponseCode::NetworkTimeout, answer, &session, pad);
            }
            Err(error) => {
                tracing::error!(%error, "record a service's debit; reversing");
                let _ = self.store.abandon(record.id, "96", self.clock.now_ms()).await;
                self.saf_wakeup.notify_one();
                return self.plain_service(m, ResponseCode::SystemMalfunction, "P", label);
            }
        }
        // The second leg.
        let second = match &beneficiary {
            Beneficiary::Card(pan) => {
                let credit = self.credit_leg(&record, &merchant, pan, priced.amount, &leg_transmitted);
                match self.network.request(credit).await {
                    Ok(r) if r.code.is_approved() => Second::Done { reference: r.auth_code },
                    Ok(r) => Second::Refused(r.code),
                    Err(NoAnswer::NotSent) => Second::NotSent,
                    Err(NoAnswer::Unanswered(_)) => Second::Unanswered,
                }
            }
            Beneficiary::Phone(phone) => {
                let order =
                    TopUpOrder { order: format!("{:012}", record.id), phone: phone.clone(), amount: priced.amount };
                match tokio::time::timeout(self.config.carrier_timeout, self.carrier.top_up(order)).await {
                    Ok(Ok(TopUpAnswer::Confirmed { confirmation })) => Second::Done { reference: Some(confirmation) },
                    Ok(Ok(TopUpAnswer::Refused(code))) => Second::Refused(code),
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "top-up not sent");
                        Second::NotSent
                    }
                    Err(_) => Second::Unanswered,
                }
            }
        };
        self.finish_service(m, record, debit, second, service, &session, pad).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_service(
        &self,
        m: &Message,
        record: TxnRecord,
        debit: LinkResponse,
        second: Second,
        service: Service,
        session: &Session,
        pad: u8,
    ) -> Reply {
        let (id, now) = (record.id, self.clock.now_ms());
        let org = debit.card_organisation.clone();
        let (code, written, side) = match second {
            Second::Done { reference } => {
                let answer = DebitAnswer {
                    auth_code: debit.auth_code.clone(),
                    rrn: debit.rrn.clone(),
                    card_org: debit.card_organisation.clone(),
                };
                let kept = reference.clone();
                let written = self
                    .store
                    .office_write(move |sql| store_services::complete(sql, id, &answer, kept.as_deref(), now))
                    .await;
                let side = match (&reference, service) {
                    (Some(confirmation), Service::TopUp) => format!("B{confirmation:.20}"),
                    _ => "B".into(),
                };
                match written {
                    Ok(true) => (ResponseCode::Approved, Ok(()), side),
                    // Reversed meanwhile: the second leg is reversed too.
                    Ok(false) => (ResponseCode::NetworkTimeout, Ok(()), "B".into()),
                    Err(error) => (ResponseCode::SystemMalfunction, Err(error), "B".into()),
                }
            }
            Second::Refused(code) => {
                (code.clone(), self.fail(id, code, org.clone(), LegState::Refused).await, "B".into())
            }
            Second::NotSent => {
                let code = ResponseCode::SystemMalfunction;
                (code.clone(), self.fail(id, code, org.clone(), LegState::Refused).await, "B".into())
            }
            Second::Unanswered => {
                let code = ResponseCode::NetworkTimeout;
                (code.clone(), self.fail(id, code, org.clone(), LegState::Reversing).await, "B".into())
            }
        };
        let code = match written {
            Err(error) => {
                tracing::error!(%error, "record a service's second leg; recovery reverses it at restart");
                ResponseCode::SystemMalfunction
            }
            Ok(()) => code,
        };
        self.saf_wakeup.notify_one();
        self.legs_wakeup.notify_one();
        let org = debit.card_organisation.clone();
        let network = code.is_approved().then_some(debit);
        let answer = Answer { record: Some(record), network, side: Some(side), org };
        self.respond(m, code, answer, session, pad)
    }

    /// Reverses the payer's debit after its second leg failed (`code` is what the terminal is told).
    async fn fail(&self, id: i64, code: ResponseCode, org: Option<String>, next: LegState) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let code = code.as_str().to_string();
        self.store.office_write(move |sql| store_services::fail(sql, id, &code, org.as_deref(), next, now)).await
    }

    /// The credit leg: a payment of `amount` to the beneficiary's card, naming the debit in 90.
    fn credit_leg(
        &self,
        record: &TxnRecord,
        merchant: &Merchant,
        pan: &CardNumber,
        amount: Amount,
        transmitted: &str,
    ) -> LinkRequest {
        let now = self.clock.local();
        LinkRequest {
            kind: LinkKind::Financial(TxnKind::PaymentToCard),
            stan: store_services::leg_stan(record.id),
            transmitted: transmitted.to_string(),
            pan: Some(pan.clone()),
            amount: Some(amount),
            currency: record.currency,
            expiry: None,
            entry_mode: "010".into(),
            card_sequence: None,
            pin_block: None,
            track2: None,
            track3: None,
            emv: None,
            mcc: merchant.mcc.clone(),
            terminal: record.key.terminal.to_string(),
            merchant: record.key.merchant.to_string(),
            merchant_name: merchant.name.clone(),
            acquirer: self.config.acquirer.clone(),
            local_time: now.hhmmss(),
            local_date: now.mmdd(),
            original: Some(OriginalRef {
                mti: "0200".into(),
                stan: record.link_stan,
                transmitted: record.link_transmitted.clone(),
            }),
            rrn: Some(format!("{:012}", record.id)),
        }
    }

    /// A declined debit, recorded, answered with the payer's side.
    async fn declined_answer(
        &self,
        m: &Message,
        record: TxnRecord,
        response: LinkResponse,
        session: &Session,
        pad: u8,
    ) -> Reply {
        let code = response.code.clone();
        self.declined_on(m, record, code, session, pad, Some("P".into())).await
    }

    /// An answer before anything is recorded, saying whose side the code speaks of.
    fn plain_service(&self, request: &Message, code: ResponseCode, side: &str, label: &'static str) -> Reply {
        let body = skeleton(request, &code).and_then(|mut response| {
            for n in [28, 48] {
                if let Some(v) = request.get(n) {
                    response.set(n, v);
                }
            }
            response.set(63, format!("   {side}"));
            seal(self.hsm.as_ref(), response, None, 0)
        });
        Reply { body, sign_in_again: asks_sign_in(&code), label, code: code.as_str().to_string() }
    }

    /// A credit card (a domestic credit issuer's prefix, or a foreign scheme's card).
    fn is_credit(&self, pan: &str) -> bool {
        self.keyed_allowed(pan)
    }

    fn payer_is_debit(&self, pan: &str) -> Result<(), Refusal> {
        if self.is_credit(pan) { Err(Refusal::PayerIsCredit) } else { Ok(()) }
    }

    /// Woken whenever a service's second leg is to be reversed.
    pub fn legs_wakeup(&self) -> Arc<Notify> {
        self.legs_wakeup.clone()
    }
}

/// How often the services' queue is looked at when nothing wakes the worker.
pub const LEGS_POLL: Duration = Duration::from_millis(500);

/// The 0420 of a credit leg.
fn leg_reversal(s: &ServiceRecord, hsm: &dyn SecurityModule, clock: &dyn Clock, acquirer: &str) -> LinkRequest {
    let pan = hsm.decrypt_pan(&s.beneficiary_sealed).ok().and_then(|clear| CardNumber::parse(&clear));
    let now = clock.local();
    let stan = store_services::leg_stan(s.txn_id);
    LinkRequest {
        kind: LinkKind::Reversal(TxnKind::PaymentToCard),
        stan,
        transmitted: now.mmddhhmmss(),
        pan,
        amount: Some(s.amount),
        currency: kassa_core::Currency::CNY,
        expiry: None,
        entry_mode: "010".into(),
        card_sequence: None,
        pin_block: None,
        track2: None,
        track3: None,
        emv: None,
        mcc: "0000".into(),
        terminal: s.terminal.clone(),
        merchant: s.merchant.clone(),
        merchant_name: String::new(),
        acquirer: acquirer.to_string(),
        local_time: now.hhmmss(),
        local_date: now.mmdd(),
        original: Some(OriginalRef {
            mti: "0200".into(),
            stan,
            transmitted: s.leg_transmitted.clone().unwrap_or_default(),
        }),
        rrn: None,
    }
}

/// One round: unwinds services reversed by other paths, then reverses the
/// second legs due (a 0420 of the credit, a cancel at the carrier). Returns
/// how many second legs were reversed.
pub async fn reverse_due<S: Store, N: Network>(
    store: &S,
    network: &N,
    carrier: &dyn Carrier,
    hsm: &dyn SecurityModule,
    clock: &dyn Clock,
    acquirer: &str,
) -> Result<usize, StoreError> {
    let now = clock.now_ms();
    store.office_write(move |sql| store_services::unwind_due(sql, now, store_services::LEG_BATCH_MAX)).await?;
    let due = store.office_read(move |sql| store_services::legs_due(sql, now, store_services::LEG_BATCH_MAX)).await?;
    let mut reversed = 0;
    for s in due {
        let outcome = if s.service.pays_a_card() {
            match network.request(leg_reversal(&s, hsm, clock, acquirer)).await {
                Ok(_) => Some(LegState::Reversed),
                Err(_) => None,
            }
        } else {
            match carrier.cancel(format!("{:012}", s.txn_id)).await {
                Ok(CancelAnswer::Cancelled) => Some(LegState::Reversed),
                Ok(CancelAnswer::Delivered { .. }) => Some(LegState::DeliveredLate),
                Err(_) => None,
            }
        };
        let (id, now) = (s.txn_id, clock.now_ms());
        match outcome {
            Some(state) => {
                tracing::info!(txn = id, service = s.service.code(), state = state.code(), "second leg reversed");
                store.office_write(move |sql| store_services::leg_reversed(sql, id, state, now)).await?;
                reversed += 1;
            }
            None => {
                let next = now + crate::saf::retry_delay(s.leg_attempts).as_millis() as i64;
                store.office_write(move |sql| store_services::leg_retry(sql, id, next)).await?;
            }
        }
    }
    Ok(reversed)
}

/// Runs the services' queue until `shutdown`.
#[allow(clippy::too_many_arguments)]
pub async fn run<S: Store, N: Network>(
    store: S,
    network: N,
    carrier: Arc<dyn Carrier>,
    hsm: Arc<dyn SecurityModule>,
    clock: Arc<dyn Clock>,
    acquirer: String,
    wakeup: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(error) =
            reverse_due(&store, &network, carrier.as_ref(), hsm.as_ref(), clock.as_ref(), &acquirer).await
        {
            tracing::error!(%error, "services' second legs");
        }
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => return,
            _ = wakeup.notified() => {}
            _ = tokio::time::sleep(LEGS_POLL) => {}
        }
    }
}
