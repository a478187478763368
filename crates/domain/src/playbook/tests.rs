//! Tests for playbook parsing, validation and the built-in playbooks.

use super::*;

const SMALL: &str = r#"
[playbook]
code = "small"
name = "Small"

[[stages]]
code = "arrival"
name = "Arrival"

[[gestures]]
code = "card"
name = "A card"
typical_value_cents = 500

[[defects]]
code = "late"
stage = "arrival"
title = "Kept waiting"
severity = "minor"
keywords = ["wait", "late"]

  [[defects.steps]]
  title = "Apologise"
  kind = "acknowledge"
  owner = "front_desk"
  due = "PT5M"
  wording = "I'm sorry you were kept waiting."

  [[defects.steps]]
  title = "Check"
  kind = "verify"
  owner = "front_desk"
  due = "PT30M"
"#;

#[test]
fn parses_a_small_playbook() {
    let p = Playbook::from_toml(SMALL).unwrap();
    assert_eq!(p.playbook.code, "small");
    assert_eq!(p.defects[0].steps.len(), 2);
    assert_eq!(
        p.gesture("card").unwrap().typical_value_cents,
        Some(Cents(500))
    );
    let again = Playbook::from_toml(&p.to_toml()).unwrap();
    assert_eq!(again, p);
}

#[test]
fn syntax_errors_name_the_line() {
    let broken = SMALL.replace("severity = \"minor\"", "severity = \"awful\"");
    let err = Playbook::from_toml(&broken).unwrap_err();
    let line = broken.lines().position(|l| l.contains("awful")).unwrap() + 1;
    assert_eq!(err.issues[0].line, Some(line), "{err}");
    assert!(
        err.to_string().contains("awful") || err.to_string().contains("variant"),
        "{err}"
    );
}

#[test]
fn semantic_errors_name_the_defect_line_and_say_what_is_wrong() {
    let broken = SMALL.replace("stage = \"arrival\"", "stage = \"nowhere\"");
    let err = Playbook::from_toml(&broken).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("names stage 'nowhere'"), "{text}");
    let line = broken
        .lines()
        .position(|l| l.contains("code = \"late\""))
        .unwrap()
        + 1;
    assert!(err.issues.iter().any(|i| i.line == Some(line)), "{text}");
}

#[test]
fn protocol_must_end_with_one_verify_step() {
    let broken = SMALL.replace("kind = \"verify\"", "kind = \"fix\"");
    let err = Playbook::from_toml(&broken).unwrap_err();
    assert!(
        err.to_string()
            .contains("exactly one step of kind 'verify'"),
        "{err}"
    );
}

#[test]
fn flagged_wording_is_a_validation_error() {
    let broken = SMALL.replace("I'm sorry you were kept waiting.", "Please calm down.");
    let err = Playbook::from_toml(&broken).unwrap_err();
    assert!(err.to_string().contains("calm down"), "{err}");
}

#[test]
fn a_provider_step_needs_a_staff_field_that_names_the_provider() {
    let for_provider = SMALL.replacen(
        "owner = \"front_desk\"\n  due = \"PT5M\"",
        "owner = \"provider\"\n  due = \"PT5M\"",
        1,
    );
    let err = Playbook::from_toml(&for_provider).unwrap_err();
    assert!(
        err.to_string()
            .contains("step 'Apologise' of defect 'late' is for the provider"),
        "{err}"
    );
    let with_field = for_provider.replace(
        "[[stages]]",
        "[[case_fields]]\nkey = \"provider\"\nlabel = \"Dentist\"\nkind = \"staff\"\nfills = \"provider\"\n\n[[stages]]",
    );
    let p = Playbook::from_toml(&with_field).unwrap();
    let step = &p.defect("late").unwrap().steps[0];
    assert_eq!(step.owner, crate::playbook::StepOwner::Provider);
    assert_eq!(p.owner_label(step.owner), "Dentist");
    // Written back, it reads the same.
    assert_eq!(Playbook::from_toml(&p.to_toml()).unwrap(), p);
    let unknown = SMALL.replacen("owner = \"front_desk\"", "owner = \"dentist\"", 1);
    let err = Playbook::from_toml(&unknown).unwrap_err();
    assert!(err.to_string().contains("provider"), "{err}");
}

#[test]
fn unknown_gesture_is_named() {
    let broken = SMALL.replace("keywords = [\"wait\", \"late\"]", "gestures = [\"yacht\"]");
    let err = Playbook::from_toml(&broken).unwrap_err();
    assert!(err.to_string().contains("gesture 'yacht'"), "{err}");
}

