//! The outbox: every email and webhook delivery is written in the transaction of the change that caused
//! it, then claimed by a worker for a short lease, delivered, and marked delivered, retried or dead.

use crate::actor::Actor;
use crate::db::Tx;
use crate::error::StoreError;
use crate::rows::{i, ms, new_id, oi, opt_rfc3339, os, rfc3339, s};
use crate::store::Store;
use jiff::{SignedDuration, Timestamp};
use olive_domain::events::EventType;
use olive_domain::permission::Permission;
use sea_query::{Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use serde::Serialize;
use serde_json::{Value, json};

mod attachment;
mod manage;
mod sender;
pub use attachment::Attachment;
pub use sender::{CUSTOMER_EMAIL_EVENTS, Sender, is_customer_email};

const OUTBOX_COLS: [&str; 12] = [
    "id",
    "channel",
    "event",
    "event_id",
    "location_id",
    "case_id",
    "recipient",
    "subject",
    "body",
    "status",
    "next_attempt_at",
    "created_at",
];

/// How a message leaves Olive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }
    fn parse(v: &str) -> Option<Channel> {
        [Channel::Email, Channel::Webhook]
            .into_iter()
            .find(|c| c.as_str() == v)
    }
}

/// An email to queue in the current transaction.
pub(crate) struct EmailOut<'a> {
    pub to: &'a str,
    pub subject: String,
    pub body: String,
    /// what caused it (`reminder`, `follow_up`, ...)
    pub event: &'a str,
    pub location_id: &'a str,
    pub case_id: Option<&'a str>,
    /// a one-click unsubscribe address (RFC 8058) for a customer email
    pub list_unsubscribe: Option<String>,
}

/// Queue an email; returns the outbox id (also its Message-ID).
pub(crate) async fn queue_email(
    tx: &mut Tx,
    e: EmailOut<'_>,
    now: Timestamp,
) -> Result<String, StoreError> {
    queue_email_at(tx, e, now, now).await
}

/// `queue_email`, not sent before `send_at`.
pub(crate) async fn queue_email_at(
    tx: &mut Tx,
    e: EmailOut<'_>,
    now: Timestamp,
    send_at: Timestamp,
) -> Result<String, StoreError> {
    queue_email_attached(tx, e, None, now, send_at).await
}

