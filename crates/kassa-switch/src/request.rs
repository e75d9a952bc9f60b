//! Reading a terminal's request into validated facts. Any field that is
//! missing or malformed for the message's type is a format error (`30`).

use kassa_core::{Amount, Batch, Currency, MerchantId, ResponseCode, TerminalId, Trace, TxnKind};
use kassa_iso8583::Message;
use kassa_iso8583::fields::{Field60, Original};
use kassa_store::TxnKey;

/// The terminal and merchant a message names (fields 41 and 42).
#[derive(Clone, Debug)]
pub(crate) struct Names {
    pub terminal: TerminalId,
    pub merchant: MerchantId,
}

pub(crate) fn names(m: &Message) -> Result<Names, ResponseCode> {
    let terminal = m.get_str(41).and_then(TerminalId::parse).ok_or(ResponseCode::FormatError)?;
    let merchant = m.get_str(42).and_then(MerchantId::parse).ok_or(ResponseCode::FormatError)?;
    Ok(Names { terminal, merchant })
}

pub(crate) fn trace(m: &Message) -> Result<Trace, ResponseCode> {
    m.get_str(11).and_then(Trace::parse).ok_or(ResponseCode::FormatError)
}

pub(crate) fn field60(m: &Message) -> Result<Field60, ResponseCode> {
    m.get(60).and_then(|v| Field60::parse(v).ok()).ok_or(ResponseCode::FormatError)
}

/// A financial request (or the original a 0400 repeats), validated.
#[derive(Clone, Debug)]
pub(crate) struct Financial {
    pub kind: TxnKind,
    pub names: Names,
    pub key: TxnKey,
    pub mti: String,
    pub processing: String,
    pub amount: Amount,
    pub currency: Currency,
    pub entry_mode: String,
    pub pan: Option<String>,
    pub expiry: Option<String>,
    pub track2: Option<String>,
    pub track3: Option<String>,
    pub track_encrypted: bool,
    pub pin_block: Option<[u8; 8]>,
    pub card_sequence: Option<String>,
    pub emv: Option<Vec<u8>>,
    pub original: Option<Original>,
    pub original_rrn: Option<String>,
    pub operator: String,
    pub local_time: String,
    pub local_date: String,
    /// A mobile reader's location (field 59, `lat,lon`); an unreadable one is left out.
    pub location: Option<String>,
    /// A service's fee (field 28) and beneficiary (field 48).
    pub fee: Option<Amount>,
    pub beneficiary: Option<String>,
}

/// The transaction kind a 60.1 message-type code names.
pub(crate) fn kind_of_type(message_type: u8) -> Option<TxnKind> {
    TxnKind::TERMINAL.into_iter().find(|k| k.wire().3 == message_type)
}

/// Reads a financial request of `kind`.
pub(crate) fn financial(m: &Message, kind: TxnKind) -> Result<Financial, ResponseCode> {
    let request = fields(m, kind)?;
    if request.pan.is_none() && request.track2.is_none() && !kind.has_original() {
        return Err(ResponseCode::FormatError);
    }
    Ok(request)
}

/// Reads a 0400: the original's fields, which never include track data, so
/// a reversal of a swiped sale carries no card at all.
pub(crate) fn reversal(m: &Message, kind: TxnKind) -> Result<Financial, ResponseCode> {
    fields(m, kind)
}

fn fields(m: &Message, kind: TxnKind) -> Result<Financial, ResponseCode> {
    let names = names(m)?;
    let f60 = field60(m)?;
    if f60.message_type != kind.wire().3 {
        return Err(ResponseCode::FormatError);
    }
    let key = TxnKey {
        merchant: names.merchant.clone(),
        terminal: names.terminal.clone(),
        batch: Batch(f60.batch),
        trace: trace(m)?,
    };
    let amount = match m.get_str(4) {
        Some(digits) => Amount::from_field(digits).ok_or(ResponseCode::FormatError)?,
        None if kind == TxnKind::BalanceInquiry => Amount::ZERO,
        None => return Err(ResponseCode::FormatError),
    };
    if kind != TxnKind::BalanceInquiry && amount == Amount::ZERO {
        return Err(ResponseCode::InvalidAmount);
    }
    let currency = match m.get_str(49) {
        Some(code) => Currency::parse(code).ok_or(ResponseCode::FormatError)?,
        None => Currency::CNY,
    };
    if currency != Currency::CNY {
        return Err(ResponseCode::InvalidTransaction);
    }
    let pin_block = match m.get(52) {
        Some(bytes) => Some(<[u8; 8]>::try_from(bytes).map_err(|_| ResponseCode::FormatError)?),
        None => None,
    };
    let security = m.get_str(53).unwrap_or("");
    let original = match m.get(61) {
        Some(value) => Some(Original::parse(value).map_err(|_| ResponseCode::FormatError)?),
        None if kind.has_original() && m.get(37).is_none() => return Err(ResponseCode::FormatError),
        None => None,
    };
    let text = |n: u8| m.get_str(n).map(|s| s.trim_end().to_string()).filter(|s| !s.is_empty());
    // A service names its fee (28: `D` and 8 digits) and beneficiary (48: digits).
    let (fee, beneficiary) = if kind.service().is_some() {
        let fee = m
            .get_str(28)
            .and_then(|f| f.strip_prefix('D'))
            .filter(|d| d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse().ok().map(Amount))
            .ok_or(ResponseCode::FormatError)?;
        let beneficiary = m
            .get_str(48)
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(ResponseCode::FormatError)?;
        (Some(fee), Some(beneficiary.to_string()))
    } else {
        (None, None)
    };
    let request = Financial {
        kind,
        names,
        key,
        mti: m.mti().as_str().to_string(),
        processing: m.get_str(3).ok_or(ResponseCode::FormatError)?.to_string(),
        amount,
        currency,
        entry_mode: m.get_str(22).ok_or(ResponseCode::FormatError)?.to_string(),
        pan: text(2),
        expiry: text(14),
        track2: text(35),
        track3: text(36),
        track_encrypted: security.as_bytes().get(2) == Some(&b'1'),
        pin_block,
        card_sequence: text(23),
        emv: m.get(55).map(<[u8]>::to_vec),
        original,
        original_rrn: text(37),
        operator: m.get_str(63).map(|s| s.chars().take(3).collect()).unwrap_or_default(),
        local_time: text(12).unwrap_or_default(),
        local_date: text(13).unwrap_or_default(),
        location: text(59).filter(|l| kassa_risk::geo::Location::parse(l).is_some()),
        fee,
        beneficiary,
    };
    Ok(request)
}
