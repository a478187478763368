//! The customer's follow-up: whether one can be sent, the names people are greeted by, blanks left to
//! fill, and what an answer means for the case.

use serde::Deserialize;

/// Why a follow-up cannot be emailed now, in the order a person fixes them: a finished case cannot be
/// followed up at all; a customer who asked not to be contacted is not, whatever their email; else the
/// case needs the customer's email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    Finished,
    OptedOut,
    NoEmail,
}

/// Can a follow-up be emailed for this case now? `None`: yes.
pub fn blocked(active: bool, opted_out: bool, has_email: bool) -> Option<Blocked> {
    if !active {
        Some(Blocked::Finished)
    } else if opted_out {
        Some(Blocked::OptedOut)
    } else if !has_email {
        Some(Blocked::NoEmail)
    } else {
        None
    }
}

/// Titles and honorifics that are not a first name ("Mr Lee Chan" is greeted as "Lee").
const TITLES: [&str; 16] = [
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "rev",
    "fr",
    "master",
    "madam",
];

/// The name to greet someone by, as people use it: the first word of the name that is not a title
/// (Mr, Mrs, Ms, Dr…), without stray punctuation, with a capital when it was typed all in lower case
/// ("mary jones" → "Mary", "Dr. Ava Smith" → "Ava", "Lee, " → "Lee"). `None` when nothing is left
/// ("Mrs.", "", "--"): the caller says it without a name.
pub fn greeting_name(name: &str) -> Option<String> {
    name.split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .find(|w| !TITLES.contains(&w.to_lowercase().as_str()))
        .map(|w| {
            if w.chars().any(char::is_uppercase) {
                w.to_string()
            } else {
                crate::wording::capitalise_first(w)
            }
        })
}

/// [`greeting_name`], or empty when there is none.
pub fn first_name(name: &str) -> String {
    greeting_name(name).unwrap_or_default()
}

/// A full name as staff read it in messages: trimmed, with runs of spaces and stray separators
/// tidied ("Mrs.  Ava Lee ," → "Mrs. Ava Lee"); `fallback` when nothing is left.
pub fn full_name<'a>(name: &str, fallback: &'a str) -> std::borrow::Cow<'a, str> {
    let tidy = name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .to_string();
    if tidy.chars().any(char::is_alphanumeric) {
        std::borrow::Cow::Owned(tidy)
    } else {
        std::borrow::Cow::Borrowed(fallback)
    }
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
    fn a_follow_up_is_blocked_by_a_finished_case_then_an_opt_out_then_no_email() {
        assert_eq!(blocked(false, true, false), Some(Blocked::Finished));
        assert_eq!(blocked(true, true, true), Some(Blocked::OptedOut));
        assert_eq!(blocked(true, true, false), Some(Blocked::OptedOut));
        assert_eq!(blocked(true, false, false), Some(Blocked::NoEmail));
        assert_eq!(blocked(true, false, true), None);
    }

    #[test]
    fn greeting_names_skip_titles_and_stray_punctuation() {
        for (typed, greeted) in [
            ("Maria Lopez", Some("Maria")),
            ("Mr Lee Chan", Some("Lee")),
            ("Dr. Ava Smith", Some("Ava")),
            ("MRS. O'Brien", Some("O'Brien")),
            ("Lee, ", Some("Lee")),
            ("Lee,,", Some("Lee")),
            ("mary jones", Some("Mary")),
            ("  Jean-Luc  Picard", Some("Jean-Luc")),
            ("Prof Dr Élodie Martin", Some("Élodie")),
            ("\"Bob\" Smith", Some("Bob")),
            ("Mrs.", None),
            ("Dr", None),
            ("", None),
            (" -- ", None),
        ] {
            assert_eq!(greeting_name(typed).as_deref(), greeted, "{typed:?}");
        }
        assert_eq!(first_name("Mr"), "");
    }

    #[test]
    fn full_names_are_tidied_for_staff() {
        assert_eq!(full_name("Mrs.  Ava Lee ,", "the customer"), "Mrs. Ava Lee");
        assert_eq!(full_name("  ", "the customer"), "the customer");
        assert_eq!(full_name(",", "the customer"), "the customer");
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
