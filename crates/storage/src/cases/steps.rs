//! A case's protocol steps as rows: the columns, one step's values (with its anchor), and the insert for steps added later.

use crate::rows::{ms, new_id};
use jiff::Timestamp;
use olive_domain::case::StepStatus;
use olive_domain::playbook::{Anchor, StepKind, StepOwner, StepTemplate};
use sea_query::Query;

pub(crate) const STEP_COLS: [&str; 20] = [
    "id",
    "case_id",
    "position",
    "title",
    "kind",
    "owner_role",
    "due_rule",
    "due_at",
    "wording",
    "gesture_code",
    "status",
    "next_alert_at",
    "say_text",
    "write_text",
    "done_by",
    "done_at",
    "anchor",
    "after_position",
    "assignee_id",
    "for_provider",
];

/// One protocol step's values for `case_steps`, with where its due counts from and whose it is
/// (`assignee` None: its role's queue).
pub(crate) fn step_values(
    step_id: &str,
    case_id: &str,
    (position, anchor): (i64, Anchor),
    t: &StepTemplate,
    due_at: Timestamp,
    done: Option<(&str, Timestamp)>,
    assignee: Option<&str>,
) -> Vec<sea_query::Expr> {
    vec![
        step_id.into(),
        case_id.into(),
        position.into(),
        t.title.clone().into(),
        t.kind.as_str().into(),
        t.owner.role().as_str().into(),
        t.due.to_string().into(),
        ms(due_at).into(),
        t.say().to_string().into(),
        t.gesture.clone().into(),
        if done.is_some() {
            StepStatus::Done
        } else {
            StepStatus::Pending
        }
        .as_str()
        .into(),
        // Alert level 0 looks at the due instant; the scheduler plans from there.
        ms(due_at).into(),
        t.say.clone().into(),
        t.write.clone().into(),
        done.map(|(by, _)| by.to_string()).into(),
        done.map(|(_, at)| ms(at)).into(),
        anchor.as_str().into(),
        anchor.after_position().map(i64::from).into(),
        assignee.map(str::to_string).into(),
        i64::from(t.owner == StepOwner::Provider).into(),
    ]
}

/// One multi-row insert for steps added to a case: `(position, template, due instant, assignee)` each. A step
/// added with no anchor counts from when it was added (stored as `logged`: its due is fixed), but a
/// verification added right after the step it checks follows that step.
pub(crate) fn steps_insert(
    case_id: &str,
    steps: &[(i64, &StepTemplate, Timestamp, Option<&str>)],
) -> sea_query::InsertStatement {
    let mut q = Query::insert()
        .into_table("case_steps")
        .columns(STEP_COLS)
        .to_owned();
    let mut before: Option<(i64, StepKind)> = None;
    for (position, t, due_at, assignee) in steps {
        let anchor = t.anchor.unwrap_or(match before {
            Some((p, k)) if t.kind == StepKind::Verify && k != StepKind::Verify => {
                Anchor::After(u32::try_from(p).unwrap_or(0))
            }
            _ => Anchor::Logged,
        });
        q.values_panic(step_values(
            &new_id(),
            case_id,
            (*position, anchor),
            t,
            *due_at,
            None,
            *assignee,
        ));
        before = Some((*position, t.kind));
    }
    q
}
