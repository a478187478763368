//! Closing the loop, end to end with a hand-moved clock, a real SMTP server and a real webhook receiver,
//! on SQLite and on PostgreSQL: reminders, overdue notices, escalation in business hours, digests after
//! downtime, the customer's follow-up (good and poor answers, expiry, reuse, opt-out, no answer), and
//! webhooks with retries, signatures and dead messages.

mod common;

use common::{Receiver, SmtpSink, TestClock};
use jiff::Timestamp;
use jiff::civil::date;
use olive_domain::case::{CaseStatus, CloseOutcome, StepStatus};
use olive_domain::followup::Answer;
use olive_jobs::{Worker, WorkerConfig};
use olive_storage::actions::{NewGesture, StepAction};
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::followup::{FollowUpPage, SendFollowUp};
use olive_storage::testing::{Fixture, fresh_store};
use olive_storage::views::CaseDetail;
use olive_storage::webhooks::NewWebhook;
use olive_storage::{LoopConfig, Store, StoreError};

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
fn syd(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    date(y, m, d)
        .at(h, min, 0, 0)
        .in_tz("Australia/Sydney")
        .unwrap()
        .timestamp()
}

struct World {
    fx: Fixture,
    clock: TestClock,
    smtp: SmtpSink,
    worker: Worker,
}

impl World {
    async fn new(
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

    fn store(&self) -> &Store {
        &self.fx.store
    }

    async fn tick_at(&self, at: Timestamp) -> olive_jobs::TickReport {
        self.clock.set(at);
        self.worker.tick().await.unwrap()
    }

    async fn case(
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
            },
            description: "test".into(),
            severity: None,
        };
        self.store()
            .create_case(self.fx.actor(who), input, None, self.clock.now())
            .await
            .unwrap()
            .0
    }

    async fn get(&self, id: &str) -> CaseDetail {
        self.store()
            .get_case(self.fx.actor("admin"), id, self.clock.now())
            .await
            .unwrap()
    }

    /// Skip every step but the verification, so the case awaits verification.
    async fn settle_all_but_verify(&self, c: &CaseDetail) {
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

    async fn hook(&self, url: &str, events: &[&str]) -> String {
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
    async fn follow_up(&self, c: &CaseDetail, to: &str) -> String {
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

const FRONT: &str = "dental.front@olive.test";
const MANAGER: &str = "dental.manager@olive.test";

async fn reminders_overdue_and_escalation_in_business_hours(pg: bool) {
    // Tuesday 09:00 at a practice open Mon–Fri 08:00–17:00.
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            None,
        )
        .await;
    let reference = c.summary.reference.clone();

    // Apologise (due 09:05) and offer a slot (09:15) are both within the 15-minute lead: one email, two items.
    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 1, "one digest, not one email per step");
    assert!(
        mails[0].subject.contains("2 recovery steps"),
        "{}",
        mails[0].subject
    );
    assert!(
        mails[0]
            .body
            .contains(&format!("https://olive.test/cases/{reference}"))
    );
    assert!(w.smtp.mails_to(MANAGER).is_empty());

    // Ticking again sends nothing new: each alert is queued once (unique key).
    w.tick_at(syd(2026, 11, 24, 9, 1)).await;
    assert_eq!(w.smtp.mails().len(), 1);

    w.tick_at(syd(2026, 11, 24, 9, 6)).await;
    let mails = w.smtp.mails_to(FRONT);
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].subject, format!("Overdue: {reference}"));

    // The apology escalates 30 business minutes after it was due: 09:35, not before.
    w.tick_at(syd(2026, 11, 24, 9, 34)).await;
    assert!(w.smtp.mails_to(MANAGER).is_empty());
    assert!(w.get(&c.summary.id).await.summary.escalated_at.is_none());
    w.tick_at(syd(2026, 11, 24, 9, 35)).await;
    let to_manager = w.smtp.mails_to(MANAGER);
    assert_eq!(to_manager.len(), 1);
    assert_eq!(to_manager[0].subject, format!("Escalated: {reference}"));
    let case = w.get(&c.summary.id).await;
    assert!(case.summary.escalated_at.is_some());
    assert!(
        case.timeline
            .iter()
            .any(|e| e.event == olive_domain::CaseEvent::Escalated)
    );
    let escalated = w
        .store()
        .list_cases(
            w.fx.actor("dental_manager"),
            &olive_storage::cases::CaseFilter {
                escalated: Some(true),
                ..Default::default()
            },
            w.clock.now(),
        )
        .await
        .unwrap();
    assert_eq!(escalated.items.len(), 1);

    // "My work" lists what the owner was told.
    let notes = w
        .store()
        .notifications(w.fx.actor("dental_front"), 50)
        .await
        .unwrap();
    for kind in ["reminder", "overdue", "escalation"] {
        assert!(notes.iter().any(|n| n.kind == kind), "{kind} in My work");
    }

    // Finish the morning's steps so only the afternoon's remain.
    let case = w.get(&c.summary.id).await;
    for s in case.steps.iter().filter(|s| s.due_rule.starts_with("PT")) {
        w.store()
            .step_action(
                w.fx.actor("dental_front"),
                &c.summary.id,
                &s.id,
                false,
                StepAction::default(),
                w.clock.now(),
            )
            .await
            .unwrap();
    }
    let before = w.smtp.mails_to(MANAGER).len();
    // Flowers are due at 17:00; two business hours later is Wednesday 10:00 (opening at 08:00).
    w.tick_at(syd(2026, 11, 24, 23, 0)).await;
    w.tick_at(syd(2026, 11, 25, 3, 0)).await;
    w.tick_at(syd(2026, 11, 25, 9, 59)).await;
    assert_eq!(
        w.smtp.mails_to(MANAGER).len(),
        before,
        "nothing escalates while the practice is closed"
    );
    w.tick_at(syd(2026, 11, 25, 10, 0)).await;
    let to_manager = w.smtp.mails_to(MANAGER);
    assert_eq!(to_manager.len(), before + 1);
    assert!(
        to_manager.last().unwrap().body.contains("Flowers"),
        "{}",
        to_manager.last().unwrap().body
    );
}
both!(reminders_overdue_and_escalation_in_business_hours);

