//! A business's own contact details as its customers read them: the phone number as the business
//! writes it, the postal address, and the footer of an email sent in the business's name.

use super::{ContactError, Phone};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest address accepted, in characters (newlines included).
pub const ADDRESS_MAX_CHARS: usize = 300;

/// A business's phone number as it writes it ("02 9555 0142"), checked as a [`Phone`]: customers read
/// the written form, and [`BusinessPhone::number`] is the number to match or dial.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BusinessPhone {
    written: String,
    number: Phone,
}

impl BusinessPhone {
    /// As written, with runs of spaces made one.
    pub fn as_str(&self) -> &str {
        &self.written
    }
    pub fn number(&self) -> &Phone {
        &self.number
    }
}

impl FromStr for BusinessPhone {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        // `Phone` allows only digits, spaces, `-().` and a leading `+`: nothing that could break a line.
        let s = s.trim();
        let number: Phone = s.parse()?;
        let written = s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>();
        Ok(BusinessPhone {
            written: written.join(" "),
            number,
        })
    }
}
impl TryFrom<String> for BusinessPhone {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        s.parse()
    }
}
impl From<BusinessPhone> for String {
    fn from(p: BusinessPhone) -> String {
        p.written
    }
}
impl fmt::Display for BusinessPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

/// A postal address in free text: lines trimmed, blank lines dropped, joined with `\n`; at most
/// [`ADDRESS_MAX_CHARS`] characters and no control characters but the line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address(String);

impl Address {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.0.lines()
    }
}

impl FromStr for Address {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let text = lines.join("\n");
        let ok = !text.is_empty()
            && text.chars().count() <= ADDRESS_MAX_CHARS
            && !text.chars().any(|c| c.is_control() && c != '\n');
        if ok {
            Ok(Address(text))
        } else {
            Err(ContactError::BadAddress)
        }
    }
}
impl TryFrom<String> for Address {
    type Error = ContactError;
    fn try_from(s: String) -> Result<Self, ContactError> {
        s.parse()
    }
}
impl From<Address> for String {
    fn from(a: Address) -> String {
        a.0
    }
}
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The footer of an email sent in a business's name: its name, then its phone number and its address
/// when given (nothing for a detail that is not set, so never an empty line or a bare label).
pub fn footer(name: &str, phone: Option<&BusinessPhone>, address: Option<&Address>) -> String {
    let mut lines: Vec<String> = Vec::new();
    let name = name.trim();
    if !name.is_empty() {
        lines.push(name.to_string());
    }
    if let Some(p) = phone {
        lines.push(format!("Phone {p}"));
    }
    if let Some(a) = address {
        lines.extend(a.lines().map(str::to_string));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_phone_keeps_its_written_form() {
        let p: BusinessPhone = "  02  9555 0142 ".parse().unwrap();
        assert_eq!(p.as_str(), "02 9555 0142");
        assert_eq!(p.number().as_str(), "0295550142");
        assert_eq!(
            "02 9555 0142\n".parse::<BusinessPhone>().unwrap().as_str(),
            "02 9555 0142"
        );
        for bad in ["", "12", "02 9555 0142\nBcc: x@y.z", "call us"] {
            assert!(bad.parse::<BusinessPhone>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addresses_are_lines_of_text() {
        let a: Address = " 12 Wharf Street\r\n\n  Pyrmont NSW 2009 ".parse().unwrap();
        assert_eq!(a.as_str(), "12 Wharf Street\nPyrmont NSW 2009");
        assert!("".parse::<Address>().is_err());
        assert!(" \n ".parse::<Address>().is_err());
        assert!("a\u{0}b".parse::<Address>().is_err());
        assert!("x".repeat(301).parse::<Address>().is_err());
        assert!("x".repeat(300).parse::<Address>().is_ok());
    }

    #[test]
    fn the_footer_has_only_what_is_set() {
        let p: BusinessPhone = "02 9555 0142".parse().unwrap();
        let a: Address = "12 Wharf Street\nPyrmont NSW 2009".parse().unwrap();
        assert_eq!(
            footer("Harbour Dental", Some(&p), Some(&a)),
            "Harbour Dental\nPhone 02 9555 0142\n12 Wharf Street\nPyrmont NSW 2009"
        );
        assert_eq!(footer("The Grill", None, None), "The Grill");
        assert_eq!(
            footer("The Grill", None, Some(&a)),
            "The Grill\n12 Wharf Street\nPyrmont NSW 2009"
        );
    }
}
