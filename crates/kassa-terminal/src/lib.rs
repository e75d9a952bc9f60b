//! A scripted POS terminal, as tests, `kassa terminal` and `kassa bench` use
//! it. It behaves like a real device: signs in and checks the check values of
//! its working keys, builds PIN blocks and MACs, encrypts track data when its
//! keys allow, keeps a reversal until it has a valid answer and sends it before
//! the next transaction, settles its batch (uploading it when unbalanced) and
//! signs in again for the next one, and settles before it signs off.

pub mod card;
pub mod seal;
pub mod state;
pub mod till;

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use kassa_core::{Amount, ResponseCode, TxnKind};
use kassa_crypto::{KeyMode, MacAlgorithm, SecretKey, WorkingKeys, from_hex, keyblock, mac, pin, to_hex, track};
use kassa_iso8583::fields::{
    Field60, Original, SettlementTotals, Totals, UPLOAD_RECORDS_MAX, UploadRecord, render_upload,
};
use kassa_iso8583::mac_block::{self, TERMINAL_MAC_FIELD};
use kassa_iso8583::profile::Options;
use kassa_iso8583::{Header, Message, Mti, Profile, TERMINAL, Tpdu, pack, split_body, unpack};
use kassa_network::{BoxStream, Dialer};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

pub use card::{Card, Entry};
pub use state::{Failure, LogEntry, PendingReversal, ServiceNote, TerminalState};

#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    #[error("connect to {address}: {source}")]
    Connect { address: String, source: std::io::Error },
    #[error("no answer from the host within {0:?}")]
    Timeout(Duration),
    #[error("the connection closed")]
    Closed,
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("the answer failed its MAC; a reversal is kept")]
    BadMac,
    #[error("not signed in: run sign-in first")]
    NotSignedIn,
    #[error("sign-in refused: {0}")]
    SignInRefused(String),
    #[error("the working keys failed their check values: {0}")]
    Keys(#[from] kassa_crypto::CryptoError),
    #[error("message: {0}")]
    Encode(#[from] kassa_iso8583::EncodeError),
    #[error("answer unreadable: {0}")]
    Decode(#[from] kassa_iso8583::DecodeError),
    #[error("{0}")]
    Usage(String),
    /// The host answered the kept reversal with a code that does not settle
    /// it (`96`, `77`, `A0`, …): it is still kept, and the next request waits.
    #[error("the kept reversal was answered {0}: it is kept and sent again")]
    ReversalKept(String),
}

pub type Result<T, E = TerminalError> = std::result::Result<T, E>;

/// How a terminal is set up.
#[derive(Clone, Debug)]
pub struct TerminalConfig {
    /// `host:port`.
    pub address: String,
    pub terminal_id: String,
    pub merchant_id: String,
    /// The terminal master key, clear (test keys only).
    pub tmk: SecretKey,
    pub key_mode: KeyMode,
    /// VARIANT: 0 or 0xF.
    pub pad_nibble: u8,
    pub operator: String,
    pub timeout: Duration,
    /// Where the state lives between runs; `None` keeps it in memory.
    pub state_path: Option<PathBuf>,
}

/// The answer to a financial request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnAnswer {
    pub code: ResponseCode,
    pub trace: u32,
    pub batch: u32,
    pub rrn: String,
    pub auth_code: String,
    pub card_organisation: String,
    /// Field 54, for balance inquiries.
    pub balances: Option<String>,
    /// Whether a reversal for an earlier transaction was sent first.
    pub reversal_sent: bool,
}

/// The outcome of a settlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettleAnswer {
    pub code: ResponseCode,
    pub balanced: bool,
    pub terminal_totals: SettlementTotals,
    pub host_totals: Option<SettlementTotals>,
    pub uploaded: usize,
    /// The batch the terminal signed in to afterwards, as a device does after
    /// a settlement; `None` when it did not (the next transaction signs in first).
    pub next_batch: Option<u32>,
}

/// The outcome of a sign-off: the settlement of the open batch that came
/// first, if it had anything in it, and the host's answer to the 0820.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignOffAnswer {
    pub settled: Option<SettleAnswer>,
    pub code: ResponseCode,
}

