//! Property tests that untrusted input never panics: the playbook TOML parser (arbitrary text, lossy UTF-8 bytes, mutated built-in playbooks) and the wording checker (arbitrary Unicode).

use olive_domain::{Playbook, WordingChecker};
use proptest::prelude::*;
use proptest::sample::Index;
use std::sync::OnceLock;

/// Cases per property; `PROPTEST_CASES=…` runs more (or fewer) for a deeper search.
const CASES: u32 = 512;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Playbook parser
// ---------------------------------------------------------------------------------------------

/// Parses `text` and checks the result is well formed: Ok, or an Err whose every issue has a
/// non-empty message and, when it names a line, a line inside the input (the line after the last
/// one counts: an error at end of input points there).
fn parse_is_well_behaved(text: &str) -> Result<(), TestCaseError> {
    match Playbook::from_toml(text) {
        Ok(p) => {
            // Serialising what was accepted must not panic either (export/download).
            let _ = p.to_toml();
        }
        Err(e) => {
            let shown = e.to_string();
            prop_assert!(!shown.trim().is_empty(), "empty error text for {text:?}");
            prop_assert!(!e.issues.is_empty(), "an error without issues for {text:?}");
            let lines = text.lines().count();
            for issue in &e.issues {
                prop_assert!(
                    !issue.message.trim().is_empty(),
                    "an issue without a message: {issue:?}"
                );
                if let Some(line) = issue.line {
                    prop_assert!(
                        (1..=lines + 1).contains(&line),
                        "line {line} outside 1..={} for issue {issue:?}",
                        lines + 1
                    );
                }
            }
        }
    }
    Ok(())
}

/// Fragments of the playbook format, so that random text often gets past the TOML lexer and
/// reaches the deserialiser and the validation.
const TOML_BITS: &[&str] = &[
    "[playbook]\n",
    "[[stages]]\n",
    "[[gestures]]\n",
    "[[defects]]\n",
    "[[defects.steps]]\n",
    "[[wording_rules]]\n",
    "code = \"a\"\n",
    "code = \"Bad Code\"\n",
    "code = \"other\"\n",
    "name = \"N\"\n",
    "stage = \"a\"\n",
    "title = \"T\"\n",
    "severity = \"minor\"\n",
    "severity = \"catastrophic\"\n",
    "kind = \"verify\"\n",
    "kind = \"acknowledge\"\n",
    "owner = \"front_desk\"\n",
    "owner = \"manager\"\n",
    "due = \"PT10M\"\n",
    "due = \"PT99999999999H\"\n",
    "due = \"same_day 25:61\"\n",
    "due = \"business_days 999 17:00\"\n",
    "due = \"-PT1M\"\n",
    "typical_value_cents = -1\n",
    "typical_value_cents = 9223372036854775807\n",
    "wording = \"Please calm down.\"\n",
    "pattern = \"(\"\n",
    "pattern = \"(?i)\\\\bmate\\\\b\"\n",
    "message = \"m\"\n",
    "suggestion = \"$1 $99 ${x}\"\n",
    "keywords = [\"a\", \"b\"]\n",
    "gestures = [\"card\"]\n",
    "gesture = \"card\"\n",
    "\"",
    "'''",
    "\"\"\"",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "\\u{0}",
    "\\",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "é",
    "😀",
    "\u{202E}",
    "\u{FEFF}",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x7f",
    "1e400",
];

fn toml_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::sample::select(TOML_BITS).prop_map(str::to_string),
            1 => "\\PC{0,12}",
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

/// One edit of a playbook's text; indices are resolved against the text at the time of the edit.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    DeleteLine(Index),
    SwapLines(Index, Index),
    DuplicateLine(Index),
    Insert(Index, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DeleteLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (
            any::<Index>(),
            prop_oneof![
                prop::sample::select(TOML_BITS).prop_map(str::to_string),
                "\\PC{0,40}",
                any::<String>(),
            ]
        )
            .prop_map(|(at, s)| Mutation::Insert(at, s)),
    ]
}

/// Byte offsets of every char boundary of `text`, including its end.
fn boundaries(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect()
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<&str> = text.split('\n').collect();
    match m {
        Mutation::Truncate(at) => {
            let b = boundaries(text);
            text[..b[at.index(b.len())]].to_string()
        }
        Mutation::DeleteLine(i) => {
            lines.remove(i.index(lines.len()));
            lines.join("\n")
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let i = i.index(lines.len());
            lines.insert(i, lines[i]);
            lines.join("\n")
        }
        Mutation::Insert(at, s) => {
            let b = boundaries(text);
            let at = b[at.index(b.len())];
            format!("{}{s}{}", &text[..at], &text[at..])
        }
    }
}

fn built_in_sources() -> Vec<&'static str> {
    Playbook::built_in_codes()
        .filter_map(Playbook::built_in_source)
        .collect()
}

#[test]
fn the_built_in_playbooks_parse_and_there_are_some() {
    let sources = built_in_sources();
    assert!(sources.len() >= 2);
    for s in sources {
        Playbook::from_toml(s).expect("a built-in playbook is valid");
    }
}

