//! Rate limits for sign-in (per client address and per account) and the public follow-up page (per
//! address): GCRA limiters from `governor`, answered with 429 and `Retry-After`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Requests per minute and burst for each limit.
#[derive(Debug, Clone, Copy)]
pub struct LimitConfig {
    /// sign-in attempts (password or PIN) from one address
    pub login_per_ip: (u32, u32),
    /// sign-in attempts for one account, from anywhere
    pub login_per_account: (u32, u32),
    /// follow-up page requests from one address
    pub public_per_ip: (u32, u32),
    /// API requests per minute with one token (0: no limit); bursts of a fifth of a minute's worth
    pub api_per_token: u32,
    /// API requests per minute from one client address (0: no limit)
    pub api_per_address: u32,
}

impl Default for LimitConfig {
    fn default() -> Self {
        LimitConfig {
            login_per_ip: (30, 10),
            login_per_account: (10, 5),
            public_per_ip: (60, 20),
            api_per_token: 6000,
            api_per_address: 12000,
        }
    }
}

pub struct RateLimits {
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_account: DefaultKeyedRateLimiter<String>,
    public_ip: DefaultKeyedRateLimiter<IpAddr>,
    api_token: Option<DefaultKeyedRateLimiter<String>>,
    api_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU64,
}

fn quota((per_minute, burst): (u32, u32)) -> Quota {
    let n = |v: u32| NonZeroU32::new(v.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n(per_minute)).allow_burst(n(burst))
}

/// How long to wait before trying again.
#[derive(Debug, Clone, Copy)]
pub struct TooMany(pub Duration);

impl TooMany {
    /// Whole seconds for `Retry-After` (at least 1).
    pub fn seconds(self) -> u64 {
        self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)
    }
}

impl RateLimits {
    pub fn new(cfg: LimitConfig) -> RateLimits {
        RateLimits {
            login_ip: DefaultKeyedRateLimiter::keyed(quota(cfg.login_per_ip)),
            login_account: DefaultKeyedRateLimiter::keyed(quota(cfg.login_per_account)),
            public_ip: DefaultKeyedRateLimiter::keyed(quota(cfg.public_per_ip)),
            api_token: (cfg.api_per_token > 0).then(|| {
                DefaultKeyedRateLimiter::keyed(quota((cfg.api_per_token, cfg.api_per_token / 5)))
            }),
            api_ip: (cfg.api_per_address > 0).then(|| {
                DefaultKeyedRateLimiter::keyed(quota((
                    cfg.api_per_address,
                    cfg.api_per_address / 5,
                )))
            }),
            checks: AtomicU64::new(0),
        }
    }

    fn tidy(&self) {
        // Forget idle keys now and then so the maps stay small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 1024 == 1023 {
            self.login_ip.retain_recent();
            self.login_account.retain_recent();
            self.public_ip.retain_recent();
            if let Some(l) = &self.api_token {
                l.retain_recent();
            }
            if let Some(l) = &self.api_ip {
                l.retain_recent();
            }
        }
    }

    /// A sign-in attempt for `account` from `ip`.
    pub fn login(&self, ip: Option<IpAddr>, account: &str) -> Result<(), TooMany> {
        self.tidy();
        let now = DefaultClock::default().now();
        if let Some(ip) = ip {
            self.login_ip
                .check_key(&ip)
                .map_err(|e| TooMany(e.wait_time_from(now)))?;
        }
        let account = account.trim().to_lowercase();
        self.login_account
            .check_key(&account)
            .map_err(|e| TooMany(e.wait_time_from(now)))
    }

    /// A request for a public follow-up page from `ip`.
    pub fn public(&self, ip: Option<IpAddr>) -> Result<(), TooMany> {
        self.tidy();
        let Some(ip) = ip else { return Ok(()) };
        let now = DefaultClock::default().now();
        self.public_ip
            .check_key(&ip)
            .map_err(|e| TooMany(e.wait_time_from(now)))
    }
}

impl RateLimits {
    /// An API request from `ip` (checked before the token is looked at, so token guessing counts).
    pub fn api_address(&self, ip: Option<IpAddr>) -> Result<(), TooMany> {
        let (Some(l), Some(ip)) = (&self.api_ip, ip) else {
            return Ok(());
        };
        self.tidy();
        let now = DefaultClock::default().now();
        l.check_key(&ip).map_err(|e| TooMany(e.wait_time_from(now)))
    }

    /// An API request with the token `token_id`.
    pub fn api_token(&self, token_id: &str) -> Result<(), TooMany> {
        let Some(l) = &self.api_token else {
            return Ok(());
        };
        self.tidy();
        let now = DefaultClock::default().now();
        l.check_key(&token_id.to_string())
            .map_err(|e| TooMany(e.wait_time_from(now)))
    }
}

/// The client's address (`client::client_addr`: as a trusted proxy forwards it, else the connection's).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::client::client_addr(parts)))
    }
}

/// The client's address as text, for the audit trail.
pub fn client_ip(parts: &Parts) -> Option<String> {
    crate::client::client_addr(parts).map(|ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_waits() {
        let l = RateLimits::new(LimitConfig {
            login_per_ip: (60, 3),
            login_per_account: (60, 2),
            public_per_ip: (60, 1),
            ..Default::default()
        });
        let ip: Option<IpAddr> = Some("127.0.0.1".parse().unwrap());
        assert!(l.login(ip, "Fiona").is_ok());
        assert!(l.login(ip, "fiona ").is_ok());
        let wait = l.login(ip, "FIONA").unwrap_err();
        assert!(wait.seconds() >= 1 && wait.seconds() <= 2, "{wait:?}");
        // Every attempt counts against the address: it has used its three.
        assert!(
            l.login(ip, "maria").is_err(),
            "the address is out of attempts"
        );
        let other: Option<IpAddr> = Some("::1".parse().unwrap());
        assert!(l.login(other, "maria").is_ok());
        assert!(
            l.login(other, "fiona").is_err(),
            "the account is out of attempts"
        );
        assert!(l.public(ip).is_ok());
        assert!(l.public(ip).is_err());
        assert!(l.public(None).is_ok());
    }
}
