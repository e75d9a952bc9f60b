//! Field 61: the original transaction a void, refund, completion or reversal refers to.

use super::{ViewError, take_number, take_optional};

/// Field 61: 61.1 original batch n6, 61.2 original trace n6, 61.3 original
/// date MMDD n4 (optional), then any further digits (kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Original {
    pub batch: u32,
    pub trace: u32,
    /// MMDD as four digits.
    pub date: Option<String>,
    pub rest: String,
}

impl Original {
    pub fn parse(value: &[u8]) -> Result<Original, ViewError> {
        let mut at = 0;
        let batch = take_number(61, value, &mut at, 6, "61.1 original batch")? as u32;
        let trace = take_number(61, value, &mut at, 6, "61.2 original trace")? as u32;
        let date = take_optional(61, value, &mut at, 4, "61.3 original date")?.map(|d| format!("{d:04}"));
        if date.is_none() && at < value.len() {
            return Err(ViewError::new(61, "61.3 original date is incomplete"));
        }
        let rest = value.get(at..).map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default();
        Ok(Original { batch, trace, date, rest })
    }

    pub fn render(&self) -> String {
        let mut text = format!("{:06}{:06}", self.batch, self.trace);
        if self.date.is_some() || !self.rest.is_empty() {
            text.push_str(self.date.as_deref().unwrap_or("0000"));
        }
        text.push_str(&self.rest);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_batch_trace_and_date() {
        let view = Original::parse(b"0000010000421122").unwrap();
        assert_eq!((view.batch, view.trace, view.date.as_deref()), (1, 42, Some("1122")));
        assert_eq!(view.render(), "0000010000421122");
        assert_eq!(Original::parse(b"000001000042").unwrap().render(), "000001000042");
        assert!(Original::parse(b"00000100004211").is_err());
    }
}