/// What a financial request refers to: for voids, the original's batch,
/// trace and reference (and authorization) code; for refunds and completions
/// also its date. Batch and trace 0 (an original known only by its
/// reference number) send no field 61: the host finds it by 37.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginalRef {
    pub batch: u32,
    pub trace: u32,
    /// MMDD.
    pub date: Option<String>,
    pub rrn: Option<String>,
    pub auth_code: Option<String>,
}

pub struct ScriptedTerminal {
    config: TerminalConfig,
    profile: Profile,
    state: TerminalState,
    /// Shared: every transaction holds them while its own `&mut self` calls run.
    keys: Option<std::sync::Arc<WorkingKeys>>,
    connection: Option<Framed<BoxStream, LengthDelimitedCodec>>,
    /// How it reaches the host: TCP, or the simulation's streams.
    dialer: Dialer,
    tpdu: Tpdu,
    header: Header,
    /// A mobile reader's location (`lat,lon`), sent in field 59 with each financial request.
    location: Option<String>,
}

impl std::fmt::Debug for ScriptedTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedTerminal").field("terminal", &self.config.terminal_id).finish()
    }
}

fn mti(text: &str) -> Mti {
    Mti::new(text).unwrap_or_else(|_| unreachable!("MTIs here are literals"))
}

impl ScriptedTerminal {
    /// Loads the saved state (if any) and the working keys it holds.
    pub fn new(config: TerminalConfig) -> Result<ScriptedTerminal> {
        let state = match &config.state_path {
            Some(path) => TerminalState::load(path)?,
            None => TerminalState::default(),
        };
        let profile = TERMINAL.with_options(Options { pad_nibble: config.pad_nibble, ..Options::TERMINAL });
        let mut terminal = ScriptedTerminal {
            config,
            profile,
            state,
            keys: None,
            connection: None,
            dialer: Dialer::tcp(),
            tpdu: Tpdu([0x60, 0x00, 0x03, 0x00, 0x00]),
            header: Header([0x60, 0x31, 0x00, 0x31, 0x13, 0x01]),
            location: None,
        };
        terminal.keys = terminal.load_keys()?.map(std::sync::Arc::new);
        Ok(terminal)
    }

    fn load_keys(&self) -> Result<Option<WorkingKeys>> {
        let (Some(code), Some(block)) = (self.state.key_mode, &self.state.key_block) else { return Ok(None) };
        let mode = KeyMode::from_code(code).ok_or_else(|| TerminalError::Usage("unknown key mode in state".into()))?;
        Ok(Some(keyblock::parse(mode, &self.config.tmk, &from_hex(block)?)?))
    }

    /// The operator (field 63) from now on.
    pub fn set_operator(&mut self, operator: &str) {
        self.config.operator = operator.to_string();
    }

    /// Where the reader is (`lat,lon` in degrees), sent in field 59 from now on; `None` stops it.
    pub fn set_location(&mut self, location: Option<String>) {
        self.location = location;
    }

    fn note_failure(&mut self, kind: TxnKind, trace: u32, amount: Amount, code: &str) {
        if self.state.failures.len() >= state::FAILURES_KEPT {
            self.state.failures.remove(0);
        }
        self.state.failures.push(state::Failure {
            kind: kind.code().to_string(),
            trace,
            batch: self.state.batch,
            amount: amount.minor_units(),
            code: code.to_string(),
        });
    }

    pub fn terminal_id(&self) -> &str {
        &self.config.terminal_id
    }

    pub fn state(&self) -> &TerminalState {
        &self.state
    }

    fn save(&self) -> Result<()> {
        match &self.config.state_path {
            Some(path) => Ok(self.state.save(path)?),
            None => Ok(()),
        }
    }

    /// Reaches the host through `dialer` from now on (the simulation's in-memory streams).
    pub fn set_dialer(&mut self, dialer: Dialer) {
        self.dialer = dialer;
        self.connection = None;
    }

    /// Hangs up: the next request dials again.
    pub fn hang_up(&mut self) {
        self.connection = None;
    }

    async fn connect(&mut self) -> Result<&mut Framed<BoxStream, LengthDelimitedCodec>> {
        if self.connection.is_none() {
            let address = self.config.address.clone();
            let stream =
                self.dialer.dial(&address).await.map_err(|source| TerminalError::Connect { address, source })?;
            let codec = LengthDelimitedCodec::builder().length_field_length(2).max_frame_length(4096).new_codec();
            self.connection = Some(Framed::new(stream, codec));
        }
        self.connection.as_mut().ok_or(TerminalError::Closed)
    }

