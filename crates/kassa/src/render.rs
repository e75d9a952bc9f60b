//! Showing a decoded message: a readable table with sub-fields, or JSON with
//! every value a string. Card data is masked unless `reveal` is set.

use std::fmt::Write;

use kassa_crypto::KeyMode;
use kassa_iso8583::fields::{Balances, Field60, Field63, Original, SettlementTotals, Sign, Totals};
use kassa_iso8583::mask::{mask_all, mask_pan, mask_track};
use kassa_iso8583::transaction::{TransactionType, describe_response_code};
use kassa_iso8583::{FieldSpec, Header, Kind, Message, Profile, Tpdu, hex, tlv};
use serde_json::{Map, Value};

/// The frame around a message, when there was one.
pub struct FrameInfo {
    pub length: usize,
    pub tpdu: Tpdu,
    pub header: Header,
}

/// A field value as its JSON string: digits, text, or upper-case hex.
pub fn value_text(spec: &FieldSpec, value: &[u8], reveal: bool) -> String {
    let plain = match spec.kind {
        Kind::Numeric | Kind::Track | Kind::Text => String::from_utf8_lossy(value).into_owned(),
        Kind::Binary => hex(value),
    };
    if reveal {
        return plain;
    }
    match spec.number {
        2 => mask_pan(&plain),
        35 | 36 => mask_track(&plain),
        52 => mask_all(&plain),
        55 => mask_emv(value),
        _ => plain,
    }
}

/// Field 55 in hex with the values of card-data tags (PAN, track 2 equivalent,
/// cardholder name) masked.
fn mask_emv(value: &[u8]) -> String {
    let mut text: Vec<char> = hex(value).chars().collect();
    let Ok(items) = tlv::parse(value) else {
        return text.into_iter().collect();
    };
    let mut stack: Vec<&tlv::Tlv<'_>> = items.iter().collect();
    while let Some(item) = stack.pop() {
        stack.extend(item.children.iter());
        if !item.tag.is_sensitive() {
            continue;
        }
        let start = 2 * (item.value.as_ptr() as usize - value.as_ptr() as usize);
        let hex_value: String = text[start..start + 2 * item.value.len()].iter().collect();
        let masked = match item.tag.0 {
            0x5A => {
                mask_pan(hex_value.trim_end_matches('F'))
                    + &"*".repeat(hex_value.len() - hex_value.trim_end_matches('F').len())
            }
            0x57 => mask_track(&hex_value.replace('D', "=")).replace('=', "D"),
            _ => mask_all(&hex_value),
        };
        for (slot, c) in text[start..].iter_mut().zip(masked.chars()) {
            *slot = c;
        }
    }
    text.into_iter().collect()
}

/// The JSON form: `{"length","tpdu","header","mti","fields":{…}}`.
pub fn json(profile: &Profile, frame: Option<&FrameInfo>, message: &Message, reveal: bool) -> Value {
    let mut object = Map::new();
    if let Some(frame) = frame {
        object.insert("length".into(), Value::from(frame.length));
        object.insert("tpdu".into(), Value::from(hex(&frame.tpdu.0)));
        object.insert("header".into(), Value::from(hex(&frame.header.0)));
    }
    object.insert("mti".into(), Value::from(message.mti().as_str()));
    let mut fields = Map::new();
    for (number, value) in message.fields() {
        if let Some(spec) = profile.field(number) {
            fields.insert(number.to_string(), Value::from(value_text(spec, value, reveal)));
        }
    }
    object.insert("fields".into(), Value::Object(fields));
    Value::Object(object)
}