async fn downtime_sends_one_digest_per_person(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 26, 9, 0), |_, _| {}).await;
    let mut refs = Vec::new();
    for name in ["Ann One", "Ben Two", "Cat Three"] {
        refs.push(
            w.case("dental_front", "appointment-not-in-book", name, None)
                .await
                .summary
                .reference,
        );
    }
    // The server was off from Thursday 09:00 until Monday noon.
    w.tick_at(syd(2026, 11, 30, 12, 0)).await;
    let front = w.smtp.mails_to(FRONT);
    let manager = w.smtp.mails_to(MANAGER);
    assert_eq!(front.len(), 1, "one digest for the owner, not a storm");
    assert_eq!(manager.len(), 1, "one digest for the manager");
    for r in &refs {
        assert!(front[0].body.contains(r.as_str()), "{r} in the digest");
        assert!(
            manager[0].body.contains(r.as_str()),
            "{r} escalated to the manager"
        );
    }
    // Each step got only its latest alert: escalated steps do not also send a reminder and an overdue notice.
    let notes = w
        .store()
        .notifications(w.fx.actor("dental_front"), 200)
        .await
        .unwrap();
    let case = w.get(&refs[0]).await;
    let per_case = notes
        .iter()
        .filter(|n| n.case_id.as_deref() == Some(case.summary.id.as_str()))
        .count();
    let lead = jiff::SignedDuration::from_mins(15);
    let due_by_now = case
        .steps
        .iter()
        .filter(|s| s.due_at.parse::<Timestamp>().unwrap() - lead <= syd(2026, 11, 30, 12, 0))
        .count();
    assert!(
        due_by_now >= 4 && due_by_now < case.steps.len(),
        "{due_by_now} steps due by Monday noon"
    );
    assert_eq!(per_case, due_by_now, "one alert per step that came due");
    w.tick_at(syd(2026, 11, 30, 12, 5)).await;
    assert_eq!(w.smtp.mails().len(), 2, "nothing is sent twice");
}
both!(downtime_sends_one_digest_per_person);

async fn a_backlog_larger_than_one_transaction_is_still_one_digest(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 26, 9, 0), |_, _| {}).await;
    // Enough cases that their alerts take several of the scheduler's short transactions.
    let cases = olive_storage::scheduler::BACKGROUND_CHUNK as usize / 4 + 5;
    let mut refs = Vec::new();
    for n in 0..cases {
        let c = w
            .case(
                "dental_front",
                "appointment-not-in-book",
                &format!("Pat {n}"),
                None,
            )
            .await;
        refs.push(c.summary.reference);
    }
    w.tick_at(syd(2026, 11, 30, 12, 0)).await;
    let front = w.smtp.mails_to(FRONT);
    assert_eq!(front.len(), 1, "one digest for the owner");
    let lines = front[0].body.matches("\n- ").count();
    assert!(
        lines > olive_storage::scheduler::BACKGROUND_CHUNK as usize,
        "{lines} lines: more alerts than one transaction runs"
    );
    for r in &refs {
        assert!(
            front[0].body.contains(&format!("/cases/{r}\n")),
            "{r} in the digest"
        );
    }
    assert!(
        front[0]
            .subject
            .contains(&format!("{lines} recovery steps")),
        "{}",
        front[0].subject
    );
    assert_eq!(
        w.smtp.mails_to(MANAGER).len(),
        1,
        "one digest for the manager"
    );
    // No part of a digest is left behind, held or not.
    w.tick_at(syd(2026, 11, 30, 12, 5)).await;
    assert_eq!(w.smtp.mails().len(), 2, "nothing is sent twice");
}
both!(a_backlog_larger_than_one_transaction_is_still_one_digest);

