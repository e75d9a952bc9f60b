//! The authorization switch: everything the host does with one terminal
//! message, as small steps over one request — validate → session → MAC →
//! duplicate → rules → risk → network → record → respond.
//!
//! It takes the message body's bytes and returns the answer's; sockets live in
//! `kassa-host`, SQL in `kassa-store`, keys in the security module, and the
//! time comes from a [`Clock`].

pub mod carrier;
mod daily;
mod financial;
mod management;
pub mod network;
pub mod planted;
mod request;
pub mod respond;
mod reversal;
pub mod risk;
pub mod rules;
pub mod saf;
pub mod service;

use std::sync::Arc;

use kassa_core::time::Clock;
use kassa_core::{Batch, ResponseCode, TxnKind};
use kassa_crypto::{SecurityModule, WrappedKey};
use kassa_iso8583::mac_block::{self, TERMINAL_MAC_FIELD};
use kassa_iso8583::transaction::TransactionType;
use kassa_iso8583::{Message, TERMINAL, unpack};
use kassa_store::{Merchant, MerchantStatus, Session, Store, Terminal, TerminalStatus};
use tokio::sync::Notify;
use tracing::Instrument;

pub use network::{Network, NoAnswer};
pub use respond::Reply;
pub use risk::{LimitsAndBlockLists, Risk, RiskDetail, RiskFacts, RuleEngineRisk, Verdict};
pub use rules::RuleLimits;

use crate::request::Names;
use crate::respond::{asks_sign_in, seal, skeleton};

/// Settings of the switch.
#[derive(Clone, Debug)]
pub struct SwitchConfig {
    /// Our acquiring institution id (fields 32 and 44).
    pub acquirer: String,
    /// The zone PIN key shared with the network; PIN blocks are translated to it.
    pub zone_pin_key: WrappedKey,
    pub limits: RuleLimits,
    /// Transactions at or after this local time belong to the next business day.
    pub cutoff: kassa_settlement::CutOff,
    /// Issuer prefixes (6 digits) of domestic credit cards: a keyed card
    /// number is taken only for these, and for foreign schemes' cards.
    pub credit_bins: std::collections::HashSet<String>,
    /// The value-added services' fees and limits.
    pub services: kassa_core::services::ServiceRules,
    /// How long a top-up waits for the carrier's confirmation.
    pub carrier_timeout: std::time::Duration,
}

/// The switch; cheap to clone (one per connection).
#[derive(Clone)]
pub struct Switch<S: Store, N: Network> {
    store: S,
    network: N,
    hsm: Arc<dyn SecurityModule>,
    risk: Arc<dyn Risk>,
    clock: Arc<dyn Clock>,
    config: Arc<SwitchConfig>,
    saf_wakeup: Arc<Notify>,
    daily: Arc<daily::DailyTotals>,
    carrier: Arc<dyn carrier::Carrier>,
    legs_wakeup: Arc<Notify>,
}

impl<S: Store, N: Network> std::fmt::Debug for Switch<S, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Switch").field("acquirer", &self.config.acquirer).finish()
    }
}

impl<S: Store, N: Network> Switch<S, N> {
    pub fn new(
        store: S,
        network: N,
        hsm: Arc<dyn SecurityModule>,
        risk: Arc<dyn Risk>,
        clock: Arc<dyn Clock>,
        config: SwitchConfig,
    ) -> Switch<S, N> {
        Switch {
            store,
            network,
            hsm,
            risk,
            clock,
            config: Arc::new(config),
            saf_wakeup: Arc::new(Notify::new()),
            daily: Arc::new(daily::DailyTotals::default()),
            carrier: Arc::new(Arc::new(carrier::SimulatedCarrier::default())),
            legs_wakeup: Arc::new(Notify::new()),
        }
    }

    /// The carrier top-ups are bought from (a simulated one by default).
    pub fn with_carrier(mut self, carrier: Arc<dyn carrier::Carrier>) -> Switch<S, N> {
        self.carrier = carrier;
        self
    }

    /// The business date (YYYYMMDD) a transaction made now belongs to.
    fn business_date(&self) -> String {
        self.config.cutoff.business_date(&self.clock.local())
    }