/// The readable table.
pub fn table(profile: &Profile, frame: Option<&FrameInfo>, message: &Message, reveal: bool) -> String {
    let mut out = String::new();
    if let Some(frame) = frame {
        let h = &frame.header;
        let _ = writeln!(out, "length    {}", frame.length);
        let _ = writeln!(
            out,
            "TPDU      {}  (id {:02X}, destination {}, source {})",
            hex(&frame.tpdu.0),
            frame.tpdu.id(),
            hex(&frame.tpdu.destination()),
            hex(&frame.tpdu.source())
        );
        let _ = writeln!(
            out,
            "header    {}  (app {}, version {}, terminal status {}, processing requirement {}, software {})",
            hex(&h.0),
            h.app_type(),
            h.version(),
            h.terminal_status(),
            h.processing_requirement(),
            h.software_version()
        );
    }
    let kind = TransactionType::classify(message).map(TransactionType::name).unwrap_or("unknown type");
    let direction = if message.mti().is_response() { "response" } else { "request" };
    let _ = writeln!(out, "MTI       {}  ({kind} {direction})", message.mti());
    let _ = writeln!(out, "{:>5}  {:<40} value", "field", "name");
    for (number, value) in message.fields() {
        let Some(spec) = profile.field(number) else { continue };
        let shown = value_text(spec, value, reveal);
        let shown = if spec.kind == Kind::Text { format!("{shown:?}") } else { shown };
        let _ = writeln!(out, "{number:>5}  {:<40} {shown}", spec.name);
        for line in sub_fields(message, number, value, reveal) {
            let _ = writeln!(out, "{:>5}    {line}", "");
        }
    }
    out
}

fn sub_fields(message: &Message, number: u8, value: &[u8], reveal: bool) -> Vec<String> {
    let result = match number {
        22 => Ok(entry_mode(value)),
        39 => {
            Ok(describe_response_code(&String::from_utf8_lossy(value)).map(|d| vec![d.to_string()]).unwrap_or_default())
        }
        48 => SettlementTotals::parse(value).map(|t| totals(&t)).map_err(|e| e.to_string()),
        53 => Ok(security_control(value)),
        54 => Balances::parse(value).map(|b| balances(&b)).map_err(|e| e.to_string()),
        55 => emv(value, reveal),
        60 => Field60::parse(value).map(|f| field60(&f)).map_err(|e| e.to_string()),
        61 => Original::parse(value)
            .map(|o| {
                let mut lines = vec![
                    format!("61.1 original batch  {:06}", o.batch),
                    format!("61.2 original trace  {:06}", o.trace),
                ];
                lines.extend(o.date.map(|d| format!("61.3 original date   {d}")));
                lines
            })
            .map_err(|e| e.to_string()),
        62 => Ok(key_block(message, value)),
        63 => Field63::parse(value).map(|f| field63(message, &f)).map_err(|e| e.to_string()),
        64 => Ok(vec![format!("as text: {:?}", String::from_utf8_lossy(value))]),
        _ => Ok(Vec::new()),
    };
    result.unwrap_or_else(|error| vec![format!("cannot read sub-fields: {error}")])
}

fn entry_mode(value: &[u8]) -> Vec<String> {
    let how = match value.get(..2) {
        Some(b"01") => "keyed",
        Some(b"02") => "magnetic stripe",
        Some(b"05") => "chip",
        Some(b"07") => "contactless",
        _ => "other",
    };
    let pin = match value.get(2) {
        Some(b'1') => "PIN entered",
        Some(b'2') => "no PIN",
        _ => "PIN capability unknown",
    };
    vec![format!("{how}, {pin}")]
}

fn security_control(value: &[u8]) -> Vec<String> {
    let digit = |i: usize| value.get(i).map_or('?', |&c| char::from(c));
    let algorithm = match digit(1) {
        '6' => "3DES",
        '0' => "DES",
        '4' => "SM4",
        _ => "unknown",
    };
    let track = if digit(2) == '1' { "track encrypted" } else { "track clear" };
    vec![format!("53.1 PIN format {}, 53.2 {algorithm}, 53.3 {track}", digit(0))]
}

fn totals(t: &SettlementTotals) -> Vec<String> {
    let line = |name: &str, x: &Totals| {
        format!(
            "{name}: debits {} × {}, credits {} × {}, flag {}",
            x.debit_count,
            money(x.debit_amount),
            x.credit_count,
            money(x.credit_amount),
            x.flag
        )
    };
    vec![line("domestic", &t.domestic), line("foreign ", &t.foreign)]
}

fn balances(b: &Balances) -> Vec<String> {
    b.0.iter()
        .map(|x| {
            let kind = if x.amount_type == "02" { "available" } else { "ledger" };
            let sign = if x.sign == Sign::Debit { "-" } else { "" };
            format!("account {} {kind} balance {sign}{} (currency {})", x.account_type, money(x.amount), x.currency)
        })
        .collect()
}

