//! Typed views of the composite fields: 48 (settlement totals), 54 (balances),
//! 60 (type, batch, management code), 61 (original data) and 63.
//!
//! Each view parses the field's logical value (as held in a [`crate::Message`])
//! and renders it back; `parse(render(x)) == x` for every valid view.

mod balances;
mod original;
mod reserved;
mod totals;
mod upload;

pub use balances::{Balance, Balances, Sign};
pub use original::Original;
pub use reserved::{Field60, Field63};
pub use totals::{SettlementTotals, TOTALS_DIGITS, Totals, flag};
pub use upload::{UPLOAD_RECORD_DIGITS, UPLOAD_RECORDS_MAX, UploadRecord, parse_upload, render_upload};

/// Why a composite field could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {reason}")]
pub struct ViewError {
    pub field: u8,
    pub reason: String,
}

impl ViewError {
    pub(crate) fn new(field: u8, reason: impl Into<String>) -> Self {
        ViewError { field, reason: reason.into() }
    }
}

/// Reads `width` decimal digits at `*at` of `text`, advancing `*at`.
pub(crate) fn take_number(field: u8, text: &[u8], at: &mut usize, width: usize, name: &str) -> Result<u64, ViewError> {
    let digits = text
        .get(*at..*at + width)
        .ok_or_else(|| ViewError::new(field, format!("{name} missing at position {}", *at)))?;
    let value = digits
        .iter()
        .try_fold(0u64, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u64::from(c - b'0')))
        .ok_or_else(|| ViewError::new(field, format!("{name} is not numeric")))?;
    *at += width;
    Ok(value)
}

/// Like [`take_number`] but `None` when the text ends before the component.
pub(crate) fn take_optional(
    field: u8,
    text: &[u8],
    at: &mut usize,
    width: usize,
    name: &str,
) -> Result<Option<u64>, ViewError> {
    if text.len() < *at + width {
        return Ok(None);
    }
    take_number(field, text, at, width, name).map(Some)
}
