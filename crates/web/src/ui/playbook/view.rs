//! What the editor shows: the stages with their defect counts, one stage's defects (each a summary, or
//! the form of the one being edited, or its retire confirmation), the retired ones, and a newer
//! built-in release's differences.

use super::draft::{DefectDraft, Errors};
use crate::ui::money;
use olive_domain::deadline::plain::KINDS;
use olive_domain::playbook::upgrade::DefectDiff;
use olive_domain::playbook::{Anchor, Defect, Playbook, StepKind, StepOwner, StepTemplate, anchor};
use olive_domain::role::Role;
use olive_storage::admin::BuiltInOffer;

/// What every part of the editor needs to build its links and forms.
#[derive(Clone)]
pub struct Ctx {
    pub csrf: String,
    pub location: String,
    pub location_name: String,
    /// `1` when the group's playbook is shown instead of the location's own copy
    pub group: String,
    pub stage: String,
    pub can_edit: bool,
    /// an admin looking at the group's playbook chooses where a change goes
    pub choose_scope: bool,
    pub owners: Vec<(String, String)>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub due_kinds: Vec<(&'static str, &'static str)>,
    pub gestures: Vec<(String, String)>,
    pub stages: Vec<(String, String)>,
}

impl Ctx {
    /// The query naming this view (`location=…&stage=…[&group=1]`).
    pub fn q(&self) -> String {
        let g = if self.group == "1" { "&group=1" } else { "" };
        format!(
            "location={}&stage={}{g}",
            crate::ui::urlencode(&self.location),
            crate::ui::urlencode(&self.stage)
        )
    }

    pub fn new(p: &Playbook, csrf: &str, location: (&str, &str), group: bool, stage: &str) -> Ctx {
        let mut owners: Vec<(String, String)> = Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), p.role_label(*r)))
            .collect();
        owners.push((
            "provider".into(),
            format!("{} (the case's own)", p.owner_label(StepOwner::Provider)),
        ));
        Ctx {
            csrf: csrf.into(),
            location: location.0.into(),
            location_name: location.1.into(),
            group: if group { "1".into() } else { String::new() },
            stage: stage.into(),
            can_edit: false,
            choose_scope: false,
            owners,
            kinds: StepKind::ALL
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            due_kinds: KINDS.to_vec(),
            gestures: p
                .gestures
                .iter()
                .map(|g| (g.code.clone(), g.name.clone()))
                .collect(),
            stages: p
                .stages
                .iter()
                .map(|s| (s.code.clone(), s.name.clone()))
                .collect(),
        }
    }
}

/// One step as the summary reads it.
pub struct StepLine {
    pub title: String,
    pub kind: &'static str,
    pub owner: String,
    pub when: String,
    pub say: String,
    pub write: String,
}

impl StepLine {
    pub fn of(p: &Playbook, steps: &[StepTemplate]) -> Vec<StepLine> {
        steps
            .iter()
            .zip(anchor::anchors(steps))
            .map(|(s, a)| StepLine {
                title: s.title.clone(),
                kind: s.kind.label(),
                owner: p.owner_label(s.owner),
                when: olive_domain::playbook::plain::timing_label(a, &s.due),
                say: s.say().to_string(),
                write: s.write.clone(),
            })
            .collect()
    }
}

/// The form of the defect being edited.
pub struct EditForm {
    pub draft: DefectDraft,
    pub errors: Errors,
    pub rows: Vec<StepRow>,
    pub saved: Option<String>,
}

/// One step of the form, with its place and its anchor choices (value, words).
pub struct StepRow {
    pub i: usize,
    pub n: usize,
    pub last: bool,
    pub s: super::draft::StepDraft,
    pub anchors: Vec<(String, String)>,
}

