//! One defect as the editor's form holds it (every field as typed), read back into a defect with each
//! problem beside its field, and the step moves (up, down, remove, add) that act on the form.

use olive_domain::deadline::DeadlineChoice;
use olive_domain::playbook::{
    Anchor, Defect, Playbook, Severity, StepKind, StepOwner, StepTemplate,
};
use std::collections::BTreeMap;

pub type Fields = BTreeMap<String, String>;
pub type Errors = BTreeMap<String, String>;

/// One step as typed.
#[derive(Debug, Clone, Default)]
pub struct StepDraft {
    pub title: String,
    pub kind: String,
    pub owner: String,
    pub due_kind: String,
    pub due_number: String,
    pub due_time: String,
    /// `` (as usual), `noticed`, `logged`, `after:N`
    pub anchor: String,
    pub say: String,
    pub write: String,
    pub gesture: String,
    /// (during a move) a check that counts from the last piece of work before it
    pub(super) follows_work: bool,
}

/// A defect as typed.
#[derive(Debug, Clone, Default)]
pub struct DefectDraft {
    pub code: String,
    pub stage: String,
    pub title: String,
    pub severity: String,
    pub keywords: String,
    pub prevention: String,
    pub early_detection: String,
    /// the gesture kinds offered (codes)
    pub gestures: Vec<String>,
    pub steps: Vec<StepDraft>,
}

impl StepDraft {
    pub fn from_step(s: &StepTemplate) -> StepDraft {
        let c = s.due.choice();
        StepDraft {
            title: s.title.clone(),
            kind: s.kind.as_str().into(),
            owner: s.owner.as_str().into(),
            due_kind: c.kind.into(),
            due_number: c.number,
            due_time: c.time,
            anchor: s.anchor.map(|a| a.form_value()).unwrap_or_default(),
            say: s.say().to_string(),
            write: s.write.clone(),
            gesture: s.gesture.clone().unwrap_or_default(),
            follows_work: false,
        }
    }

    fn blank() -> StepDraft {
        StepDraft {
            title: "New step".into(),
            kind: "fix".into(),
            owner: "front_desk".into(),
            due_kind: "same_day".into(),
            due_time: "17:00".into(),
            ..StepDraft::default()
        }
    }
}

impl DefectDraft {
    pub fn from_defect(d: &Defect) -> DefectDraft {
        DefectDraft {
            code: d.code.clone(),
            stage: d.stage.clone(),
            title: d.title.clone(),
            severity: d.severity.as_str().into(),
            keywords: d.keywords.join(", "),
            prevention: d.prevention.clone(),
            early_detection: d.early_detection.clone(),
            gestures: d.gestures.clone(),
            steps: d.steps.iter().map(StepDraft::from_step).collect(),
        }
    }

    /// The form as posted (`s0_title`, `s0_due_kind` … for each of `steps` steps; `g_<code>` per gesture).
    pub fn from_form(f: &Fields) -> DefectDraft {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        let n: usize = get("steps").parse().unwrap_or(0).min(40);
        DefectDraft {
            code: get("defect"),
            stage: get("stage"),
            title: get("title"),
            severity: get("severity"),
            keywords: get("keywords"),
            prevention: get("prevention"),
            early_detection: get("early_detection"),
            gestures: f
                .keys()
                .filter_map(|k| k.strip_prefix("g_"))
                .map(str::to_string)
                .collect(),
            steps: (0..n)
                .map(|i| {
                    let s = |k: &str| get(&format!("s{i}_{k}"));
                    StepDraft {
                        title: s("title"),
                        kind: s("kind"),
                        owner: s("owner"),
                        due_kind: s("due_kind"),
                        due_number: s("due_number"),
                        due_time: s("due_time"),
                        anchor: s("anchor"),
                        say: s("say"),
                        write: s("write"),
                        gesture: s("gesture"),
                        follows_work: false,
                    }
                })
                .collect(),
        }
    }

    /// Apply a step move: `up:N`, `down:N`, `remove:N` (0-based) or `add`; anchors that name a step
    /// by position follow it. `false` when the move does not apply.
    pub fn apply(&mut self, op: &str) -> bool {
        let (verb, at) = op.split_once(':').unwrap_or((op, ""));
        let at: Option<usize> = at.parse().ok();
        let len = self.steps.len();
        self.mark_checks();
        let moved = self.shift(verb, at, len);
        self.repoint_checks();
        moved
    }

    /// The position (1-based) of the last step before `i` that is not a check.
    fn last_work(&self, i: usize) -> Option<usize> {
        self.steps[..i]
            .iter()
            .rposition(|s| s.kind != "verify")
            .map(|p| p + 1)
    }

