//! Every built-in script rendered for a case where everyone has a different name: each name lands only in its own slots.

use olive_domain::Playbook;
use olive_domain::script::{self, Cast, Placeholder};
use regex::Regex;

/// A case where the customer, the person doing the step, the owner, the provider and the business
/// all have different names, none of which is a word a script would use.
fn cast() -> Cast<'static> {
    Cast {
        customer_name: "Mrs Priyanka Natarajan",
        preferred_name: None,
        me: "Fenella Walsh",
        owner: "Marisol Lopez",
        provider: Some("Dr Ines Ruizova"),
        business: "Quayside Smiles",
        business_phone: Some("02 9555 0142"),
        table: Some("T12"),
        visit_time: Some("VISIT-TIME"),
        party_size: Some("P4"),
        greeting_fallback: "there",
    }
}

/// What each placeholder becomes, and the word that proves it landed.
const MARKS: [(Placeholder, &str); 10] = [
    (Placeholder::CustomerFirstName, "Priyanka"),
    (Placeholder::CustomerName, "Priyanka"),
    (Placeholder::Me, "Fenella"),
    (Placeholder::Owner, "Marisol"),
    (Placeholder::Provider, "Ruizova"),
    (Placeholder::Business, "Quayside Smiles"),
    (Placeholder::BusinessPhone, "9555 0142"),
    (Placeholder::Table, "T12"),
    (Placeholder::VisitTime, "VISIT-TIME"),
    (Placeholder::PartySize, "P4"),
];

/// Every built-in script: (playbook, defect, step, which, text).
fn scripts() -> Vec<(String, String, String, &'static str, String)> {
    let mut out = Vec::new();
    for code in Playbook::built_in_codes() {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap()).unwrap();
        for d in &p.defects {
            for s in &d.steps {
                for (which, text) in [("say", &s.say), ("write", &s.write)] {
                    if !text.is_empty() {
                        out.push((
                            code.into(),
                            d.code.clone(),
                            s.title.clone(),
                            which,
                            text.clone(),
                        ));
                    }
                }
                assert!(
                    s.wording.is_empty(),
                    "{code}/{}: '{}' still has the old `wording`",
                    d.code,
                    s.title
                );
            }
        }
        out.push((
            code.into(),
            "-".into(),
            "follow_up_write".into(),
            "write",
            p.playbook.follow_up_write.clone(),
        ));
    }
    out
}

