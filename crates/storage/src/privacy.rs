//! Data the users own: erasing a customer's personal data from a case (on request, or once the retention
//! period has passed), in one transaction.
//!
//! What erasure does (the statistics, stages, defects, gesture values and times stay):
//! - **erased whole** (written by or about the customer): the customer's name (`[erased]`), phone, email
//!   and address (emptied), the case description, what the customer said at verification, follow-up
//!   recipients and comments, and in timeline payloads every value under a customer-ish key (`customer*`,
//!   `name`, `phone`, `email`, `address`, `description`, `customer_said`, `comment`, `text` of notes,
//!   `message` of follow-ups, `recipient`); emails to the customer (pending ones are not sent);
//! - **scrubbed** (staff process text, kept for learning): step titles, notes and skip reasons, gesture
//!   notes, hand-off reasons, the cancel/reopen reason and the prevention note, other timeline text, My-work
//!   entries, staff emails and webhook bodies lose every mention of the name (and each word of it), the
//!   phone, the email and the address.

use crate::actor::Actor;
use crate::audit::By;
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, os, rfc3339, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::case::{CaseEvent, CaseStatus};
use olive_domain::events::EventType;
use olive_domain::ids::CaseKey;
use olive_domain::permission::Permission;
use sea_query::{Cond, Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What erased text reads as.
pub const ERASED: &str = "[erased]";

/// Timeline payload keys whose values are the customer's own data: replaced whole.
const ERASE_KEYS: &str = "customer customer_name customer_phone customer_email customer_address name \
    phone email address description customer_said comment text message recipient";

/// An erasure request: the reason is required and kept on the timeline.
#[derive(Debug, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// why, e.g. "customer asked by email on 3 March"
    #[serde(default)]
    pub reason: String,
}

/// What an erasure did.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Erasure {
    pub case_id: String,
    /// e.g. `C-1042`
    #[serde(rename = "ref")]
    pub reference: String,
    pub redacted_at: String,
    /// rows rewritten besides the case itself (steps, gestures, hand-offs, verifications, follow-ups,
    /// timeline entries, My-work entries, messages)
    pub rows_changed: u64,
}

/// The case's personal data, as the erasure needs it.
struct Personal {
    id: String,
    location_id: String,
    reference: i64,
    email: Option<String>,
    /// what to remove from free text, longest first
    needles: Vec<String>,
}

const COLS: [&str; 9] = [
    "id",
    "ref",
    "location_id",
    "status",
    "closed_at",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_address",
];

fn personal(r: &sqlx::any::AnyRow) -> Result<Personal, StoreError> {
    let name = s(r, "customer_name")?;
    let phone = os(r, "customer_phone")?;
    let email = os(r, "customer_email")?;
    let mut needles = vec![name.trim().to_string()];
    needles.extend(
        name.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().count() >= 2)
            .map(str::to_string),
    );
    if let Some(p) = &phone {
        needles.push(p.clone());
        needles.push(p.chars().filter(|c| !c.is_whitespace()).collect());
    }
    needles.extend(email.clone());
    needles.extend(os(r, "customer_address")?);
    needles.retain(|n| !n.trim().is_empty() && n != ERASED);
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    needles.dedup();
    Ok(Personal {
        id: s(r, "id")?,
        location_id: s(r, "location_id")?,
        reference: i(r, "ref")?,
        email,
        needles,
    })
}

/// `needle` at the start of `hay`, ignoring case: the byte length matched.
fn match_ci(hay: &str, needle: &str) -> Option<usize> {
    let mut h = hay.char_indices();
    for nc in needle.chars() {
        let (_, hc) = h.next()?;
        if !hc.to_lowercase().eq(nc.to_lowercase()) {
            return None;
        }
    }
    Some(h.next().map_or(hay.len(), |(at, _)| at))
}

