//! Money as integer minor units (cents) with an ISO 4217 currency code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An amount in minor units (cents). Never a float.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// A non-negative amount, as a gesture value or a limit must be.
    pub fn non_negative(value: i64) -> Result<Self, MoneyError> {
        if value < 0 {
            Err(MoneyError::Negative)
        } else if value > 100_000_000_00 {
            Err(MoneyError::TooLarge)
        } else {
            Ok(Cents(value))
        }
    }

    pub fn saturating_add(self, other: Cents) -> Cents {
        Cents(self.0.saturating_add(other.0))
    }

    pub fn saturating_sub(self, other: Cents) -> Cents {
        Cents(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / 100;
        let mut grouped = String::new();
        for (i, c) in whole.to_string().chars().enumerate() {
            let remaining = whole.to_string().len() - i;
            if i > 0 && remaining.is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("an amount cannot be negative")]
    Negative,
    #[error("the amount is too large")]
    TooLarge,
    #[error("currency must be a three-letter ISO 4217 code such as AUD, GBP or USD")]
    BadCurrency,
}

/// A three-letter upper-case ISO 4217 currency code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, MoneyError> {
        let s = s.trim();
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Currency(s.to_ascii_uppercase()))
        } else {
            Err(MoneyError::BadCurrency)
        }
    }
}
impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, MoneyError> {
        s.parse()
    }
}
impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}
impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_grouping() {
        assert_eq!(Cents(100_000).to_string(), "1,000.00");
        assert_eq!(Cents(1_000).to_string(), "10.00");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(-12_345_67).to_string(), "-12,345.67");
    }

    #[test]
    fn rejects_negative_and_bad_currency() {
        assert_eq!(Cents::non_negative(-1), Err(MoneyError::Negative));
        assert!("AU".parse::<Currency>().is_err());
        assert!("A1D".parse::<Currency>().is_err());
        assert_eq!("aud".parse::<Currency>().unwrap().as_str(), "AUD");
    }
}
