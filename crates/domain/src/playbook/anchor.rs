//! When a step's deadline starts counting (its anchor: noticed, logged, or after an earlier step is
//! done), how a step is written in TOML (`anchor`, `after`, `due`/`within`), and the plan of a
//! protocol's due instants (provisional until the steps they follow are done).

use super::{StepKind, StepOwner, StepTemplate};
use crate::deadline::{BusinessCalendar, DeadlineError, DeadlineRule};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The instant a step's deadline (`due`) is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// when the defect was noticed (`cases.noticed_at`): the customer is living through it now
    Noticed,
    /// when the case was logged
    Logged,
    /// when step N (1-based, earlier in the same protocol) was done or skipped
    After(u32),
}

impl Anchor {
    /// The stored name: `noticed`, `logged` or `after` (its step in [`Anchor::after_position`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Anchor::Noticed => "noticed",
            Anchor::Logged => "logged",
            Anchor::After(_) => "after",
        }
    }

    /// The step it follows, for `after`.
    pub fn after_position(self) -> Option<u32> {
        match self {
            Anchor::After(n) => Some(n),
            _ => None,
        }
    }

    /// Read back from its stored name and step; `None` when they do not make an anchor.
    pub fn from_parts(name: &str, after: Option<i64>) -> Option<Anchor> {
        match (name, after) {
            ("noticed", _) => Some(Anchor::Noticed),
            ("logged", _) => Some(Anchor::Logged),
            ("after", Some(n)) => u32::try_from(n).ok().map(Anchor::After),
            _ => None,
        }
    }
}

/// The anchor a step has when its file gives none: a verification follows the last step before it
/// that is not a verification (it checks that work); any other step counts from the logging.
pub fn default_anchor(steps: &[StepTemplate], index: usize) -> Anchor {
    let last_work = || {
        steps[..index.min(steps.len())]
            .iter()
            .rposition(|s| s.kind != StepKind::Verify)
    };
    match steps.get(index).map(|s| s.kind) {
        Some(StepKind::Verify) => {
            last_work().map_or(Anchor::Logged, |i| Anchor::After(i as u32 + 1))
        }
        _ => Anchor::Logged,
    }
}

/// Each step's anchor: the one written, else [`default_anchor`].
pub fn anchors(steps: &[StepTemplate]) -> Vec<Anchor> {
    (0..steps.len())
        .map(|i| steps[i].anchor.unwrap_or_else(|| default_anchor(steps, i)))
        .collect()
}

/// What the planner needs of a step: where its deadline counts from, and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub anchor: Anchor,
    pub due: DeadlineRule,
}

/// The timings of a protocol's steps, anchors resolved.
pub fn timings(steps: &[StepTemplate]) -> Vec<Timing> {
    anchors(steps)
        .into_iter()
        .zip(steps)
        .map(|(anchor, s)| Timing {
            anchor,
            due: s.due.clone(),
        })
        .collect()
}

/// The instants a case's deadlines count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseMoments {
    pub noticed: Timestamp,
    pub logged: Timestamp,
}

/// Each step's due instant, by position. `done` holds the steps already done or skipped (position,
/// 1-based → when). A step after one not yet done is due provisionally: the due instant of the step
/// it follows (itself provisional, perhaps), then its own rule from there. Rules are read in the
/// calendar from the anchor's instant (`same_day 17:00` is the anchor's day). An `after` that does
/// not point at an earlier step (refused at import) counts from the logging.
pub fn plan_dues(
    steps: &[Timing],
    at: CaseMoments,
    calendar: &BusinessCalendar,
    done: &BTreeMap<u32, Timestamp>,
) -> Result<Vec<Timestamp>, DeadlineError> {
    let mut dues: Vec<Timestamp> = Vec::with_capacity(steps.len());
    for (i, st) in steps.iter().enumerate() {
        let from = match st.anchor {
            Anchor::Noticed => at.noticed,
            Anchor::After(n) if n >= 1 && (n as usize) <= i => {
                done.get(&n).copied().unwrap_or(dues[n as usize - 1])
            }
            Anchor::Logged | Anchor::After(_) => at.logged,
        };
        dues.push(calendar.due(&st.due, from)?);
    }
    Ok(dues)
}