async fn good_answer_closes_as_recovered(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let rx = Receiver::start(0).await;
    w.hook(&rx.url, &["feedback.received", "case.closed"]).await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some("maria.lopez@example.com"),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, "maria.lopez@example.com").await;
    let mail = w.smtp.mails_to("maria.lopez@example.com").pop().unwrap();
    assert_eq!(mail.subject, "Did we make it right, Maria?");
    assert!(
        mail.body.contains("Maria") && mail.body.contains("Harbour Dental"),
        "{}",
        mail.body
    );
    assert!(mail.message_id.ends_with("@olive>"), "{}", mail.message_id);
    assert!(
        token.bytes().all(|b| b.is_ascii_hexdigit()),
        "256-bit token in hex"
    );
    assert_eq!(w.get(&c.summary.id).await.follow_ups[0].state, "waiting");

    match w
        .store()
        .followup_page(&token, w.clock.now())
        .await
        .unwrap()
    {
        FollowUpPage::Open {
            business,
            first_name,
        } => {
            assert_eq!(
                (business.as_str(), first_name.as_str()),
                ("Harbour Dental", "Maria")
            );
        }
        other => panic!("expected an open page, got {other:?}"),
    }
    w.store()
        .answer_followup(
            &token,
            Answer::new(5, true, "Lovely flowers").unwrap(),
            false,
            w.clock.now(),
        )
        .await
        .unwrap();
    let case = w.get(&c.summary.id).await;
    assert_eq!(case.summary.status, CaseStatus::Closed);
    assert_eq!(case.summary.outcome, Some(CloseOutcome::Recovered));
    let v = case.verifications.last().unwrap();
    assert!(v.satisfied && v.customer_said.contains("Lovely flowers"));
    assert_eq!(v.verified_by.name, "The customer");
    assert_eq!(case.follow_ups[0].state, "answered");

    // The link works once.
    let again = w
        .store()
        .answer_followup(
            &token,
            Answer::new(1, false, "").unwrap(),
            false,
            w.clock.now(),
        )
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Conflict {
                code: "already_answered",
                ..
            })
        ),
        "{again:?}"
    );
    assert!(matches!(
        w.store().followup_page(&token, w.clock.now()).await,
        Ok(FollowUpPage::Answered { .. })
    ));
    assert!(matches!(
        w.store()
            .followup_page(&"0".repeat(64), w.clock.now())
            .await,
        Err(StoreError::NotFound(_))
    ));

    w.tick_at(w.clock.now()).await;
    assert_eq!(rx.accepted("feedback.received").len(), 1);
    assert_eq!(rx.accepted("case.closed").len(), 1);
}
both!(good_answer_closes_as_recovered);

async fn poor_answer_reopens_with_a_new_step(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let rx = Receiver::start(0).await;
    w.hook(&rx.url, &["case.reopened"]).await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some("maria.lopez@example.com"),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    assert_eq!(
        w.get(&c.summary.id).await.summary.status,
        CaseStatus::AwaitingVerification
    );
    let token = w.follow_up(&c, "maria.lopez@example.com").await;
    w.store()
        .answer_followup(
            &token,
            Answer::new(2, false, "Still no appointment").unwrap(),
            false,
            w.clock.now(),
        )
        .await
        .unwrap();
    let case = w.get(&c.summary.id).await;
    assert_eq!(case.summary.status, CaseStatus::InProgress);
    let new_step = case
        .steps
        .iter()
        .find(|s| s.title.starts_with("Call Maria about their answer"))
        .expect("a new step");
    assert_eq!(new_step.status, StepStatus::Pending);
    let verifies: Vec<_> = case
        .steps
        .iter()
        .filter(|s| s.kind == olive_domain::StepKind::Verify)
        .collect();
    assert!(verifies.iter().any(|s| s.status == StepStatus::Skipped));
    assert!(
        verifies.iter().any(|s| s.status == StepStatus::Pending),
        "a new verification follows"
    );
    assert!(
        case.timeline
            .iter()
            .any(|e| e.event == olive_domain::CaseEvent::Reopened)
    );

    w.tick_at(w.clock.now()).await;
    for who in [FRONT, MANAGER] {
        let m = w
            .smtp
            .mails_to(who)
            .into_iter()
            .find(|m| m.subject.starts_with("Not recovered yet"))
            .expect(who);
        assert!(m.body.contains("Still no appointment"), "{}", m.body);
    }
    assert_eq!(rx.accepted("case.reopened").len(), 1);
}
both!(poor_answer_reopens_with_a_new_step);

