//! Fields 60 and 63.

use super::{ViewError, take_number, take_optional};

/// Field 60: 60.1 message type n2, 60.2 batch n6, 60.3 network management
/// code n3, then the optional one-digit 60.4–60.6. Digits beyond 60.6 are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field60 {
    /// 60.1, e.g. 22 for a sale.
    pub message_type: u8,
    /// 60.2, the terminal's batch number.
    pub batch: u32,
    /// 60.3, e.g. 001/003/004/006 for sign-in, 201 for settlement.
    pub management_code: Option<u16>,
    /// 60.4 terminal read capability.
    pub read_capability: Option<u8>,
    /// 60.5 IC card condition code.
    pub chip_condition: Option<u8>,
    /// 60.6 partial-approval support flag.
    pub partial_approval: Option<u8>,
    /// Any digits after 60.6.
    pub rest: String,
}

impl Field60 {
    pub fn parse(value: &[u8]) -> Result<Field60, ViewError> {
        let mut at = 0;
        let message_type = take_number(60, value, &mut at, 2, "60.1 message type")? as u8;
        let batch = take_number(60, value, &mut at, 6, "60.2 batch")? as u32;
        let mut view = Field60 { message_type, batch, ..Field60::default() };
        // Each optional part is present only when every part before it is.
        view.management_code = take_optional(60, value, &mut at, 3, "60.3 management code")?.map(|v| v as u16);
        let flags = [
            (&mut view.read_capability, "60.4 read capability"),
            (&mut view.chip_condition, "60.5 chip condition"),
            (&mut view.partial_approval, "60.6 partial approval"),
        ];
        if view.management_code.is_some() {
            for (slot, name) in flags {
                match take_optional(60, value, &mut at, 1, name)? {
                    Some(digit) => *slot = Some(digit as u8),
                    None => break,
                }
            }
        } else if at < value.len() {
            return Err(ViewError::new(60, "60.3 management code is incomplete"));
        }
        view.rest = value.get(at..).map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
        Ok(view)
    }

    /// The digits of the field. Optional parts are written up to the last one
    /// present; a gap before it is written as `0`.
    pub fn render(&self) -> String {
        let mut text = format!("{:02}{:06}", self.message_type, self.batch);
        let tail = [self.read_capability, self.chip_condition, self.partial_approval];
        let last = tail.iter().rposition(Option::is_some);
        if self.management_code.is_some() || last.is_some() || !self.rest.is_empty() {
            text.push_str(&format!("{:03}", self.management_code.unwrap_or(0)));
        }
        let count = if self.rest.is_empty() { last.map_or(0, |i| i + 1) } else { 3 };
        for digit in &tail[..count] {
            text.push(char::from(b'0' + digit.unwrap_or(0)));
        }
        text.push_str(&self.rest);
        text
    }
}

/// Field 63: in requests the operator number (3 characters, e.g. `01 `); in
/// responses the card organisation (`CUP` domestic, else foreign) then free text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Field63 {
    /// The first three characters: operator number or card organisation.
    pub head: String,
    /// Anything after them (often GBK text on real terminals; kept as bytes).
    pub text: Vec<u8>,
}

impl Field63 {
    pub fn parse(value: &[u8]) -> Result<Field63, ViewError> {
        let head = value.get(..3).ok_or_else(|| ViewError::new(63, "shorter than 3 characters"))?;
        Ok(Field63 { head: String::from_utf8_lossy(head).into_owned(), text: value[3..].to_vec() })
    }

    pub fn render(&self) -> Vec<u8> {
        let mut bytes = format!("{:<3}", self.head).into_bytes();
        bytes.extend_from_slice(&self.text);
        bytes
    }

    /// True when the card organisation is domestic UnionPay.
    pub fn is_domestic(&self) -> bool {
        self.head == "CUP"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field60_reads_a_sale_and_a_sign_in() {
        let sale = Field60::parse(b"22000001000500").unwrap();
        assert_eq!((sale.message_type, sale.batch, sale.management_code), (22, 1, Some(0)));
        assert_eq!((sale.read_capability, sale.chip_condition, sale.partial_approval), (Some(5), Some(0), Some(0)));
        assert_eq!(sale.render(), "22000001000500");
        let sign_in = Field60::parse(b"00000001003").unwrap();
        assert_eq!(sign_in.management_code, Some(3));
        assert_eq!(sign_in.render(), "00000001003");
        assert_eq!(Field60::parse(b"22000001").unwrap().render(), "22000001");
    }

    #[test]
    fn field60_rejects_short_or_non_numeric_values() {
        assert!(Field60::parse(b"2200").is_err());
        assert!(Field60::parse(b"2200000100").is_err());
        assert!(Field60::parse(b"22A00001").is_err());
    }

    #[test]
    fn field63_splits_head_and_text() {
        let view = Field63::parse(b"CUPhello").unwrap();
        assert!(view.is_domestic());
        assert_eq!(view.text, b"hello");
        assert_eq!(Field63::parse(b"01 ").unwrap().render(), b"01 ");
    }
}
