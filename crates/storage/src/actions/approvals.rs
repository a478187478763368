//! Decisions on gesture requests reach the requester: the reason a decline needs, their My-work
//! entry, notification and email, and acknowledging the entry.

use super::*;
use crate::rows::{from_ms, oi, opt_rfc3339, os, rfc3339};
use crate::views::PersonRef;
use serde::Serialize;
use sqlx::any::AnyRow;

/// A decision on one of the caller's gesture requests, waiting for them to acknowledge it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub gesture_id: String,
    pub case_id: String,
    /// the case's reference, `C-1042`
    pub case_ref: String,
    pub location_id: String,
    /// the playbook's gesture code (`flowers`)
    pub kind: String,
    pub value_cents: i64,
    pub currency: String,
    /// `approved` or `declined` (or later in its life: `sent`, `delivered`)
    pub status: GestureStatus,
    /// who decided
    pub decided_by: PersonRef,
    /// when (RFC 3339)
    pub decided_at: String,
    /// the reason given (always there for a decline)
    pub reason: Option<String>,
    /// when the request was escalated because nobody decided it in time
    pub escalated_at: Option<String>,
}

/// The decision's reason, checked and trimmed: declining needs one (a 422 naming `note`).
pub(super) fn checked_reason(to: GestureStatus, d: &Decision) -> Result<Decision, StoreError> {
    let note = olive_domain::approval::decision_reason(to, d.note.as_deref())
        .map_err(|e| StoreError::field("note", e.to_string()))?;
    Ok(Decision {
        note,
        address: d.address.clone(),
    })
}

/// Notification kinds a decision or an escalation leaves in the requester's My work.
pub const DECISION_KINDS: [&str; 3] =
    ["gesture_approved", "gesture_declined", "approval_escalated"];

/// A gesture's kind and value as staff read them, with the playbook's name for it:
/// `Flowers delivered to the patient's home (300.00 AUD)` (the code, spaced, if the playbook lost it).
pub(crate) fn gesture_words(
    playbook: &olive_domain::Playbook,
    kind: &str,
    cents: i64,
    currency: &str,
) -> String {
    let name = playbook
        .gesture(kind)
        .map_or_else(|| kind.replace('-', " "), |g| g.name.clone());
    format!("{name} ({} {currency})", Cents(cents))
}