fn money(minor: u64) -> String {
    kassa_core::Amount(minor).decimal(kassa_core::Currency::CNY)
}

fn field60(f: &Field60) -> Vec<String> {
    let mut lines =
        vec![format!("60.1 message type     {:02}", f.message_type), format!("60.2 batch            {:06}", f.batch)];
    if let Some(code) = f.management_code {
        let meaning = match code {
            0 => "",
            1 => " (sign-in, DES)",
            2 => " (sign-off)",
            3 => " (sign-in, 3DES)",
            4 => " (sign-in, 3DES with track key)",
            6 => " (sign-in, SM4)",
            201 => " (settlement / upload)",
            202 | 207 => " (upload end)",
            203 | 205 => " (chip upload)",
            301 => " (echo)",
            _ => " (unknown)",
        };
        lines.push(format!("60.3 management code  {code:03}{meaning}"));
    }
    let optional = [
        ("60.4 read capability ", f.read_capability),
        ("60.5 chip condition  ", f.chip_condition),
        ("60.6 partial approval", f.partial_approval),
    ];
    lines.extend(optional.iter().filter_map(|(name, v)| v.map(|v| format!("{name} {v}"))));
    if !f.rest.is_empty() {
        lines.push(format!("further digits        {}", f.rest));
    }
    lines
}

fn field63(message: &Message, f: &Field63) -> Vec<String> {
    // Requests carry an operator number (digits and spaces); anything else is a
    // card organisation, as in responses.
    let operator = f.head.chars().all(|c| c.is_ascii_digit() || c == ' ');
    if message.mti().is_response() || !operator {
        let org = if f.is_domestic() { "domestic (CUP)" } else { "foreign" };
        let mut lines = vec![format!("63.1 card organisation {:?} {org}", f.head)];
        if !f.text.is_empty() {
            lines.push(format!("63.2 text {:?}", String::from_utf8_lossy(&f.text)));
        }
        lines
    } else {
        vec![format!("operator {:?}", f.head)]
    }
}

fn emv(value: &[u8], reveal: bool) -> Result<Vec<String>, String> {
    let items = tlv::parse(value).map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    fn walk(items: &[tlv::Tlv<'_>], depth: usize, reveal: bool, lines: &mut Vec<String>) {
        for item in items {
            let shown = if item.tag.is_sensitive() && !reveal { mask_all(&hex(item.value)) } else { hex(item.value) };
            let name = item.tag.name().unwrap_or("");
            lines.push(format!("{}{:<6} {:<32} {shown}", "  ".repeat(depth), item.tag.to_string(), name));
            walk(&item.children, depth + 1, reveal, lines);
        }
    }
    walk(&items, 0, reveal, &mut lines);
    Ok(lines)
}

/// Field 62 of a sign-in response, split by the layout its 60.3 names.
fn key_block(message: &Message, value: &[u8]) -> Vec<String> {
    let code = message.get(60).and_then(|v| Field60::parse(v).ok()).and_then(|f| f.management_code);
    let Some(mode) = code.and_then(KeyMode::from_code) else {
        return Vec::new();
    };
    if !message.mti().is_response() || value.len() != mode.block_len() {
        return Vec::new();
    }
    let mut parts: Vec<(&str, usize)> = match mode {
        KeyMode::Des => vec![("PIN key", 8), ("KCV", 4), ("MAC key", 8), ("KCV", 4)],
        KeyMode::Tdes | KeyMode::TdesWithTrack => {
            vec![("PIN key", 16), ("KCV", 4), ("MAC key", 8), ("filler", 8), ("KCV", 4)]
        }
        KeyMode::Sm4 => vec![("PIN key", 16), ("KCV", 4), ("MAC key", 16), ("KCV", 4), ("track key", 16), ("KCV", 4)],
    };
    if mode == KeyMode::TdesWithTrack {
        parts.extend([("track key", 16), ("KCV", 4)]);
    }
    let mut at = 0;
    parts
        .into_iter()
        .map(|(name, len)| {
            let line = format!(
                "{name:<9} {}{}",
                hex(&value[at..at + len]),
                if name.ends_with("key") { " (under TMK)" } else { "" }
            );
            at += len;
            line
        })
        .collect()
}
