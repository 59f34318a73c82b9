//! Money: integer fen (分) everywhere, never floating point; shown as yuan
//! with two decimals.

use std::fmt;

/// An amount in fen (1 yuan = 100 fen). May be negative (net assets can be).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// Why a yuan amount could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not a number with at most two decimals.
    #[error("`{0}` is not an amount in yuan with at most two decimals")]
    Format(String),
    /// Too large to hold.
    #[error("`{0}` is too large")]
    Overflow(String),
}

impl Fen {
    /// Whole yuan.
    #[must_use]
    pub const fn yuan(y: i64) -> Self {
        Self(y * 100)
    }

    /// Reads `"12"`, `"12.5"`, `"12.50"`, `"-3.01"`, `"1,234.00"` as fen.
    ///
    /// # Errors
    /// `Format` for anything else (three decimals, letters, empty); `Overflow`.
    pub fn from_yuan_str(s: &str) -> Result<Self, MoneyError> {
        let t = s.trim().replace(',', "");
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let ok = !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && frac.len() <= 2
            && frac.chars().all(|c| c.is_ascii_digit())
            && !(digits.contains('.') && frac.is_empty());
        if !ok {
            return Err(MoneyError::Format(s.to_owned()));
        }
        let overflow = || MoneyError::Overflow(s.to_owned());
        let whole: i64 = whole.parse().map_err(|_| overflow())?;
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| overflow())?;
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(overflow)?;
        Ok(Self(if negative { -fen } else { fen }))
    }
}

impl Fen {
    /// The amount in yuan as a number, for formats that want one (OCDS,
    /// 360Giving, spreadsheets); exact for every amount below 2^53 fen.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn as_yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// The amount in yuan for people to read: thousands grouped with commas
    /// (`123456789` fen is `1,234,567.89`). Pages use it; machine formats
    /// keep [`Display`](fmt::Display)'s plain digits.
    #[must_use]
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let digits = (abs / 100).to_string();
        let mut whole = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                whole.push(',');
            }
            whole.push(c);
        }
        format!("{sign}{whole}.{:02}", abs % 100)
    }
}

impl fmt::Display for Fen {
    /// `1234567` fen shows as `12345.67`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_strings_become_exact_fen() {
        assert_eq!(Fen::from_yuan_str("12"), Ok(Fen(1200)));
        assert_eq!(Fen::from_yuan_str("12.5"), Ok(Fen(1250)));
        assert_eq!(Fen::from_yuan_str(" 12.05 "), Ok(Fen(1205)));
        assert_eq!(Fen::from_yuan_str("-3.01"), Ok(Fen(-301)));
        assert_eq!(Fen::from_yuan_str("8,000,000.00"), Ok(Fen::yuan(8_000_000)));
        for bad in ["", "1.234", "abc", "1.", ".5", "1e5", "--1"] {
            assert!(
                matches!(Fen::from_yuan_str(bad), Err(MoneyError::Format(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            Fen::from_yuan_str("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn people_read_yuan_with_grouped_thousands() {
        assert_eq!(Fen(123_456_789).grouped(), "1,234,567.89");
        assert_eq!(Fen(100_000).grouped(), "1,000.00");
        assert_eq!(Fen(99_999).grouped(), "999.99");
        assert_eq!(Fen(5).grouped(), "0.05");
        assert_eq!(Fen(-60_050).grouped(), "-600.50");
        assert_eq!(Fen(-123_456_789).grouped(), "-1,234,567.89");
        assert_eq!(
            Fen::from_yuan_str(&Fen(123_456_789).grouped()),
            Ok(Fen(123_456_789)),
            "what a page shows can be typed back"
        );
    }

    #[test]
    fn fen_show_as_yuan_with_two_decimals() {
        assert_eq!(Fen(1_234_567).to_string(), "12345.67");
        assert_eq!(Fen(5).to_string(), "0.05");
        assert_eq!(Fen(-301).to_string(), "-3.01");
    }
}