    fn base(&mut self, mti_text: &str) -> (Message, u32) {
        let trace = self.state.next_trace();
        let mut m = Message::new(mti(mti_text));
        m.set(11, format!("{trace:06}")).set(41, &self.config.terminal_id).set(42, &self.config.merchant_id);
        (m, trace)
    }

    /// Packs, MACs when asked, sends, and waits for the answer with this trace.
    async fn exchange(&mut self, mut message: Message, with_mac: bool) -> Result<(Message, Vec<u8>)> {
        let body = if with_mac {
            let keys = self.keys.clone().ok_or(TerminalError::NotSignedIn)?;
            let key = &keys.mac;
            mac_block::reserve(&mut message, TERMINAL_MAC_FIELD);
            let mut packed = pack(&self.profile, &message)?;
            let (data, _) = mac_block::split(&message, &packed, TERMINAL_MAC_FIELD).ok_or(TerminalError::BadMac)?;
            let code = mac::compute(MacAlgorithm::CupEcb, key, data)?;
            mac_block::fill(&mut packed, code);
            packed
        } else {
            pack(&self.profile, &message)?
        };
        let mut frame = Vec::with_capacity(11 + body.len());
        frame.extend_from_slice(&self.tpdu.0);
        frame.extend_from_slice(&self.header.0);
        frame.extend_from_slice(&body);
        // The answer is the one with this request's trace and the response
        // MTI: a reversal repeats its original's trace, and a copy of the
        // original's answer (a frame the wire duplicated) may still be on the
        // way — taken for the reversal's answer, it settled a reversal the
        // host never saw (found by `kassa sim`).
        let trace = message.get(11).map(<[u8]>::to_vec);
        let answer_mti = message.response().map(|r| r.mti().as_str().to_string());
        let timeout = self.config.timeout;
        let connection = self.connect().await?;
        if let Err(error) = connection.send(Bytes::from(frame)).await {
            // The host went away: dial again next time.
            self.connection = None;
            return Err(error.into());
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = tokio::time::timeout_at(deadline, connection.next()).await;
            let frame = match next {
                Err(_) => {
                    self.connection = None;
                    return Err(TerminalError::Timeout(timeout));
                }
                Ok(None) => {
                    self.connection = None;
                    return Err(TerminalError::Closed);
                }
                Ok(Some(Err(error))) => {
                    self.connection = None;
                    return Err(error.into());
                }
                Ok(Some(Ok(frame))) => frame,
            };
            let parts = split_body(&frame)?;
            let answer = unpack(&TERMINAL, parts.body)?;
            if answer.get(11).map(<[u8]>::to_vec) == trace
                && answer_mti.as_deref().is_none_or(|mti| answer.mti().as_str() == mti)
            {
                return Ok((answer, parts.body.to_vec()));
            }
        }
    }

    /// Signs in with the configured key mode; checks the keys' check values.
    pub async fn sign_in(&mut self) -> Result<(u32, Vec<String>)> {
        let (mut m, _) = self.base("0800");
        let field60 = Field60 {
            message_type: 0,
            batch: self.state.batch,
            management_code: Some(self.config.key_mode.code()),
            ..Field60::default()
        };
        m.set(60, field60.render()).set(63, format!("{:<3.3}", self.config.operator));
        let result = self.exchange(m, false).await;
        self.save()?;
        let (answer, _) = result?;
        let code = answer.get_str(39).unwrap_or("");
        if code != "00" {
            return Err(TerminalError::SignInRefused(format!("{code} {}", ResponseCode::parse(code).meaning())));
        }
        let block = answer.get(62).ok_or_else(|| TerminalError::SignInRefused("no keys in field 62".into()))?;
        let keys = keyblock::parse(self.config.key_mode, &self.config.tmk, block)?;
        let field60 = answer.get(60).and_then(|v| Field60::parse(v).ok()).ok_or(TerminalError::Closed)?;
        let mut check_values = vec![keys.pin.check_value_hex(), keys.mac.check_value_hex()];
        check_values.extend(keys.track.as_ref().map(SecretKey::check_value_hex));
        self.state.batch = field60.batch;
        self.state.batch_open = true;
        self.state.key_mode = Some(self.config.key_mode.code());
        self.state.key_block = Some(to_hex(block));
        self.keys = Some(std::sync::Arc::new(keys));
        self.save()?;
        Ok((field60.batch, check_values))
    }

