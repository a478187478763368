//! The wording check: flags customer-facing phrasing that misses the mark and suggests better.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// A rule as written in TOML (built-in `wording/rules.toml` or a playbook's `[[wording_rules]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordingRule {
    pub id: String,
    pub pattern: String,
    pub message: String,
    pub suggestion: String,
}

/// One flagged phrase. `start`/`end` count Unicode characters; `excerpt` is the matched text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Finding {
    pub rule_id: String,
    pub start: usize,
    pub end: usize,
    pub excerpt: String,
    pub message: String,
    pub suggestion: String,
}

#[derive(Deserialize)]
struct RuleFile {
    rules: Vec<WordingRule>,
}

const BUILT_IN_RULES: &str = include_str!("../wording/rules.toml");

struct Compiled {
    rule: WordingRule,
    regex: Regex,
}

/// A compiled rule set. Build once, check many texts.
pub struct WordingChecker {
    rules: Vec<Compiled>,
}

impl WordingChecker {
    /// The built-in rules only (used when no location or playbook is given).
    pub fn built_in() -> WordingChecker {
        Self::built_in_with(&[]).unwrap_or(WordingChecker { rules: Vec::new() })
    }

    /// Built-in rules extended with a playbook's own; an invalid extra pattern is an error naming the rule.
    pub fn built_in_with(extra: &[WordingRule]) -> Result<WordingChecker, String> {
        let file: RuleFile = toml::from_str(BUILT_IN_RULES).map_err(|e| e.to_string())?;
        let mut rules = Vec::new();
        for rule in file.rules.into_iter().chain(extra.iter().cloned()) {
            let regex = regex::RegexBuilder::new(&rule.pattern)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("wording rule '{}' has an invalid pattern: {e}", rule.id))?;
            rules.push(Compiled { rule, regex });
        }
        Ok(WordingChecker { rules })
    }

    /// The rules in force, in order.
    pub fn rules(&self) -> impl Iterator<Item = &WordingRule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// Every finding in `text`, ordered by position. Clean text gives an empty list.
    pub fn check(&self, text: &str) -> Vec<Finding> {
        let mut findings = Vec::new();
        for c in &self.rules {
            for caps in c.regex.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                if m.as_str().trim().is_empty() {
                    continue;
                }
                let mut suggestion = String::new();
                caps.expand(&c.rule.suggestion, &mut suggestion);
                let start = text[..m.start()].chars().count();
                let excerpt = m.as_str().to_string();
                let end = start + excerpt.chars().count();
                findings.push(Finding {
                    rule_id: c.rule.id.clone(),
                    start,
                    end,
                    excerpt,
                    message: c.rule.message.clone(),
                    suggestion: capitalise_first(&suggestion),
                });
            }
        }
        findings.sort_by_key(|f| (f.start, f.end));
        findings
    }
}

fn capitalise_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        WordingChecker::built_in()
            .check(text)
            .into_iter()
            .map(|f| f.rule_id)
            .collect()
    }

    #[test]
    fn flags_buying_your_steak_with_a_no_charge_suggestion() {
        let f =
            WordingChecker::built_in().check("Sorry about that, I'm buying your steak tonight.");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule_id, "buying-your");
        assert_eq!(f[0].excerpt, "I'm buying your steak tonight");
        assert_eq!(f[0].start, 18);
        assert_eq!(f[0].end, 18 + f[0].excerpt.chars().count());
        assert!(
            f[0].suggestion
                .starts_with("There's no charge for your steak")
        );
    }

    #[test]
    fn spans_count_unicode_characters_not_bytes() {
        let text = "Désolé — calm down please";
        let f = WordingChecker::built_in().check(text);
        assert_eq!(f.len(), 1);
        let chars: Vec<char> = text.chars().collect();
        let span: String = chars[f[0].start..f[0].end].iter().collect();
        assert_eq!(span, "calm down");
    }

    #[test]
    fn each_rule_fires_on_its_phrase() {
        let cases = [
            (
                "I need to check with the dentist first.",
                "check-with-authority",
            ),
            (
                "I have to ask my manager about that.",
                "check-with-authority",
            ),
            ("I'll get Dr Jones to call you about it.", "hot-potato"),
            ("Someone will call you back.", "hot-potato"),
            ("Please calm down.", "calm-down"),
            ("I'm afraid that's our policy.", "policy"),
            ("That's not my department.", "not-my-job"),
            ("Sorry, not my table.", "not-my-job"),
            ("You should have rung earlier.", "you-should-have"),
            ("You must have misread the card.", "blame-customer"),
            ("You didn't tell us about the allergy.", "blame-customer"),
            (
                "Unfortunately there's nothing we can do.",
                "nothing-we-can-do",
            ),
            ("We'll buy you a drink.", "buy-you"),
        ];
        for (text, rule) in cases {
            assert_eq!(ids(text), vec![rule.to_string()], "{text}");
        }
    }

    #[test]
    fn good_phrasing_is_clean() {
        for text in [
            "There's no charge for your steak tonight.",
            "There will be no charge for your steak.",
            "I checked with the kitchen and it's on its way.",
            "I'm so sorry we let you down. I will look after this myself right now.",
            "You must have been so frustrated waiting.",
            "I'm sorry you didn't receive our reminder.",
            "Please relax in the lounge while we prepare your room.",
            "",
        ] {
            assert!(ids(text).is_empty(), "{text}: {:?}", ids(text));
        }
    }

    #[test]
    fn playbook_rules_extend_and_bad_patterns_are_named() {
        let extra = WordingRule {
            id: "no-mate".into(),
            pattern: "(?i)\\bmate\\b".into(),
            message: "Too casual.".into(),
            suggestion: "Use their name.".into(),
        };
        let c = WordingChecker::built_in_with(std::slice::from_ref(&extra)).unwrap();
        assert_eq!(c.check("Cheers mate").len(), 1);
        let bad = WordingRule {
            pattern: "(".into(),
            ..extra
        };
        let err = WordingChecker::built_in_with(&[bad]).err().unwrap();
        assert!(err.contains("no-mate"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_spans_are_in_bounds(text in "\\PC{0,400}") {
            let n = text.chars().count();
            static CHECKER: std::sync::OnceLock<WordingChecker> = std::sync::OnceLock::new();
            for f in CHECKER.get_or_init(WordingChecker::built_in).check(&text) {
                proptest::prop_assert!(f.start < f.end && f.end <= n);
            }
        }
    }
}