impl Store {
    /// After an approval or a decline, in its transaction: the requester gets a My-work entry and an
    /// email (when they have an address) naming the decider, the time and the reason. Nothing when
    /// they decided themselves (an admin on their own request) or for other moves.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn tell_requester(
        &self,
        tx: &mut Tx,
        c: &CaseRow,
        gesture: &AnyRow,
        to: GestureStatus,
        decider: &Actor,
        reason: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let requester = s(gesture, "given_by")?;
        if !matches!(to, GestureStatus::Approved | GestureStatus::Declined)
            || requester == decider.staff_id
        {
            return Ok(());
        }
        let loc = tx
            .fetch_optional(
                &crate::store::location_select()
                    .and_where(Expr::col(("l", "id")).eq(c.location_id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("location"))?;
        let location = crate::store::location_from_row(&loc)?;
        let playbook = self
            .playbook_at(&location.playbook_code, location.playbook_updated_at)
            .await?;
        let tz = location.tz;
        let when = local_hm(ms(now), &tz);
        let what = gesture_words(
            &playbook,
            &s(gesture, "kind")?,
            i(gesture, "value_cents")?,
            &s(gesture, "currency")?,
        );
        let (kind, verb) = match to {
            GestureStatus::Declined => ("gesture_declined", "declined"),
            _ => ("gesture_approved", "approved"),
        };
        let why = reason.map_or(String::new(), |r| format!(": “{r}”"));
        let text = format!(
            "{} {verb} your request for {what} on C-{} at {when}{why}.",
            decider.name, c.reference
        );
        let subject = format!(
            "{}: {what} on C-{}",
            if to == GestureStatus::Declined {
                "Declined"
            } else {
                "Approved"
            },
            c.reference
        );
        self.notify(
            tx,
            std::slice::from_ref(&requester),
            c,
            kind,
            &subject,
            &text,
            now,
        )
        .await
    }

    /// Decisions on the caller's requests they have not acknowledged yet, newest first.
    pub async fn my_decisions(&self, actor: &Actor) -> Result<Vec<DecisionView>, StoreError> {
        let q = Query::select()
            .columns([
                ("g", "id"),
                ("g", "case_id"),
                ("g", "kind"),
                ("g", "value_cents"),
                ("g", "currency"),
                ("g", "status"),
                ("g", "decided_by"),
                ("g", "decided_at"),
                ("g", "decision_note"),
                ("g", "escalated_at"),
            ])
            .expr_as(Expr::col(("c", "ref")), "case_ref")
            .expr_as(Expr::col(("c", "location_id")), "loc")
            .from_as("gestures", "g")
            .inner_join(
                sea_query::TableRef::Table("cases".into(), Some("c".into())),
                Expr::col(("c", "id")).equals(("g", "case_id")),
            )
            .and_where(Expr::col(("g", "given_by")).eq(actor.staff_id.clone()))
            .and_where(Expr::col(("g", "decided_at")).is_not_null())
            .and_where(Expr::col(("g", "decided_by")).ne(actor.staff_id.clone()))
            .and_where(Expr::col(("g", "decision_seen_at")).is_null())
            .order_by(("g", "decided_at"), Order::Desc)
            .order_by(("g", "id"), Order::Desc)
            .limit(50)
            .to_owned();
        let rows = self.db.fetch_all(&q).await?;
        let names = self
            .names(rows.iter().filter_map(|r| s(r, "decided_by").ok()))
            .await?;
        rows.iter()
            .map(|r| {
                let by = s(r, "decided_by")?;
                Ok(DecisionView {
                    gesture_id: s(r, "id")?,
                    case_id: s(r, "case_id")?,
                    case_ref: format!("C-{}", i(r, "case_ref")?),
                    location_id: s(r, "loc")?,
                    kind: s(r, "kind")?,
                    value_cents: i(r, "value_cents")?,
                    currency: s(r, "currency")?,
                    status: parse(&s(r, "status")?, GestureStatus::parse)?,
                    decided_by: PersonRef {
                        name: names.get(&by).cloned().unwrap_or_default(),
                        id: by,
                    },
                    decided_at: rfc3339(i(r, "decided_at")?),
                    reason: os(r, "decision_note")?,
                    escalated_at: opt_rfc3339(oi(r, "escalated_at")?),
                })
            })
            .collect()
    }

    /// The requester acknowledges a decision: it leaves their My work and their alert, and the
    /// case's decision notices are marked read. Acknowledging twice changes nothing.
    pub async fn acknowledge_decision(
        &self,
        actor: &Actor,
        gesture_id: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(["case_id", "decided_at"])
                    .from("gestures")
                    .and_where(Expr::col("id").eq(gesture_id))
                    .and_where(Expr::col("given_by").eq(actor.staff_id.clone()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("decision"))?;
        if oi(&row, "decided_at")?.is_none() {
            return Err(StoreError::conflict(
                "not_decided",
                "nobody has decided this request yet",
            ));
        }
        tx.execute(
            &Query::update()
                .table("gestures")
                .value(
                    "decision_seen_at",
                    Expr::col("decision_seen_at").if_null(ms(now)),
                )
                .and_where(Expr::col("id").eq(gesture_id))
                .to_owned(),
        )
        .await?;
        tx.execute(
            &Query::update()
                .table("notifications")
                .value("read_at", ms(now))
                .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                .and_where(Expr::col("case_id").eq(s(&row, "case_id")?))
                .and_where(Expr::col("kind").is_in(DECISION_KINDS))
                .and_where(Expr::col("read_at").is_null())
                .to_owned(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Acknowledge every decision on the caller's requests at once (the API's "all read"); returns
    /// how many were waiting.
    pub async fn acknowledge_decisions(
        &self,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Query::update()
                    .table("gestures")
                    .value("decision_seen_at", ms(now))
                    .and_where(Expr::col("given_by").eq(actor.staff_id.clone()))
                    .and_where(Expr::col("decided_at").is_not_null())
                    .and_where(Expr::col("decided_by").ne(actor.staff_id.clone()))
                    .and_where(Expr::col("decision_seen_at").is_null())
                    .to_owned(),
            )
            .await?;
        tx.execute(
            &Query::update()
                .table("notifications")
                .value("read_at", ms(now))
                .and_where(Expr::col("staff_id").eq(actor.staff_id.clone()))
                .and_where(Expr::col("kind").is_in(DECISION_KINDS))
                .and_where(Expr::col("read_at").is_null())
                .to_owned(),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// The local time of an instant stored in milliseconds, as alerts print it.
pub(crate) fn local_hm(at_ms: i64, tz: &jiff::tz::TimeZone) -> String {
    from_ms(at_ms)
        .to_zoned(tz.clone())
        .strftime("%H:%M %a %-d %b")
        .to_string()
}