#[test]
fn built_in_playbooks_are_valid_and_complete() {
    for (code, min) in [("dental", 47), ("restaurant", 41)] {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap())
            .unwrap_or_else(|e| panic!("{code}: {e}"));
        assert!(
            p.defects.len() >= min,
            "{code} has {} defects",
            p.defects.len()
        );
        for s in &p.stages {
            assert!(
                p.defects.iter().any(|d| d.stage == s.code),
                "{code}: stage {} empty",
                s.code
            );
        }
    }
}

#[test]
fn built_in_protocols_recover_the_customer_and_leave_prevention_to_its_action() {
    // Fixing the process is the prevention action's job (`domain::prevention`), not a step copied
    // into every customer's case: no protocol step is about finding why or changing the process.
    const PROCESS: [&str; 8] = [
        "find why",
        "find how",
        "find where",
        "find the gap",
        "review ",
        "coach ",
        "incident review",
        "track every",
    ];
    for code in Playbook::built_in_codes() {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap()).unwrap();
        for d in &p.defects {
            assert!(
                !d.prevention.trim().is_empty(),
                "{code}/{}: no prevention text for its action",
                d.code
            );
            assert!(
                d.steps.len() >= 3,
                "{code}/{}: a protocol acknowledges, puts right and verifies",
                d.code
            );
            assert_eq!(d.steps[0].kind, StepKind::Acknowledge, "{code}/{}", d.code);
            for s in &d.steps {
                let t = s.title.to_lowercase();
                assert!(
                    !PROCESS.iter().any(|w| t.starts_with(w)) && !t.contains("the process"),
                    "{code}/{}: '{}' fixes the process, not the customer's case",
                    d.code,
                    s.title
                );
            }
        }
    }
}

#[test]
fn every_built_in_wording_passes_the_check() {
    // Everything read or sent to a customer: every step's wording, and the suggestions the
    // wording check itself offers ("Use suggestion" puts them into customer text).
    let mut flagged = Vec::new();
    for code in Playbook::built_in_codes() {
        // Parsed without validation, so every flagged text is listed (validation stops at the first).
        let p: Playbook = toml::from_str(Playbook::built_in_source(code).unwrap()).unwrap();
        let checker = p.wording_checker().unwrap();
        let mut texts = 0;
        for d in &p.defects {
            for (s, text) in d
                .steps
                .iter()
                .flat_map(|s| s.scripts().map(move |t| (s, t)))
            {
                texts += 1;
                for f in checker.check(text) {
                    flagged.push(format!(
                        "{code}/{}/{}: {:?} ({})",
                        d.code, s.title, f.excerpt, f.rule_id
                    ));
                }
            }
        }
        for r in checker.rules() {
            for f in checker.check(&r.suggestion) {
                flagged.push(format!(
                    "{code}: suggestion of {}: {:?} ({})",
                    r.id, f.excerpt, f.rule_id
                ));
            }
        }
        assert!(texts > 50, "{code}: only {texts} wordings checked");
    }
    assert!(flagged.is_empty(), "flagged:\n{}", flagged.join("\n"));
}

#[test]
fn search_finds_the_missing_appointment_by_words() {
    let p = Playbook::from_toml(Playbook::built_in_source("dental").unwrap()).unwrap();
    for q in ["card", "not in book", "Not in book"] {
        let hits = p.search_defects(q);
        assert!(
            hits.iter().any(|d| d.code == "appointment-not-in-book"),
            "{q}"
        );
    }
    assert!(p.search_defects("   ").is_empty());
}

#[test]
fn seed_stories_are_in_the_built_ins() {
    let dental = Playbook::from_toml(Playbook::built_in_source("dental").unwrap()).unwrap();
    let d = dental.defect("appointment-not-in-book").unwrap();
    assert!(
        d.steps
            .iter()
            .any(|s| s.gesture.as_deref() == Some("flowers"))
    );
    assert_eq!(d.steps.last().unwrap().kind, StepKind::Verify);
    let rest = Playbook::from_toml(Playbook::built_in_source("restaurant").unwrap()).unwrap();
    let m = rest.defect("meal-not-as-ordered").unwrap();
    assert!(
        m.steps
            .iter()
            .any(|s| s.scripts().any(|t| t.to_lowercase().contains("no charge")))
    );
}

proptest::proptest! {
    #[test]
    fn parser_never_panics(text in "\\PC{0,600}") {
        let _ = Playbook::from_toml(&text);
    }

    #[test]
    fn parser_never_panics_on_mutated_playbooks(pos in 0usize..700, junk in "[\\[\\]=\"a-z0-9 \n]{0,12}") {
        let mut s = SMALL.to_string();
        let at = pos.min(s.len());
        if s.is_char_boundary(at) {
            s.insert_str(at, &junk);
        }
        let _ = Playbook::from_toml(&s);
    }
}
