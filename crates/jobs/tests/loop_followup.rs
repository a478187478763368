//! Closing the loop, end to end with a hand-moved clock and a real SMTP server, on SQLite and on
//! PostgreSQL: the customer's follow-up (good and poor answers, expiry, reuse, opt-out, no answer).

#[macro_use]
mod common;

use common::Receiver;
use common::world::{FRONT, MANAGER, World, syd};
use olive_domain::case::{CaseStatus, CloseOutcome, StepStatus};
use olive_domain::followup::Answer;
use olive_storage::StoreError;
use olive_storage::followup::{FollowUpPage, SendFollowUp};

/// The greeting is the first name as people use it, not the first word typed: no title, no stray
/// punctuation, a capital; the email, the subject and the customer's page all use it.
async fn greetings_skip_titles_and_punctuation(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Mrs. mary o'neil,",
            Some("mary@example.com"),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, "mary@example.com").await;
    let mail = w.smtp.mails_to("mary@example.com").pop().unwrap();
    assert_eq!(mail.subject, "Did we make it right, Mary?");
    assert!(mail.body.contains("Hi Mary,"), "{}", mail.body);
    assert!(
        !mail.body.contains("Mrs") && !mail.body.contains("Mary,,"),
        "{}",
        mail.body
    );
    match w
        .store()
        .followup_page(&token, w.clock.now())
        .await
        .unwrap()
    {
        FollowUpPage::Open { first_name, .. } => assert_eq!(first_name, "Mary"),
        other => panic!("expected an open page, got {other:?}"),
    }
    // Nothing left but a title: said without a name.
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Dr.",
            Some("dr@example.com"),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    w.follow_up(&c, "dr@example.com").await;
    let mail = w.smtp.mails_to("dr@example.com").pop().unwrap();
    assert_eq!(mail.subject, "Did we make it right?");
}

both!(greetings_skip_titles_and_punctuation);

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
    assert!(
        mail.message_id.ends_with("@olive.test>"),
        "{}",
        mail.message_id
    );
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
                (business.name.as_str(), first_name.as_str()),
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
    w.hook(&rx.url, &["case.reopened", "feedback.received"])
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
        // Staff read the full name.
        .find(|s| s.title.starts_with("Call Maria Lopez about their answer"))
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
    // The case was awaiting verification, never closed: integrators hear the answer, not a reopening.
    assert_eq!(rx.accepted("case.reopened").len(), 0);
    let feedback = rx.accepted("feedback.received");
    assert_eq!(feedback.len(), 1);
    assert!(feedback[0].body.contains(r#""recovered":false"#));
}
both!(poor_answer_reopens_with_a_new_step);

/// A poor answer that arrives after staff closed the case opens it again, tells the owner and the
/// managers (saying it had been closed), and announces `case.reopened`; a good one changes nothing.
async fn poor_answer_after_closing_reopens(pg: bool) {
    use olive_domain::case::VerificationMethod;
    use olive_storage::actions::{CloseCase, Verification};
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let rx = Receiver::start(0).await;
    w.hook(&rx.url, &["case.reopened", "feedback.received"])
        .await;
    let front = w.fx.actor("dental_front").clone();
    let mut tokens = Vec::new();
    for name in ["Maria Lopez", "Ann Lee"] {
        let email = format!("{}@example.com", name.replace(' ', ".").to_lowercase());
        let c = w
            .case(
                "dental_front",
                "appointment-not-in-book",
                name,
                Some(&email),
            )
            .await;
        w.settle_all_but_verify(&c).await;
        let token = w.follow_up(&c, &email).await;
        let said = Verification {
            method: VerificationMethod::Phone,
            customer_said: "fine, thanks".into(),
            satisfied: true,
        };
        let key = c.summary.id.clone();
        w.store()
            .verify(&front, &key, said, w.clock.now())
            .await
            .unwrap();
        let close = CloseCase {
            outcome: olive_domain::CloseOutcome::Recovered,
            root_cause: olive_domain::RootCause::Scheduling,
            prevention_note: None,
        };
        let closed = w
            .store()
            .close(&front, &key, close, w.clock.now())
            .await
            .unwrap();
        assert_eq!(closed.summary.status, CaseStatus::Closed);
        tokens.push((key, token));
    }
    // Maria answers poorly after all; Ann is happy.
    let answers = [
        Answer::new(1, false, "Nobody called me back").unwrap(),
        Answer::new(5, true, "").unwrap(),
    ];
    for ((_, token), answer) in tokens.iter().zip(answers) {
        w.store()
            .answer_followup(token, answer, false, w.clock.now())
            .await
            .unwrap();
    }
    let maria = w.get(&tokens[0].0).await;
    assert_eq!(maria.summary.status, CaseStatus::InProgress, "open again");
    assert!(
        maria
            .timeline
            .iter()
            .any(|e| e.event == olive_domain::CaseEvent::Reopened)
    );
    assert!(
        maria.steps.iter().any(|s| s.status == StepStatus::Pending
            && s.title.starts_with("Call Maria Lopez about their answer")),
        "a step to put it right"
    );
    assert_eq!(
        w.get(&tokens[1].0).await.summary.status,
        CaseStatus::Closed,
        "a good answer leaves it closed"
    );

    w.tick_at(w.clock.now()).await;
    for who in [FRONT, MANAGER] {
        let m = w
            .smtp
            .mails_to(who)
            .into_iter()
            .find(|m| m.subject.starts_with("Not recovered yet"))
            .expect(who);
        assert!(
            m.body.contains("Nobody called me back")
                && m.body.contains("It had been closed; it is open again."),
            "{}",
            m.body
        );
    }
    assert_eq!(
        rx.accepted("case.reopened").len(),
        1,
        "the closed case is announced as reopened"
    );
    assert_eq!(rx.accepted("feedback.received").len(), 2);
}
both!(poor_answer_after_closing_reopens);

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
    assert!(case.steps.iter().any(
        |s| s.title.starts_with("Call Maria Lopez to check") && s.status == StepStatus::Pending
    ));
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