impl EditForm {
    pub fn new(draft: DefectDraft, errors: Errors, saved: Option<String>) -> EditForm {
        let len = draft.steps.len();
        let rows = (0..len)
            .map(|i| {
                let mut v = vec![
                    (
                        "".to_string(),
                        "As usual (a check counts from the work before it)".to_string(),
                    ),
                    (
                        Anchor::Logged.form_value(),
                        "From when it was logged".to_string(),
                    ),
                    (
                        Anchor::Noticed.form_value(),
                        "From when it was noticed".to_string(),
                    ),
                ];
                v.extend((1..=i).map(|n| {
                    let a = Anchor::After(n as u32);
                    (a.form_value(), format!("After step {n} is done"))
                }));
                StepRow {
                    i,
                    n: i + 1,
                    last: i + 1 == len,
                    s: draft.steps[i].clone(),
                    anchors: v,
                }
            })
            .collect();
        EditForm {
            draft,
            errors,
            rows,
            saved,
        }
    }

    /// The problem with a field, or "".
    pub fn err(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }

    pub fn step_err(&self, i: &usize, key: &str) -> &str {
        self.err(&format!("s{i}_{key}"))
    }
}

/// A defect in the stage's list.
pub struct DefectCard {
    pub code: String,
    pub title: String,
    pub severity: &'static str,
    pub severity_class: &'static str,
    pub prevention: String,
    pub early_detection: String,
    pub gestures: String,
    pub steps: Vec<StepLine>,
    pub edit: Option<EditForm>,
    pub confirm_retire: bool,
}

impl DefectCard {
    pub fn of(p: &Playbook, d: &Defect, currency: &str) -> DefectCard {
        DefectCard {
            code: d.code.clone(),
            title: d.title.clone(),
            severity: d.severity.label(),
            severity_class: d.severity.as_str(),
            prevention: d.prevention.clone(),
            early_detection: d.early_detection.clone(),
            gestures: d
                .gestures
                .iter()
                .filter_map(|g| p.gesture(g))
                .map(|g| match g.typical_value_cents {
                    Some(v) if v.0 == 0 => format!("{} (no cost)", g.name),
                    Some(v) => format!("{} (about {})", g.name, money(v.0, currency)),
                    None => format!("{} (at its real value)", g.name),
                })
                .collect::<Vec<_>>()
                .join(", "),
            steps: StepLine::of(p, &d.steps),
            edit: None,
            confirm_retire: false,
        }
    }
}

/// A defect of a newer built-in release against the playbook's own, side by side.
pub struct DiffCard {
    pub code: String,
    pub title: String,
    pub change: &'static str,
    /// rows: [yours, the new release's], whether they differ
    pub rows: Vec<(Vec<Option<StepLine>>, bool)>,
}

pub struct OfferView {
    pub name: String,
    pub diffs: Vec<DiffCard>,
}

impl OfferView {
    pub fn of(mine: &Playbook, offer: BuiltInOffer) -> OfferView {
        let new = olive_storage::admin::built_in_parsed(&mine.playbook.code)
            .unwrap_or_else(|| std::sync::Arc::new(mine.clone()));
        OfferView {
            name: offer.name,
            diffs: offer
                .diffs
                .into_iter()
                .map(|d: DefectDiff| {
                    let steps = |x: &Option<Defect>, p: &Playbook| {
                        x.as_ref()
                            .map(|d| StepLine::of(p, &d.steps))
                            .unwrap_or_default()
                    };
                    let (a, b) = (steps(&d.mine, mine), steps(&d.theirs, &new));
                    let n = a.len().max(b.len());
                    let mut a = a.into_iter();
                    let mut b = b.into_iter();
                    let rows = (0..n)
                        .map(|_| {
                            let (x, y) = (a.next(), b.next());
                            let differ = match (&x, &y) {
                                (Some(x), Some(y)) => {
                                    (&x.title, &x.when, &x.owner, &x.say, &x.write)
                                        != (&y.title, &y.when, &y.owner, &y.say, &y.write)
                                }
                                _ => true,
                            };
                            (vec![x, y], differ)
                        })
                        .collect();
                    DiffCard {
                        code: d.code,
                        title: d.title,
                        change: d.change.label(),
                        rows,
                    }
                })
                .collect(),
        }
    }
}
