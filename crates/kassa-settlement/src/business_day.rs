//! The business day: transactions at or after the daily cut-off belong to
//! the next day.

use kassa_core::time::{LocalTime, date_of_day_number};

/// The daily cut-off, in local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutOff {
    pub hour: u32,
    pub minute: u32,
}

impl CutOff {
    /// Midnight: the business day is the calendar day.
    pub const MIDNIGHT: CutOff = CutOff { hour: 0, minute: 0 };

    /// From `HH:MM`.
    pub fn parse(text: &str) -> Option<CutOff> {
        let (hour, minute) = text.split_once(':')?;
        let (hour, minute) = (hour.parse().ok()?, minute.parse().ok()?);
        (hour < 24 && minute < 60).then_some(CutOff { hour, minute })
    }

    /// The business date (YYYYMMDD) of a transaction at local time `at`.
    pub fn business_date(&self, at: &LocalTime) -> String {
        let after = (at.hour, at.minute) >= (self.hour, self.minute) && *self != CutOff::MIDNIGHT;
        date_of_day_number(at.day_number() + i64::from(after))
    }
}

/// The day after `date` (YYYYMMDD): settlement day D+1.
pub fn next_day(date: &str) -> Option<String> {
    kassa_core::time::day_number_of(date).map(|d| date_of_day_number(d + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> LocalTime {
        LocalTime { year, month, day, hour, minute, second }
    }

    #[test]
    fn the_cut_off_moves_late_transactions_to_the_next_day() {
        let cut = CutOff::parse("23:00").unwrap_or(CutOff::MIDNIGHT);
        assert_eq!(cut.business_date(&at(2026, 11, 22, 22, 59, 59)), "20261122");
        assert_eq!(cut.business_date(&at(2026, 11, 22, 23, 0, 0)), "20261123");
        assert_eq!(cut.business_date(&at(2026, 12, 31, 23, 30, 0)), "20270101");
        assert_eq!(cut.business_date(&at(2028, 2, 28, 23, 0, 0)), "20280229");
        assert_eq!(CutOff::MIDNIGHT.business_date(&at(2026, 11, 22, 23, 59, 59)), "20261122");
        assert_eq!(next_day("20261130").as_deref(), Some("20261201"));
        assert_eq!(CutOff::parse("24:00"), None);
    }
}
