//! A protocol step in a person's words: its kind ("Put it right"), when it is due counted from its
//! anchor ("10 minutes after step 2 is done"), and the editor's anchor choice.

use super::{Anchor, StepKind};
use crate::deadline::DeadlineRule;
use crate::deadline::plain::span;

impl StepKind {
    /// What a person reads for the kind of step.
    pub fn label(self) -> &'static str {
        match self {
            StepKind::Acknowledge => "Acknowledge",
            StepKind::Fix => "Put it right",
            StepKind::Gesture => "Gesture",
            StepKind::FollowUp => "Follow up",
            StepKind::Verify => "Check it worked",
        }
    }

    pub const ALL: [StepKind; 5] = [
        StepKind::Acknowledge,
        StepKind::Fix,
        StepKind::Gesture,
        StepKind::FollowUp,
        StepKind::Verify,
    ];
}

impl Anchor {
    /// Where the deadline counts from, in words: "when it was noticed", "after step 2 is done".
    pub fn label(self) -> String {
        match self {
            Anchor::Noticed => "from when it was noticed".into(),
            Anchor::Logged => "from when it was logged".into(),
            Anchor::After(n) => format!("after step {n} is done"),
        }
    }

    /// The editor's value: `noticed`, `logged` or `after:N`.
    pub fn form_value(self) -> String {
        match self {
            Anchor::After(n) => format!("after:{n}"),
            a => a.as_str().into(),
        }
    }

    /// Read the editor's value back (`None` for anything else).
    pub fn from_form(v: &str) -> Option<Anchor> {
        match v {
            "noticed" => Some(Anchor::Noticed),
            "logged" => Some(Anchor::Logged),
            _ => v
                .strip_prefix("after:")
                .and_then(|n| n.parse().ok())
                .filter(|n| *n >= 1)
                .map(Anchor::After),
        }
    }
}

/// When a step is due, in words: "within 10 minutes", "10 minutes after step 2 is done",
/// "same day by 5:00 pm, after step 1 is done", "within 1 hour of being noticed".
pub fn timing_label(anchor: Anchor, due: &DeadlineRule) -> String {
    match (anchor, due) {
        (Anchor::After(n), DeadlineRule::After(d)) => {
            format!("{} after step {n} is done", span(*d))
        }
        (Anchor::After(n), rule) => format!("{}, after step {n} is done", rule.label()),
        (Anchor::Noticed, DeadlineRule::After(d)) => {
            format!("within {} of being noticed", span(*d))
        }
        (Anchor::Noticed, rule) => format!("{}, counted from when it was noticed", rule.label()),
        (Anchor::Logged, rule) => rule.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> DeadlineRule {
        s.parse().expect("rule")
    }

    #[test]
    fn timings_read_in_words() {
        assert_eq!(
            timing_label(Anchor::Logged, &rule("PT10M")),
            "within 10 minutes"
        );
        assert_eq!(
            timing_label(Anchor::After(2), &rule("PT10M")),
            "10 minutes after step 2 is done"
        );
        assert_eq!(
            timing_label(Anchor::After(1), &rule("same_day 17:00")),
            "same day by 5:00 pm, after step 1 is done"
        );
        assert_eq!(
            timing_label(Anchor::Noticed, &rule("PT1H")),
            "within 1 hour of being noticed"
        );
    }

    #[test]
    fn anchor_form_round_trip() {
        for a in [Anchor::Noticed, Anchor::Logged, Anchor::After(3)] {
            assert_eq!(Anchor::from_form(&a.form_value()), Some(a));
        }
        assert_eq!(Anchor::from_form("after:0"), None);
        assert_eq!(Anchor::from_form("after:x"), None);
        assert_eq!(Anchor::from_form("PT10M"), None);
    }
}
