//! The labelled wording corpus (`wording/corpus.toml`): every phrase is judged as labelled.

use std::collections::{BTreeMap, BTreeSet};

use olive_domain::WordingChecker;
use serde::Deserialize;

const CORPUS: &str = include_str!("../wording/corpus.toml");

/// The families the corpus must cover, at least ten phrases each.
const FAMILIES: [&str; 7] = [
    "gift",
    "defer",
    "pass-on",
    "non-apology",
    "blame",
    "not-allowed",
    "argue",
];

#[derive(Deserialize)]
struct Corpus {
    flagged: Vec<Flagged>,
    clean: Vec<Clean>,
}

#[derive(Deserialize)]
struct Flagged {
    family: String,
    playbook: String,
    text: String,
}

#[derive(Deserialize)]
struct Clean {
    playbook: String,
    text: String,
}

fn corpus() -> Corpus {
    toml::from_str(CORPUS).expect("corpus.toml parses")
}

#[test]
fn every_phrase_is_judged_as_labelled() {
    let checker = WordingChecker::built_in();
    let family_of = |id: &str| {
        checker
            .rule(id)
            .map(|r| r.family.clone())
            .unwrap_or_default()
    };
    let mut wrong = Vec::new();
    let c = corpus();
    for f in &c.flagged {
        let families: Vec<String> = checker
            .check(&f.text)
            .iter()
            .map(|x| format!("{} ({})", family_of(&x.rule_id), x.rule_id))
            .collect();
        if !families
            .iter()
            .any(|x| x.starts_with(&format!("{} (", f.family)))
        {
            wrong.push(format!(
                "not flagged as {}: {:?} {families:?}",
                f.family, f.text
            ));
        }
    }
    for cl in &c.clean {
        let found = checker.check(&cl.text);
        if !found.is_empty() {
            let what: Vec<String> = found
                .iter()
                .map(|x| format!("{} {:?}", x.rule_id, x.excerpt))
                .collect();
            wrong.push(format!("clean but flagged: {:?} {what:?}", cl.text));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} misjudged:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_corpus_is_big_enough_and_covers_both_playbooks() {
    let c = corpus();
    assert!(c.flagged.len() >= 60, "{} flagged", c.flagged.len());
    assert!(c.clean.len() >= 60, "{} clean", c.clean.len());
    let mut per_family: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &c.flagged {
        *counts.entry(f.family.as_str()).or_default() += 1;
        per_family
            .entry(f.family.as_str())
            .or_default()
            .insert(f.playbook.as_str());
    }
    for family in FAMILIES {
        assert!(
            counts.get(family).copied().unwrap_or(0) >= 10,
            "family {family}: {:?}",
            counts.get(family)
        );
        assert_eq!(
            per_family.get(family).map(|p| p.len()),
            Some(2),
            "family {family} needs phrases from both playbooks"
        );
    }
    let clean_playbooks: BTreeSet<&str> = c.clean.iter().map(|x| x.playbook.as_str()).collect();
    let all: BTreeSet<&str> = ["dental", "restaurant"].into();
    assert_eq!(clean_playbooks, all);
    for p in c
        .flagged
        .iter()
        .map(|f| &f.playbook)
        .chain(c.clean.iter().map(|x| &x.playbook))
    {
        assert!(all.contains(p.as_str()), "unknown playbook {p}");
    }
}

#[test]
fn every_built_in_rule_is_exercised_by_the_corpus() {
    let checker = WordingChecker::built_in();
    let c = corpus();
    let fired: BTreeSet<String> = c
        .flagged
        .iter()
        .flat_map(|f| checker.check(&f.text))
        .map(|f| f.rule_id)
        .collect();
    let families: BTreeSet<&str> = c.flagged.iter().map(|f| f.family.as_str()).collect();
    for r in checker.rules() {
        assert!(
            fired.contains(&r.id),
            "no corpus phrase is flagged by {}",
            r.id
        );
        assert!(
            families.contains(r.family.as_str()),
            "no corpus family {}",
            r.family
        );
    }
}
