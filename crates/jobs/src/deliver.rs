//! Delivering one outbox message: email over SMTP (lettre) or a webhook POST signed with HMAC-SHA256.

use crate::config::SmtpConfig;
use hmac::{Hmac, Mac};
use lettre::message::Attachment;
use lettre::message::header::ContentType;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use olive_storage::outbox::{OutboxMessage, Sender};
use sha2::Sha256;
use std::time::Duration;

/// Why a delivery did not happen; `permanent` failures are not retried.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub permanent: bool,
}

impl Failure {
    pub(crate) fn retry(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: false,
        }
    }
    fn permanent(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            permanent: true,
        }
    }
}

/// The header carrying the signature: `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "Olive-Signature";
/// The header carrying the signed time: Unix seconds when the request was sent (each attempt anew).
pub const TIMESTAMP_HEADER: &str = "Olive-Timestamp";
/// The header naming the endpoint (its id), so a receiver can pick the secret before parsing the body.
pub const WEBHOOK_ID_HEADER: &str = "Olive-Webhook-Id";
pub const EVENT_ID_HEADER: &str = "Olive-Event-Id";
/// How far a receiver should let `Olive-Timestamp` be from its own clock (docs/webhooks.md).
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// `sha256=<hex>` over `{timestamp}.{body}`: the Unix seconds in `Olive-Timestamp`, a dot, then the exact
/// request body. Signing the time makes a captured request useless once the tolerance has passed.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// `Auto-Submitted` (RFC 3834): set on what Olive sends on its own, so that vacation responders and
/// other automatic replies do not answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AutoSubmitted(&'static str);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        match s.trim() {
            "auto-generated" => Ok(AutoSubmitted("auto-generated")),
            other => Err(format!("unsupported Auto-Submitted value '{other}'").into()),
        }
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.to_string())
    }
}

/// `List-Unsubscribe` (RFC 2369) with the one-click address of a customer email.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string(),
        ))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the address unsubscribes on a POST.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// Emails sent on no one's request get `Auto-Submitted: auto-generated`: every staff notification
/// (reminders, escalations, "not recovered yet", digests). The customer's follow-up does not: a person
/// chose to send it, and it asks for the customer's own answer.
pub fn is_auto_generated(event: &str) -> bool {
    event != "follow_up"
}

/// `Reply-To` of a customer email: the location's email (checked when it was saved; one that does not
/// read as a mailbox is left out rather than stopping the email).
fn reply_to(s: &Sender) -> Option<lettre::message::Mailbox> {
    let address = s.reply_to.as_deref()?.parse().ok()?;
    Some(lettre::message::Mailbox::new(
        Some(s.name.trim().to_string()).filter(|n| !n.is_empty()),
        address,
    ))
}

/// The text of an email: a customer email ends with its location's footer (name, phone, address).
pub fn body(m: &OutboxMessage) -> String {
    match m.sender.as_ref().filter(|s| !s.footer.is_empty()) {
        Some(s) => format!("{}\n\n{}\n", m.body.trim_end(), s.footer),
        None => m.body.clone(),
    }
}

/// The EHLO name for `name`: an address literal for an IP, else the domain.
fn client_id(name: &str) -> ClientId {
    match name
        .trim_matches(|c| c == '[' || c == ']')
        .parse::<std::net::IpAddr>()
    {
        Ok(std::net::IpAddr::V4(ip)) => ClientId::Ipv4(ip),
        Ok(std::net::IpAddr::V6(ip)) => ClientId::Ipv6(ip),
        Err(_) => ClientId::Domain(name.to_string()),
    }
}

/// An SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    /// the right-hand side of Message-IDs: the public URL's host
    domain: String,
}