#[test]
fn every_name_lands_only_in_its_own_slots() {
    let cast = cast();
    let mut wrong = Vec::new();
    let all = scripts();
    assert!(all.len() > 400, "only {} scripts", all.len());
    for (code, defect, step, which, text) in &all {
        let at = format!("{code}/{defect}/{step} ({which})");
        for t in script::legacy_tokens(text) {
            wrong.push(format!("{at}: old token {}", t.token));
        }
        for u in script::unknown_placeholders(text) {
            wrong.push(format!("{at}: unknown placeholder {u}"));
        }
        let rendered = script::render(text, &cast);
        if rendered.text.contains('{') || rendered.text.contains('}') {
            wrong.push(format!("{at}: a brace survives: {}", rendered.text));
        }
        // Each name appears exactly as often as the placeholders that stand for it.
        let mut marks: Vec<&str> = MARKS.iter().map(|(_, m)| *m).collect();
        marks.dedup();
        for mark in marks {
            let slots: usize = MARKS
                .iter()
                .filter(|(_, m)| *m == mark)
                .map(|(q, _)| text.matches(&q.to_string()).count())
                .sum();
            let landed = rendered.text.matches(mark).count();
            if landed != slots {
                wrong.push(format!(
                    "{at}: \"{mark}\" appears {landed} times for {slots} slots: {}",
                    rendered.text
                ));
            }
        }
        // The speaker's name never follows "Dr", the customer's never follows "it's".
        for bad in ["Dr Priyanka", "Dr Fenella", "it's Priyanka", "Dr Dr"] {
            if rendered.text.contains(bad) {
                wrong.push(format!("{at}: \"{bad}\" in {}", rendered.text));
            }
        }
    }
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn written_words_state_no_money_time_or_weekday_outside_a_blank() {
    // Amounts, clock times and days are facts of one case: a blank or a placeholder, never typed in.
    let blanks = Regex::new(r"\[[^\]]*\]|\{[^}]*\}").unwrap();
    let facts = Regex::new(
        r"(?i)[$£€]\s?\d|\b\d+[.,]\d{2}\b|\b\d+\s?(dollars|pounds|euros|cents)\b|\b\d{1,2}(:\d{2})?\s?(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b|\b(noon|midnight)\b|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b",
    )
    .unwrap();
    let mut wrong = Vec::new();
    for code in Playbook::built_in_codes() {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap()).unwrap();
        let mut texts = vec![(
            "follow_up_write".to_string(),
            p.playbook.follow_up_write.clone(),
        )];
        for d in &p.defects {
            for s in &d.steps {
                texts.push((format!("{}/{} (write)", d.code, s.title), s.write.clone()));
                if s.kind == olive_domain::StepKind::Verify {
                    texts.push((
                        format!("{}/{} (verify say)", d.code, s.title),
                        s.say.clone(),
                    ));
                }
            }
        }
        for (at, text) in texts {
            let plain = blanks.replace_all(&text, "");
            if let Some(m) = facts.find(&plain) {
                wrong.push(format!("{code}/{at}: \"{}\" in {text}", m.as_str()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn verify_steps_speak_and_write_separately() {
    for code in Playbook::built_in_codes() {
        let p = Playbook::from_toml(Playbook::built_in_source(code).unwrap()).unwrap();
        for d in &p.defects {
            let v = d.steps.last().unwrap();
            assert!(
                !v.say.is_empty(),
                "{code}/{}: the verify step says nothing",
                d.code
            );
            assert!(
                !v.write.is_empty(),
                "{code}/{}: the verify step writes nothing",
                d.code
            );
            assert_ne!(
                v.say, v.write,
                "{code}/{}: the follow-up is the spoken script",
                d.code
            );
            assert!(
                !v.write.to_lowercase().contains("calling") && !v.write.contains("it's {me}"),
                "{code}/{}: the written follow-up reads like a call: {}",
                d.code,
                v.write
            );
        }
    }
}

#[test]
fn built_ins_use_the_business_words_and_declare_their_fields() {
    let word = Regex::new(r"(?i)\bcustomers?\b").unwrap();
    let keys_and_slots = Regex::new(r"\{[a-z_]+\}|customer_[a-z_]+").unwrap();
    for (code, noun, fields) in [
        ("dental", "patient", vec!["provider", "appointment_time"]),
        ("restaurant", "guest", vec!["table", "party_size", "server"]),
    ] {
        let src = Playbook::built_in_source(code).unwrap();
        let p = Playbook::from_toml(src).unwrap();
        assert_eq!(p.playbook.customer_noun, noun);
        let keys: Vec<&str> = p.case_fields.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, fields, "{code}");
        assert!(
            p.field_for(Placeholder::Provider).is_some(),
            "{code}: no provider field"
        );
        // "customer" only inside placeholders and keys, never in words people read.
        for (n, line) in src.lines().enumerate() {
            let plain = keys_and_slots.replace_all(line, "");
            assert!(
                !word.is_match(&plain),
                "{code}.toml line {}: says \"customer\": {line}",
                n + 1
            );
        }
    }
    let dental = Playbook::from_toml(Playbook::built_in_source("dental").unwrap()).unwrap();
    assert_eq!(dental.role_label(olive_domain::Role::TeamMember), "Dentist");
    let grill = Playbook::from_toml(Playbook::built_in_source("restaurant").unwrap()).unwrap();
    assert_eq!(grill.role_label(olive_domain::Role::TeamMember), "Server");
    let table12 = [("table".to_string(), "12".to_string())].into();
    assert_eq!(grill.display_name("", &table12), "Table 12");
    assert_eq!(grill.display_name(" ", &Default::default()), "Guest");
    assert_eq!(grill.display_name("Ana Silva", &table12), "Ana Silva");
}
