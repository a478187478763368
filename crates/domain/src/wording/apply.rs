//! "Use suggestion": put a finding's suggestion into the text, fitted to the sentence around it.
//!
//! The suggestion keeps a capital at the start of a sentence when the flagged text began with one,
//! starts in lower case mid-sentence ("Sorry, there's no charge …"), and leaves the text's own
//! punctuation in charge: its final full stop is dropped when the sentence carries on or already
//! ends with punctuation of its own.

use super::Finding;

/// `text` with the finding's excerpt replaced by its suggestion, fitted to the sentence. When the
/// excerpt is no longer at the finding's span it is looked for anywhere in the text; when it is
/// not there at all the text comes back unchanged.
pub fn apply(text: &str, finding: &Finding) -> String {
    match locate(text, finding) {
        Some((s, e)) => {
            let fitted = fit(&text[..s], &text[s..e], &text[e..], &finding.suggestion);
            format!("{}{}{}", &text[..s], fitted, &text[e..])
        }
        None => text.to_string(),
    }
}

/// The suggestion as it should read in place of the finding's excerpt in `text` (what "Use
/// suggestion" puts in the box); the plain suggestion when the excerpt is not in the text.
pub fn fitted_suggestion(text: &str, finding: &Finding) -> String {
    match locate(text, finding) {
        Some((s, e)) => fit(&text[..s], &text[s..e], &text[e..], &finding.suggestion),
        None => finding.suggestion.clone(),
    }
}

/// Byte range of the finding's excerpt in `text`: at its span when it is still there, else its
/// first occurrence.
fn locate(text: &str, f: &Finding) -> Option<(usize, usize)> {
    if f.excerpt.is_empty() {
        return None;
    }
    let byte_at = |chars: usize| {
        text.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .nth(chars)
    };
    if let (Some(s), Some(e)) = (byte_at(f.start), byte_at(f.end))
        && s <= e
        && text.get(s..e) == Some(f.excerpt.as_str())
    {
        return Some((s, e));
    }
    text.find(&f.excerpt).map(|s| (s, s + f.excerpt.len()))
}

fn fit(before: &str, excerpt: &str, after: &str, suggestion: &str) -> String {
    let mut out = suggestion.trim().to_string();
    let first_person = is_first_person(&out);
    if starts_sentence(before) {
        let capital = excerpt
            .chars()
            .find(|c| c.is_alphabetic())
            .is_none_or(char::is_uppercase);
        if capital {
            out = super::capitalise_first(&out);
        } else if !first_person {
            out = super::lower_first(&out);
        }
    } else if !first_person && !second_is_upper(&out) {
        out = super::lower_first(&out);
    }
    let rest = after.trim_start();
    let new_sentence_follows = after.len() > rest.len()
        && rest
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c == '[' || c == '{');
    if !rest.is_empty() && !new_sentence_follows && out.ends_with(['.', '!', '?']) {
        out.pop();
    }
    out
}

/// True when the text before a position ends a sentence (or is empty): the next word starts one.
pub(super) fn starts_sentence(before: &str) -> bool {
    before.trim_end_matches([' ', '\t']).ends_with('\n')
        || before
            .trim_end()
            .chars()
            .next_back()
            .is_none_or(|c| matches!(c, '.' | '!' | '?' | '…' | '"' | '“' | '(' | '['))
}

/// "I", "I'm", "I'll", "I've", "I'd" (with either apostrophe): always a capital.
pub(super) fn is_first_person(s: &str) -> bool {
    let word: String = s
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '\'' || *c == '’')
        .collect();
    word == "I" || word.starts_with("I'") || word.starts_with("I’")
}

fn second_is_upper(s: &str) -> bool {
    s.chars().nth(1).is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wording::WordingChecker;

    fn use_first(text: &str) -> String {
        let f = WordingChecker::built_in().check(text);
        assert!(!f.is_empty(), "nothing flagged in {text:?}");
        apply(text, &f[0])
    }

    #[test]
    fn mid_sentence_suggestion_starts_lower_case_and_keeps_the_full_stop() {
        assert_eq!(
            use_first("Sorry about that, I'm buying your steak tonight."),
            "Sorry about that, there's no charge for your steak tonight."
        );
    }

    #[test]
    fn sentence_start_keeps_its_capital_and_the_next_sentence_is_untouched() {
        assert_eq!(
            use_first("Your steak's on me. Enjoy the rest of your evening!"),
            "There's no charge for your steak. Enjoy the rest of your evening!"
        );
        assert_eq!(
            use_first("Thanks for waiting. I'll pay for your dessert!"),
            "Thanks for waiting. There's no charge for your dessert!"
        );
    }

    #[test]
    fn lower_case_sentence_start_stays_lower_case() {
        assert_eq!(
            use_first("your steak's on me tonight"),
            "there's no charge for your steak tonight"
        );
    }

    #[test]
    fn the_sentence_carries_on_after_the_suggestion() {
        assert_eq!(
            use_first("Please calm down, we will sort it."),
            "I can see this has really let you down, and I want to put it right, we will sort it."
        );
        assert_eq!(
            use_first("Good news: I'll pay for your wine and dessert."),
            "Good news: there's no charge for your wine and dessert."
        );
    }

    #[test]
    fn first_person_suggestions_keep_their_capital_mid_sentence() {
        assert_eq!(
            use_first("Ok, sorry for any inconvenience caused."),
            "Ok, I'm sorry we let you down."
        );
    }

    #[test]
    fn quotes_and_brackets_count_as_sentence_start() {
        assert_eq!(
            use_first("She said: \"Your dinner's on me.\""),
            "She said: \"There's no charge for your dinner.\""
        );
        assert_eq!(
            use_first("(Your dinner's on me.)"),
            "(There's no charge for your dinner.)"
        );
    }

    #[test]
    fn a_moved_excerpt_is_found_and_a_missing_one_changes_nothing() {
        let f = WordingChecker::built_in().check("I'm buying your steak")[0].clone();
        assert_eq!(
            apply("Hello. I'm buying your steak", &f),
            "Hello. There's no charge for your steak."
        );
        assert_eq!(apply("All good here.", &f), "All good here.");
        assert_eq!(fitted_suggestion("All good here.", &f), f.suggestion);
    }

    #[test]
    fn spans_are_characters_not_bytes() {
        let text = "Désolé — sorry for any inconvenience caused.";
        let f = &WordingChecker::built_in().check(text)[0];
        assert_eq!(apply(text, f), "Désolé — I'm sorry we let you down.");
    }
}