impl Mailer {
    pub fn new(cfg: &SmtpConfig) -> Result<Mailer, String> {
        let builder = if cfg.starttls {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
                .map_err(|e| format!("SMTP host {}: {e}", cfg.host))?
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host)
        };
        let mut builder = builder
            .port(cfg.port)
            .hello_name(client_id(&cfg.hello_name))
            .timeout(Some(Duration::from_secs(15)));
        if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(Mailer {
            transport: builder.build(),
            from: cfg
                .from
                .parse()
                .map_err(|e| format!("OLIVE_SMTP_FROM: {e}"))?,
            domain: cfg.message_domain.clone(),
        })
    }

    /// `From`: the configured mailbox; a customer email carries its location's name instead of the
    /// configured display name (the address stays the configured one, which the domain may send from).
    fn sender_mailbox(&self, m: &OutboxMessage) -> lettre::message::Mailbox {
        match &m.sender {
            Some(s) if !s.name.trim().is_empty() => lettre::message::Mailbox::new(
                Some(s.name.trim().to_string()),
                self.from.email.clone(),
            ),
            _ => self.from.clone(),
        }
    }

    pub async fn send(&self, m: &OutboxMessage) -> Result<(), Failure> {
        let to = m
            .recipient
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| Failure::permanent(format!("bad address '{}': {e}", m.recipient)))?;
        let mut email = Message::builder()
            .from(self.sender_mailbox(m))
            .to(to)
            .subject(m.subject.clone())
            // A stable Message-ID on the public host: a repeat delivery carries the same one.
            .message_id(Some(format!("<{}@{}>", m.event_id, self.domain)));
        if is_auto_generated(&m.event) {
            email = email.header(AutoSubmitted("auto-generated"));
        }
        if let Some(url) = &m.list_unsubscribe {
            email = email
                .header(ListUnsubscribe(url.clone()))
                .header(ListUnsubscribePost);
        }
        if let Some(reply_to) = m.sender.as_ref().and_then(reply_to) {
            email = email.reply_to(reply_to);
        }
        // A MIME single part: MIME-Version 1.0, text/plain in UTF-8, an encoding lettre picks; with an
        // attachment, multipart/mixed: that text, then the file (base64).
        let text = SinglePart::plain(body(m));
        let email = match &m.attachment {
            None => email.singlepart(text),
            Some(a) => {
                let kind = ContentType::parse(&a.content_type).map_err(|e| {
                    Failure::permanent(format!("bad attachment type '{}': {e}", a.content_type))
                })?;
                let file = Attachment::new(a.filename.clone()).body(a.data.clone(), kind);
                email.multipart(MultiPart::mixed().singlepart(text).singlepart(file))
            }
        }
        .map_err(|e| Failure::permanent(format!("could not build the email: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(Failure::permanent(format!("SMTP refused: {e}"))),
            Err(e) => Err(Failure::retry(format!("SMTP: {e}"))),
        }
    }
}

/// Sends webhooks, refusing private targets unless allowed.
#[derive(Clone)]
pub struct Hooks {
    client: reqwest::Client,
    timeout: Duration,
    allow_private: bool,
}

/// Every webhook client: a timeout, no redirects, Olive's user agent.
fn client_builder(timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Olive-Webhooks/1")
}

impl Hooks {
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Hooks, String> {
        // No fallback to a default client: it would follow redirects and never time out.
        let client = client_builder(timeout)
            .build()
            .map_err(|e| format!("the webhook HTTP client: {e}"))?;
        Ok(Hooks {
            client,
            timeout,
            allow_private,
        })
    }

