//! The lines at the top of the case page: the customer's poor answer or opt-out, and the prevention action.

/// What staff must see first: the customer's latest answer when it was poor, and whether they asked
/// not to be contacted again.
/// Where the process fix for this case's defect stands, and the link to it on the Prevention page.
pub(super) fn prevention_line(
    a: &olive_storage::prevention::PreventionSummary,
) -> (String, String) {
    use olive_domain::prevention::PreventionStatus;
    let state = match a.status {
        PreventionStatus::Open => "open",
        PreventionStatus::InProgress => "in progress",
        PreventionStatus::Done => "done",
    };
    let owner = a.owner.as_ref().map_or_else(
        || "nobody owns it yet".to_string(),
        |o| format!("owner {}", o.name),
    );
    let due = a
        .due_on
        .as_deref()
        .map(|d| format!(", due {d}"))
        .unwrap_or_default();
    let n = a.cases;
    let text = format!(
        "Fixing the process behind this defect is a prevention action of its own ({state}: {owner}{due}; {n} case{} so far). Closing this case does not wait for it.",
        if n == 1 { "" } else { "s" }
    );
    let link = format!("/prevention?status=all#pa-{}", a.id);
    (link, text)
}

pub(super) fn answer_banner(c: &olive_storage::views::CaseDetail) -> Option<String> {
    let poor = c
        .follow_ups
        .iter()
        .rev()
        .find(|f| f.state == "answered")
        .and_then(|f| {
            let rating = u8::try_from(f.rating?).ok()?;
            let comment = f.comment.clone().unwrap_or_default();
            let answer =
                olive_domain::followup::Answer::new(rating, f.would_return?, &comment).ok()?;
            (!answer.is_recovered()).then(|| {
                let mut s = format!(
                    "The {} answered {rating} of 5{}",
                    c.customer_noun,
                    if answer.would_return {
                        ""
                    } else {
                        " and would not come back"
                    }
                );
                if !comment.trim().is_empty() {
                    s.push_str(&format!(": \u{201c}{}\u{201d}", comment.trim()));
                }
                s.push('.');
                s
            })
        });
    let opted = c
        .customer_opted_out
        .then_some("They asked not to be contacted again: do not call or email them about this.");
    match (poor, opted) {
        (None, None) => None,
        (Some(p), None) => Some(p),
        (None, Some(o)) => Some(o.to_string()),
        (Some(p), Some(o)) => Some(format!("{p} {o}")),
    }
}
