//! Webhook endpoints: managers register a URL per location and the events it wants; each gets a secret
//! that signs every delivery.

use crate::actor::Actor;
use crate::audit::{By, Target};
use crate::error::{FieldErrors, StoreError};
use crate::rows::{i, ms, new_id, rfc3339, s};
use crate::store::Store;
use jiff::Timestamp;
use olive_domain::events::EventType;
use olive_domain::permission::Permission;
use rand::RngCore;
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://…` (or `http://…`) address that receives POSTed JSON events
    pub url: String,
    /// event types to deliver, e.g. `["case.created", "case.escalated"]`. One or more of: `case.created`,
    /// `case.escalated`, `case.closed`, `case.reopened`, `case.cancelled`, `case.erased`,
    /// `feedback.received`, `customer.opted_out`, `gesture.pending_approval`, `gesture.approved`,
    /// `gesture.declined` (docs/webhooks.md)
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub location_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
}

/// A new endpoint and its signing secret: shown this once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// HMAC-SHA256 key for the `Olive-Signature` header (over `{Olive-Timestamp}.{body}`); store it
    /// now, it is not shown again
    pub secret: String,
}

/// Check a webhook target: http(s), a host, and (unless allowed) no loopback or private address.
pub fn check_target(raw: &str, allow_private: bool) -> Result<url::Url, String> {
    let u = url::Url::parse(raw.trim()).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err("only http:// and https:// addresses can receive webhooks".into());
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("put credentials in the receiver, not in the URL".into());
    }
    let private = match u.host() {
        None => return Err("the URL needs a host".into()),
        Some(url::Host::Ipv4(ip)) => !olive_domain::net::is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => !olive_domain::net::is_public(ip.into()),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local")
        }
    };
    if private && !allow_private {
        return Err("loopback and private addresses are refused (set OLIVE_WEBHOOK_ALLOW_PRIVATE=1 to allow them)".into());
    }
    Ok(u)
}

fn view(r: &sqlx::any::AnyRow) -> Result<WebhookView, StoreError> {
    Ok(WebhookView {
        id: s(r, "id")?,
        location_id: s(r, "location_id")?,
        url: s(r, "url")?,
        events: s(r, "events")?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
        created_at: rfc3339(i(r, "created_at")?),
    })
}

