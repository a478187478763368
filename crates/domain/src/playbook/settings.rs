//! The playbook-wide settings a manager edits on one page (the business's word for its customers,
//! its role labels, its gestures and the fields a case asks for), and which of them a group change
//! passes on to a location's own copy: only a part the location had not changed itself.

use super::{CaseField, GestureKind, Playbook, RoleLabels};

/// The parts of a playbook that are not one defect's.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub customer_noun: String,
    pub customer_noun_plural: String,
    pub role_labels: RoleLabels,
    pub gestures: Vec<GestureKind>,
    pub case_fields: Vec<CaseField>,
}

/// Which parts a group change was passed on to, for the message ("the words and the gestures").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Passed {
    pub nouns: bool,
    pub roles: bool,
    pub gestures: bool,
    pub fields: bool,
}

impl Passed {
    pub fn any(self) -> bool {
        self.nouns || self.roles || self.gestures || self.fields
    }
}

impl Settings {
    pub fn of(p: &Playbook) -> Settings {
        Settings {
            customer_noun: p.playbook.customer_noun.clone(),
            customer_noun_plural: p.playbook.customer_noun_plural.clone(),
            role_labels: p.playbook.role_labels.clone(),
            gestures: p.gestures.clone(),
            case_fields: p.case_fields.clone(),
        }
    }

    /// Put into a playbook only the parts these settings change from `before` (the settings the form
    /// was drawn with): a part left as it was keeps the playbook's own, so a save aimed at a location's
    /// copy from the group's page never replaces what the location changed itself.
    pub fn apply_changes(&self, before: &Settings, p: &mut Playbook) {
        if (&self.customer_noun, &self.customer_noun_plural)
            != (&before.customer_noun, &before.customer_noun_plural)
        {
            p.playbook.customer_noun = self.customer_noun.clone();
            p.playbook.customer_noun_plural = self.customer_noun_plural.clone();
        }
        if self.role_labels != before.role_labels {
            p.playbook.role_labels = self.role_labels.clone();
        }
        if self.gestures != before.gestures {
            p.gestures = self.gestures.clone();
        }
        if self.case_fields != before.case_fields {
            p.case_fields = self.case_fields.clone();
        }
    }

    /// Pass a group change (`before` → `self`) on to a location's copy: each part the copy still had
    /// as the group had it before takes the new value; a part the location changed is left alone.
    pub fn pass_on(&self, before: &Settings, copy: &mut Playbook) -> Passed {
        let mine = Settings::of(copy);
        let nouns = (
            mine.customer_noun.as_str(),
            mine.customer_noun_plural.as_str(),
        ) == (
            before.customer_noun.as_str(),
            before.customer_noun_plural.as_str(),
        ) && (&self.customer_noun, &self.customer_noun_plural)
            != (&before.customer_noun, &before.customer_noun_plural);
        let passed = Passed {
            nouns,
            roles: mine.role_labels == before.role_labels && self.role_labels != before.role_labels,
            gestures: mine.gestures == before.gestures && self.gestures != before.gestures,
            fields: mine.case_fields == before.case_fields
                && self.case_fields != before.case_fields,
        };
        if passed.nouns {
            copy.playbook.customer_noun = self.customer_noun.clone();
            copy.playbook.customer_noun_plural = self.customer_noun_plural.clone();
        }
        if passed.roles {
            copy.playbook.role_labels = self.role_labels.clone();
        }
        if passed.gestures {
            copy.gestures = self.gestures.clone();
        }
        if passed.fields {
            copy.case_fields = self.case_fields.clone();
        }
        passed
    }
}

impl Playbook {
    /// The titles of the defects (in use or retired) that offer a gesture kind: it cannot be taken
    /// out of the playbook while any does.
    pub fn gesture_users(&self, code: &str) -> Vec<&str> {
        self.defects
            .iter()
            .chain(&self.retired_defects)
            .filter(|d| {
                d.gestures.iter().any(|g| g == code)
                    || d.steps.iter().any(|s| s.gesture.as_deref() == Some(code))
            })
            .map(|d| d.title.as_str())
            .collect()
    }
}

/// A code made from a title: lower case, words joined by `-`, at most 48 characters
/// ("Taxi home" → `taxi-home`); empty when the title has no letter or digit.
pub fn code_from(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .take(48)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;

    fn dental() -> Playbook {
        Playbook::from_toml(Playbook::built_in_source("dental").expect("built in"))
            .expect("the dental playbook")
    }

    #[test]
    fn a_group_change_reaches_a_copy_only_where_the_copy_had_not_changed_that_part() {
        let group = dental();
        let before = Settings::of(&group);
        let mut after = before.clone();
        after.customer_noun = "client".into();
        after.customer_noun_plural = "clients".into();
        after.gestures[0].typical_value_cents = Some(Cents(7500));
        // One copy left as the group had it; another that renamed its dentists.
        let mut same = group.clone();
        let mut own = group.clone();
        own.playbook.role_labels.team_member = Some("Clinician".into());
        own.playbook.customer_noun = "guest".into();
        let a = after.pass_on(&before, &mut same);
        assert!(a.nouns && a.gestures && !a.roles && !a.fields);
        assert_eq!(same.playbook.customer_noun, "client");
        assert_eq!(same.gestures[0].typical_value_cents, Some(Cents(7500)));
        let b = after.pass_on(&before, &mut own);
        assert!(!b.nouns && b.gestures && !b.roles);
        assert_eq!(
            own.playbook.customer_noun, "guest",
            "the location's own word stays"
        );
        assert_eq!(
            own.playbook.role_labels.team_member.as_deref(),
            Some("Clinician")
        );
        // Nothing changed: nothing passed on.
        assert!(!before.pass_on(&before, &mut dental()).any());
        // A save aimed at a copy changes only what the form changed.
        let mut copy = group.clone();
        copy.playbook.customer_noun = "guest".into();
        let mut roles = before.clone();
        roles.role_labels.front_desk = Some("Host".into());
        roles.apply_changes(&before, &mut copy);
        assert_eq!(copy.playbook.customer_noun, "guest");
        assert_eq!(
            copy.playbook.role_labels.front_desk.as_deref(),
            Some("Host")
        );
    }

    #[test]
    fn a_gesture_offered_by_a_defect_names_its_users() {
        let p = dental();
        assert!(!p.gesture_users("flowers").is_empty());
        assert!(p.gesture_users("no-such-gesture").is_empty());
    }

    #[test]
    fn codes_come_from_titles() {
        assert_eq!(code_from("Taxi home (paid)"), "taxi-home-paid");
        assert_eq!(code_from("  ¡¿  "), "");
        assert!(code_from(&"word ".repeat(30)).len() <= 48);
        assert!(!code_from(&"ab ".repeat(30)).ends_with('-'));
    }
}
