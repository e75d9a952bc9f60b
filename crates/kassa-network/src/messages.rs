//! Typed messages of the network link, converted to and from ISO 8583 at this
//! edge. The host builds [`LinkRequest`]s; the simulator answers with
//! [`LinkResponse`]s.

use kassa_core::{Amount, CardNumber, Currency, ResponseCode, TxnKind};
use kassa_iso8583::{Message, Mti};

/// A link message could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("link message: {0}")]
pub struct FormatError(pub String);

fn missing(field: u8) -> FormatError {
    FormatError(format!("field {field} missing or malformed"))
}

/// What a link request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Financial(TxnKind),
    /// A 0420 reversal of an earlier financial request of this kind.
    Reversal(TxnKind),
}

/// The original request a void, refund, completion or reversal refers to
/// (field 90: original MTI, link trace, transmission date and time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalRef {
    pub mti: String,
    pub stan: u32,
    /// MMDDhhmmss.
    pub transmitted: String,
}

impl OriginalRef {
    fn to_field(&self) -> String {
        format!("{:0>4}{:06}{:0>10}{:011}{:011}", self.mti, self.stan % 1_000_000, self.transmitted, 0, 0)
    }

    fn parse(text: &str) -> Option<OriginalRef> {
        let (mti, rest) = text.split_at_checked(4)?;
        let (stan, rest) = rest.split_at_checked(6)?;
        let transmitted = rest.get(..10)?;
        Some(OriginalRef { mti: mti.to_string(), stan: stan.parse().ok()?, transmitted: transmitted.to_string() })
    }
}

/// A financial request or reversal, as the host sends it to the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRequest {
    pub kind: LinkKind,
    /// Field 11: the link trace number.
    pub stan: u32,
    /// Field 7: MMDDhhmmss when sent.
    pub transmitted: String,
    pub pan: Option<CardNumber>,
    pub amount: Option<Amount>,
    pub currency: Currency,
    /// YYMM.
    pub expiry: Option<String>,
    pub entry_mode: String,
    pub card_sequence: Option<String>,
    /// Under the zone PIN key.
    pub pin_block: Option<[u8; 8]>,
    pub track2: Option<String>,
    pub track3: Option<String>,
    pub emv: Option<Vec<u8>>,
    pub mcc: String,
    pub terminal: String,
    pub merchant: String,
    pub merchant_name: String,
    pub acquirer: String,
    /// hhmmss and MMDD at the terminal.
    pub local_time: String,
    pub local_date: String,
    pub original: Option<OriginalRef>,
    /// The acquirer's retrieval reference number (field 37, 12 digits): the
    /// host's transaction id, unique across restarts and hosts sharing a
    /// store. The network answers with it.
    pub rrn: Option<String>,
}

/// The network's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkResponse {
    pub code: ResponseCode,
    pub auth_code: Option<String>,
    pub rrn: Option<String>,
    /// Field 54 text, for balance inquiries.
    pub balances: Option<String>,
    /// `CUP` for domestic cards, else the foreign scheme.
    pub card_organisation: Option<String>,
    /// MMDD.
    pub settlement_date: Option<String>,
}

impl LinkResponse {
    pub fn declined(code: ResponseCode) -> LinkResponse {
        LinkResponse {
            code,
            auth_code: None,
            rrn: None,
            balances: None,
            card_organisation: None,
            settlement_date: None,
        }
    }
}

fn mti(text: &str) -> Mti {
    Mti::new(text).unwrap_or_else(|_| unreachable!("MTIs in this module are literals"))
}