    /// Signs off; an open batch with approved transactions is settled first
    /// (the host closes the batch at sign-off, so nothing would settle it later).
    pub async fn sign_off(&mut self) -> Result<SignOffAnswer> {
        let batch = self.state.batch;
        let busy =
            self.state.log.iter().any(|e| e.batch == batch) || self.state.failures.iter().any(|f| f.batch == batch);
        let settled = if self.state.batch_open && busy && self.keys.is_some() {
            let answer = self.settle_batch().await?;
            if !answer.code.is_approved() {
                return Ok(SignOffAnswer { code: answer.code.clone(), settled: Some(answer) });
            }
            Some(answer)
        } else {
            None
        };
        let (mut m, _) = self.base("0820");
        m.set(
            60,
            Field60 { message_type: 0, batch: self.state.batch, management_code: Some(2), ..Field60::default() }
                .render(),
        );
        let (answer, _) = self.exchange(m, false).await?;
        self.keys = None;
        self.state.key_block = None;
        self.state.key_mode = None;
        self.state.batch_open = false;
        self.save()?;
        Ok(SignOffAnswer { settled, code: ResponseCode::parse(answer.get_str(39).unwrap_or("")) })
    }

    pub async fn echo(&mut self) -> Result<ResponseCode> {
        let (mut m, _) = self.base("0820");
        m.set(
            60,
            Field60 { message_type: 0, batch: self.state.batch, management_code: Some(301), ..Field60::default() }
                .render(),
        );
        let (answer, _) = self.exchange(m, false).await?;
        self.save()?;
        Ok(ResponseCode::parse(answer.get_str(39).unwrap_or("")))
    }

    /// Runs one financial transaction, sending any pending reversal first.
    pub async fn transact(
        &mut self,
        kind: TxnKind,
        card: &Card,
        amount: Amount,
        original: Option<&OriginalRef>,
    ) -> Result<TxnAnswer> {
        self.send_financial(kind, card, amount, original, &[]).await
    }

    /// A value-added service (`docs/protocol-profile.md`): `amount` to the
    /// beneficiary (a card number, or a phone number for a top-up), `fee` on
    /// top; the card is debited the total. The answer's `card_organisation`
    /// is 63 whole: the organisation, `P` or `B`, and a top-up's confirmation.
    pub async fn service(
        &mut self,
        service: kassa_core::services::Service,
        card: &Card,
        amount: Amount,
        fee: Amount,
        beneficiary: &str,
    ) -> Result<TxnAnswer> {
        let total = amount.checked_add(fee).ok_or(TerminalError::Usage("amount and fee overflow".into()))?;
        let extra = [(28, format!("D{:08}", fee.minor_units())), (48, beneficiary.to_string())];
        let answer = self.send_financial(service.kind(), card, total, None, &extra).await?;
        if answer.code.is_approved()
            && let Some(entry) = self.state.log.last_mut()
            && entry.trace == answer.trace
        {
            let masked = match service {
                kassa_core::services::Service::TopUp => kassa_core::services::mask_phone(beneficiary),
                _ => kassa_core::mask_pan(beneficiary),
            };
            entry.service = Some(state::ServiceNote {
                amount: amount.minor_units(),
                fee: fee.minor_units(),
                beneficiary: masked,
                confirmation: answer.card_organisation.get(4..).unwrap_or("").trim().to_string(),
            });
            entry.domestic = answer.card_organisation.starts_with("CUP");
            self.save()?;
        }
        Ok(answer)
    }