async fn expiry_no_answer_and_opt_out(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |lc, _| {
        lc.followup_expiry = jiff::SignedDuration::from_hours(48);
        lc.followup_wait = jiff::SignedDuration::from_hours(24);
    })
    .await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some("maria.lopez@example.com"),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, "maria.lopez@example.com").await;

    // No answer after a day: a verification call becomes a step for the owner.
    w.tick_at(syd(2026, 11, 25, 9, 30)).await;
    let case = w.get(&c.summary.id).await;
    assert_eq!(case.follow_ups[0].state, "unanswered");
    assert!(
        case.steps
            .iter()
            .any(|s| s.title.starts_with("Call Maria to check") && s.status == StepStatus::Pending)
    );
    assert!(
        w.smtp
            .mails_to(FRONT)
            .iter()
            .any(|m| m.subject.starts_with("No answer yet"))
    );

    // After two days the link has expired.
    w.clock.set(syd(2026, 11, 26, 9, 1));
    assert!(matches!(
        w.store().followup_page(&token, w.clock.now()).await,
        Ok(FollowUpPage::Expired { .. })
    ));
    let late = w
        .store()
        .answer_followup(
            &token,
            Answer::new(5, true, "").unwrap(),
            false,
            w.clock.now(),
        )
        .await;
    assert!(
        matches!(
            late,
            Err(StoreError::Conflict {
                code: "expired",
                ..
            })
        ),
        "{late:?}"
    );

    // A customer who opts out is not contacted again, on this case or another.
    let b = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some("Maria.Lopez@example.com"),
        )
        .await;
    let token_b = w.follow_up(&b, "maria.lopez@example.com").await;
    w.store()
        .answer_followup(
            &token_b,
            Answer::new(4, true, "").unwrap(),
            true,
            w.clock.now(),
        )
        .await
        .unwrap();
    let c3 = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some("maria.lopez@example.com"),
        )
        .await;
    assert!(w.get(&c3.summary.id).await.customer_opted_out);
    let refused = w
        .store()
        .send_followup(
            w.fx.actor("dental_front"),
            &c3.summary.id,
            SendFollowUp::default(),
            w.clock.now(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Conflict {
                code: "customer_opted_out",
                ..
            })
        ),
        "{refused:?}"
    );
    // No email address: a clear field error.
    let none = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Sam Noemail",
            None,
        )
        .await;
    let err = w
        .store()
        .send_followup(
            w.fx.actor("dental_front"),
            &none.summary.id,
            SendFollowUp::default(),
            w.clock.now(),
        )
        .await;
    assert!(
        matches!(&err, Err(StoreError::Validation { fields, .. }) if fields.contains_key("customer.email")),
        "{err:?}"
    );
    // Flagged wording is not sent.
    let flagged = w
        .store()
        .send_followup(
            w.fx.actor("dental_front"),
            &c3.summary.id,
            SendFollowUp {
                message: Some("Calm down, that's our policy.".into()),
            },
            w.clock.now(),
        )
        .await;
    assert!(flagged.is_err());
}
both!(expiry_no_answer_and_opt_out);

