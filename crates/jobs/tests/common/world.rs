//! The world a loop test runs in: a fresh store and fixture, a hand-moved clock, an SMTP sink and a worker; and `both!`, which runs a scenario on SQLite and on PostgreSQL.

use super::{SmtpSink, TestClock};
use jiff::Timestamp;
use jiff::civil::date;
use olive_jobs::{Worker, WorkerConfig};
use olive_storage::actions::StepAction;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::followup::SendFollowUp;
use olive_storage::testing::{Fixture, fresh_store};
use olive_storage::views::CaseDetail;
use olive_storage::webhooks::NewWebhook;
use olive_storage::{LoopConfig, Store};

/// `both!(scenario)` runs `async fn scenario(pg: bool)` as the tests `scenario::sqlite` and `scenario::postgres`.
#[allow(unused_macros)] // the loop bench includes this module too, without the macro
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(false).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name(true).await;
            }
        }
    };
}

/// A local time in Sydney (where the fixture's locations are).
pub fn syd(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .in_tz("Australia/Sydney")
        .unwrap()
        .timestamp()
}

pub struct World {
    pub fx: Fixture,
    pub clock: TestClock,
    pub smtp: SmtpSink,
    pub worker: Worker,
}

impl World {
    pub async fn new(
        postgres: bool,
        start: Timestamp,
        tune: impl FnOnce(&mut LoopConfig, &mut WorkerConfig),
    ) -> World {
        let mut lc = LoopConfig {
            public_url: "https://olive.test".into(),
            allow_private_webhooks: true,
            ..LoopConfig::default()
        };
        let smtp = SmtpSink::start();
        let mut wc = WorkerConfig {
            smtp: Some(smtp.config()),
            allow_private_webhooks: true,
            backoff_base: jiff::SignedDuration::from_secs(1),
            // Only the monthly report's own test turns it on: other scenarios count their emails.
            monthly_reports: false,
            ..WorkerConfig::default()
        };
        tune(&mut lc, &mut wc);
        let store = fresh_store(postgres).await.unwrap().with_loop_config(lc);
        let fx = Fixture::new(store).await.unwrap();
        let clock = TestClock::new(start);
        let worker = Worker::new(fx.store.clone(), wc, clock.as_clock()).unwrap();
        World {
            fx,
            clock,
            smtp,
            worker,
        }
    }

    pub fn store(&self) -> &Store {
        &self.fx.store
    }

    pub async fn tick_at(&self, at: Timestamp) -> olive_jobs::TickReport {
        self.clock.set(at);
        self.worker.tick().await.unwrap()
    }

    pub async fn case(
        &self,
        who: &str,
        defect: &str,
        customer: &str,
        email: Option<&str>,
    ) -> CaseDetail {
        let input = NewCase {
            location_id: self.fx.dental.clone(),
            defect: defect.into(),
            stage: None,
            customer: CustomerInput {
                name: customer.into(),
                phone: None,
                email: email.map(str::to_string),
                address: None,
                preferred_name: None,
            },
            description: "test".into(),
            severity: None,
            fields: Default::default(),
            noticed_at: None,
            done_steps: Vec::new(),
        };
        self.store()
            .create_case(self.fx.actor(who), input, None, self.clock.now())
            .await
            .unwrap()
            .0
    }

    pub async fn get(&self, id: &str) -> CaseDetail {
        self.store()
            .get_case(self.fx.actor("admin"), id, self.clock.now())
            .await
            .unwrap()
    }

    /// Skip every step but the verification, so the case awaits verification.
    pub async fn settle_all_but_verify(&self, c: &CaseDetail) {
        for s in c
            .steps
            .iter()
            .filter(|s| s.kind != olive_domain::StepKind::Verify)
        {
            self.store()
                .step_action(
                    self.fx.actor("dental_front"),
                    &c.summary.id,
                    &s.id,
                    true,
                    StepAction {
                        reason: Some("done outside Olive".into()),
                        note: None,
                    },
                    self.clock.now(),
                )
                .await
                .unwrap();
        }
    }

    pub async fn hook(&self, url: &str, events: &[&str]) -> String {
        self.store()
            .create_webhook(
                self.fx.actor("dental_manager"),
                &self.fx.dental,
                NewWebhook {
                    url: url.into(),
                    events: events.iter().map(|e| e.to_string()).collect(),
                },
                self.clock.now(),
            )
            .await
            .unwrap()
            .secret
    }

    /// Send a follow-up, deliver it, and read the token from the email the customer received.
    pub async fn follow_up(&self, c: &CaseDetail, to: &str) -> String {
        self.store()
            .send_followup(
                self.fx.actor("dental_front"),
                &c.summary.id,
                SendFollowUp::default(),
                self.clock.now(),
            )
            .await
            .unwrap();
        self.tick_at(self.clock.now()).await;
        let mail = self.smtp.mails_to(to).pop().expect("the follow-up email");
        let at = mail.body.find("/f/").expect("a follow-up link") + 3;
        mail.body[at..at + 64].to_string()
    }
}

pub const FRONT: &str = "dental.front@olive.test";
pub const MANAGER: &str = "dental.manager@olive.test";
