//! A newer built-in playbook against a business's own copy: the defects the new release changed
//! (added, removed, changed) where the copy does not already match it, and adopting one or all.

use super::{Defect, Playbook};

/// How a defect differs in the newer release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Added => "New in the built-in playbook",
            Change::Removed => "Removed from the built-in playbook",
            Change::Changed => "Changed in the built-in playbook",
        }
    }
}

/// One defect the newer release changed, with the copy's version and the release's side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct DefectDiff {
    pub code: String,
    pub title: String,
    pub change: Change,
    pub mine: Option<Defect>,
    pub theirs: Option<Defect>,
}

/// The defects `new` changed since `base` (the release the copy was based on; `None` when unknown:
/// every difference counts) that the copy `mine` does not already match. Retired defects of the copy
/// count as its own choice: a defect it retired is not offered again.
pub fn differences(mine: &Playbook, base: Option<&Playbook>, new: &Playbook) -> Vec<DefectDiff> {
    let retired = |code: &str| mine.retired_defects.iter().any(|d| d.code == code);
    let mut out = Vec::new();
    for n in &new.defects {
        let old = base.and_then(|b| b.defect(&n.code));
        if base.is_some() && old == Some(n) {
            continue;
        }
        let current = mine.defect(&n.code);
        if current == Some(n) || (current.is_none() && retired(&n.code)) {
            continue;
        }
        out.push(DefectDiff {
            code: n.code.clone(),
            title: n.title.clone(),
            change: if current.is_some() {
                Change::Changed
            } else {
                Change::Added
            },
            mine: current.cloned(),
            theirs: Some(n.clone()),
        });
    }
    let removed_upstream =
        |code: &str| new.defect(code).is_none() && base.is_none_or(|b| b.defect(code).is_some());
    for m in &mine.defects {
        if removed_upstream(&m.code) && base.is_some() {
            out.push(DefectDiff {
                code: m.code.clone(),
                title: m.title.clone(),
                change: Change::Removed,
                mine: Some(m.clone()),
                theirs: None,
            });
        }
    }
    out
}

/// Take the release's version of one defect into the copy: replaced, added (with any stage and
/// gesture kinds it needs), or retired when the release removed it. `false` when the release and the
/// copy know no such defect.
pub fn adopt(mine: &mut Playbook, new: &Playbook, code: &str) -> bool {
    match new.defect(code) {
        Some(d) => {
            if mine.stage(&d.stage).is_none()
                && let Some(s) = new.stage(&d.stage)
            {
                mine.stages.push(s.clone());
            }
            for g in &d.gestures {
                if mine.gesture(g).is_none()
                    && let Some(k) = new.gesture(g)
                {
                    mine.gestures.push(k.clone());
                }
            }
            mine.retired_defects.retain(|r| r.code != code);
            match mine.defects.iter_mut().find(|m| m.code == code) {
                Some(m) => *m = d.clone(),
                None => mine.defects.push(d.clone()),
            }
            true
        }
        None => match mine.defects.iter().position(|m| m.code == code) {
            Some(i) => {
                let d = mine.defects.remove(i);
                mine.retired_defects.push(d);
                true
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dental() -> Playbook {
        Playbook::from_toml(Playbook::built_in_source("dental").expect("built in")).expect("valid")
    }

    #[test]
    fn only_what_the_release_changed_and_the_copy_lacks_is_offered() {
        let base = dental();
        let mut new = base.clone();
        new.defects[0].steps[0].say = "Something new to say.".into();
        let mut mine = base.clone();
        mine.defects[1].title = "Our own title".into();
        let diffs = differences(&mine, Some(&base), &new);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].code, base.defects[0].code);
        assert_eq!(diffs[0].change, Change::Changed);
        assert!(adopt(&mut mine, &new, &diffs[0].code.clone()));
        assert!(differences(&mine, Some(&base), &new).is_empty());
        assert_eq!(mine.defects[1].title, "Our own title");
    }

    #[test]
    fn added_and_removed_defects() {
        let base = dental();
        let mut new = base.clone();
        let gone = new.defects.remove(0);
        let mut added = new.defects[0].clone();
        added.code = "brand-new".into();
        new.defects.push(added);
        let mut mine = base.clone();
        let diffs = differences(&mine, Some(&base), &new);
        let kinds: Vec<_> = diffs.iter().map(|d| (d.code.as_str(), d.change)).collect();
        assert!(kinds.contains(&("brand-new", Change::Added)));
        assert!(kinds.contains(&(gone.code.as_str(), Change::Removed)));
        for d in &diffs {
            assert!(adopt(&mut mine, &new, &d.code));
        }
        assert!(mine.defect("brand-new").is_some());
        assert!(mine.defect(&gone.code).is_none());
        assert!(mine.retired_defects.iter().any(|d| d.code == gone.code));
        assert!(differences(&mine, Some(&base), &new).is_empty());
    }
}
