//! The protocols Olive writes itself rather than a playbook: for a defect not in the playbook
//! (`other`), the steps a reopened case gets (put it right again, check again), and the call when the
//! customer left a follow-up unanswered. Typed values, so none can fail to parse at run time.

use super::{StepKind, StepTemplate};
use crate::deadline::DeadlineRule;
use crate::role::Role;
use jiff::SignedDuration;
use jiff::civil::Time;

/// The code a case uses for a defect not in the playbook.
pub const OTHER: &str = "other";

fn step(
    title: impl Into<String>,
    kind: StepKind,
    owner: Role,
    due: DeadlineRule,
    say: &str,
) -> StepTemplate {
    StepTemplate {
        title: title.into(),
        kind,
        owner: owner.into(),
        anchor: None,
        due,
        say: say.into(),
        write: String::new(),
        wording: String::new(),
        gesture: None,
    }
}

/// A defect not in the playbook (`other`): acknowledge within 10 minutes, put it right the same day,
/// check it worked by noon the next business day; all the front desk's.
pub fn other() -> Vec<StepTemplate> {
    vec![
        step(
            "Acknowledge and apologise",
            StepKind::Acknowledge,
            Role::FrontDesk,
            DeadlineRule::After(SignedDuration::from_mins(10)),
            "I'm sorry this happened. I'll look after it myself.",
        ),
        step(
            "Put it right",
            StepKind::Fix,
            Role::FrontDesk,
            DeadlineRule::SameDay(Time::constant(17, 0, 0, 0)),
            "",
        ),
        step(
            "Check the recovery hit home",
            StepKind::Verify,
            Role::FrontDesk,
            DeadlineRule::NextBusinessDay(Time::constant(12, 0, 0, 0)),
            "I wanted to check that we put things right for you.",
        ),
    ]
}

/// A case reopened (by a person, or by a poor answer): the manager puts it right again by noon the
/// next business day, titled `title`, and (with `verify`) checks again within two business days.
pub fn reopened(title: &str, verify: bool) -> Vec<StepTemplate> {
    let mut steps = vec![step(
        title,
        StepKind::Fix,
        Role::Manager,
        DeadlineRule::NextBusinessDay(Time::constant(12, 0, 0, 0)),
        "",
    )];
    if verify {
        steps.push(step(
            "Verify the recovery with the customer",
            StepKind::Verify,
            Role::Manager,
            DeadlineRule::BusinessDays { days: 2, at: None },
            "I wanted to check that we have now put things right for you.",
        ));
    }
    steps
}

/// The customer (`who`) did not answer the follow-up in time: the front desk calls them by noon the
/// next business day.
pub fn unanswered_call(who: &str) -> StepTemplate {
    step(
        format!("Call {who} to check we made it right (no answer to the follow-up)"),
        StepKind::Verify,
        Role::FrontDesk,
        DeadlineRule::NextBusinessDay(Time::constant(12, 0, 0, 0)),
        "Hi {customer_first_name}, it's {me} from {business}. I wanted to check that we put things right for you.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocols_olive_writes_are_what_they_were_as_text() {
        let o = other();
        assert_eq!(o.len(), 3);
        assert_eq!(o[0].due, "PT10M".parse().unwrap());
        assert_eq!(o[1].due, "same_day 17:00".parse().unwrap());
        assert_eq!(o[2].due, "next_business_day 12:00".parse().unwrap());
        assert_eq!(
            o.iter().map(|s| s.kind).collect::<Vec<_>>(),
            [StepKind::Acknowledge, StepKind::Fix, StepKind::Verify]
        );
        let r = reopened("Put it right again", true);
        assert_eq!(r[0].title, "Put it right again");
        assert_eq!(r[1].due, "business_days 2".parse().unwrap());
        assert_eq!(reopened("Again", false).len(), 1);
        let call = unanswered_call("Ava");
        assert!(call.title.starts_with("Call Ava "));
        assert_eq!(call.kind, StepKind::Verify);
    }
}
