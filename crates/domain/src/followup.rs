//! The customer's follow-up: personalising the message, and what an answer means for the case.

use serde::Deserialize;

/// The words a template may use: `{first_name}`, `{business}`, `{staff}`.
#[derive(Debug, Clone, Default)]
pub struct Personal<'a> {
    /// the customer's full name (only the first word is used)
    pub customer: &'a str,
    pub business: &'a str,
    /// the staff member's full name (only the first word is used)
    pub staff: &'a str,
}

/// The first word of a name ("Maria Lopez" → "Maria"); empty names stay empty.
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

/// Fill a wording's placeholders: `{first_name}` / `[Name]`, `{business}` / `[Practice]` /
/// `[restaurant]`, `{staff}` / `[your name]`. Other blanks (`[day]`, `[time]`, …) are left for a
/// person to fill; see `unfilled_blanks`.
pub fn personalise(template: &str, p: &Personal<'_>) -> String {
    let customer = first_name(p.customer);
    let staff = first_name(p.staff);
    let mut out = template
        .replace("{first_name}", customer)
        .replace("{business}", p.business)
        .replace("{staff}", staff);
    for (blank, value) in [
        ("[Name]", customer),
        ("[name]", customer),
        ("[Practice]", p.business),
        ("[practice]", p.business),
        ("[restaurant]", p.business),
        ("[Restaurant]", p.business),
        ("[business]", p.business),
        ("[your name]", staff),
        ("[Your name]", staff),
    ] {
        if !value.is_empty() {
            out = out.replace(blank, value);
        }
    }
    out
}

/// Blanks like `[day]` or `[time]` still waiting for a person to fill them in.
pub fn unfilled_blanks(text: &str) -> Vec<String> {
    let mut blanks = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if close > 0 && !after[..close].contains('[') => {
                blanks.push(format!("[{}]", &after[..close]));
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    blanks
}

/// How long a follow-up link stays valid unless configured otherwise.
pub const DEFAULT_EXPIRY_DAYS: i64 = 30;

/// A customer's answer on the follow-up page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Answer {
    /// 1 (not at all) to 5 (completely)
    pub rating: u8,
    pub would_return: bool,
    pub comment: String,
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("choose a rating from 1 to 5")]
    Rating,
    #[error("the comment is too long (2,000 characters at most)")]
    Comment,
}

impl Answer {
    pub fn new(rating: u8, would_return: bool, comment: &str) -> Result<Answer, AnswerError> {
        if !(1..=5).contains(&rating) {
            return Err(AnswerError::Rating);
        }
        if comment.chars().count() > 2000 {
            return Err(AnswerError::Comment);
        }
        Ok(Answer {
            rating,
            would_return,
            comment: comment.trim().to_string(),
        })
    }

    /// The recovery hit home: a rating of 4 or 5 and the customer would come back.
    pub fn is_recovered(&self) -> bool {
        self.rating >= 4 && self.would_return
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personalises_first_names_only() {
        let p = Personal {
            customer: "Maria  Lopez",
            business: "Harbour Dental",
            staff: "Priya Shah",
        };
        assert_eq!(
            personalise("Hi {first_name}, {staff} from {business} here. {other}", &p),
            "Hi Maria, Priya from Harbour Dental here. {other}"
        );
        assert_eq!(first_name("   "), "");
        assert_eq!(
            personalise(
                "Hello [Name], it's [your name] from [Practice] about [day].",
                &p
            ),
            "Hello Maria, it's Priya from Harbour Dental about [day]."
        );
    }

    #[test]
    fn finds_blanks_left_to_fill() {
        assert_eq!(
            unfilled_blanks("on [day] at [time]."),
            vec!["[day]", "[time]"]
        );
        assert!(unfilled_blanks("no blanks, [] or an open [ bracket").is_empty());
    }

    #[test]
    fn recovered_needs_four_or_five_and_a_return() {
        assert!(Answer::new(4, true, "").unwrap().is_recovered());
        assert!(Answer::new(5, true, " thanks ").unwrap().is_recovered());
        assert!(!Answer::new(5, false, "").unwrap().is_recovered());
        assert!(!Answer::new(3, true, "").unwrap().is_recovered());
        assert_eq!(Answer::new(0, true, ""), Err(AnswerError::Rating));
        assert_eq!(Answer::new(6, true, ""), Err(AnswerError::Rating));
        assert_eq!(
            Answer::new(5, true, &"x".repeat(2001)),
            Err(AnswerError::Comment)
        );
        assert_eq!(Answer::new(5, true, " ok ").unwrap().comment, "ok");
    }
}