async fn webhooks_retry_sign_and_die(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, wc| wc.max_attempts = 3).await;
    let rx = Receiver::start(2).await;
    let secret = w
        .hook(&rx.url, &["case.created", "gesture.pending_approval"])
        .await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            None,
        )
        .await;
    w.store()
        .give_gesture(
            w.fx.actor("dental_front"),
            &c.summary.id,
            NewGesture {
                kind: "flowers".into(),
                value_cents: 300_00,
                note: String::new(),
            },
            None,
            w.clock.now(),
        )
        .await
        .unwrap();

    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    assert_eq!(rx.deliveries().len(), 2);
    assert!(
        rx.deliveries()
            .iter()
            .all(|d| d.answered == 500 && d.attempt == "1")
    );
    // The retry waits for its backoff.
    w.tick_at(syd(2026, 11, 24, 9, 0)).await;
    assert_eq!(rx.deliveries().len(), 2);
    w.tick_at(syd(2026, 11, 24, 9, 10)).await;
    let created = rx.accepted("case.created");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].attempt, "2");
    let first_try = rx
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "case.created")
        .unwrap();
    assert_eq!(
        first_try.event_id, created[0].event_id,
        "a retry carries the same event id"
    );
    // The signature is HMAC-SHA256 of the body with the endpoint's secret.
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(created[0].body.as_bytes());
    assert_eq!(
        created[0].signature,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let body: serde_json::Value = serde_json::from_str(&created[0].body).unwrap();
    assert_eq!(body["id"], created[0].event_id.as_str());
    assert_eq!(body["type"], "case.created");
    assert_eq!(body["data"]["ref"], c.summary.reference.as_str());
    assert_eq!(rx.accepted("gesture.pending_approval").len(), 1);

    // A receiver that keeps failing: the message goes dead after 3 attempts, managers see it and retry it.
    rx.fail_next(1000);
    w.case("dental_front", "appointment-not-in-book", "Ben Two", None)
        .await;
    for min in [11, 20, 30, 40] {
        w.tick_at(syd(2026, 11, 24, 9, min)).await;
    }
    let dead = w
        .store()
        .list_outbox(w.fx.actor("dental_manager"), Some("dead"), 50)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("500")
    );
    // Front-desk staff do not see the outbox; the other location's manager does not see this message.
    assert!(
        w.store()
            .list_outbox(w.fx.actor("dental_front"), None, 50)
            .await
            .is_err()
    );
    assert!(
        w.store()
            .list_outbox(w.fx.actor("grill_manager"), Some("dead"), 50)
            .await
            .unwrap()
            .is_empty()
    );
    rx.fail_next(0);
    w.store()
        .retry_outbox(w.fx.actor("dental_manager"), &dead[0].id, w.clock.now())
        .await
        .unwrap();
    w.tick_at(syd(2026, 11, 24, 9, 41)).await;
    assert_eq!(rx.accepted("case.created").len(), 2);
    assert!(
        w.store()
            .list_outbox(w.fx.actor("dental_manager"), Some("dead"), 50)
            .await
            .unwrap()
            .is_empty()
    );

    // Removing an endpoint stops what was still queued for it, visibly.
    w.case("dental_front", "appointment-not-in-book", "Cat Three", None)
        .await;
    let manager = w.fx.actor("dental_manager");
    let hooks = w
        .store()
        .list_webhooks(manager, &w.fx.dental)
        .await
        .unwrap();
    w.store()
        .delete_webhook(manager, &hooks[0].id)
        .await
        .unwrap();
    let before = rx.deliveries().len();
    w.tick_at(syd(2026, 11, 24, 9, 42)).await;
    assert_eq!(
        rx.deliveries().len(),
        before,
        "nothing goes to a removed endpoint"
    );
    let dead = w
        .store()
        .list_outbox(manager, Some("dead"), 50)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("removed")
    );
}
both!(webhooks_retry_sign_and_die);

#[tokio::test]
async fn private_webhook_targets_are_refused_by_default() {
    let store = fresh_store(false).await.unwrap();
    let fx = Fixture::new(store).await.unwrap();
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/",
        "http://10.0.0.5/",
        "ftp://example.com/",
    ] {
        let err = fx
            .store
            .create_webhook(
                fx.actor("dental_manager"),
                &fx.dental,
                NewWebhook {
                    url: url.into(),
                    events: vec!["case.created".into()],
                },
                Timestamp::now(),
            )
            .await;
        assert!(
            matches!(&err, Err(StoreError::Validation { fields, .. }) if fields.contains_key("url")),
            "{url}: {err:?}"
        );
    }
    let not_manager = fx
        .store
        .create_webhook(
            fx.actor("dental_front"),
            &fx.dental,
            NewWebhook {
                url: "https://hooks.example.com/".into(),
                events: vec!["case.created".into()],
            },
            Timestamp::now(),
        )
        .await;
    assert!(matches!(not_manager, Err(StoreError::Forbidden(_))));
    let bad_event = fx
        .store
        .create_webhook(
            fx.actor("dental_manager"),
            &fx.dental,
            NewWebhook {
                url: "https://hooks.example.com/".into(),
                events: vec!["case.deleted".into()],
            },
            Timestamp::now(),
        )
        .await;
    assert!(
        matches!(&bad_event, Err(StoreError::Validation { fields, .. }) if fields.contains_key("events"))
    );
}