    /// Woken whenever a reversal is queued for the network.
    pub fn saf_wakeup(&self) -> Arc<Notify> {
        self.saf_wakeup.clone()
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Handles one message body (MTI onwards) and returns the answer. The
    /// work runs in a span carrying terminal, merchant, trace and reference
    /// number — never a card number.
    pub async fn handle(&self, body: &[u8]) -> Reply {
        let message = match unpack(&TERMINAL, body) {
            Ok(message) => message,
            Err(error) => return malformed(body, &error),
        };
        let span = tracing::info_span!(
            "request",
            mti = message.mti().as_str(),
            terminal = message.get_str(41).unwrap_or(""),
            merchant = message.get_str(42).unwrap_or(""),
            trace = message.get_str(11).unwrap_or(""),
            rrn = tracing::field::Empty,
        );
        let reply = self.dispatch(&message, body).instrument(span.clone()).await;
        span.in_scope(|| tracing::debug!(code = %reply.code, kind = reply.label, "answered"));
        reply
    }

    async fn dispatch(&self, message: &Message, body: &[u8]) -> Reply {
        let Some(kind) = TransactionType::classify(message) else {
            return self.plain(message, ResponseCode::InvalidTransaction, "unknown");
        };
        if message.mti().is_response() {
            return Reply::none("unsolicited response");
        }
        use TransactionType as T;
        match kind {
            T::SignIn => self.sign_in(message).await,
            T::SignOff => self.sign_off(message).await,
            T::Echo => self.echo(message).await,
            T::BatchSettlement => self.settle(message).await,
            T::BatchUpload => self.upload(message).await,
            T::Reversal => self.reversal(message, body).await,
            T::BalanceInquiry => self.financial(message, body, TxnKind::BalanceInquiry).await,
            T::Sale => self.financial(message, body, TxnKind::Sale).await,
            T::SaleVoid => self.financial(message, body, TxnKind::SaleVoid).await,
            T::Refund => self.financial(message, body, TxnKind::Refund).await,
            T::PreAuth => self.financial(message, body, TxnKind::PreAuth).await,
            T::PreAuthVoid => self.financial(message, body, TxnKind::PreAuthVoid).await,
            T::Completion => self.financial(message, body, TxnKind::Completion).await,
            T::CompletionAdvice => self.financial(message, body, TxnKind::CompletionAdvice).await,
            T::CompletionVoid => self.financial(message, body, TxnKind::CompletionVoid).await,
            T::Transfer => self.financial(message, body, TxnKind::Transfer).await,
            T::Repayment => self.financial(message, body, TxnKind::Repayment).await,
            T::TopUp => self.financial(message, body, TxnKind::TopUp).await,
        }
    }

    /// An answer with only the echoed fields and a response code, unMACed.
    fn plain(&self, request: &Message, code: ResponseCode, label: &'static str) -> Reply {
        let body = skeleton(request, &code).and_then(|m| seal(self.hsm.as_ref(), m, None, 0));
        Reply { body, sign_in_again: asks_sign_in(&code), label, code: code.as_str().to_string() }
    }

    /// The terminal is registered (`97`) and usable (`58`), and its merchant
    /// is the one named and usable (`03`).
    async fn registered(&self, names: &Names) -> Result<(Terminal, Merchant), ResponseCode> {
        let (terminal, merchant) = match self.store.terminal(names.terminal.clone()).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(ResponseCode::TerminalNotRegistered),
            Err(error) => {
                tracing::error!(%error, "load terminal");
                return Err(ResponseCode::SystemMalfunction);
            }
        };
        if terminal.status != TerminalStatus::Active {
            return Err(ResponseCode::NotPermittedToTerminal);
        }
        if terminal.merchant != names.merchant || merchant.status != MerchantStatus::Active {
            return Err(ResponseCode::InvalidMerchant);
        }
        Ok((terminal, merchant))
    }

    /// The session step: [`Switch::registered`], then signed in (`77`) and,
    /// when `batch` is given, on that open batch (`77`).
    async fn session(&self, names: &Names, batch: Option<Batch>) -> Result<(Terminal, Merchant), ResponseCode> {
        let (terminal, merchant) = self.registered(names).await?;
        if terminal.session.is_none() {
            return Err(ResponseCode::SignInAgain);
        }
        if let Some(batch) = batch
            && (!terminal.batch_open || terminal.batch != batch)
        {
            return Err(ResponseCode::SignInAgain);
        }
        Ok((terminal, merchant))
    }

    /// The MAC step: field 64 must be last and verify under the session's MAC key (`A0`).
    fn verify_mac(&self, message: &Message, body: &[u8], session: &Session) -> Result<(), ResponseCode> {
        let (data, mac) = mac_block::split(message, body, TERMINAL_MAC_FIELD).ok_or(ResponseCode::MacFailed)?;
        match self.hsm.verify_mac(&session.mac_key, respond::TERMINAL_MAC, data, mac) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ResponseCode::MacFailed),
            Err(error) => {
                tracing::warn!(%error, "verify MAC");
                Err(ResponseCode::MacFailed)
            }
        }
    }
}

/// A message that does not decode: `30` when its MTI can be read, else no answer.
fn malformed(body: &[u8], error: &kassa_iso8583::DecodeError) -> Reply {
    tracing::warn!(%error, "malformed message");
    let mti =
        body.get(..2).map(|b| format!("{:02X}{:02X}", b[0], b[1])).and_then(|text| kassa_iso8583::Mti::new(&text).ok());
    let Some(response) = mti.and_then(|m| m.response()) else {
        return Reply::none("malformed");
    };
    let mut message = Message::new(response);
    message.set(39, ResponseCode::FormatError.as_str());
    let body = kassa_iso8583::pack(&TERMINAL, &message).ok();
    Reply { body, sign_in_again: false, label: "malformed", code: "30".into() }
}
