//! What the case page says in words: a status, and one line for each event of the timeline.

use olive_domain::case::{CaseStatus, CloseOutcome};

pub(super) fn status_text(s: CaseStatus, outcome: Option<CloseOutcome>) -> String {
    match (s, outcome) {
        (CaseStatus::Closed, Some(CloseOutcome::Recovered)) => "Closed · recovered".into(),
        (CaseStatus::Closed, Some(CloseOutcome::NotRecovered)) => "Closed · not recovered".into(),
        (s, _) => s.label().into(),
    }
}

pub(super) fn event_text(e: &olive_storage::views::TimelineEntry) -> (String, String) {
    let d = &e.data;
    let s = |k: &str| {
        d.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let ev = serde_json::to_value(e.event)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let detail = match ev.as_str() {
        "step_completed" | "step_skipped" => format!(
            "{}{}",
            s("title"),
            if s("reason").is_empty() {
                String::new()
            } else {
                format!(" — {}", s("reason"))
            }
        ),
        "gesture_given" | "gesture_requested" | "gesture_approved" | "gesture_declined"
        | "gesture_sent" | "gesture_delivered" => {
            format!(
                "{} ({}){}",
                s("kind"),
                olive_domain::money::Cents(
                    d.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(0)
                ),
                if s("note").is_empty()
                    || !matches!(ev.as_str(), "gesture_approved" | "gesture_declined")
                {
                    String::new()
                } else {
                    format!(" — “{}”", s("note"))
                }
            )
        }
        "escalated" if !s("gesture_id").is_empty() => format!(
            "nobody decided the request for {} ({}) within {} minutes; the other managers and the admins were told",
            s("kind"),
            olive_domain::money::Cents(d.get("value_cents").and_then(|v| v.as_i64()).unwrap_or(0)),
            d.get("minutes").and_then(|v| v.as_i64()).unwrap_or(0)
        ),
        "handoff_proposed" | "handoff_declined" | "reopened" | "cancelled" => s("reason"),
        "verified" => format!("“{}”", s("customer_said")),
        // Closed by the customer's answer: the root cause is `not_stated` (older entries have none).
        "closed" if s("by") == "customer_answer" || s("root_cause").is_empty() => {
            format!(
                "{} · by the customer's answer",
                s("outcome").replace('_', " ")
            )
        }
        "closed" => format!(
            "{} · root cause {}",
            s("outcome").replace('_', " "),
            s("root_cause").replace('_', " ")
        ),
        "escalated" => format!("“{}” stayed overdue; the managers were told", s("step")),
        "severity_alert" => format!(
            "{} case: the managers were told ({})",
            s("severity"),
            s("reason").replace('_', " ")
        ),
        "follow_up_sent" => format!("by email: “{}”", s("message")),
        "follow_up_answered" => {
            let rating = d.get("rating").and_then(|v| v.as_i64()).unwrap_or(0);
            let back = d.get("would_return").and_then(|v| v.as_bool()) == Some(true);
            let comment = s("comment");
            format!(
                "{rating} of 5, {}{}",
                if back {
                    "would come back"
                } else {
                    "would not come back"
                },
                if comment.is_empty() {
                    String::new()
                } else {
                    format!(" — “{comment}”")
                }
            )
        }
        "follow_up_unanswered" => s("step"),
        "opted_out" => "the customer asked not to be contacted again".into(),
        "redacted" => format!("the customer's personal data was erased — {}", s("reason")),
        "note" => s("text"),
        "status_changed" => {
            let label = |k: &str| {
                CaseStatus::parse(&s(k))
                    .map_or_else(|| s(k).replace('_', " "), |c| c.label().into())
            };
            format!("{} → {}", label("from"), label("to"))
        }
        "edited" => d
            .get("changes")
            .and_then(|c| c.as_object())
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default(),
        _ => String::new(),
    };
    (ev.replace('_', " "), detail)
}

#[cfg(test)]
mod tests {
    use super::event_text;
    use olive_domain::case::CaseEvent;
    use olive_storage::views::TimelineEntry;
    use serde_json::json;

    fn closed(data: serde_json::Value) -> String {
        let e = TimelineEntry {
            id: "t".into(),
            at: "2026-11-24T00:00:00Z".into(),
            actor: None,
            event: CaseEvent::Closed,
            data,
        };
        event_text(&e).1
    }

    #[test]
    fn a_close_says_who_closed_and_why() {
        assert_eq!(
            closed(json!({"outcome": "recovered", "root_cause": "scheduling"})),
            "recovered · root cause scheduling"
        );
        // The customer's answer records `not_stated`; the timeline says it was their answer.
        assert_eq!(
            closed(
                json!({"outcome": "recovered", "by": "customer_answer", "root_cause": "not_stated"})
            ),
            "recovered · by the customer's answer"
        );
        assert_eq!(
            closed(json!({"outcome": "recovered", "by": "customer_answer"})),
            "recovered · by the customer's answer"
        );
    }
}
