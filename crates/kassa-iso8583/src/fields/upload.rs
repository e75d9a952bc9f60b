//! Field 48 of a 0320 batch upload of stripe transactions (60.3 = `201`):
//! a record count n2, then per record card organisation n2 (`00` domestic,
//! `01` foreign), trace n6, card number n20 (left-aligned, zero-filled) and
//! amount n12.

use super::{ViewError, take_number};

pub const UPLOAD_RECORD_DIGITS: usize = 2 + 6 + 20 + 12;
/// Records that fit the field's 322 digits.
pub const UPLOAD_RECORDS_MAX: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadRecord {
    pub domestic: bool,
    pub trace: u32,
    /// Digits of the card number, without the zero fill.
    pub pan: String,
    pub amount: u64,
}

pub fn parse_upload(value: &[u8]) -> Result<Vec<UploadRecord>, ViewError> {
    let mut at = 0;
    let count = take_number(48, value, &mut at, 2, "record count")? as usize;
    if count > UPLOAD_RECORDS_MAX || value.len() != 2 + count * UPLOAD_RECORD_DIGITS {
        return Err(ViewError::new(48, format!("{count} records do not fill {} digits", value.len())));
    }
    (0..count)
        .map(|_| {
            let organisation = take_number(48, value, &mut at, 2, "card organisation")?;
            let trace = take_number(48, value, &mut at, 6, "trace")? as u32;
            let pan = String::from_utf8_lossy(&value[at..at + 20]).trim_end_matches('0').to_string();
            at += 20;
            let amount = take_number(48, value, &mut at, 12, "amount")?;
            Ok(UploadRecord { domestic: organisation == 0, trace, pan, amount })
        })
        .collect()
}

pub fn render_upload(records: &[UploadRecord]) -> String {
    let mut text = format!("{:02}", records.len());
    for r in records {
        text.push_str(&format!(
            "{}{:06}{:0<20.20}{:012}",
            if r.domestic { "00" } else { "01" },
            r.trace,
            r.pan,
            r.amount % 1_000_000_000_000
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let records = vec![UploadRecord { domestic: true, trace: 12, pan: "6222021234567890128".into(), amount: 9900 }];
        let text = render_upload(&records);
        assert_eq!(text.len(), 2 + UPLOAD_RECORD_DIGITS);
        assert_eq!(parse_upload(text.as_bytes()), Ok(records));
        assert!(parse_upload(b"01").is_err());
    }
}
