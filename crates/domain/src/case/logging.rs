//! Logging a case after the moment: when the defect was noticed, and the first steps already done on the spot.

use crate::playbook::{StepKind, StepTemplate};
use jiff::{SignedDuration, Timestamp};

/// How far back a case may say it was noticed (a case logged the next morning is fine; last month is
/// another case).
pub const NOTICED_WITHIN: SignedDuration = SignedDuration::from_hours(7 * 24);

/// A little clock drift between a tablet and the server is not "in the future".
const CLOCK_SLACK: SignedDuration = SignedDuration::from_mins(2);

/// When the defect was noticed: `None` means now; a time in the future or more than a week ago is refused.
pub fn check_noticed(noticed: Option<Timestamp>, now: Timestamp) -> Result<Timestamp, String> {
    let Some(at) = noticed else {
        return Ok(now);
    };
    if at > now.saturating_add(CLOCK_SLACK).unwrap_or(now) {
        return Err("that time has not come yet: when was it noticed?".into());
    }
    if at < now.saturating_sub(NOTICED_WITHIN).unwrap_or(now) {
        return Err("log a defect within a week of noticing it".into());
    }
    Ok(at.min(now))
}

/// Steps the person logging the case already did on the spot ("I've apologised and re-fired it"),
/// by position (1-based). Only steps done by doing them: not a gesture (it is done by recording the
/// gesture, with its value) and not the verification (the customer says whether it hit home, later).
pub fn check_done_at_logging(steps: &[StepTemplate], done: &[u32]) -> Result<Vec<usize>, String> {
    let mut out = Vec::with_capacity(done.len());
    for &p in done {
        let i = (p as usize).checked_sub(1).filter(|i| *i < steps.len());
        let Some(i) = i else {
            return Err(format!("there is no step {p} in this protocol"));
        };
        match steps[i].kind {
            StepKind::Gesture => {
                return Err(format!(
                    "step {p} is a gesture: record it on the case page with its value"
                ));
            }
            StepKind::Verify => {
                return Err(format!(
                    "step {p} checks with the customer that it hit home: it cannot be done when logging"
                ));
            }
            _ => {}
        }
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// The steps offered as "already done" when logging: those [`check_done_at_logging`] accepts.
pub fn can_be_done_at_logging(step: &StepTemplate) -> bool {
    !matches!(step.kind, StepKind::Gesture | StepKind::Verify)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Playbook;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn noticed_is_now_or_within_a_week_before() {
        let now = at("2026-12-05T10:00:00Z");
        assert_eq!(check_noticed(None, now), Ok(now));
        let earlier = at("2026-12-05T09:20:00Z");
        assert_eq!(check_noticed(Some(earlier), now), Ok(earlier));
        // A minute of clock drift is now, not an error.
        assert_eq!(
            check_noticed(Some(at("2026-12-05T10:01:00Z")), now),
            Ok(now)
        );
        assert!(check_noticed(Some(at("2026-12-05T10:30:00Z")), now).is_err());
        assert!(check_noticed(Some(at("2026-11-27T10:00:00Z")), now).is_err());
        assert!(check_noticed(Some(at("2026-11-29T10:00:00Z")), now).is_ok());
    }

    #[test]
    fn only_steps_done_by_doing_them_can_be_ticked_at_logging() {
        let p = Playbook::from_toml(Playbook::built_in_source("restaurant").unwrap()).unwrap();
        let d = p.defect("meal-not-as-ordered").unwrap();
        let kinds: Vec<StepKind> = d.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds[0], StepKind::Acknowledge);
        assert_eq!(check_done_at_logging(&d.steps, &[2, 1, 1]), Ok(vec![0, 1]));
        let verify = d.steps.len() as u32;
        assert!(
            check_done_at_logging(&d.steps, &[verify])
                .unwrap_err()
                .contains("cannot be done")
        );
        let gesture = kinds.iter().position(|k| *k == StepKind::Gesture).unwrap() as u32 + 1;
        assert!(
            check_done_at_logging(&d.steps, &[gesture])
                .unwrap_err()
                .contains("gesture")
        );
        assert!(check_done_at_logging(&d.steps, &[0]).is_err());
        assert!(check_done_at_logging(&d.steps, &[99]).is_err());
        assert_eq!(check_done_at_logging(&d.steps, &[]), Ok(vec![]));
    }
}
