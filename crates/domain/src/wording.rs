//! The wording check: flags customer-facing phrasing that misses the mark and suggests better.
//!
//! Rules live in `wording/rules.toml` (grouped in families: gift, defer, pass-on, non-apology,
//! blame, not-allowed, argue, tone) and are proven against the labelled `wording/corpus.toml`.
//! [`apply`] puts a finding's suggestion into the text, fitted to the sentence.

mod apply;

pub use apply::{apply, fitted_suggestion};

use std::sync::OnceLock;

use regex::{Captures, Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};

/// A rule as written in TOML (built-in `wording/rules.toml` or a playbook's `[[wording_rules]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordingRule {
    pub id: String,
    pub pattern: String,
    pub message: String,
    pub suggestion: String,
    /// The family the rule belongs to (`gift`, `defer`, …); empty for a playbook's own rules.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub family: String,
    /// An exception: tried on the text from the match to the end of its sentence; a match drops
    /// the finding (the regex crate has no look-ahead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unless: Option<String>,
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
    /// Compiled on the rule's first hit: most texts only ever need the set below.
    regex: OnceLock<Option<Regex>>,
    unless: Option<Regex>,
}

impl Compiled {
    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| compile(&self.rule.id, &self.rule.pattern).ok())
            .as_ref()
    }
}

/// A compiled rule set. Build once, check many texts.
pub struct WordingChecker {
    rules: Vec<Compiled>,
    /// All patterns in one automaton, word boundaries left out: one pass over the text says which
    /// rules can match (a superset; each candidate's own regex decides).
    set: RegexSet,
}

const SIZE_LIMIT: usize = 1 << 24;

fn compile(id: &str, pattern: &str) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| format!("wording rule '{id}' has an invalid pattern: {e}"))
}

impl WordingChecker {
    /// The built-in rules only (used when no location or playbook is given).
    pub fn built_in() -> WordingChecker {
        Self::built_in_with(&[]).unwrap_or(WordingChecker {
            rules: Vec::new(),
            set: RegexSet::empty(),
        })
    }

    /// Built-in rules extended with a playbook's own; an invalid extra pattern is an error naming the rule.
    pub fn built_in_with(extra: &[WordingRule]) -> Result<WordingChecker, String> {
        let file: RuleFile = toml::from_str(BUILT_IN_RULES).map_err(|e| e.to_string())?;
        let mut rules = Vec::new();
        for rule in file.rules.into_iter().chain(extra.iter().cloned()) {
            let unless = match &rule.unless {
                Some(p) => Some(compile(&rule.id, p)?),
                None => None,
            };
            rules.push(Compiled {
                rule,
                regex: OnceLock::new(),
                unless,
            });
        }
        let set = RegexSetBuilder::new(
            rules
                .iter()
                .map(|c| without_word_boundaries(&c.rule.pattern)),
        )
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| {
            // Name the rule at fault: compile each pattern on its own.
            rules
                .iter()
                .find_map(|c| compile(&c.rule.id, &c.rule.pattern).err())
                .unwrap_or_else(|| format!("the wording rules do not compile together: {e}"))
        })?;
        Ok(WordingChecker { rules, set })
    }

    /// The rules in force, in order.
    pub fn rules(&self) -> impl Iterator<Item = &WordingRule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// The rule with this id, if it is in force.
    pub fn rule(&self, id: &str) -> Option<&WordingRule> {
        self.rules().find(|r| r.id == id)
    }

    /// Every finding in `text`, ordered by position. Clean text gives an empty list. Where two
    /// rules flag overlapping text, the finding that starts first (then the longer) is kept.
    pub fn check(&self, text: &str) -> Vec<Finding> {
        let mut found: Vec<(usize, usize, Finding)> = Vec::new();
        for i in self.set.matches(text).iter() {
            let c = &self.rules[i];
            let Some(regex) = c.regex() else { continue };
            for m in regex.find_iter(text) {
                if m.as_str().trim().is_empty() {
                    continue;
                }
                let Some(caps) = regex.captures_at(text, m.start()) else {
                    continue;
                };
                if let Some(unless) = &c.unless {
                    let rest = &text[m.start()..];
                    let sentence_end = rest[m.len()..]
                        .find(['.', '!', '?', '\n'])
                        .map_or(rest.len(), |i| m.len() + i);
                    if unless.is_match(&rest[..sentence_end]) {
                        continue;
                    }
                }
                let start = text[..m.start()].chars().count();
                let excerpt = m.as_str().to_string();
                let end = start + excerpt.chars().count();
                let suggestion = capitalise_first(&expand(&caps, &c.rule.suggestion, text));
                found.push((
                    m.start(),
                    m.end(),
                    Finding {
                        rule_id: c.rule.id.clone(),
                        start,
                        end,
                        excerpt,
                        message: c.rule.message.clone(),
                        suggestion,
                    },
                ));
            }
        }
        found.sort_by_key(|(s, e, _)| (*s, std::cmp::Reverse(*e)));
        let mut kept: Vec<Finding> = Vec::new();
        let mut covered_to = 0;
        for (s, e, f) in found {
            if s >= covered_to {
                covered_to = e;
                kept.push(f);
            }
        }
        kept
    }
}

/// The pattern with its word-boundary assertions (`\b`, `\B`, `\b{…}`, `\<`, `\>`) removed, so it
/// matches wherever the original does, and more. Unicode word boundaries stop the fast (lazy DFA)
/// engine on non-ASCII text (a curly apostrophe is enough), which would make one pass of the whole
/// set hundreds of times slower.
fn without_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('b' | 'B' | '<' | '>') if class_depth == 0 => {
                    if chars.peek() == Some(&'{') {
                        for c in chars.by_ref() {
                            if c == '}' {
                                break;
                            }
                        }
                    }
                }
                Some(e) => {
                    out.push('\\');
                    out.push(e);
                }
                None => out.push('\\'),
            },
            '[' => {
                class_depth += 1;
                out.push(c);
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Expands `$1`, `${1}`, `$name`, `${name}` and `$$` in a suggestion. A captured group that begins
/// a sentence loses its capital (it was there for the sentence, not the word), unless it is "I…".
fn expand(caps: &Captures<'_>, template: &str, text: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (name, after) = if let Some(r) = rest.strip_prefix('{') {
            match r.find('}') {
                Some(j) => (&r[..j], &r[j + 1..]),
                None => ("", rest),
            }
        } else {
            let n = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..n], &rest[n..])
        };
        if name.is_empty() {
            out.push('$');
            continue;
        }
        rest = after;
        let group = match name.parse::<usize>() {
            Ok(n) => caps.get(n),
            Err(_) => caps.name(name),
        };
        if let Some(g) = group {
            if apply::starts_sentence(&text[..g.start()]) && !apply::is_first_person(g.as_str()) {
                out.push_str(&lower_first(g.as_str()));
            } else {
                out.push_str(g.as_str());
            }
        }
    }
    out.push_str(rest);
    out
}

/// Upper-case the first letter ("guest" → "Guest", "enter the name" → "Enter the name").
pub fn capitalise_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests;