impl LinkRequest {
    /// The request MTI.
    pub fn mti(&self) -> &'static str {
        match self.kind {
            LinkKind::Financial(kind) => kind.wire().0,
            LinkKind::Reversal(_) => "0420",
        }
    }

    fn txn_kind(&self) -> TxnKind {
        match self.kind {
            LinkKind::Financial(kind) | LinkKind::Reversal(kind) => kind,
        }
    }

    /// The message, without its MAC (the caller adds field 128).
    pub fn to_message(&self) -> Message {
        let (_, processing, condition, _) = self.txn_kind().wire();
        let mut m = Message::new(mti(self.mti()));
        if let Some(pan) = &self.pan {
            m.set(2, pan.expose());
        }
        m.set(3, processing);
        if let Some(amount) = self.amount {
            m.set(4, amount.to_field());
        }
        m.set(7, &self.transmitted).set(11, format!("{:06}", self.stan)).set(12, &self.local_time);
        m.set(13, &self.local_date);
        if let Some(expiry) = &self.expiry {
            m.set(14, expiry);
        }
        m.set(18, &self.mcc).set(22, &self.entry_mode);
        if let Some(sequence) = &self.card_sequence {
            m.set(23, sequence);
        }
        m.set(25, condition).set(32, &self.acquirer);
        if let Some(track) = &self.track2 {
            m.set(35, track);
        }
        if let Some(track) = &self.track3 {
            m.set(36, track);
        }
        if let Some(rrn) = &self.rrn {
            m.set(37, format!("{rrn:<12.12}"));
        }
        m.set(41, &self.terminal).set(42, &self.merchant).set(43, merchant_name_field(&self.merchant_name));
        m.set(49, self.currency.code());
        if let Some(block) = &self.pin_block {
            m.set(52, block).set(53, "2600000000000000");
        }
        if let Some(emv) = &self.emv {
            m.set(55, emv);
        }
        if let Some(original) = &self.original {
            m.set(90, original.to_field());
        }
        m
    }

    /// Reads a request (the simulator's side).
    pub fn from_message(m: &Message) -> Result<LinkRequest, FormatError> {
        let text = |n: u8| m.get_str(n).map(str::to_string);
        let required = |n: u8| text(n).ok_or_else(|| missing(n));
        let processing = required(3)?;
        let condition = required(25)?;
        let mti_text = m.mti().as_str().to_string();
        let kind = if mti_text == "0420" {
            let original = text(90).and_then(|t| OriginalRef::parse(&t)).ok_or_else(|| missing(90))?;
            let kind = TxnKind::classify(&original.mti, &processing, &condition).ok_or_else(|| missing(3))?;
            LinkKind::Reversal(kind)
        } else {
            LinkKind::Financial(TxnKind::classify(&mti_text, &processing, &condition).ok_or_else(|| missing(3))?)
        };
        let pan = match m.get_str(2) {
            Some(digits) => Some(CardNumber::parse(digits).ok_or_else(|| missing(2))?),
            None => None,
        };
        let amount = match m.get_str(4) {
            Some(digits) => Some(Amount::from_field(digits).ok_or_else(|| missing(4))?),
            None => None,
        };
        let pin_block = match m.get(52) {
            Some(bytes) => Some(<[u8; 8]>::try_from(bytes).map_err(|_| missing(52))?),
            None => None,
        };
        Ok(LinkRequest {
            kind,
            stan: required(11)?.parse().map_err(|_| missing(11))?,
            transmitted: required(7)?,
            pan,
            amount,
            currency: text(49).and_then(|c| Currency::parse(&c)).ok_or_else(|| missing(49))?,
            expiry: text(14),
            entry_mode: required(22)?,
            card_sequence: text(23),
            pin_block,
            track2: text(35),
            track3: text(36),
            emv: m.get(55).map(<[u8]>::to_vec),
            mcc: required(18)?,
            terminal: required(41)?,
            merchant: required(42)?,
            merchant_name: m.get(43).map(merchant_name_of).unwrap_or_default(),
            acquirer: required(32)?,
            local_time: required(12)?,
            local_date: required(13)?,
            original: text(90).and_then(|t| OriginalRef::parse(&t)),
            rrn: text(37).map(|r| r.trim_end().to_string()),
        })
    }

    /// The response message for this request (the simulator's side), without MAC.
    pub fn response_message(request: &Message, response: &LinkResponse) -> Option<Message> {
        let mut m = request.response()?;
        for n in [2, 7, 11, 12, 13, 25, 32, 41, 42, 49, 90] {
            if let Some(v) = request.get(n) {
                m.set(n, v);
            }
        }
        m.set(39, response.code.as_str());
        if let Some(v) = &response.auth_code {
            m.set(38, v);
        }
        if let Some(v) = &response.rrn {
            m.set(37, v);
        }
        if let Some(v) = &response.balances {
            m.set(54, v);
        }
        if let Some(v) = &response.card_organisation {
            m.set(63, v);
        }
        if let Some(v) = &response.settlement_date {
            m.set(15, v);
        }
        Some(m)
    }
}

impl LinkResponse {
    /// Reads a response (the host's side).
    pub fn from_message(m: &Message) -> Result<LinkResponse, FormatError> {
        let text = |n: u8| m.get_str(n).map(|s| s.trim_end().to_string());
        Ok(LinkResponse {
            code: ResponseCode::parse(&text(39).ok_or_else(|| missing(39))?),
            auth_code: text(38),
            rrn: text(37),
            balances: m.get_str(54).map(str::to_string),
            card_organisation: text(63),
            settlement_date: text(15),
        })
    }
}

/// Network-management codes (field 70).
pub mod management {
    pub const SIGN_ON: &str = "001";
    pub const SIGN_OFF: &str = "002";
    pub const ECHO: &str = "301";
}

/// A network-management request (0800) with link trace `stan`.
pub fn management_request(code: &str, stan: u32, transmitted: &str, acquirer: &str) -> Message {
    let mut m = Message::new(mti("0800"));
    m.set(7, transmitted).set(11, format!("{:06}", stan % 1_000_000)).set(32, acquirer).set(70, code);
    m
}

/// The length of field 43, in bytes.
pub const MERCHANT_NAME_BYTES: usize = 40;