    async fn send_financial(
        &mut self,
        kind: TxnKind,
        card: &Card,
        amount: Amount,
        original: Option<&OriginalRef>,
        extra: &[(u8, String)],
    ) -> Result<TxnAnswer> {
        if self.keys.is_some() && !self.state.batch_open {
            // Settled, and the sign-in after it did not happen: a new batch first.
            self.sign_in().await?;
        }
        let keys = self.keys.clone().ok_or(TerminalError::NotSignedIn)?;
        let reversal_sent = self.send_pending_reversal().await?;
        let (mut message, trace) = self.financial_message(kind, card, amount, original, &keys)?;
        for (n, value) in extra {
            message.set(*n, value);
        }
        if kind.is_reversible() {
            self.state.pending_reversal = Some(self.reversal_of(&message, "98")?);
        }
        self.save()?;
        let (answer, body) = match self.exchange(message, true).await {
            Ok(answer) => answer,
            Err(error) => {
                self.note_failure(kind, trace, amount, "98");
                self.save()?;
                return Err(error);
            }
        };
        let code = ResponseCode::parse(answer.get_str(39).unwrap_or(""));
        // Approvals carry a MAC; so does anything that was one before the
        // wire changed its 39 (found by `kassa sim`, seed 163: a garbled
        // `00` read as a decline, and the sale stood at the issuer).
        let macked = code.is_approved() || answer.get(TERMINAL_MAC_FIELD).is_some();
        if macked && !self.mac_ok(&answer, &body, &keys) {
            if let Some(pending) = self.state.pending_reversal.as_mut() {
                pending.reason = "A0".into();
            }
            self.save()?;
            return Err(TerminalError::BadMac);
        }
        self.state.pending_reversal = None;
        let text = |n: u8| answer.get_str(n).unwrap_or("").trim_end().to_string();
        let result = TxnAnswer {
            code: code.clone(),
            trace,
            batch: self.state.batch,
            rrn: text(37),
            auth_code: text(38),
            card_organisation: text(63),
            balances: answer.get_str(54).map(str::to_string),
            reversal_sent,
        };
        if !code.is_approved() && kind != TxnKind::BalanceInquiry {
            self.note_failure(kind, trace, amount, code.as_str());
        }
        if code.is_approved() && kind != TxnKind::BalanceInquiry {
            if self.state.log.len() >= state::LOG_KEPT {
                self.state.log.remove(0);
            }
            let date = text(13);
            self.state.log.push(LogEntry {
                kind: kind.code().to_string(),
                trace,
                batch: self.state.batch,
                amount: amount.minor_units(),
                masked_pan: kassa_core::mask_pan(&card.pan),
                pan_sealed: seal::seal(&self.config.tmk, self.state.batch, trace, &card.pan)?,
                rrn: result.rrn.clone(),
                auth_code: result.auth_code.clone(),
                response_code: code.as_str().to_string(),
                domestic: result.card_organisation == "CUP",
                year: year_of(&date),
                date,
                time: text(12),
                reversed: false,
                entry: card.entry.word().to_string(),
                operator: self.config.operator.clone(),
                service: None,
                basket: None,
            });
        }
        self.save()?;
        Ok(result)
    }

    fn mac_ok(&self, answer: &Message, body: &[u8], keys: &WorkingKeys) -> bool {
        mac_block::split(answer, body, TERMINAL_MAC_FIELD)
            .and_then(|(data, code)| mac::verify(MacAlgorithm::CupEcb, &keys.mac, data, code).ok())
            .unwrap_or(false)
    }

    fn financial_message(
        &mut self,
        kind: TxnKind,
        card: &Card,
        amount: Amount,
        original: Option<&OriginalRef>,
        keys: &WorkingKeys,
    ) -> Result<(Message, u32)> {
        let (mti_text, processing, condition, message_type) = kind.wire();
        let (mut m, trace) = self.base(mti_text);
        m.set(3, processing);
        if kind != TxnKind::BalanceInquiry {
            m.set(4, amount.to_field());
        }
        let with_pin = card.pin.is_some();
        m.set(22, format!("{}{}", card.entry.code(), if with_pin { '1' } else { '2' }));
        m.set(25, condition).set(49, "156");
        let encrypt_track = keys.track.is_some() && card.entry != Entry::Keyed;
        match card.entry {
            Entry::Keyed => {
                m.set(2, &card.pan).set(14, &card.expiry);
            }
            Entry::Chip | Entry::Tap => {
                m.set(2, &card.pan).set(14, &card.expiry).set(23, "001");
                m.set(55, kassa_iso8583::samples::chip_data());
            }
            Entry::Swipe => {}
        }
        if card.entry != Entry::Keyed {
            let track2 = card.track2();
            let track2 = match (&keys.track, encrypt_track) {
                (Some(tdk), true) => track::encrypt(tdk, &track2)?,
                _ => track2,
            };
            m.set(35, track2);
        }
        if let Some(pin_digits) = &card.pin {
            let block = pin::encrypt(&pin::build(pin_digits, Some(&card.pan))?, &keys.pin)?;
            m.set(26, "12").set(52, block);
        }
        if with_pin || encrypt_track {
            m.set(53, if encrypt_track { "2610000000000000" } else { "2600000000000000" });
        }
        if let Some(original) = original {
            if original.batch != 0 || original.trace != 0 {
                let field61 = Original {
                    batch: original.batch,
                    trace: original.trace,
                    date: original.date.clone(),
                    rest: String::new(),
                };
                m.set(61, field61.render());
            }
            if let Some(rrn) = &original.rrn {
                m.set(37, format!("{rrn:<12.12}"));
            }
            if let Some(auth) = &original.auth_code {
                m.set(38, format!("{auth:<6.6}"));
            }
        }
        let field60 = Field60 {
            message_type,
            batch: self.state.batch,
            management_code: Some(0),
            read_capability: Some(if card.entry == Entry::Swipe { 2 } else { 5 }),
            chip_condition: Some(0),
            ..Field60::default()
        };
        m.set(60, field60.render()).set(63, format!("{:<3.3}", self.config.operator));
        if let Some(location) = &self.location {
            m.set(59, location);
        }
        Ok((m, trace))
    }