#[test]
fn a_broken_built_in_playbook_is_an_error_with_a_line_inside_it() {
    let source = Playbook::built_in_source("restaurant").expect("built in");
    // Cut in the middle of the file, just after a `title = "` opens a string.
    let cut = source.find("title = \"").expect("a title") + "title = \"".len();
    let text = &source[..cut];
    let e = Playbook::from_toml(text).expect_err("an unterminated string");
    let line = e.issues[0].line.expect("TOML errors name a line");
    assert_eq!(line, text.lines().count(), "{e}");
    parse_is_well_behaved(text).unwrap();
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn playbook_parser_survives_arbitrary_strings(text in any::<String>()) {
        parse_is_well_behaved(&text)?;
    }

    #[test]
    fn playbook_parser_survives_toml_like_text(text in toml_like()) {
        parse_is_well_behaved(&text)?;
    }

    #[test]
    fn playbook_parser_survives_lossy_utf8_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        parse_is_well_behaved(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn playbook_parser_survives_mutated_built_in_playbooks(
        which in any::<Index>(),
        edits in prop::collection::vec(mutation(), 1..4),
    ) {
        let sources = built_in_sources();
        let mut text = sources[which.index(sources.len())].to_string();
        for m in &edits {
            text = apply(&text, m);
        }
        parse_is_well_behaved(&text)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Wording checker
// ---------------------------------------------------------------------------------------------

fn checker() -> &'static WordingChecker {
    static CHECKER: OnceLock<WordingChecker> = OnceLock::new();
    CHECKER.get_or_init(WordingChecker::built_in)
}

/// Phrases the built-in rules flag, so that findings (and their spans) are actually produced.
const FLAGGED: &[&str] = &[
    "I'm buying your steak tonight",
    "we'll buy you a drink",
    "I need to check with the dentist",
    "I'll get Dr. Jones to call you",
    "someone will call you back",
    "please calm down",
    "that's our policy",
    "not my department",
    "you should have rung",
    "you must have misread",
    "you didn't tell us",
    "there's nothing we can do",
];

const ODD_TEXT: &[&str] = &[
    // combining marks (alone, stacked, on letters of a flagged phrase)
    "\u{0301}",
    "e\u{0301}\u{0302}\u{0303}\u{0304}",
    "c\u{0327}alm\u{0300} down",
    "Z\u{0351}\u{0352}\u{0357}\u{035B}\u{0346}\u{033E}\u{0314}",
    // emoji: plain, ZWJ family, skin tone, flags, keycap
    "😀",
    "👩\u{200D}👩\u{200D}👧\u{200D}👦",
    "👍🏽",
    "🇳🇿",
    "1\u{FE0F}\u{20E3}",
    // right-to-left text and bidi controls
    "שלום עולם",
    "مرحبا بالعالم",
    "\u{202E}calm down\u{202C}",
    "\u{200F}\u{200E}\u{2067}\u{2069}",
    // whitespace that is not a plain space
    "\u{00A0}",
    "\u{2028}",
    "\u{3000}",
    "\t",
    "\r\n",
    // other scripts and wide characters
    "İstanbul",
    "ß",
    "ﬁ",
    "日本語のテキスト",
    "\u{10FFFF}",
    "\u{FFFD}",
    "\u{0}",
];

fn word_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FLAGGED).prop_map(str::to_string),
        3 => prop::sample::select(ODD_TEXT).prop_map(str::to_string),
        2 => "\\PC{0,30}",
        2 => any::<char>().prop_map(String::from),
        1 => "[\u{0300}-\u{036F}\u{1AB0}-\u{1AFF}\u{20D0}-\u{20FF}]{1,20}",
        1 => "[\u{0590}-\u{05FF}\u{0600}-\u{06FF}]{1,40}",
        1 => "[\u{1F300}-\u{1FAFF}\u{200D}\u{FE0F}]{1,20}",
        // a very long word
        1 => ("[a-zA-Zé]", 200usize..2000).prop_map(|(c, n)| c.repeat(n)),
        3 => Just(" ".to_string()),
    ]
}

/// Arbitrary Unicode text of up to 5,000 characters mixing the pieces above.
fn unicode_text() -> impl Strategy<Value = String> {
    prop::collection::vec(word_piece(), 0..40)
        .prop_map(|parts| parts.concat().chars().take(5_000).collect())
}

fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    for f in checker().check(text) {
        prop_assert!(
            f.start < f.end && f.end <= chars.len(),
            "span {}..{} outside 0..{} ({f:?})",
            f.start,
            f.end,
            chars.len()
        );
        let span: String = chars[f.start..f.end].iter().collect();
        prop_assert_eq!(&span, &f.excerpt, "the excerpt is not the text at its span");
    }
    Ok(())
}

#[test]
fn flagged_phrases_among_odd_unicode_have_exact_spans() {
    let text = format!(
        "{}\u{202E} 👩\u{200D}👩\u{200D}👧 please calm down, שלום e\u{0301} that's our policy",
        "é".repeat(300)
    );
    let ids: Vec<String> = checker()
        .check(&text)
        .into_iter()
        .map(|f| f.rule_id)
        .collect();
    assert_eq!(ids, ["calm-down", "policy"]);
    check_spans(&text).unwrap();
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn wording_checker_spans_hold_for_arbitrary_unicode(text in unicode_text()) {
        check_spans(&text)?;
    }

    #[test]
    fn wording_checker_spans_hold_for_any_string(text in any::<String>()) {
        check_spans(&text)?;
    }
}
