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

/// How long after a cut-off the day's settlement runs: late answers and
/// reversals of the day's last transactions have arrived by then.
pub const SETTLE_AFTER_CUTOFF_MS: i64 = 5 * 60 * 1000;

impl CutOff {
    /// From local time `now` (Unix ms, UTC offset in minutes): how long until
    /// the next settlement run, and the business day that run settles.
    pub fn next_run(&self, now_ms: i64, offset_minutes: i32) -> (i64, String) {
        let offset_ms = i64::from(offset_minutes) * 60_000;
        let local_ms = now_ms + offset_ms;
        let day_ms = 86_400_000;
        let cut_ms = (i64::from(self.hour) * 60 + i64::from(self.minute)) * 60_000 + SETTLE_AFTER_CUTOFF_MS;
        let today_start = local_ms.div_euclid(day_ms) * day_ms;
        let mut run_at = today_start + cut_ms;
        if run_at <= local_ms {
            run_at += day_ms;
        }
        // The day that closed at this run's cut-off: the business date of the moment just before it.
        let closing = LocalTime::from_unix_ms(run_at - SETTLE_AFTER_CUTOFF_MS - 1 - offset_ms, offset_minutes);
        (run_at - local_ms, self.business_date(&closing))
    }
}

#[cfg(test)]
mod schedule_tests {
    use super::*;

    /// 2026-11-22 at `hh:mm` in China, as Unix ms.
    fn china(hour: i64, minute: i64) -> i64 {
        1_795_305_600_000 + (hour * 60 + minute) * 60_000 - 8 * 3_600_000
    }

    #[test]
    fn the_run_follows_the_cut_off_and_settles_the_day_that_closed() {
        let cut = CutOff { hour: 23, minute: 0 };
        assert_eq!(cut.next_run(china(22, 0), 480), (65 * 60_000, "20261122".to_string()));
        assert_eq!(cut.next_run(china(23, 10), 480), (23 * 3_600_000 + 55 * 60_000, "20261123".to_string()));
        let midnight = CutOff::MIDNIGHT;
        assert_eq!(midnight.next_run(china(12, 0), 480), (12 * 3_600_000 + 5 * 60_000, "20261122".to_string()));
    }
}
