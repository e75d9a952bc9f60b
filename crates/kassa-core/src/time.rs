//! Time at the edge: a [`Clock`] the core is handed, and the calendar fields
//! the protocol needs (MMDD, hhmmss, YYYYMMDD, YYMM) in local time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A moment as the protocol writes it, in local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl LocalTime {
    /// From Unix milliseconds and a UTC offset in minutes.
    pub fn from_unix_ms(ms: i64, offset_minutes: i32) -> LocalTime {
        let seconds = ms.div_euclid(1000) + i64::from(offset_minutes) * 60;
        let days = seconds.div_euclid(86_400);
        let of_day = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            hour: (of_day / 3600) as u32,
            minute: (of_day / 60 % 60) as u32,
            second: (of_day % 60) as u32,
        }
    }

    /// Field 13 / 15: MMDD.
    pub fn mmdd(&self) -> String {
        format!("{:02}{:02}", self.month, self.day)
    }

    /// Field 12: hhmmss.
    pub fn hhmmss(&self) -> String {
        format!("{:02}{:02}{:02}", self.hour, self.minute, self.second)
    }

    /// Field 7 of the link: MMDDhhmmss.
    pub fn mmddhhmmss(&self) -> String {
        format!("{}{}", self.mmdd(), self.hhmmss())
    }

    /// A business date: YYYYMMDD.
    pub fn yyyymmdd(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// For card expiry: YYMM.
    pub fn yymm(&self) -> String {
        format!("{:02}{:02}", self.year.rem_euclid(100), self.month)
    }

    /// Days since 1970-01-01 of this date.
    pub fn day_number(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }
}

/// Days since 1970-01-01 of a YYYYMMDD date; `None` when it is not one
/// (`20260230` is not: February has no 30th).
pub fn day_number_of(yyyymmdd: &str) -> Option<i64> {
    if yyyymmdd.len() != 8 || !yyyymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = yyyymmdd[..4].parse().ok()?;
    let month: u32 = yyyymmdd[4..6].parse().ok()?;
    let day: u32 = yyyymmdd[6..].parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // A day past its month's end comes back as another date.
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// The YYYYMMDD date of a day number (days since 1970-01-01).
pub fn date_of_day_number(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}{month:02}{day:02}")
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Where the time comes from. The core never reads a clock itself.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Unix milliseconds.
    fn now_ms(&self) -> i64;
    /// The local time zone's offset from UTC, in minutes.
    fn offset_minutes(&self) -> i32;

    fn local(&self) -> LocalTime {
        LocalTime::from_unix_ms(self.now_ms(), self.offset_minutes())
    }
}

/// The operating system's clock, in a fixed UTC offset (China: +480).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    pub offset_minutes: i32,
}

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }

    fn offset_minutes(&self) -> i32 {
        self.offset_minutes
    }
}

/// A clock tests move by hand.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now_ms: Arc<AtomicI64>,
    offset_minutes: i32,
}

impl ManualClock {
    pub fn new(now_ms: i64, offset_minutes: i32) -> ManualClock {
        ManualClock { now_ms: Arc::new(AtomicI64::new(now_ms)), offset_minutes }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set_ms(&self, ms: i64) {
        self.now_ms.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }

    fn offset_minutes(&self) -> i32 {
        self.offset_minutes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_fields() {
        // 2026-11-22 01:13:36 UTC is 09:13:36 in China.
        let t = LocalTime::from_unix_ms(1_795_310_016_000, 480);
        assert_eq!(
            (t.yyyymmdd(), t.hhmmss(), t.mmdd(), t.yymm()),
            ("20261122".into(), "091336".into(), "1122".into(), "2611".into())
        );
        assert_eq!(t.mmddhhmmss(), "1122091336");
        assert_eq!(day_number_of("20261122"), Some(t.day_number()));
        assert_eq!(day_number_of("20261222").map(|d| d - t.day_number()), Some(30));
        assert_eq!(day_number_of("2026112"), None);
        assert_eq!(LocalTime::from_unix_ms(0, 0).yyyymmdd(), "19700101");
        assert_eq!(LocalTime::from_unix_ms(951_782_400_000, 0).yyyymmdd(), "20000229");
        assert_eq!(date_of_day_number(t.day_number() + 40), "20270101");
    }

    #[test]
    fn impossible_dates_are_not_dates() {
        for bad in ["20260230", "20260229", "20261131", "20260431", "20261300", "20260001"] {
            assert_eq!(day_number_of(bad), None, "{bad}");
        }
        for good in ["20240229", "20000229", "20261231", "20260131"] {
            assert_eq!(day_number_of(good).map(date_of_day_number).as_deref(), Some(good));
        }
    }
}
