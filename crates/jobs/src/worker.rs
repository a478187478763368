//! The worker loop: each tick scans steps coming due, runs due jobs, and delivers the outbox.

use crate::config::WorkerConfig;
use crate::deliver::{Failure, Hooks, Mailer, backoff};
use jiff::Timestamp;
use olive_storage::outbox::{Channel, OutboxMessage};
use olive_storage::scheduler::BACKGROUND_CHUNK;
use olive_storage::{Store, StoreError};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// How often (the worker's clock) it looks for monthly reports due.
const MONTHLY_EVERY_MS: i64 = 60_000;

/// Where the worker reads "now" (a fixed or stepped clock in tests).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub steps_scanned: usize,
    pub jobs_run: usize,
    /// cases whose customer data the retention period erased
    pub redacted: usize,
    pub delivered: usize,
    pub failed: usize,
    /// monthly reports (a location's or the group's month) this worker queued
    pub monthly_reports: usize,
}

impl TickReport {
    fn add(&mut self, o: TickReport) {
        self.steps_scanned += o.steps_scanned;
        self.jobs_run += o.jobs_run;
        self.redacted += o.redacted;
        self.delivered += o.delivered;
        self.failed += o.failed;
        self.monthly_reports += o.monthly_reports;
    }
}

#[derive(Clone)]
pub struct Worker {
    store: Store,
    cfg: WorkerConfig,
    clock: Clock,
    mailer: Option<Mailer>,
    hooks: Hooks,
    /// wall-clock milliseconds of the last pass or delivery round that went through (0: none yet)
    heartbeat: Arc<AtomicI64>,
    /// the worker's clock (milliseconds) when it last looked for monthly reports due (0: not yet)
    monthly_checked: Arc<AtomicI64>,
}