    fn mark_checks(&mut self) {
        for i in 0..self.steps.len() {
            let last = self.last_work(i).map(|n| format!("after:{n}"));
            let s = &mut self.steps[i];
            s.follows_work = s.kind == "verify" && Some(&s.anchor) == last.as_ref();
        }
    }

    /// A check that counted from the last piece of work still does, wherever the work moved.
    fn repoint_checks(&mut self) {
        for i in 0..self.steps.len() {
            if self.steps[i].follows_work
                && let Some(n) = self.last_work(i)
            {
                self.steps[i].anchor = format!("after:{n}");
            }
            self.steps[i].follows_work = false;
        }
    }

    fn shift(&mut self, verb: &str, at: Option<usize>, len: usize) -> bool {
        match (verb, at) {
            ("up", Some(i)) if i > 0 && i < len => self.swap(i - 1, i),
            ("down", Some(i)) if i + 1 < len => self.swap(i, i + 1),
            ("remove", Some(i)) if i < len && len > 1 => {
                self.steps.remove(i);
                self.renumber(|n| match n {
                    n if n == i + 1 => None,
                    n if n > i + 1 => Some(n - 1),
                    n => Some(n),
                });
            }
            ("add", _) => {
                // before the closing checks, so the verification still comes last
                let k = self
                    .steps
                    .iter()
                    .rposition(|s| s.kind != "verify")
                    .map_or(0, |p| p + 1);
                self.steps.insert(k, StepDraft::blank());
                self.renumber(|n| Some(if n > k { n + 1 } else { n }));
            }
            _ => return false,
        }
        true
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.steps.swap(a, b);
        let (pa, pb) = (a + 1, b + 1);
        self.renumber(|n| {
            Some(match n {
                n if n == pa => pb,
                n if n == pb => pa,
                n => n,
            })
        });
    }

    /// Rewrite every `after:N` anchor (1-based N); `None` resets it to "as usual".
    fn renumber(&mut self, f: impl Fn(usize) -> Option<usize>) {
        for s in &mut self.steps {
            if let Some(n) = s.anchor.strip_prefix("after:").and_then(|n| n.parse().ok()) {
                s.anchor = f(n).map(|m| format!("after:{m}")).unwrap_or_default();
            }
        }
    }

    /// The defect the form describes, or every problem keyed by its field (`title`, `s2_due_number` …).
    pub fn to_defect(&self, p: &Playbook) -> Result<Defect, Errors> {
        let mut errs = Errors::new();
        if self.title.trim().is_empty() {
            errs.insert("title".into(), "Give the defect a title.".into());
        }
        if p.stage(&self.stage).is_none() {
            errs.insert("stage".into(), "Choose a stage of the cycle.".into());
        }
        let severity = Severity::parse(&self.severity).unwrap_or_else(|| {
            errs.insert("severity".into(), "Choose how bad it is.".into());
            Severity::Minor
        });
        let mut steps = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            let key = |k: &str| format!("s{i}_{k}");
            if s.title.trim().is_empty() {
                errs.insert(key("title"), "Give the step a title.".into());
            }
            let kind = StepKind::parse(&s.kind).unwrap_or_else(|| {
                errs.insert(key("kind"), "Choose what the step is for.".into());
                StepKind::Fix
            });
            let owner = s.owner.parse::<StepOwner>().unwrap_or_else(|_| {
                errs.insert(key("owner"), "Choose who does it.".into());
                StepOwner::Provider
            });
            let due = match DeadlineChoice::to_rule(&s.due_kind, &s.due_number, &s.due_time) {
                Ok(r) => Some(r),
                Err(e) => {
                    errs.insert(key(&format!("due_{}", e.field)), e.message);
                    None
                }
            };
            let anchor = match s.anchor.as_str() {
                "" => None,
                v => match Anchor::from_form(v) {
                    Some(Anchor::After(n)) if n as usize > i => {
                        errs.insert(key("anchor"), "It can only follow a step before it.".into());
                        None
                    }
                    Some(a) => Some(a),
                    None => {
                        errs.insert(
                            key("anchor"),
                            "Choose when the deadline counts from.".into(),
                        );
                        None
                    }
                },
            };
            let gesture = Some(s.gesture.trim().to_string()).filter(|g| !g.is_empty());
            if let Some(g) = &gesture
                && p.gesture(g).is_none()
            {
                errs.insert(
                    key("gesture"),
                    "Choose one of the playbook's gestures.".into(),
                );
            }
            if let Some(due) = due {
                steps.push(StepTemplate {
                    title: s.title.trim().into(),
                    kind,
                    owner,
                    anchor,
                    due,
                    say: s.say.trim().into(),
                    write: s.write.trim().into(),
                    wording: String::new(),
                    gesture,
                });
            }
        }
        if self.steps.is_empty() {
            errs.insert("steps".into(), "A protocol needs at least one step.".into());
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let d = Defect {
            code: self.code.clone(),
            stage: self.stage.clone(),
            title: self.title.trim().into(),
            severity,
            keywords: self
                .keywords
                .split(',')
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect(),
            prevention: self.prevention.trim().into(),
            early_detection: self.early_detection.trim().into(),
            gestures: self
                .gestures
                .iter()
                .filter(|g| p.gesture(g).is_some())
                .cloned()
                .collect(),
            steps,
        };
        // The whole playbook's rules (a verification last, anchors in order …): each beside its step.
        let mut whole = p.clone();
        match whole.defects.iter_mut().find(|x| x.code == d.code) {
            Some(x) => *x = d.clone(),
            None => whole.defects.push(d.clone()),
        }
        if let Err(e) = Playbook::from_toml(&whole.to_toml()) {
            for issue in e.issues {
                if !issue.message.contains(&format!("'{}'", d.code)) {
                    continue;
                }
                let key = step_of(&issue.message)
                    .filter(|n| *n >= 1 && *n <= self.steps.len())
                    .map_or("steps".to_string(), |n| format!("s{}_kind", n - 1));
                let words = plain_issue(&issue.message, &d.code);
                errs.entry(key)
                    .and_modify(|m| {
                        m.push(' ');
                        m.push_str(&words);
                    })
                    .or_insert(words);
            }
        }
        if errs.is_empty() { Ok(d) } else { Err(errs) }
    }
}

