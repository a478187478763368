//! Scripts: the words a step says or writes, their typed placeholders, the blanks staff fill in, and rendering them for one case.
//!
//! A script is text with `{placeholders}` Olive fills from the case (who the customer is, who is
//! doing the step, who looked after them, the business) and `[blanks]` a person fills with facts
//! only they know ("[what we found]"). Scripts written before the vocabulary existed used `[Name]`
//! for everyone; [`upgrade_legacy`] reads them as the person they meant.

use crate::followup::greeting_name;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A word Olive fills in from the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// the customer's preferred or first name, titles removed (the playbook's fallback when none)
    CustomerFirstName,
    /// the customer's full name
    CustomerName,
    /// the first name of the person doing the step
    Me,
    /// the first name of the person who owns the case
    Owner,
    /// the dentist, chef or server who looked after the customer, as their name is on record
    Provider,
    /// the location's name
    Business,
    /// the location's phone number
    BusinessPhone,
    /// the table (restaurant)
    Table,
    /// the appointment or booking time, in the location's time zone
    VisitTime,
    /// how many in the party
    PartySize,
}

impl Placeholder {
    pub const ALL: [Placeholder; 10] = [
        Self::CustomerFirstName,
        Self::CustomerName,
        Self::Me,
        Self::Owner,
        Self::Provider,
        Self::Business,
        Self::BusinessPhone,
        Self::Table,
        Self::VisitTime,
        Self::PartySize,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CustomerFirstName => "customer_first_name",
            Self::CustomerName => "customer_name",
            Self::Me => "me",
            Self::Owner => "owner",
            Self::Provider => "provider",
            Self::Business => "business",
            Self::BusinessPhone => "business_phone",
            Self::Table => "table",
            Self::VisitTime => "visit_time",
            Self::PartySize => "party_size",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The blank shown when the case does not know this yet (a person fills it before it is sent).
    fn blank(self) -> &'static str {
        match self {
            Self::CustomerFirstName | Self::CustomerName => "[name]",
            Self::Me => "[your first name]",
            Self::Owner => "[owner's first name]",
            Self::Provider => "[who looked after them]",
            Self::Business => "[business name]",
            Self::BusinessPhone => "[business phone]",
            Self::Table => "[table]",
            Self::VisitTime => "[visit time]",
            Self::PartySize => "[party size]",
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.as_str())
    }
}

/// The known placeholders, as a playbook author writes them (for messages).
pub fn vocabulary() -> String {
    Placeholder::ALL
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `{words}` in a script that are not in the vocabulary ("{first_nam}"), in order.
pub fn unknown_placeholders(text: &str) -> Vec<String> {
    braces(text)
        .filter(|inner| Placeholder::parse(inner).is_none() && legacy_brace(inner).is_none())
        .map(|inner| format!("{{{inner}}}"))
        .collect()
}

/// The insides of `{…}` in a text (no nesting; an unclosed brace is text).
fn braces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let open = rest.find('{')?;
            let after = &rest[open + 1..];
            let close = after.find(['}', '{'])?;
            if after.as_bytes()[close] == b'{' {
                rest = &after[close..];
                continue;
            }
            rest = &after[close + 1..];
            return Some(&after[..close]);
        }
    })
}

/// Old tokens of the first playbooks, each with the placeholder that replaces it.
const LEGACY_BRACKETS: [(&str, Placeholder); 11] = [
    ("[Name]", Placeholder::CustomerFirstName),
    ("[name]", Placeholder::CustomerFirstName),
    ("[your name]", Placeholder::Me),
    ("[Your name]", Placeholder::Me),
    ("[Practice]", Placeholder::Business),
    ("[practice]", Placeholder::Business),
    ("[restaurant]", Placeholder::Business),
    ("[Restaurant]", Placeholder::Business),
    ("[business]", Placeholder::Business),
    ("[Business]", Placeholder::Business),
    ("[the practice]", Placeholder::Business),
];

/// Old `{…}` tokens, each with the placeholder that replaces it.
const LEGACY_BRACES: [(&str, Placeholder); 2] = [
    ("{first_name}", Placeholder::CustomerFirstName),
    ("{staff}", Placeholder::Me),
];

/// The placeholder an old `{…}` token (given without its braces) stands for.
fn legacy_brace(inner: &str) -> Option<Placeholder> {
    LEGACY_BRACES
        .iter()
        .find(|(t, _)| t.get(1..t.len() - 1) == Some(inner))
        .map(|(_, p)| *p)
}

/// An old token in a script, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyToken {
    pub token: String,
    pub suggestion: String,
}

/// The old tokens a script still uses (`[Name]`, `[your name]`, `{first_name}`, `{staff}` …), each
/// with its replacement: a warning for a custom playbook, never a refusal.
pub fn legacy_tokens(text: &str) -> Vec<LegacyToken> {
    let mut found: Vec<LegacyToken> = Vec::new();
    let mut push = |token: String, suggestion: String| {
        if !found.iter().any(|f| f.token == token) {
            found.push(LegacyToken { token, suggestion });
        }
    };
    for (token, p) in LEGACY_BRACKETS {
        if text.contains(token) {
            let suggestion = if token.eq_ignore_ascii_case("[name]") {
                format!(
                    "{p} for the customer, {} for yourself, {} for the dentist or server",
                    Placeholder::Me,
                    Placeholder::Provider
                )
            } else {
                p.to_string()
            };
            push(token.to_string(), suggestion);
        }
    }
    for inner in braces(text) {
        if let Some(p) = legacy_brace(inner) {
            push(format!("{{{inner}}}"), p.to_string());
        }
    }
    found
}

