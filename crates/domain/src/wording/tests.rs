//! Unit tests of the wording check (the labelled corpus is in `tests/wording_corpus.rs`).

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
    let f = WordingChecker::built_in().check("Sorry about that, I'm buying your steak tonight.");
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
        ("Your steak's on me.", "gift-on-me"),
        ("I’ll pay for your steak.", "gift-pay-for"),
        ("Honestly, it's my treat.", "gift-my-treat"),
        ("Let me see what the manager says.", "defer-see-what"),
        (
            "You'll have to speak to the manager about that.",
            "pass-on-speak-to",
        ),
        ("Someone else handles refunds.", "pass-on-someone-else"),
        ("I'll pass it on to the manager.", "pass-on-pass-it"),
        (
            "Sorry for any inconvenience caused.",
            "non-apology-inconvenience",
        ),
        ("We apologise if you were offended.", "non-apology-if"),
        ("I'm sorry you feel that way.", "non-apology-feel"),
        ("The kitchen messed up your order.", "blame-others"),
        ("It's the system's fault.", "blame-fault"),
        ("Sorry, the new girl booked it.", "blame-new-person"),
        ("I'm not allowed to do that.", "not-allowed-permission"),
        ("I can't do that.", "not-allowed-cant"),
        ("That's not what you booked.", "argue-memory"),
    ];
    for (text, rule) in cases {
        assert_eq!(ids(text), vec![rule.to_string()], "{text}");
    }
}

#[test]
fn the_filed_variants_are_all_flagged() {
    for text in [
        "Your steak's on me",
        "I'll pay for your steak",
        "I'll check with the dentist and get back to you",
        "Let me just ask the dentist",
        "Sorry for any inconvenience caused",
        "We apologise if you were offended",
        "I'm not allowed to do that",
    ] {
        let f = WordingChecker::built_in().check(text);
        assert_eq!(f.len(), 1, "{text}: {f:?}");
        assert_eq!(f[0].excerpt, text, "the whole phrase is replaced");
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
        "I'm sorry - I should have explained that first. That's on me.",
        "I've asked the chef to remake it.",
        "I'll ask the chef to make you a fresh one.",
        "I can do that for you.",
        "Let me fix that.",
        "Just as you asked, the table is by the window.",
        "",
    ] {
        assert!(ids(text).is_empty(), "{text}: {:?}", ids(text));
    }
}

#[test]
fn unless_drops_the_exception_only() {
    // "That's on me" owns a mistake; "this one's on me" gives a gift.
    assert!(ids("I'm sorry, that's on me.").is_empty());
    assert_eq!(ids("Don't worry, this one's on me."), ["gift-on-me"]);
    // "I'm covering your table" is a shift, "I'm covering your dessert" a gift.
    assert!(ids("Hi, I'm covering your table tonight.").is_empty());
    assert_eq!(ids("I'm covering your dessert tonight."), ["gift-pay-for"]);
}

#[test]
fn overlapping_findings_keep_the_first_and_longest() {
    // "I'll pay for it" and "… out of my own pocket" overlap: one finding, the whole phrase.
    let f = WordingChecker::built_in().check("I'll pay for it out of my own pocket.");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].excerpt, "I'll pay for it out of my own pocket");
    // Separate phrases are all reported, in order.
    assert_eq!(
        ids("Please calm down. Your wine's on me."),
        ["calm-down", "gift-on-me"]
    );
}

#[test]
fn a_captured_word_at_sentence_start_loses_its_capital() {
    let f = WordingChecker::built_in().check("Dinner's on me tonight.");
    assert_eq!(f[0].suggestion, "There's no charge for dinner.");
}

#[test]
fn every_rule_has_a_family_and_a_clean_suggestion() {
    let checker = WordingChecker::built_in();
    for r in checker.rules() {
        assert!(!r.family.is_empty(), "{} has no family", r.id);
        assert!(
            checker.check(&r.suggestion).is_empty(),
            "{}'s own suggestion is flagged: {:?}",
            r.id,
            checker.check(&r.suggestion)
        );
    }
    assert_eq!(
        checker.rule("gift-on-me").map(|r| r.family.as_str()),
        Some("gift")
    );
}

#[test]
fn the_prefilter_drops_word_boundaries_only() {
    assert_eq!(
        without_word_boundaries(r"(?i)\bon\s+me\b|\Bx\b{start}y\<z\>|[\b\]]\\b"),
        r"(?i)on\s+me|xyz|[\b\]]\\b"
    );
}

#[test]
fn curly_apostrophes_and_accents_are_checked_like_plain_text() {
    let plain = ids("Désolé. I'm buying your steak, and please calm down.");
    let curly = ids("Désolé. I’m buying your steak, and please calm down.");
    assert_eq!(plain, ["buying-your", "calm-down"]);
    assert_eq!(curly, plain);
    // A word boundary still counts: "task" is not "ask", "income" is not "calm".
    assert!(ids("Désolé, the task is done: let me just ask themselves…").is_empty());
}

#[test]
fn suggestion_templates_expand_groups() {
    let re = regex::Regex::new("(?i)(?P<dish>\\w+)'s on me").unwrap();
    let text = "Soup's on me";
    let caps = re.captures(text).unwrap();
    assert_eq!(
        expand(&caps, "no charge for ${dish}, $1 $$5 $", text),
        "no charge for soup, soup $5 $"
    );
}

#[test]
fn playbook_rules_extend_and_bad_patterns_are_named() {
    let extra = WordingRule {
        id: "no-mate".into(),
        pattern: "(?i)\\bmate\\b".into(),
        message: "Too casual.".into(),
        suggestion: "Use their name.".into(),
        family: String::new(),
        unless: None,
    };
    let c = WordingChecker::built_in_with(std::slice::from_ref(&extra)).unwrap();
    assert_eq!(c.check("Cheers mate").len(), 1);
    let bad = WordingRule {
        pattern: "(".into(),
        ..extra.clone()
    };
    let err = WordingChecker::built_in_with(&[bad]).err().unwrap();
    assert!(err.contains("no-mate"), "{err}");
    let bad_unless = WordingRule {
        unless: Some("[".into()),
        ..extra
    };
    let err = WordingChecker::built_in_with(&[bad_unless]).err().unwrap();
    assert!(err.contains("no-mate"), "{err}");
}

#[test]
fn playbook_rules_without_the_new_fields_still_parse() {
    let r: WordingRule =
        toml::from_str("id = \"x\"\npattern = \"y\"\nmessage = \"m\"\nsuggestion = \"s\"\n")
            .unwrap();
    assert_eq!(r.family, "");
    assert_eq!(r.unless, None);
    let back = toml::to_string(&r).unwrap();
    assert!(
        !back.contains("family") && !back.contains("unless"),
        "{back}"
    );
}

proptest::proptest! {
    #[test]
    fn never_panics_and_spans_are_in_bounds(text in "\\PC{0,400}") {
        let n = text.chars().count();
        static CHECKER: std::sync::OnceLock<WordingChecker> = std::sync::OnceLock::new();
        for f in CHECKER.get_or_init(WordingChecker::built_in).check(&text) {
            proptest::prop_assert!(f.start < f.end && f.end <= n);
            let _ = apply(&text, &f);
        }
    }
}
