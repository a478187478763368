//! Customer and staff contact details, parsed once: emails and phone numbers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("that does not look like an email address (expected name@example.com)")]
    BadEmail,
    #[error(
        "a phone number needs 6 to 15 digits; spaces, dashes, brackets and a leading + are fine"
    )]
    BadPhone,
    #[error("an address is at most 300 characters, on lines of text")]
    BadAddress,
}

mod business;
pub use business::{Address, BusinessPhone, footer};

/// A lower-cased email address with one `@`, a non-empty local part and a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Email {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or(ContactError::BadEmail)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Email(s.to_lowercase()))
        } else {
            Err(ContactError::BadEmail)
        }
    }
}
impl TryFrom<String> for Email {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        s.parse()
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}
impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number normalised to digits with an optional leading `+` (for matching a customer's history).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Phone {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        let s = s.trim();
        let plus = s.starts_with('+');
        let body = if plus { &s[1..] } else { s };
        let mut digits = String::new();
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '.' => {}
                _ => return Err(ContactError::BadPhone),
            }
        }
        if !(6..=15).contains(&digits.len()) {
            return Err(ContactError::BadPhone);
        }
        Ok(Phone(if plus { format!("+{digits}") } else { digits }))
    }
}
impl TryFrom<String> for Phone {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        s.parse()
    }
}
impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}
impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            "Ann@Example.COM".parse::<Email>().unwrap().as_str(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.com",
            "a@b",
            "a b@c.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalise() {
        assert_eq!(
            "(02) 9555-0101".parse::<Phone>().unwrap().as_str(),
            "0295550101"
        );
        assert_eq!(
            "+61 2 9555 0101".parse::<Phone>().unwrap().as_str(),
            "+61295550101"
        );
        for bad in ["12", "call me", "+", "0400 000 000 000 000 000"] {
            assert!(bad.parse::<Phone>().is_err(), "{bad}");
        }
    }
}