/// A script of the first playbooks read in today's vocabulary: `[Name]` after "Dr " is the provider,
/// after "it's ", "My name is " or "this is " (or before ", the practice manager") it is the person
/// speaking, and otherwise the customer; `[your name]` is the person speaking; `[Practice]` and
/// `[restaurant]` are the business; `{first_name}` and `{staff}` are the customer and the speaker.
pub fn upgrade_legacy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(['[', '{']) {
        let (before, from) = rest.split_at(at);
        let token = LEGACY_BRACKETS
            .iter()
            .chain(&LEGACY_BRACES)
            .map(|(t, p)| (*t, *p))
            .find(|(t, _)| from.starts_with(t));
        let Some((token, mut p)) = token else {
            out.push_str(before);
            out.push_str(&from[..1]);
            rest = &from[1..];
            continue;
        };
        let mut before = before.to_string();
        if p == Placeholder::CustomerFirstName && token.eq_ignore_ascii_case("[name]") {
            let lower = before.to_lowercase();
            let after = from[token.len()..].to_lowercase();
            if lower.ends_with("dr ") {
                before.truncate(before.len() - 3);
                p = Placeholder::Provider;
            } else if [
                "it's ",
                "it is ",
                "my name is ",
                "this is ",
                "i'm ",
                "regards, ",
                "wishes, ",
            ]
            .iter()
            .any(|w| lower.ends_with(w))
                || after.starts_with(", the ")
                || after.starts_with(" from ")
            {
                p = Placeholder::Me;
            }
        }
        out.push_str(&before);
        out.push_str(&p.to_string());
        rest = &from[token.len()..];
    }
    out.push_str(rest);
    out
}

/// Who is who for one case, and what the case knows (values as people read them).
#[derive(Debug, Clone, Default)]
pub struct Cast<'a> {
    /// the customer's name as recorded (may be empty: the restaurant logs tables, not names)
    pub customer_name: &'a str,
    /// the name the customer asked to be called, when given
    pub preferred_name: Option<&'a str>,
    /// the full name of the person doing the step (only the first name is said)
    pub me: &'a str,
    /// the full name of the case's owner (only the first name is said)
    pub owner: &'a str,
    /// the provider's name as recorded ("Dr Ines Ruiz"), when the case names one
    pub provider: Option<&'a str>,
    pub business: &'a str,
    pub business_phone: Option<&'a str>,
    pub table: Option<&'a str>,
    /// the visit time already written in the location's time zone ("Saturday 5 December, 2:30 pm")
    pub visit_time: Option<&'a str>,
    pub party_size: Option<&'a str>,
    /// what `{customer_first_name}` becomes with no name ("there": "Hi there,")
    pub greeting_fallback: &'a str,
}

impl Cast<'_> {
    /// The value of a placeholder for this case, or `None` when the case does not know it.
    pub fn value(&self, p: Placeholder) -> Option<String> {
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from);
        match p {
            Placeholder::CustomerFirstName => self
                .preferred_name
                .and_then(greeting_name)
                .or_else(|| greeting_name(self.customer_name))
                .or_else(|| given(Some(self.greeting_fallback))),
            Placeholder::CustomerName => {
                let n = crate::followup::full_name(self.customer_name, "");
                given(Some(&n))
            }
            Placeholder::Me => greeting_name(self.me),
            Placeholder::Owner => greeting_name(self.owner),
            Placeholder::Provider => given(self.provider),
            Placeholder::Business => given(Some(self.business)),
            Placeholder::BusinessPhone => given(self.business_phone),
            Placeholder::Table => given(self.table),
            Placeholder::VisitTime => given(self.visit_time),
            Placeholder::PartySize => given(self.party_size),
        }
    }
}

/// A script rendered for one case: the text, and the blanks still to fill before it reaches the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rendered {
    pub text: String,
    pub blanks: Vec<String>,
}

/// Fill a script for a case: every placeholder the case knows, in its own place; one it does not
/// know becomes a blank ("[who looked after them]"). Old tokens are read as [`upgrade_legacy`] does.
/// An unknown `{placeholder}` is left as typed and listed as a blank, so it is never sent.
pub fn render(template: &str, cast: &Cast<'_>) -> Rendered {
    let template = upgrade_legacy(template);
    let mut text = String::with_capacity(template.len() + 32);
    let mut unknown = Vec::new();
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find(['}', '{']) {
            Some(close) if after.as_bytes()[close] == b'}' => {
                text.push_str(&rest[..open]);
                let inner = &after[..close];
                match Placeholder::parse(inner) {
                    Some(p) => match cast.value(p) {
                        Some(v) => text.push_str(&v),
                        None => text.push_str(p.blank()),
                    },
                    None => {
                        unknown.push(format!("{{{inner}}}"));
                        text.push_str(&rest[open..open + close + 2]);
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                text.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    let mut blanks = crate::followup::unfilled_blanks(&text);
    blanks.extend(unknown);
    Rendered { text, blanks }
}

#[cfg(test)]
#[path = "script/tests.rs"]
mod tests;
