//! A well-behaved sender, read back from a real SMTP server (aiosmtpd) on 127.0.0.1, on SQLite and on
//! PostgreSQL: MIME-Version, Message-IDs on the public host, the configured EHLO name, and
//! `Auto-Submitted: auto-generated` on staff notifications but not on the customer's follow-up; and the
//! customer's email is the practice's own (its name on `From`, its email as `Reply-To`, its footer).

#[macro_use]
mod common;

use common::Mail;
use common::world::{FRONT, MANAGER, World, syd};
use olive_domain::followup::Answer;
use olive_storage::admin::ContactUpdate;

/// `From`/`Reply-To` split into the display name (unquoted) and the address.
fn mailbox(value: Option<&str>) -> (String, String) {
    let v = value.expect("the header");
    let (name, rest) = v.rsplit_once('<').unwrap_or(("", v));
    (
        name.trim().trim_matches('"').to_string(),
        rest.trim_end_matches('>').trim().to_string(),
    )
}

/// The body's last lines, after the unsubscribe line.
fn footer(m: &Mail) -> Vec<String> {
    let after = m.body.split("/unsubscribe").last().unwrap_or_default();
    after
        .trim_end()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

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
    // Harbour Dental gave no contact details: its name on From and in the footer, no Reply-To, and
    // no empty footer line or bare label.
    assert_eq!(
        mailbox(follow_up.header("From")),
        ("Harbour Dental".into(), "olive@olive.test".into())
    );
    assert_eq!(follow_up.header("Reply-To"), None);
    assert_eq!(footer(&follow_up), ["", "Harbour Dental"]);
    assert!(!follow_up.body.contains("Phone"), "{}", follow_up.body);
    // Staff emails are Olive's own, as configured.
    for m in &notices {
        assert_eq!(
            mailbox(m.header("From")),
            ("Olive".into(), "olive@olive.test".into())
        );
        assert_eq!(m.header("Reply-To"), None);
        assert!(!m.body.contains("Harbour Dental\n"), "{}", m.body);
    }
}
both!(emails_carry_proper_headers);

/// A practice with a phone, an email and an address: the follow-up goes out in its name, replies go
/// to its email, and the footer gives its name, phone and address; staff emails stay Olive's.
async fn the_follow_up_is_the_practices_own(pg: bool) {
    let w = World::new(pg, syd(2026, 11, 24, 9, 0), |_, _| {}).await;
    w.store()
        .update_location_contact(
            w.fx.actor("dental_manager"),
            &w.fx.dental,
            ContactUpdate {
                phone: Some("02 9555 0142".into()),
                email: Some("Hello@HarbourDental.example".into()),
                address: Some("12 Wharf Street\nPyrmont NSW 2009".into()),
            },
        )
        .await
        .unwrap();
    let customer = "ava.nguyen@example.com";
    let c = w
        .case(
            "dental_front",
            "appointment-not-in-book",
            "Ava Nguyen",
            Some(customer),
        )
        .await;
    w.settle_all_but_verify(&c).await;
    let token = w.follow_up(&c, customer).await;
    let m = w.smtp.mails_to(customer).pop().expect("the follow-up");
    assert_eq!(
        mailbox(m.header("From")),
        ("Harbour Dental".into(), "olive@olive.test".into())
    );
    assert_eq!(
        mailbox(m.header("Reply-To")).1,
        "hello@harbourdental.example"
    );
    assert_eq!(
        footer(&m),
        [
            "",
            "Harbour Dental",
            "Phone 02 9555 0142",
            "12 Wharf Street",
            "Pyrmont NSW 2009"
        ]
    );
    // The one-click unsubscribe stays.
    let unsubscribe = format!("<https://olive.test/f/{token}/unsubscribe>");
    assert_eq!(m.header("List-Unsubscribe"), Some(unsubscribe.as_str()));
    assert_eq!(
        m.header("List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );
    // A poor answer tells the staff: their emails have Olive's From, no Reply-To, no practice footer.
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
    let notice = w
        .smtp
        .mails_to(MANAGER)
        .into_iter()
        .find(|m| m.subject.starts_with("Not recovered yet"))
        .expect("the manager is told");
    assert_eq!(
        mailbox(notice.header("From")),
        ("Olive".into(), "olive@olive.test".into())
    );
    assert_eq!(notice.header("Reply-To"), None);
    assert!(!notice.body.contains("02 9555 0142"), "{}", notice.body);
}
both!(the_follow_up_is_the_practices_own);