/// Field 43 (`docs/network-profile.md`): the merchant's name in GBK, as the
/// domestic networks carry Chinese, space-padded to 40 bytes. A longer name
/// is cut at a character boundary (a Chinese character is two bytes, never
/// split); a character GBK cannot hold travels as `?`.
pub fn merchant_name_field(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(MERCHANT_NAME_BYTES);
    let mut one = [0u8; 4];
    for c in name.chars() {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut one));
        let bytes: &[u8] = if unmappable || c.is_control() { b"?" } else { &bytes };
        if out.len() + bytes.len() > MERCHANT_NAME_BYTES {
            break;
        }
        out.extend_from_slice(bytes);
    }
    out.resize(MERCHANT_NAME_BYTES, b' ');
    out
}

/// The merchant's name from field 43 (GBK), without its padding.
pub fn merchant_name_of(field: &[u8]) -> String {
    encoding_rs::GBK.decode_without_bom_handling(field).0.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::NETWORK;

    fn sale() -> LinkRequest {
        LinkRequest {
            kind: LinkKind::Financial(TxnKind::Sale),
            stan: 42,
            transmitted: "1122101010".into(),
            pan: CardNumber::parse("6222021234567890123"),
            amount: Some(Amount(9900)),
            currency: Currency::CNY,
            expiry: Some("2812".into()),
            entry_mode: "051".into(),
            card_sequence: Some("001".into()),
            pin_block: Some([1, 2, 3, 4, 5, 6, 7, 8]),
            track2: Some("6222021234567890123=2812".into()),
            track3: None,
            emv: Some(vec![0x9F, 0x26, 0x01, 0x00]),
            mcc: "5411".into(),
            terminal: "10000001".into(),
            merchant: "898310048990001".into(),
            merchant_name: "Kassa Demo Store".into(),
            rrn: Some("000000004242".into()),
            acquirer: "49980000".into(),
            local_time: "101010".into(),
            local_date: "1122".into(),
            original: None,
        }
    }

    #[test]
    fn requests_survive_the_wire() {
        let request = sale();
        let bytes = kassa_iso8583::pack(&NETWORK, &request.to_message()).unwrap();
        let back = LinkRequest::from_message(&kassa_iso8583::unpack(&NETWORK, &bytes).unwrap()).unwrap();
        assert_eq!(back, request);
        let mut reversal = sale();
        reversal.kind = LinkKind::Reversal(TxnKind::Sale);
        reversal.original = Some(OriginalRef { mti: "0200".into(), stan: 42, transmitted: "1122101010".into() });
        let message = reversal.to_message();
        assert!(message.needs_secondary_bitmap());
        let bytes = kassa_iso8583::pack(&NETWORK, &message).unwrap();
        let back = LinkRequest::from_message(&kassa_iso8583::unpack(&NETWORK, &bytes).unwrap()).unwrap();
        assert_eq!(back, reversal);
    }

    /// Chinese, mixed and over-long names travel in field 43's 40 bytes as
    /// GBK, cut at a character boundary.
    #[test]
    fn merchant_names_travel_in_gbk() {
        let cases = [
            ("李四便利店", "李四便利店"),
            ("Kassa 咖啡 No.7", "Kassa 咖啡 No.7"),
            // 20 characters of two bytes each fill it; a 21st does not fit.
            ("北京市朝阳区建国路八十八号现代城购物中心", "北京市朝阳区建国路八十八号现代城购物中心"),
            ("北京市朝阳区建国路八十八号现代城购物中心店", "北京市朝阳区建国路八十八号现代城购物中心"),
            ("A北京市朝阳区建国路八十八号现代城购物中心", "A北京市朝阳区建国路八十八号现代城购物中"),
            ("emoji 🍜 shop", "emoji ? shop"),
        ];
        for (name, travels) in cases {
            let mut request = sale();
            request.merchant_name = name.into();
            let field = merchant_name_field(name);
            assert_eq!(field.len(), MERCHANT_NAME_BYTES, "{name}");
            let bytes = kassa_iso8583::pack(&NETWORK, &request.to_message()).unwrap();
            let back = LinkRequest::from_message(&kassa_iso8583::unpack(&NETWORK, &bytes).unwrap()).unwrap();
            assert_eq!(back.merchant_name, travels, "{name}");
        }
        assert_eq!(&merchant_name_field("李四")[..4], &[0xC0, 0xEE, 0xCB, 0xC4], "GBK, not UTF-8");
    }

    #[test]
    fn responses_echo_the_request_and_carry_the_outcome() {
        let request = sale().to_message();
        let answer = LinkResponse {
            code: ResponseCode::Approved,
            auth_code: Some("123456".into()),
            rrn: Some("000000000042".into()),
            balances: None,
            card_organisation: Some("CUP".into()),
            settlement_date: Some("1122".into()),
        };
        let message = LinkRequest::response_message(&request, &answer).unwrap();
        assert_eq!(message.mti().as_str(), "0210");
        assert_eq!(message.get_str(11), Some("000042"));
        assert_eq!(LinkResponse::from_message(&message).unwrap(), answer);
    }
}