/// `queue_email_at` with a file attached (kept with the message, so a restart or a retry sends it).
pub(crate) async fn queue_email_attached(
    tx: &mut Tx,
    e: EmailOut<'_>,
    attachment: Option<&Attachment>,
    now: Timestamp,
    send_at: Timestamp,
) -> Result<String, StoreError> {
    let id = new_id();
    tx.execute(
        &Query::insert()
            .into_table("outbox")
            .columns(
                OUTBOX_COLS
                    .into_iter()
                    .chain(["list_unsubscribe", "attachment"]),
            )
            .values_panic([
                id.clone().into(),
                Channel::Email.as_str().into(),
                e.event.into(),
                id.clone().into(),
                // an empty location: an email about no one location (the group's monthly report)
                Some(e.location_id)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .into(),
                e.case_id.map(str::to_string).into(),
                e.to.into(),
                e.subject.into(),
                e.body.into(),
                "pending".into(),
                ms(send_at).into(),
                ms(now).into(),
                e.list_unsubscribe.into(),
                attachment.map(Attachment::to_json).into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(id)
}

/// One event for `emit_many`: (location, case, data).
pub(crate) type EventOut = (String, Option<String>, Value);

/// Queue a webhook delivery of `event` to every active endpoint at the location that subscribed to it.
pub(crate) async fn emit(
    tx: &mut Tx,
    event: EventType,
    location_id: &str,
    case_id: Option<&str>,
    data: Value,
    now: Timestamp,
) -> Result<(), StoreError> {
    let one = (location_id.to_string(), case_id.map(str::to_string), data);
    emit_many(tx, event, vec![one], now).await
}

/// `emit` for several events of one type (one read of the endpoints, one insert).
pub(crate) async fn emit_many(
    tx: &mut Tx,
    event: EventType,
    events: Vec<EventOut>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut locations: Vec<String> = events.iter().map(|e| e.0.clone()).collect();
    locations.sort();
    locations.dedup();
    let hooks = tx
        .fetch_all(
            &Query::select()
                .columns(["id", "location_id", "events"])
                .from("webhooks")
                .and_where(Expr::col("active").eq(1))
                .and_where(Expr::col("location_id").is_in(locations))
                .to_owned(),
        )
        .await?;
    let mut subscribed = Vec::new();
    for h in &hooks {
        let wants = s(h, "events")?
            .split(',')
            .any(|e| e.trim() == event.as_str());
        if wants {
            subscribed.push((s(h, "id")?, s(h, "location_id")?));
        }
    }
    if subscribed.is_empty() {
        return Ok(());
    }
    let seqs = next_seqs(tx, &events).await?;
    let mut columns = OUTBOX_COLS.to_vec();
    columns.push("seq");
    let mut insert = Query::insert()
        .into_table("outbox")
        .columns(columns)
        .to_owned();
    for ((location_id, case_id, data), seq) in events.into_iter().zip(seqs) {
        let event_id = new_id();
        let body = json!({
            "id": event_id,
            "type": event.as_str(),
            "created_at": rfc3339(ms(now)),
            "location_id": location_id,
            "sequence": seq,
            "data": data,
        })
        .to_string();
        for (hook, _) in subscribed.iter().filter(|(_, l)| *l == location_id) {
            insert.values_panic([
                new_id().into(),
                Channel::Webhook.as_str().into(),
                event.as_str().into(),
                event_id.clone().into(),
                location_id.clone().into(),
                case_id.clone().into(),
                hook.clone().into(),
                event.as_str().into(),
                body.clone().into(),
                "pending".into(),
                ms(now).into(),
                ms(now).into(),
                seq.into(),
            ]);
        }
    }
    tx.execute_once(&insert).await?;
    Ok(())
}

/// The next event numbers of the cases these events are about, in the events' order (None for an event
/// about no case). Each case's counter moves in this transaction (its row stays locked until the change
/// commits), so a case's numbers increase strictly in the order its changes commit. A case named k times
/// gets k numbers: one statement per distinct k, then one read.
async fn next_seqs(tx: &mut Tx, events: &[EventOut]) -> Result<Vec<Option<i64>>, StoreError> {
    let mut counts: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for case in events.iter().filter_map(|e| e.1.as_deref()) {
        *counts.entry(case).or_default() += 1;
    }
    if counts.is_empty() {
        return Ok(vec![None; events.len()]);
    }
    let mut by_count: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for (case, k) in &counts {
        by_count.entry(*k).or_default().push(case.to_string());
    }
    for (k, cases) in by_count {
        tx.execute_once(
            &Query::update()
                .table("cases")
                .value("event_seq", Expr::col("event_seq").add(k))
                .and_where(Expr::col("id").is_in(cases))
                .to_owned(),
        )
        .await?;
    }
    let rows = tx
        .fetch_all_once(
            &Query::select()
                .columns(["id", "event_seq"])
                .from("cases")
                .and_where(Expr::col("id").is_in(counts.keys().map(|c| c.to_string())))
                .to_owned(),
        )
        .await?;
    // The first number each case gives out in this call.
    let mut next = std::collections::HashMap::new();
    for r in &rows {
        let id = s(r, "id")?;
        let last = i(r, "event_seq")?;
        next.insert(
            id.clone(),
            last - counts.get(id.as_str()).copied().unwrap_or(0) + 1,
        );
    }
    Ok(events
        .iter()
        .map(|e| {
            let n = next.get_mut(e.1.as_deref()?)?;
            *n += 1;
            Some(*n - 1)
        })
        .collect())
}

/// A message claimed for delivery.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: String,
    pub channel: Channel,
    pub event: String,
    /// the idempotency key a receiver can use to drop a repeat (webhook event id; email Message-ID)
    pub event_id: String,
    /// email address, or the webhook's URL
    pub recipient: String,
    /// the webhook endpoint's id (None for email)
    pub endpoint_id: Option<String>,
    /// the webhook's signing secret (None for email, or when the endpoint was removed)
    pub secret: Option<String>,
    pub subject: String,
    pub body: String,
    /// attempts so far, this one included
    pub attempts: i64,
    /// a customer email's one-click unsubscribe address (`List-Unsubscribe`)
    pub list_unsubscribe: Option<String>,
    /// a customer email's sender: its location (display name, Reply-To, footer); `None` for staff emails
    pub sender: Option<Sender>,
    /// a file sent with an email (the monthly report's PDF)
    pub attachment: Option<Attachment>,
}

/// A message as managers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    pub id: String,
    pub channel: Channel,
    pub event: String,
    pub event_id: String,
    pub location_id: Option<String>,
    pub case_id: Option<String>,
    /// email address, or the webhook endpoint id
    pub recipient: String,
    pub subject: String,
    /// `pending`, `delivered` or `dead`
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl Store {
    /// Claim up to `limit` due messages on `channels` for `lease`: no other worker takes them meanwhile,
    /// and if this one dies they come due again when the lease ends (delivery is at least once).
    pub async fn claim_outbox(
        &self,
        channels: &[Channel],
        now: Timestamp,
        lease: SignedDuration,
        limit: u64,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.db.begin().await?;
        let rows = tx
            .fetch_all(
                &Query::select()
                    .columns([
                        "id",
                        "channel",
                        "event",
                        "event_id",
                        "recipient",
                        "subject",
                        "body",
                        "attempts",
                        "list_unsubscribe",
                        "location_id",
                        "attachment",
                    ])
                    .from("outbox")
                    // a literal, so SQLite can use the partial index
                    .and_where(Expr::cust("status = 'pending'"))
                    .and_where(Expr::col("next_attempt_at").lte(ms(now)))
                    .and_where(Expr::col("channel").is_in(channels.iter().map(|c| c.as_str())))
                    .order_by("next_attempt_at", Order::Asc)
                    .limit(limit)
                    .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
                    .to_owned(),
            )
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = rows.iter().map(|r| s(r, "id")).collect::<Result<_, _>>()?;
        tx.execute(
            &Query::update()
                .table("outbox")
                .value("attempts", Expr::col("attempts").add(1))
                .value("next_attempt_at", ms(now.checked_add(lease).unwrap_or(now)))
                .and_where(Expr::col("id").is_in(ids))
                .to_owned(),
        )
        .await?;
        let hook_ids: Vec<String> = rows
            .iter()
            .filter(|r| s(r, "channel").is_ok_and(|c| c == Channel::Webhook.as_str()))
            .map(|r| s(r, "recipient"))
            .collect::<Result<_, _>>()?;
        let hooks = if hook_ids.is_empty() {
            Vec::new()
        } else {
            tx.fetch_all(
                &Query::select()
                    .columns(["id", "url", "secret"])
                    .from("webhooks")
                    .and_where(Expr::col("id").is_in(hook_ids))
                    // a removed endpoint gets nothing more, even what was queued for it
                    .and_where(Expr::col("active").eq(1))
                    .to_owned(),
            )
            .await?
        };
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let channel = crate::rows::parse(&s(r, "channel")?, Channel::parse)?;
            let event = s(r, "event")?;
            let sender = match channel {
                Channel::Email => {
                    self.sender_of(&event, os(r, "location_id")?.as_deref())
                        .await?
                }
                Channel::Webhook => None,
            };
            let mut recipient = s(r, "recipient")?;
            let mut secret = None;
            let mut endpoint_id = None;
            if channel == Channel::Webhook {
                endpoint_id = Some(recipient.clone());
                let hook = hooks
                    .iter()
                    .find(|h| s(h, "id").is_ok_and(|id| id == recipient));
                match hook {
                    Some(h) => {
                        recipient = s(h, "url")?;
                        secret = Some(s(h, "secret")?);
                    }
                    None => recipient = String::new(),
                }
            }
            out.push(OutboxMessage {
                id: s(r, "id")?,
                channel,
                event,
                event_id: s(r, "event_id")?,
                recipient,
                endpoint_id,
                secret,
                subject: s(r, "subject")?,
                body: s(r, "body")?,
                attempts: i(r, "attempts")? + 1,
                list_unsubscribe: crate::rows::os(r, "list_unsubscribe")?,
                sender,
                attachment: os(r, "attachment")?
                    .map(|j| Attachment::from_json(&j))
                    .transpose()?,
            });
        }
        Ok(out)
    }

    /// These messages reached their recipients (one statement for the lot).
    pub async fn outbox_delivered(&self, ids: &[String], now: Timestamp) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.db
            .execute(
                &Query::update()
                    .table("outbox")
                    .values([
                        ("status", "delivered".into()),
                        ("delivered_at", ms(now).into()),
                        ("last_error", None::<String>.into()),
                    ])
                    .and_where(Expr::col("id").is_in(ids.iter().cloned()))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// The attempt failed: try again at `retry_at`, or give up (`None`: the message is dead).
    pub async fn outbox_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        let error: String = error.chars().take(500).collect();
        let mut u = Query::update()
            .table("outbox")
            .value("last_error", error)
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("status").eq("pending"))
            .to_owned();
        match retry_at {
            Some(at) => u.value("next_attempt_at", ms(at)),
            None => u.value("status", "dead"),
        };
        self.db.execute(&u).await?;
        Ok(())
    }
}
