//! Time: every deadline and expiry reads the clock from here, so tests can move it.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, DurationRound, TimeDelta, Utc};

/// A source of the current time (UTC).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant, truncated to microseconds (what both databases keep).
    fn now(&self) -> DateTime<Utc>;
}

fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    // Truncating to a microsecond cannot overflow for any instant chrono represents.
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// The server's real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        to_micros(Utc::now())
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock showing `start`.
    #[must_use]
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(to_micros(start))),
        }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to_micros(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The calendar date in China (Asia/Shanghai) at `at`: registration dates,
/// report due dates and credit listings are legal dates there, whatever zone
/// pages are shown in.
#[must_use]
pub fn china_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// The first day any date of the service may name.
pub const EARLIEST_DATE: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The last day any date of the service may name.
pub const LATEST_DATE: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// A date a person meant: from 2000-01-01 to 2099-12-31 (year 0, year
/// 9999 and negative years are typing accidents, and times past 9999 are not
/// RFC 3339).
///
/// # Errors
/// `date_range` on `field`.
pub fn check_date(field: &str, d: chrono::NaiveDate) -> Result<(), crate::error::FieldError> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&d) {
        Ok(())
    } else {
        Err(crate::error::FieldError::new(
            field,
            "date_range",
            format!("dates run from {EARLIEST_DATE} to {LATEST_DATE}"),
        ))
    }
}

/// [`check_date`] for a moment, on its China date.
///
/// # Errors
/// `date_range` on `field`.
pub fn check_time(field: &str, t: DateTime<Utc>) -> Result<(), crate::error::FieldError> {
    check_date(field, t.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_people_mean_are_this_century() {
        let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
        assert!(check_date("x", d("2026-12-05")).is_ok());
        assert!(check_date("x", d("2000-01-01")).is_ok());
        assert!(check_date("x", d("2099-12-31")).is_ok());
        assert!(check_date("x", d("9999-12-31")).is_err());
        assert!(check_date("x", d("0000-01-01")).is_err());
        assert!(check_date("x", chrono::NaiveDate::MIN).is_err());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-02-13T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::hours(2));
        assert_eq!(clock.now(), start + Duration::hours(2));
    }
}
