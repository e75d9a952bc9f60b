//! The business-day calendar: Monday to Friday, less public holidays, plus
//! the weekend days declared working days (调休). Days are day numbers
//! (days since 1970-01-01, as `kassa_core::time`).

use std::collections::BTreeSet;

use kassa_core::time::day_number_of;

use crate::identity::FieldError;

/// Longest span [`BusinessCalendar::add_working_days`] walks before giving up.
pub const WALK_MAX_DAYS: i64 = 3660;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusinessCalendar {
    holidays: BTreeSet<i64>,
    working_weekends: BTreeSet<i64>,
}

impl BusinessCalendar {
    /// From `YYYYMMDD` lists, as in the configuration.
    pub fn new(holidays: &[String], working_weekends: &[String]) -> Result<BusinessCalendar, FieldError> {
        let days = |field: &'static str, list: &[String]| {
            list.iter()
                .map(|d| {
                    day_number_of(d).ok_or_else(|| FieldError::new(field, format!("{d:?} is not a YYYYMMDD date")))
                })
                .collect::<Result<BTreeSet<i64>, FieldError>>()
        };
        Ok(BusinessCalendar {
            holidays: days("holidays", holidays)?,
            working_weekends: days("working_weekends", working_weekends)?,
        })
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    pub fn weekday(day: i64) -> i64 {
        (day + 3).rem_euclid(7)
    }

    pub fn is_working_day(&self, day: i64) -> bool {
        if self.working_weekends.contains(&day) {
            return true;
        }
        Self::weekday(day) < 5 && !self.holidays.contains(&day)
    }

    /// The `n`th working day after `day` (`day` itself does not count).
    pub fn add_working_days(&self, day: i64, n: u32) -> i64 {
        let mut left = n;
        let mut current = day;
        while left > 0 && current - day < WALK_MAX_DAYS {
            current += 1;
            if self.is_working_day(current) {
                left -= 1;
            }
        }
        current
    }

    /// Working days after `from` up to and including `to`.
    pub fn working_days_between(&self, from: i64, to: i64) -> u32 {
        (from + 1..=to.min(from + WALK_MAX_DAYS)).filter(|d| self.is_working_day(*d)).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use kassa_core::time::date_of_day_number;

    use super::*;

    fn day(text: &str) -> i64 {
        day_number_of(text).unwrap_or_default()
    }

    #[test]
    fn fifteen_working_days_skip_weekends_and_holidays() {
        let plain = BusinessCalendar::default();
        assert_eq!(BusinessCalendar::weekday(day("20261123")), 0, "a Monday");
        // From Monday 2026-11-23: three weeks of working days end Monday 12-14.
        assert_eq!(date_of_day_number(plain.add_working_days(day("20261123"), 15)), "20261214");
        let calendar =
            BusinessCalendar::new(&["20261210".into(), "20261201".into()], &["20261205".into()]).unwrap_or_default();
        // Two holidays push it by two, the working Saturday pulls it back by one.
        assert_eq!(date_of_day_number(calendar.add_working_days(day("20261123"), 15)), "20261215");
        assert!(calendar.is_working_day(day("20261205")));
        assert!(!calendar.is_working_day(day("20261201")));
        assert_eq!(calendar.working_days_between(day("20261123"), day("20261215")), 15);
        assert!(BusinessCalendar::new(&["2026-12-25".into()], &[]).is_err());
    }
}
