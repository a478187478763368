//! Delivering one outbox message: email over SMTP (lettre) or a webhook POST signed with HMAC-SHA256.

use crate::config::SmtpConfig;
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use olive_storage::outbox::OutboxMessage;
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

/// The header carrying the signature: `sha256=<hex HMAC-SHA256 of the raw body with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "Olive-Signature";
pub const EVENT_ID_HEADER: &str = "Olive-Event-Id";

/// `sha256=<hex>` over the exact request body.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// An SMTP connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
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
        })
    }

    pub async fn send(&self, m: &OutboxMessage) -> Result<(), Failure> {
        let to = m
            .recipient
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| Failure::permanent(format!("bad address '{}': {e}", m.recipient)))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            // A stable Message-ID: a repeat delivery carries the same one, so it can be dropped.
            .message_id(Some(format!("<{}@olive>", m.event_id)))
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
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

    pub async fn send(&self, m: &OutboxMessage) -> Result<(), Failure> {
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
            .header(SIGNATURE_HEADER, sign(secret, m.body.as_bytes()))
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
    fn signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
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