/// Step `completed.0` was done (or skipped) at `completed.1`: the new due instant of every step still
/// to do that is anchored after it, directly or through a chain of steps still to do, by position.
/// `done` holds the other steps already done or skipped.
pub fn redue_after(
    steps: &[Timing],
    at: CaseMoments,
    calendar: &BusinessCalendar,
    done: &BTreeMap<u32, Timestamp>,
    completed: (u32, Timestamp),
) -> Result<Vec<(u32, Timestamp)>, DeadlineError> {
    let mut done = done.clone();
    done.insert(completed.0, completed.1);
    let mut follows = vec![false; steps.len()];
    for (i, st) in steps.iter().enumerate() {
        if let Anchor::After(n) = st.anchor
            && n >= 1
            && (n as usize) <= i
        {
            let pending_link = follows[n as usize - 1] && !done.contains_key(&n);
            follows[i] = n == completed.0 || pending_link;
        }
    }
    if !follows.contains(&true) {
        return Ok(Vec::new());
    }
    let dues = plan_dues(steps, at, calendar, &done)?;
    Ok((1..=steps.len() as u32)
        .zip(dues)
        .filter(|(p, _)| follows[*p as usize - 1] && !done.contains_key(p))
        .collect())
}

/// The line of a parse error at byte `at`: a step's own (its title's line, searched from `at`, the
/// table the error is reported on) when the message names the step, else the line of `at`.
pub(super) fn step_error_at(text: &str, at: usize, message: &str) -> usize {
    let title = message
        .split_once("step '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(title, _)| format!("title = \"{title}\""));
    let found = title.and_then(|t| text.get(at..).and_then(|rest| rest.find(&t)));
    super::line_of(text, at + found.unwrap_or(0))
}

/// A step as written in TOML: `anchor = "noticed" | "logged"` or `after = N`, and `due` (or its other
/// name `within`, only with `after`).
#[derive(Serialize, Deserialize)]
pub(super) struct RawStep {
    title: String,
    kind: StepKind,
    owner: StepOwner,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    anchor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due: Option<DeadlineRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    within: Option<DeadlineRule>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    say: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    write: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    wording: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gesture: Option<String>,
}

impl TryFrom<RawStep> for StepTemplate {
    type Error = String;

    fn try_from(r: RawStep) -> Result<Self, String> {
        let anchor = match (r.anchor.as_deref(), r.after) {
            (None, None) => None,
            (Some("noticed"), None) => Some(Anchor::Noticed),
            (Some("logged"), None) => Some(Anchor::Logged),
            (None | Some("after"), Some(n)) => Some(Anchor::After(n)),
            (Some(a @ ("noticed" | "logged")), Some(_)) => {
                return Err(format!(
                    "step '{}' has both anchor = \"{a}\" and after: give one",
                    r.title
                ));
            }
            (Some(other), _) => {
                return Err(format!(
                    "step '{}' has anchor = \"{other}\": expected \"noticed\", \"logged\", or after = N (an earlier step)",
                    r.title
                ));
            }
        };
        let due = match (r.due, r.within) {
            (Some(_), Some(_)) => {
                return Err(format!(
                    "step '{}' gives both due and within: give one",
                    r.title
                ));
            }
            (None, Some(_)) if r.after.is_none() => {
                return Err(format!(
                    "step '{}' has within but no after = N: within counts from an earlier step; use due",
                    r.title
                ));
            }
            (Some(d), None) | (None, Some(d)) => d,
            (None, None) => return Err(format!("step '{}' needs a due rule (due)", r.title)),
        };
        Ok(StepTemplate {
            title: r.title,
            kind: r.kind,
            owner: r.owner,
            anchor,
            due,
            say: r.say,
            write: r.write,
            wording: r.wording,
            gesture: r.gesture,
        })
    }
}

impl From<StepTemplate> for RawStep {
    fn from(s: StepTemplate) -> Self {
        let after = s.anchor.and_then(Anchor::after_position);
        // A duration after a step reads as `within`; any other rule stays `due`.
        let within = after.is_some() && matches!(s.due, DeadlineRule::After(_));
        RawStep {
            title: s.title,
            kind: s.kind,
            owner: s.owner,
            anchor: s
                .anchor
                .filter(|a| a.after_position().is_none())
                .map(|a| a.as_str().to_string()),
            after,
            due: (!within).then(|| s.due.clone()),
            within: within.then_some(s.due),
            say: s.say,
            write: s.write,
            wording: s.wording,
            gesture: s.gesture,
        }
    }
}

#[cfg(test)]
mod tests;