    /// POST `m`, signed at `now` (the `Olive-Timestamp` of this attempt).
    pub async fn send(&self, m: &OutboxMessage, now: jiff::Timestamp) -> Result<(), Failure> {
        let Some(secret) = &m.secret else {
            return Err(Failure::permanent("the webhook endpoint was removed"));
        };
        let url = olive_storage::webhooks::check_target(&m.recipient, self.allow_private)
            .map_err(Failure::permanent)?;
        let client = if self.allow_private {
            self.client.clone()
        } else {
            // Resolve once, refuse private addresses, and connect to exactly what was checked.
            let host = url.host_str().unwrap_or_default().to_string();
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| Failure::retry(format!("could not resolve {host}: {e}")))?
                .collect();
            if addrs.is_empty() || addrs.iter().any(|a| !olive_domain::net::is_public(a.ip())) {
                return Err(Failure::permanent(format!(
                    "{host} resolves to a private address"
                )));
            }
            client_builder(self.timeout)
                .resolve_to_addrs(&host, &addrs)
                .build()
                .map_err(|e| Failure::retry(e.to_string()))?
        };
        let res = client
            .post(url)
            .header("Content-Type", "application/json")
            .header(EVENT_ID_HEADER, &m.event_id)
            .header("Olive-Event-Type", &m.event)
            .header("Olive-Delivery-Attempt", m.attempts.to_string())
            .header(
                WEBHOOK_ID_HEADER,
                m.endpoint_id.as_deref().unwrap_or_default(),
            )
            .header(TIMESTAMP_HEADER, now.as_second().to_string())
            .header(
                SIGNATURE_HEADER,
                sign(secret, now.as_second(), m.body.as_bytes()),
            )
            .body(m.body.clone())
            .send()
            .await
            .map_err(|e| Failure::retry(format!("POST failed: {e}")))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(Failure::retry(format!(
                "the receiver answered {}",
                res.status()
            )))
        }
    }
}

/// The wait before attempt `attempts + 1`: base × 2^(attempts−1), capped, with jitter (between half and all of it).
pub fn backoff(
    attempts: i64,
    base: jiff::SignedDuration,
    cap: jiff::SignedDuration,
    rng: &mut impl rand::Rng,
) -> jiff::SignedDuration {
    let exp = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    let full = base
        .checked_mul(2_i32.saturating_pow(exp.min(30)))
        .unwrap_or(cap)
        .min(cap);
    let ms = full.as_millis().max(1) as i64;
    jiff::SignedDuration::from_millis(rng.random_range(ms / 2..=ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // The documented known answer (docs/webhooks.md), computed independently with
        // `printf %s '1764579600.{"id":"test-1"}' | openssl dgst -sha256 -hmac Jefe`.
        let sig = sign("Jefe", 1_764_579_600, br#"{"id":"test-1"}"#);
        assert_eq!(sig, KNOWN_ANSWER);
        assert_ne!(sign("Jefe", 1_764_579_601, br#"{"id":"test-1"}"#), sig);
    }

    const KNOWN_ANSWER: &str =
        "sha256=687c4549a7d1fd1a6fee3602de7792d43d8fd49cf60fa42b97300d9bb112663e";

    #[test]
    fn notifications_are_auto_generated_and_the_follow_up_is_not() {
        for e in ["reminder", "escalation", "follow_up_poor", "handoff"] {
            assert!(is_auto_generated(e), "{e}");
        }
        assert!(!is_auto_generated("follow_up"));
    }

    #[test]
    fn ehlo_names_for_addresses_are_literals() {
        assert_eq!(
            client_id("olive.example.com").to_string(),
            "olive.example.com"
        );
        assert_eq!(client_id("127.0.0.1").to_string(), "[127.0.0.1]");
        assert_eq!(client_id("::1").to_string(), "[IPv6:::1]");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let mut rng = rand::rng();
        let base = SignedDuration::from_secs(30);
        let cap = SignedDuration::from_hours(2);
        for _ in 0..200 {
            let first = backoff(1, base, cap, &mut rng);
            assert!(first >= SignedDuration::from_secs(15) && first <= base);
            let third = backoff(3, base, cap, &mut rng);
            assert!(
                third >= SignedDuration::from_secs(60) && third <= SignedDuration::from_secs(120)
            );
            let late = backoff(40, base, cap, &mut rng);
            assert!(late <= cap && late >= cap / 2);
        }
    }
}