/// Replace every whole-word mention of a needle (any case) with `[erased]`.
pub fn scrub(text: &str, needles: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut prev: Option<char> = None;
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    'outer: while let Some(c) = rest.chars().next() {
        if !word(prev) || !word(Some(c)) {
            for n in needles {
                if let Some(len) = match_ci(rest, n) {
                    let last = rest[..len].chars().next_back();
                    if !(word(last) && word(rest[len..].chars().next())) {
                        out.push_str(ERASED);
                        prev = last;
                        rest = &rest[len..];
                        continue 'outer;
                    }
                }
            }
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Every string in a value replaced (numbers, yes/no and nulls stay: ratings, `satisfied`).
fn erase_all(v: &Value) -> Value {
    match v {
        Value::String(t) if t.is_empty() => Value::String(String::new()),
        Value::String(_) => Value::String(ERASED.into()),
        Value::Array(a) => a.iter().map(erase_all).collect(),
        Value::Object(m) => m.iter().map(|(k, x)| (k.clone(), erase_all(x))).collect(),
        other => other.clone(),
    }
}

/// A timeline or webhook payload without the customer: customer-ish keys erased whole, other text scrubbed.
pub fn scrub_json(v: &Value, needles: &[String]) -> Value {
    match v {
        Value::String(t) => Value::String(scrub(t, needles)),
        Value::Array(a) => a.iter().map(|x| scrub_json(x, needles)).collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| {
                let v = if ERASE_KEYS.split_whitespace().any(|e| e == k) {
                    erase_all(x)
                } else {
                    scrub_json(x, needles)
                };
                (k.clone(), v)
            })
            .collect(),
        other => other.clone(),
    }
}

/// How a column is rewritten.
#[derive(Clone, Copy)]
enum Treat {
    Erase,
    Scrub,
    Json,
}

impl Treat {
    fn apply(self, v: Option<String>, needles: &[String]) -> Option<String> {
        let t = v?;
        Some(match self {
            Treat::Erase if t.is_empty() => t,
            Treat::Erase => ERASED.into(),
            Treat::Scrub => scrub(&t, needles),
            Treat::Json => match serde_json::from_str::<Value>(&t) {
                Ok(j) => scrub_json(&j, needles).to_string(),
                Err(_) => scrub(&t, needles),
            },
        })
    }
}

/// Rewrite the rows of `table` matching `filter`; returns how many changed.
async fn rewrite(
    tx: &mut crate::db::Tx,
    table: &'static str,
    filter: Cond,
    cols: &[(&'static str, Treat)],
    needles: &[String],
) -> Result<u64, StoreError> {
    let rows = tx
        .fetch_all(
            &Query::select()
                .column("id")
                .columns(cols.iter().map(|(c, _)| *c))
                .from(table)
                .cond_where(filter)
                .to_owned(),
        )
        .await?;
    let mut changed = 0;
    for r in &rows {
        let mut u = Query::update().table(table).to_owned();
        let mut any = false;
        for (col, treat) in cols {
            let old = os(r, col)?;
            let new = treat.apply(old.clone(), needles);
            if new != old {
                u.value(*col, new);
                any = true;
            }
        }
        if any {
            u.and_where(Expr::col("id").eq(s(r, "id")?));
            tx.execute(&u).await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Emails to the customer lose everything (and pending ones are not sent); other messages are scrubbed.
async fn rewrite_outbox(
    tx: &mut crate::db::Tx,
    p: &Personal,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mention = format!("%C-{}%", p.reference);
    let rows = tx
        .fetch_all(
            &Query::select()
                .columns(["id", "channel", "recipient", "subject", "body", "status"])
                .from("outbox")
                .cond_where(
                    Cond::any().add(Expr::col("case_id").eq(p.id.clone())).add(
                        Cond::all()
                            .add(Expr::col("case_id").is_null())
                            .add(Expr::col("body").like(mention)),
                    ),
                )
                .to_owned(),
        )
        .await?;
    let mut changed = 0;
    for r in &rows {
        let (channel, recipient) = (s(r, "channel")?, s(r, "recipient")?);
        let (subject, body) = (s(r, "subject")?, s(r, "body")?);
        let mut u = Query::update().table("outbox").to_owned();
        let to_customer = channel == "email"
            && p.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(recipient.trim()));
        if to_customer {
            u.values([
                ("recipient", ERASED.into()),
                ("subject", ERASED.into()),
                ("body", ERASED.into()),
            ]);
            if s(r, "status")? == "pending" {
                u.values([
                    ("status", "dead".into()),
                    ("last_error", "the customer's data was erased".into()),
                    ("next_attempt_at", ms(now).into()),
                ]);
            }
        } else {
            let treat = if channel == "webhook" {
                Treat::Json
            } else {
                Treat::Scrub
            };
            let new_subject = scrub(&subject, &p.needles);
            let new_body = treat.apply(Some(body.clone()), &p.needles);
            if new_subject == subject && new_body.as_deref() == Some(body.as_str()) {
                continue;
            }
            u.values([("subject", new_subject.into()), ("body", new_body.into())]);
        }
        u.and_where(Expr::col("id").eq(s(r, "id")?));
        tx.execute(&u).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Erase one case's personal data inside `tx` and record who, when and why on its timeline.
async fn redact(
    tx: &mut crate::db::Tx,
    p: &Personal,
    by: By<'_>,
    by_name: &str,
    reason: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let n = &p.needles;
    let of_case = || Cond::all().add(Expr::col("case_id").eq(p.id.clone()));
    let by_id = Cond::all().add(Expr::col("id").eq(p.id.clone()));
    rewrite(
        tx,
        "cases",
        by_id,
        &[
            ("description", Treat::Erase),
            ("status_reason", Treat::Scrub),
            ("prevention_note", Treat::Scrub),
        ],
        n,
    )
    .await?;
    tx.execute(
        &Query::update()
            .table("cases")
            .values([
                ("customer_name", ERASED.into()),
                ("customer_phone", None::<String>.into()),
                ("customer_phone_display", None::<String>.into()),
                ("customer_email", None::<String>.into()),
                ("customer_address", None::<String>.into()),
                ("preferred_name", None::<String>.into()),
                ("redacted_at", ms(now).into()),
                ("updated_at", ms(now).into()),
            ])
            .and_where(Expr::col("id").eq(p.id.clone()))
            .to_owned(),
    )
    .await?;
    use Treat::*;
    let parts: [(&'static str, &[(&'static str, Treat)]); 7] = [
        (
            "case_steps",
            &[("title", Scrub), ("note", Scrub), ("skip_reason", Scrub)],
        ),
        ("gestures", &[("note", Scrub), ("decision_note", Scrub)]),
        ("handoffs", &[("reason", Scrub), ("decline_reason", Scrub)]),
        ("verifications", &[("customer_said", Erase)]),
        ("followups", &[("recipient", Erase), ("comment", Erase)]),
        ("timeline", &[("data", Json)]),
        ("notifications", &[("text", Scrub)]),
    ];
    let mut changed = 0;
    for (table, cols) in parts {
        changed += rewrite(tx, table, of_case(), cols, n).await?;
    }
    // A link still out with the customer stops working: nothing more comes in about them.
    tx.execute(
        &Query::update()
            .table("followups")
            .value("expires_at", ms(now))
            .cond_where(of_case())
            .and_where(Expr::col("answered_at").is_null())
            .and_where(Expr::col("expires_at").gt(ms(now)))
            .to_owned(),
    )
    .await?;
    changed += rewrite_outbox(tx, p, now).await?;
    // The audit trail's entries about the case: only their `data` may be rewritten (see 0006_audit.sql).
    changed += rewrite(
        tx,
        "audit_log",
        Cond::all().add(Expr::col("entity_id").eq(p.id.clone())),
        &[("data", Treat::Json)],
        n,
    )
    .await?;
    let trigger = if matches!(by, By::System) {
        "retention"
    } else {
        "request"
    };
    let data = serde_json::json!({"by": by_name, "reason": scrub(reason, n)});
    tx.case_event(&p.id, &p.location_id, now, by, CaseEvent::Redacted, data)
        .await?;
    // After the outbox was rewritten, and with no personal data (not even the reason, which people type):
    // which case, where (the envelope's location) and when.
    crate::outbox::emit(
        tx,
        EventType::CaseErased,
        &p.location_id,
        Some(&p.id),
        serde_json::json!({"case_id": p.id, "ref": format!("C-{}", p.reference), "erased_at": rfc3339(ms(now)), "trigger": trigger}),
        now,
    )
    .await?;
    Ok(changed)
}

impl Store {
    /// Erase the customer's personal data from a case (managers of its location and admins; others at
    /// the location get 403, anyone elsewhere 404). Running it again is harmless and is recorded again.
    pub async fn erase_case(
        &self,
        actor: &Actor,
        key: &str,
        req: EraseRequest,
        now: Timestamp,
    ) -> Result<Erasure, StoreError> {
        let reason = req.reason.trim().to_string();
        let mut errs = FieldErrors::default();
        errs.check(
            !reason.is_empty(),
            "reason",
            "say why the customer's data is erased",
        );
        errs.check(
            reason.chars().count() <= 500,
            "reason",
            "500 characters at most",
        );
        errs.into_result()?;
        let cond = match key.parse::<CaseKey>() {
            Ok(CaseKey::Id(id)) => Expr::col("id").eq(id.to_string()),
            Ok(CaseKey::Ref(r)) => Expr::col("ref").eq(r.0),
            Err(()) => return Err(StoreError::NotFound("case")),
        };
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                &Query::select()
                    .columns(COLS)
                    .from("cases")
                    .and_where(cond)
                    .lock(LockType::Update)
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("case"))?;
        actor.require_on(Permission::Erase, &s(&row, "location_id")?, "case")?;
        let p = personal(&row)?;
        let changed = redact(&mut tx, &p, By::Staff(actor), &actor.name, &reason, now).await?;
        tx.commit().await?;
        Ok(Erasure {
            case_id: p.id,
            reference: format!("C-{}", p.reference),
            redacted_at: rfc3339(ms(now)),
            rows_changed: changed,
        })
    }

    /// Erase the personal data of up to `batch` closed or cancelled cases that finished more than `days`
    /// days before `now` and were not erased yet (one transaction). Returns how many were erased.
    pub async fn apply_retention(
        &self,
        days: u32,
        now: Timestamp,
        batch: u64,
    ) -> Result<usize, StoreError> {
        let cutoff = ms(now).saturating_sub(i64::from(days) * 86_400_000);
        let mut tx = self.db.begin().await?;
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns(COLS)
                    .from("cases")
                    .and_where(Expr::col("redacted_at").is_null())
                    .and_where(Expr::col("closed_at").is_not_null())
                    .and_where(Expr::col("closed_at").lt(cutoff))
                    .and_where(
                        Expr::col("status")
                            .is_in([CaseStatus::Closed.as_str(), CaseStatus::Cancelled.as_str()]),
                    )
                    .order_by("closed_at", Order::Asc)
                    .limit(Ord::max(batch, 1))
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                    .to_owned(),
            )
            .await?;
        let reason = format!("retention period of {days} days");
        for r in &rows {
            redact(
                &mut tx,
                &personal(r)?,
                By::System,
                "retention",
                &reason,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }
}
