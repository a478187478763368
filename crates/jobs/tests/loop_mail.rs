//! A well-behaved sender, read back from a real SMTP server (aiosmtpd) on 127.0.0.1, on SQLite and on
//! PostgreSQL: MIME-Version, Message-IDs on the public host, the configured EHLO name, and
//! `Auto-Submitted: auto-generated` on staff notifications but not on the customer's follow-up.

#[macro_use]
mod common;

use common::world::{FRONT, MANAGER, World, syd};
use olive_domain::followup::Answer;

async fn emails_carry_proper_headers(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    let customer = "maria.lopez@example.com";
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Maria Lopez",
            Some(customer),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, customer).await;
    w.store()
        .answer_followup(
            &token,
            Answer::new(2, false, "Still no appointment").unwrap(),
            false,
            w.clock.now(),
        )
        .await
        .unwrap();
    w.tick_at(w.clock.now()).await;

    let follow_up = w.smtp.mails_to(customer).pop().expect("the follow-up");
    let notices: Vec<_> = [FRONT, MANAGER]
        .into_iter()
        .map(|who| {
            w.smtp
                .mails_to(who)
                .into_iter()
                .find(|m| m.subject.starts_with("Not recovered yet"))
                .expect(who)
        })
        .collect();
    let mut ids = Vec::new();
    for m in notices.iter().chain([&follow_up]) {
        assert_eq!(m.header("MIME-Version"), Some("1.0"), "{:?}", m.headers);
        assert!(
            m.header("Content-Type")
                .is_some_and(|t| t.starts_with("text/plain") && t.contains("utf-8")),
            "{:?}",
            m.headers
        );
        // `<uuid@olive.test>`: the public host (SmtpSink::config), not a made-up `@olive`.
        let id = m
            .message_id
            .strip_prefix('<')
            .and_then(|v| v.strip_suffix("@olive.test>"))
            .unwrap_or_else(|| panic!("Message-ID {}", m.message_id));
        assert_eq!(id.len(), 36, "a UUID: {id}");
        ids.push(id.to_string());
        assert_eq!(m.ehlo, "mx.olive.test", "the configured greeting");
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every message has its own id");
    for m in &notices {
        assert_eq!(m.header("Auto-Submitted"), Some("auto-generated"));
    }
    // A person sent the follow-up and it asks for the customer's own answer: not auto-generated.
    assert_eq!(follow_up.header("Auto-Submitted"), None);
    // The customer can stop further messages in one click (RFC 8058); staff notices have no such header.
    let unsubscribe = format!("<https://olive.test/f/{token}/unsubscribe>");
    assert_eq!(
        follow_up.header("List-Unsubscribe"),
        Some(unsubscribe.as_str())
    );
    assert_eq!(
        follow_up.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        follow_up
            .body
            .contains(&format!("https://olive.test/f/{token}/unsubscribe"))
    );
    for m in &notices {
        assert_eq!(m.header("List-Unsubscribe"), None);
    }
}
both!(emails_carry_proper_headers);
