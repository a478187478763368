//! Latency and error tallies of the samples, with nearest-rank percentiles.

use crate::clients::{Outcome, Sample};
use std::collections::BTreeMap;

#[derive(Default)]
pub(super) struct Stats {
    pub(super) lat: Vec<u64>,
    pub(super) non2xx: BTreeMap<u16, u64>,
    pub(super) transport: u64,
}

impl Stats {
    pub(super) fn add(&mut self, s: &Sample) {
        self.lat.push(s.latency_us);
        match s.outcome {
            Outcome::Ok => {}
            Outcome::Status(c) => *self.non2xx.entry(c).or_default() += 1,
            Outcome::Transport => self.transport += 1,
        }
    }
    pub(super) fn errors(&self) -> u64 {
        self.non2xx.values().sum::<u64>() + self.transport
    }
    /// nearest-rank percentile in ms
    pub(super) fn pct(&self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.lat.len() as f64).ceil().max(1.0) as usize;
        self.lat[rank.min(self.lat.len()) - 1] as f64 / 1000.0
    }
}
