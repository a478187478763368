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

mod manage;

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
    let id = new_id();
    tx.execute(
        &Query::insert()
            .into_table("outbox")
            .columns(OUTBOX_COLS)
            .values_panic([
                id.clone().into(),
                Channel::Email.as_str().into(),
                e.event.into(),
                id.clone().into(),
                e.location_id.into(),
                e.case_id.map(str::to_string).into(),
                e.to.into(),
                e.subject.into(),
                e.body.into(),
                "pending".into(),
                ms(send_at).into(),
                ms(now).into(),
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
    let mut insert = Query::insert()
        .into_table("outbox")
        .columns(OUTBOX_COLS)
        .to_owned();
    for (location_id, case_id, data) in events {
        let event_id = new_id();
        let body = json!({
            "id": event_id,
            "type": event.as_str(),
            "created_at": rfc3339(ms(now)),
            "location_id": location_id,
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
            ]);
        }
    }
    tx.execute_once(&insert).await?;
    Ok(())
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
    /// the webhook's signing secret (None for email, or when the endpoint was removed)
    pub secret: Option<String>,
    pub subject: String,
    pub body: String,
    /// attempts so far, this one included
    pub attempts: i64,
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
            let mut recipient = s(r, "recipient")?;
            let mut secret = None;
            if channel == Channel::Webhook {
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
                event: s(r, "event")?,
                event_id: s(r, "event_id")?,
                recipient,
                secret,
                subject: s(r, "subject")?,
                body: s(r, "body")?,
                attempts: i(r, "attempts")? + 1,
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
