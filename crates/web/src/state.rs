//! Shared state of the HTTP layer: the store and the clock (injectable for tests).

use jiff::Timestamp;
use olive_storage::Store;
use std::sync::Arc;

pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    /// Mark cookies `Secure` (on unless the binary's settings say `OLIVE_INSECURE_COOKIES=1`, or the demo).
    pub secure_cookies: bool,
    /// sign-in and public-page rate limits
    pub limits: Arc<crate::ratelimit::RateLimits>,
    /// metrics token and this process's worker (readiness)
    pub observe: crate::observe::Observe,
    /// whose `Forwarded` / `X-Forwarded-For` headers are believed (`OLIVE_TRUSTED_PROXIES`)
    pub proxies: Arc<olive_domain::proxy::TrustedProxies>,
}

impl AppState {
    pub fn new(store: Store) -> Self {
        AppState {
            store,
            clock: Arc::new(Timestamp::now),
            secure_cookies: true,
            limits: Arc::new(crate::ratelimit::RateLimits::new(Default::default())),
            observe: crate::observe::Observe::default(),
            proxies: Arc::default(),
        }
    }
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }
}