    /// Sends the kept reversal, if any; true when one was sent and answered.
    pub async fn send_pending_reversal(&mut self) -> Result<bool> {
        let Some(pending) = self.state.pending_reversal.clone() else { return Ok(false) };
        let mut m = Message::new(mti("0400"));
        for (number, value) in &pending.fields {
            m.set(*number, from_hex(value)?);
        }
        let trace = pending.trace();
        if let Some(sealed) = &pending.card_sealed {
            let card = seal::open(&self.config.tmk, 0, trace.unwrap_or(0), sealed).ok_or_else(|| {
                TerminalError::Usage("the kept reversal's card does not open with this master key".into())
            })?;
            if let Some((pan, expiry)) = card.split_once('=') {
                m.set(2, pan);
                if !expiry.is_empty() {
                    m.set(14, expiry);
                }
            }
        }
        m.set(39, &pending.reason);
        let (answer, _) = self.exchange(m, true).await?;
        let code = answer.get_str(39).unwrap_or("96").to_string();
        if ResponseCode::parse(&code).leaves_reversal_owed() {
            // The host could not undo it now (its store failed, the session or
            // the MAC did not hold): the reversal stays kept, and goes again.
            return Err(TerminalError::ReversalKept(code));
        }
        // The log holds earlier batches too: the reversal is of this one's.
        let batch = self.state.batch;
        for entry in self.state.log.iter_mut().filter(|e| Some(e.trace) == trace && e.batch == batch) {
            entry.reversed = true;
        }
        self.state.pending_reversal = None;
        self.save()?;
        Ok(true)
    }

    /// The batch totals from the log (approved, not reversed).
    pub fn totals(&self) -> SettlementTotals {
        let mut totals = SettlementTotals::default();
        for entry in self.state.log.iter().filter(|e| e.batch == self.state.batch && !e.reversed) {
            let Some(kind) = TxnKind::from_code(&entry.kind) else { continue };
            let half: &mut Totals = if entry.domestic { &mut totals.domestic } else { &mut totals.foreign };
            if kind.is_settlement_debit() {
                half.debit_amount += entry.amount;
                half.debit_count += 1;
            } else if kind.is_settlement_credit() {
                half.credit_amount += entry.amount;
                half.credit_count += 1;
            }
        }
        totals
    }

    /// Settles the batch (0500); when the host's totals differ, uploads the
    /// batch (0320 with 201 records, then 202) as the protocol asks. Once the
    /// host has taken it, signs in again for the next batch, as a device does.
    pub async fn settle(&mut self) -> Result<SettleAnswer> {
        let mut answer = self.settle_batch().await?;
        if answer.code.is_approved() {
            // A failed sign-in here is not the settlement's: the next transaction tries again.
            answer.next_batch = self.sign_in().await.ok().map(|(batch, _)| batch);
        }
        Ok(answer)
    }