/// The step number a validation message is about ("… step 3 (fix) follows …").
fn step_of(message: &str) -> Option<usize> {
    let rest = &message[message.find("step ")? + 5..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A validation message in the editor's words (no codes, no file syntax).
fn plain_issue(message: &str, code: &str) -> String {
    let m = message
        .replace(&format!("defect '{code}' "), "")
        .replace("of kind 'verify'", "that checks it worked")
        .replace("(verify)", "(the check)")
        .replace("a verify step", "the check that it worked");
    let m = match m.find(": write ") {
        Some(i) => m[..i].to_string(),
        None => m,
    };
    let mut c = m.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str().trim_end_matches('.')),
        None => m,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dental() -> Playbook {
        Playbook::from_toml(Playbook::built_in_source("dental").expect("built in")).expect("valid")
    }

    #[test]
    fn a_defect_survives_its_form() {
        let p = dental();
        for d in p.defects.iter().take(3) {
            let back = DefectDraft::from_defect(d).to_defect(&p).expect("valid");
            assert_eq!(back.steps.len(), d.steps.len());
            assert_eq!(back.title, d.title);
        }
    }

    #[test]
    fn moves_keep_anchors_on_their_steps() {
        let mut d = DefectDraft::default();
        for (t, a) in [("a", ""), ("b", ""), ("c", "after:2")] {
            d.steps.push(StepDraft {
                title: t.into(),
                anchor: a.into(),
                kind: "fix".into(),
                ..StepDraft::default()
            });
        }
        assert!(d.apply("up:1"));
        assert_eq!(d.steps[0].title, "b");
        assert_eq!(d.steps[2].anchor, "after:1");
        assert!(d.apply("remove:0"));
        assert_eq!(d.steps[1].anchor, "");
        assert!(d.apply("add"));
        assert_eq!(d.steps.len(), 3);
        assert!(!d.apply("up:0"));
        assert!(!d.apply("down:2"));
    }

    #[test]
    fn a_step_added_and_moved_up_keeps_the_protocol_valid() {
        let p = dental();
        for d in p.defects.iter().take(3) {
            let mut draft = DefectDraft::from_defect(d);
            assert!(draft.apply("add"));
            let at = draft
                .steps
                .iter()
                .position(|s| s.title == "New step")
                .expect("added");
            if at > 0 {
                assert!(draft.apply(&format!("up:{at}")));
            }
            let back = draft.to_defect(&p);
            assert!(back.is_ok(), "{}: {:?}", d.code, back.err());
        }
    }

    #[test]
    fn a_bad_number_is_reported_beside_its_field() {
        let p = dental();
        let mut d = DefectDraft::from_defect(&p.defects[0]);
        d.steps[0].due_kind = "minutes".into();
        d.steps[0].due_number = "ten".into();
        let errs = d.to_defect(&p).expect_err("invalid");
        assert!(errs.contains_key("s0_due_number"));
    }

    #[test]
    fn a_step_after_the_check_is_refused_beside_it() {
        let p = dental();
        let mut d = DefectDraft::from_defect(&p.defects[0]);
        let last = d.steps.len() - 1;
        d.apply(&format!("down:{}", last - 1));
        let errs = d.to_defect(&p).expect_err("invalid");
        assert!(errs.keys().any(|k| k.starts_with('s')), "{errs:?}");
        assert!(!errs.values().any(|m| m.contains("verify")), "{errs:?}");
    }
}
