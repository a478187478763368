//! Settings for closing the loop: reminder timing, follow-up links, webhook address policy.

use jiff::SignedDuration;
use olive_domain::alerts::AlertPolicy;

/// How the loop behaves; `olive serve` fills it from `OLIVE_*` variables.
#[derive(Debug, Clone)]
pub struct LoopConfig {
    /// where customers reach this installation (`https://olive.example.com`): follow-up links start here
    pub public_url: String,
    pub alerts: AlertPolicy,
    /// how long a follow-up link works
    pub followup_expiry: SignedDuration,
    /// how long to wait for the customer's answer before a staff verification call is needed
    pub followup_wait: SignedDuration,
    /// allow webhook targets on loopback and private addresses (tests, a local integration)
    pub allow_private_webhooks: bool,
}

impl Default for LoopConfig {
    fn default() -> Self {
        LoopConfig {
            public_url: "http://127.0.0.1:8080".into(),
            alerts: AlertPolicy::default(),
            followup_expiry: SignedDuration::from_hours(
                24 * olive_domain::followup::DEFAULT_EXPIRY_DAYS,
            ),
            followup_wait: SignedDuration::from_hours(72),
            allow_private_webhooks: false,
        }
    }
}