    async fn settle_batch(&mut self) -> Result<SettleAnswer> {
        if self.keys.is_none() {
            return Err(TerminalError::NotSignedIn);
        }
        self.send_pending_reversal().await?;
        let totals = self.totals();
        let (mut m, _) = self.base("0500");
        m.set(48, totals.render()).set(49, "156");
        m.set(
            60,
            Field60 { message_type: 0, batch: self.state.batch, management_code: Some(201), ..Field60::default() }
                .render(),
        );
        m.set(63, format!("{:<3.3}", self.config.operator));
        let (answer, _) = self.exchange(m, false).await?;
        let code = ResponseCode::parse(answer.get_str(39).unwrap_or(""));
        let host_totals = answer.get(48).and_then(|v| SettlementTotals::parse(v).ok());
        let balanced = host_totals.is_some_and(|t| t.domestic.flag == 1 && t.foreign.flag == 1);
        let mut uploaded = 0;
        if code.is_approved() && !balanced {
            uploaded = self.upload().await?;
        }
        if code.is_approved() {
            self.state.batch_open = false;
        }
        self.save()?;
        Ok(SettleAnswer { code, balanced, terminal_totals: totals, host_totals, uploaded, next_batch: None })
    }

    async fn upload(&mut self) -> Result<usize> {
        let batch = self.state.batch;
        let records: Vec<UploadRecord> = self
            .state
            .log
            .iter()
            .filter(|e| e.batch == batch && !e.reversed)
            .map(|e| UploadRecord {
                domestic: e.domestic,
                trace: e.trace,
                // The masked number where the sealed one does not open (a log from before sealing).
                pan: self.card_number(e).unwrap_or_else(|| e.masked_pan.clone()),
                amount: e.amount,
            })
            .collect();
        for chunk in records.chunks(UPLOAD_RECORDS_MAX) {
            let (mut m, _) = self.base("0320");
            m.set(48, render_upload(chunk));
            m.set(60, Field60 { message_type: 0, batch, management_code: Some(201), ..Field60::default() }.render());
            self.exchange(m, false).await?;
        }
        let (mut m, _) = self.base("0320");
        m.set(60, Field60 { message_type: 0, batch, management_code: Some(202), ..Field60::default() }.render());
        self.exchange(m, false).await?;
        Ok(records.len())
    }

    /// The whole card number of a logged transaction (sealed in the log), to
    /// present it again or to upload it.
    pub fn card_number(&self, entry: &LogEntry) -> Option<String> {
        seal::open(&self.config.tmk, entry.batch, entry.trace, &entry.pan_sealed)
    }

    /// The reversal a terminal keeps for `original`: its fields, minus what a
    /// reversal never repeats (35, 36, 52, 53, 26, 64), with the card number
    /// and expiry (2, 14) sealed.
    fn reversal_of(&self, original: &Message, reason: &str) -> Result<PendingReversal> {
        let keep = [3, 4, 11, 22, 23, 25, 28, 38, 41, 42, 48, 49, 55, 60, 61];
        let fields = original.fields().filter(|(n, _)| keep.contains(n)).map(|(n, v)| (n, to_hex(v))).collect();
        let text = |n: u8| original.get_str(n).unwrap_or("").to_string();
        let trace = text(11).parse::<u32>().unwrap_or(0);
        let card_sealed = match original.get_str(2) {
            Some(pan) => Some(seal::seal(&self.config.tmk, 0, trace, &format!("{pan}={}", text(14)))?),
            None => None,
        };
        Ok(PendingReversal { fields, card_sealed, reason: reason.to_string() })
    }

    /// Forgets a transaction as if it had never been logged (tests of unbalanced batches).
    pub fn forget_last(&mut self) {
        self.state.log.pop();
    }

    /// Steps the trace counter back, so the next message repeats an earlier
    /// trace number (tests of duplicate detection).
    pub fn rewind_trace(&mut self, by: u32) {
        self.state.trace = self.state.trace.saturating_sub(by);
    }

    /// The state, for tests that stage a situation (a kept reversal, a lost answer).
    pub fn state_mut(&mut self) -> &mut TerminalState {
        &mut self.state
    }
}

/// The year (YYYY) of a transaction dated `mmdd` today, by the terminal's
/// clock (China time): last year's when the date is a December and today a January.
fn year_of(mmdd: &str) -> String {
    use kassa_core::time::Clock;
    let now = kassa_core::time::SystemClock { offset_minutes: 480 }.local();
    let late_december = mmdd.starts_with("12") && now.month == 1;
    (now.year - i32::from(late_december)).to_string()
}