impl Store {
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        location_id: &str,
        input: NewWebhook,
        now: Timestamp,
    ) -> Result<CreatedWebhook, StoreError> {
        actor.require(Permission::Configure, location_id)?;
        let mut errs = FieldErrors::default();
        let url = check_target(&input.url, self.loop_config().allow_private_webhooks);
        if let Err(e) = &url {
            errs.add("url", e.clone());
        }
        let mut events: Vec<&str> = Vec::new();
        for e in &input.events {
            match EventType::parse(e.trim()) {
                Some(t) if !events.contains(&t.as_str()) => events.push(t.as_str()),
                Some(_) => {}
                None => errs.add(
                    "events",
                    format!(
                        "'{e}' is not an event; choose from {}",
                        EventType::ALL.map(EventType::as_str).join(", ")
                    ),
                ),
            }
        }
        errs.check(
            !input.events.is_empty(),
            "events",
            "choose at least one event",
        );
        errs.into_result()?;
        let url = url.map_err(|e| StoreError::field("url", e))?.to_string();
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("whsec_{}", hex::encode(bytes));
        let id = new_id();
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::insert()
                .into_table("webhooks")
                .columns([
                    "id",
                    "location_id",
                    "url",
                    "secret",
                    "events",
                    "active",
                    "created_by",
                    "created_at",
                ])
                .values_panic([
                    id.clone().into(),
                    location_id.into(),
                    url.clone().into(),
                    secret.clone().into(),
                    events.join(",").into(),
                    1.into(),
                    actor.staff_id.clone().into(),
                    ms(now).into(),
                ])
                .to_owned(),
        )
        .await?;
        // Neither the signing secret nor the URL's path and query (receivers often put a secret there)
        // go into the audit trail: only where deliveries go.
        let host = url::Url::parse(&url)
            .map(|u| format!("{}://{}", u.scheme(), u.host_str().unwrap_or_default()))
            .unwrap_or_default();
        tx.audit(
            By::Staff(actor),
            now,
            "webhook.created",
            Target::new("webhook", &id, Some(location_id)),
            serde_json::json!({"endpoint": host, "events": events}),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedWebhook {
            webhook: WebhookView {
                id,
                location_id: location_id.to_string(),
                url,
                events: events.into_iter().map(str::to_string).collect(),
                created_at: rfc3339(ms(now)),
            },
            secret,
        })
    }

    pub async fn list_webhooks(
        &self,
        actor: &Actor,
        location_id: &str,
    ) -> Result<Vec<WebhookView>, StoreError> {
        actor.require(Permission::Configure, location_id)?;
        let rows = self
            .db
            .fetch_all(
                &Query::select()
                    .columns(["id", "location_id", "url", "events", "created_at"])
                    .from("webhooks")
                    .and_where(Expr::col("location_id").eq(location_id))
                    .and_where(Expr::col("active").eq(1))
                    .order_by("created_at", Order::Asc)
                    .to_owned(),
            )
            .await?;
        rows.iter().map(view).collect()
    }

    /// Stop deliveries to an endpoint (its pending messages fail as "endpoint removed").
    pub async fn delete_webhook(&self, actor: &Actor, id: &str) -> Result<(), StoreError> {
        let row = self
            .db
            .fetch_optional(
                &Query::select()
                    .column("location_id")
                    .from("webhooks")
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("active").eq(1))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("webhook"))?;
        let location = s(&row, "location_id")?;
        actor.require_on(Permission::Configure, &location, "webhook")?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Query::update()
                .table("webhooks")
                .value("active", 0)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        // What was still waiting for it will not be sent: say so where managers look.
        let stopped = tx
            .execute(
                &Query::update()
                    .table("outbox")
                    .values([
                        ("status", "dead".into()),
                        ("last_error", "the webhook endpoint was removed".into()),
                    ])
                    .and_where(Expr::col("recipient").eq(id))
                    .and_where(Expr::col("channel").eq("webhook"))
                    .and_where(Expr::col("status").eq("pending"))
                    .to_owned(),
            )
            .await?;
        tx.audit(
            By::Staff(actor),
            Timestamp::now(),
            "webhook.deleted",
            Target::new("webhook", id, Some(&location)),
            serde_json::json!({ "pending_messages_stopped": stopped }),
        )
        .await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::check_target;
    use olive_domain::events::EventType;

    #[test]
    fn every_event_is_listed_for_the_api() {
        let doc = include_str!("webhooks.rs");
        let listed =
            &doc[doc.find("One or more of:").unwrap()..doc.find("(docs/webhooks.md)").unwrap()];
        for e in EventType::ALL {
            assert!(
                listed.contains(&format!("`{}`", e.as_str())),
                "{}",
                e.as_str()
            );
        }
        let docs = include_str!("../../../docs/webhooks.md");
        for e in EventType::ALL {
            assert!(
                docs.contains(&format!("| `{}` |", e.as_str())),
                "docs/webhooks.md: {}",
                e.as_str()
            );
        }
    }

    #[test]
    fn targets() {
        assert!(check_target("https://hooks.example.com/olive", false).is_ok());
        assert!(check_target("ftp://example.com/", false).is_err());
        assert!(check_target("http://127.0.0.1:9000/", false).is_err());
        assert!(check_target("http://127.0.0.1:9000/", true).is_ok());
        assert!(check_target("http://[::1]/", false).is_err());
        assert!(check_target("http://localhost/", false).is_err());
        assert!(check_target("http://169.254.169.254/latest", false).is_err());
        assert!(check_target("https://user:pw@example.com/", false).is_err());
        assert!(check_target("not a url", true).is_err());
    }
}