impl Worker {
    pub fn new(store: Store, cfg: WorkerConfig, clock: Clock) -> Result<Worker, String> {
        let mailer = cfg.smtp.as_ref().map(Mailer::new).transpose()?;
        let hooks = Hooks::new(cfg.http_timeout, cfg.allow_private_webhooks)?;
        Ok(Worker {
            store,
            cfg,
            clock,
            mailer,
            hooks,
            heartbeat: Arc::default(),
            monthly_checked: Arc::default(),
        })
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Look for monthly reports due, at most once a minute of the worker's clock: (reports queued).
    async fn monthly_pass(&self) -> usize {
        if !self.cfg.monthly_reports {
            return 0;
        }
        let now = self.now();
        let last = self.monthly_checked.load(Ordering::Relaxed);
        let since = now.as_millisecond() - last;
        if last != 0 && (0..MONTHLY_EVERY_MS).contains(&since) {
            return 0;
        }
        self.monthly_checked
            .store(now.as_millisecond(), Ordering::Relaxed);
        // A report that cannot be made is tried again a minute later; it never holds up the alerts
        // and deliveries of the rest of the tick.
        self.monthly_reports(now).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "the monthly reports could not be queued");
            0
        })
    }

    /// The worker's heartbeat: the wall-clock milliseconds (Unix) when a pass of a tick or a round of
    /// deliveries last went through, 0 before the first. Readiness (`GET /api/v1/ready`) reads it.
    pub fn heartbeat(&self) -> Arc<AtomicI64> {
        self.heartbeat.clone()
    }

    fn beat(&self) {
        self.heartbeat
            .store(Timestamp::now().as_millisecond(), Ordering::Relaxed);
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Messages claimed at once: four rounds of `concurrency` deliveries.
    fn claim_size(&self) -> u64 {
        self.cfg.batch.min(self.cfg.concurrency.max(1) as u64 * 4)
    }

    /// Channels this worker can deliver (email only with SMTP configured).
    fn channels(&self) -> Vec<Channel> {
        let mut c = vec![Channel::Webhook];
        if self.mailer.is_some() {
            c.push(Channel::Email);
        }
        c
    }

    /// Scan, run jobs, deliver: until nothing more is due right now. The work goes in passes, each
    /// taking at most `pass` rows per phase before the next phase has its turn: while cases keep coming
    /// faster than one phase empties, the others still go on (the scan alone never ended under a steady
    /// stream of new cases, and no reminder went out).
    pub async fn tick(&self) -> Result<TickReport, StoreError> {
        let (report, ended) = self.passes(|| false).await;
        ended.map(|_| report)
    }

    /// Passes until nothing more is due, a pass fails, or `stop` (asked after each pass) says so: what
    /// they did, and how they ended (`Ok(true)` when `stop` ended them).
    async fn passes(
        &self,
        mut stop: impl FnMut() -> bool,
    ) -> (TickReport, Result<bool, StoreError>) {
        let mut report = TickReport::default();
        loop {
            let more = match self.pass().await {
                Ok((pass, more)) => {
                    report.add(pass);
                    more
                }
                Err(e) => return (report, Err(e)),
            };
            if stop() {
                return (report, Ok(true));
            }
            if !more {
                return (report, Ok(false));
            }
        }
    }

    /// One pass of a tick: what it did, and whether a phase stopped at its bound (`pass` in the
    /// configuration) with more to do.
    pub async fn pass(&self) -> Result<(TickReport, bool), StoreError> {
        let mut report = TickReport::default();
        let bound = self.cfg.pass.max(1);
        let mut more = false;
        // Short write transactions: a case being logged waits at most one of them.
        let per_tx = self.cfg.batch.clamp(1, BACKGROUND_CHUNK);
        let mut scanned = 0;
        loop {
            let n = self.store.scan_steps(self.now(), per_tx).await?;
            scanned += n;
            if (n as u64) < per_tx {
                break;
            }
            if scanned as u64 >= bound {
                more = true;
                break;
            }
        }
        report.steps_scanned += scanned;
        // Gesture requests nobody decided in time become escalation jobs (run just below).
        self.store.scan_approvals(self.now(), bound).await?;
        // Alerts are collected in large batches so a backlog becomes one digest per person.
        let mut ran = 0;
        loop {
            let want = Ord::min(self.cfg.batch.max(1000), bound - ran as u64);
            let n = self.store.run_jobs(self.now(), want).await?;
            ran += n;
            if n == 0 {
                break;
            }
            if ran as u64 >= bound {
                more = true;
                break;
            }
        }
        report.jobs_run += ran;
        // Queued before this pass delivers, so a report goes out in the tick that finds it due.
        report.monthly_reports += self.monthly_pass().await;
        if let Some(days) = self.cfg.retention_days {
            let (erased, rest) = self.retention(days, bound).await?;
            report.redacted += erased;
            more |= rest;
        }
        let (ok, failed, rest) = self.deliver_up_to(bound as usize).await?;
        report.delivered += ok;
        report.failed += failed;
        self.beat();
        Ok((report, more || rest))
    }

    /// Erase the customer data of cases finished more than `days` ago, a batch per transaction, up to
    /// `max` cases: (erased, stopped with more to erase).
    async fn retention(&self, days: u32, max: u64) -> Result<(usize, bool), StoreError> {
        let (batch, mut erased) = (self.cfg.batch.min(100), 0);
        loop {
            let n = self.store.apply_retention(days, self.now(), batch).await?;
            erased += n;
            if (n as u64) < batch {
                return Ok((erased, false));
            }
            if erased as u64 >= max {
                return Ok((erased, true));
            }
        }
    }

    /// Deliver what is due until nothing is left: (delivered, failed).
    pub async fn deliver_all(&self) -> Result<(usize, usize), StoreError> {
        let (ok, failed, _) = self.deliver_up_to(usize::MAX).await?;
        Ok((ok, failed))
    }

    /// Deliver what is due, stopping once `max` messages were tried: (delivered, failed, stopped with
    /// more due).
    async fn deliver_up_to(&self, max: usize) -> Result<(usize, usize, bool), StoreError> {
        let (mut delivered, mut failed) = (0, 0);
        loop {
            let (ok, bad) = self.deliver_round().await?;
            delivered += ok;
            failed += bad;
            if ok + bad == 0 {
                return Ok((delivered, failed, false));
            }
            if delivered + failed >= max {
                return Ok((delivered, failed, true));
            }
        }
    }

    /// Claim one batch of due messages and deliver them concurrently.
    async fn deliver_round(&self) -> Result<(usize, usize), StoreError> {
        let batch = self
            .store
            .claim_outbox(
                &self.channels(),
                self.now(),
                self.cfg.lease,
                // small enough to finish well within the lease even when every receiver is slow
                self.claim_size(),
            )
            .await?;
        self.beat();
        if batch.is_empty() {
            return Ok((0, 0));
        }
        let mut set = tokio::task::JoinSet::new();
        let (mut ok, mut failed) = (0, 0);
        // Deliveries are marked in small groups: one write per group, and a crash repeats at most a group.
        let mut done: Vec<String> = Vec::new();
        let mut settle =
            async |r: Result<(OutboxMessage, Result<(), Failure>), tokio::task::JoinError>,
                   done: &mut Vec<String>|
                   -> Result<(), StoreError> {
                match r {
                    Ok((m, Ok(()))) => {
                        ok += 1;
                        count_delivery(&m, "delivered");
                        done.push(m.id);
                    }
                    Ok((m, Err(f))) => {
                        failed += 1;
                        count_delivery(&m, "failed");
                        self.record_failure(&m, f).await?;
                    }
                    Err(e) => tracing::error!(error = %e, "a delivery task failed"),
                }
                if done.len() >= self.cfg.concurrency.max(1) {
                    self.store.outbox_delivered(done, self.now()).await?;
                    done.clear();
                }
                Ok(())
            };
        for m in batch {
            if set.len() >= self.cfg.concurrency
                && let Some(r) = set.join_next().await
            {
                settle(r, &mut done).await?;
            }
            let w = self.clone();
            set.spawn(async move {
                let outcome = w.deliver(&m).await;
                (m, outcome)
            });
        }
        while let Some(r) = set.join_next().await {
            settle(r, &mut done).await?;
        }
        self.store.outbox_delivered(&done, self.now()).await?;
        Ok((ok, failed))
    }

    /// Schedule a retry with backoff, or give up after the last attempt (or a permanent failure).
    async fn record_failure(&self, m: &OutboxMessage, f: Failure) -> Result<(), StoreError> {
        let retry_at = (!f.permanent && m.attempts < self.cfg.max_attempts).then(|| {
            let wait = backoff(
                m.attempts,
                self.cfg.backoff_base,
                self.cfg.backoff_cap,
                &mut rand::rng(),
            );
            self.now().checked_add(wait).unwrap_or(self.now())
        });
        // Not the error text: it can name the recipient's address or the webhook's URL. It is kept
        // with the message (`last_error`, on the Messages page and in `GET /api/v1/outbox`).
        tracing::warn!(id = %m.id, channel = m.channel.as_str(), event = %m.event, attempts = m.attempts, permanent = f.permanent, dead = retry_at.is_none(), "delivery failed (the error is kept with the message)");
        self.store.outbox_failed(&m.id, &f.message, retry_at).await
    }

    async fn deliver(&self, m: &OutboxMessage) -> Result<(), Failure> {
        match m.channel {
            Channel::Webhook => self.hooks.send(m, self.now()).await,
            Channel::Email => match &self.mailer {
                Some(mailer) => mailer.send(m).await,
                None => Err(Failure::retry("SMTP is not configured")),
            },
        }
    }

    /// Tick every `cfg.tick` until `shutdown` completes. Errors are logged and the loop goes on. A tick
    /// that has more to do than one pass checks for shutdown between its passes, so a stream of work
    /// never keeps the worker from stopping.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        if self.mailer.is_none() {
            tracing::warn!(
                "OLIVE_SMTP_HOST is not set: emails stay queued until SMTP is configured"
            );
        }
        tokio::pin!(shutdown);
        let mut interval = tokio::time::interval(self.cfg.tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                _ = interval.tick() => {
                    // Whether shutdown was asked for, without waiting: the select above polls it
                    // again, with this task's waker, when the tick is over.
                    let (report, ended) = self
                        .passes(|| {
                            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                            shutdown.as_mut().poll(&mut cx).is_ready()
                        })
                        .await;
                    if report != TickReport::default() {
                        tracing::info!(r = ?report, "worker tick");
                    }
                    match ended {
                        Ok(true) => break,
                        Ok(false) => {}
                        Err(e) => tracing::error!(error = %e, "worker tick failed"),
                    }
                }
            }
        }
    }
}

/// `olive_outbox_attempts_total{channel, event, outcome}`; a delivered reminder email (a person's digest
/// of reminders, overdue steps and escalations) also counts in `olive_alerts_sent_total`.
fn count_delivery(m: &OutboxMessage, outcome: &'static str) {
    // Event names are a fixed set (webhook event types, `reminder`, `follow_up`): a bounded label.
    metrics::counter!("olive_outbox_attempts_total", "channel" => m.channel.as_str(), "event" => m.event.clone(), "outcome" => outcome)
        .increment(1);
    if outcome == "delivered" && m.channel == Channel::Email && m.event == "reminder" {
        metrics::counter!("olive_alerts_sent_total").increment(1);
    }
}
