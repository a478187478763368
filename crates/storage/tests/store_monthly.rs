//! Storage integration tests of the monthly report's schedule, on SQLite and PostgreSQL: which reports
//! are due when (each location's first business day at 08:00 local, the group's once all are), who
//! receives them (managers, admins for the group, not those who opted out), and queuing a month once
//! even when two stores (two processes) try at the same time; the PDF survives in the outbox row.

#[macro_use]
mod common;

use common::*;
use olive_domain::deadline::monthly::Month;
use olive_storage::Store;
use olive_storage::me::MySettings;
use olive_storage::outbox::{Attachment, Channel};
use olive_storage::scheduler::monthly::{GROUP, MonthlyEmail};

fn october() -> Month {
    Month::new(2026, 10).unwrap()
}

fn email(to: &str) -> MonthlyEmail {
    MonthlyEmail {
        to: to.into(),
        subject: "Olive — October 2026 at Harbour Dental".into(),
        body: "- Recovery rate: 75% (6 of 8 closed cases)\n".into(),
        attachment: Attachment {
            filename: "olive-2026-10-harbour-dental.pdf".into(),
            content_type: "application/pdf".into(),
            data: b"%PDF-1.7 \x00\x01\xfe".to_vec(),
        },
    }
}

async fn due_on_the_first_business_day(url: String) {
    let store = Store::open(&url).await.unwrap();
    let org = org(&store).await;
    let scopes = |due: Vec<olive_storage::scheduler::monthly::DueReport>| {
        due.into_iter()
            .map(|d| (d.scope, d.month.to_string()))
            .collect::<Vec<_>>()
    };
    // Sunday 1 November 2026: The Grill opens on Sundays, Harbour Dental does not.
    assert!(
        store
            .monthly_reports_due(local("2026-11-01T07:59"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        scopes(
            store
                .monthly_reports_due(local("2026-11-01T08:00"))
                .await
                .unwrap()
        ),
        [(org.grill.clone(), "2026-10".to_string())]
    );
    let monday = local("2026-11-02T08:05");
    let due = store.monthly_reports_due(monday).await.unwrap();
    assert_eq!(
        scopes(due.clone()),
        [
            (org.dental.clone(), "2026-10".to_string()),
            (org.grill.clone(), "2026-10".to_string()),
            (GROUP.to_string(), "2026-10".to_string()),
        ]
    );
    assert_eq!(due[0].location_name.as_deref(), Some("Harbour Dental"));

    // Recipients: the managers (not one who opted out), the admins for the group.
    let names = |r: Vec<olive_storage::scheduler::monthly::ReportRecipient>| {
        r.into_iter().map(|r| r.email).collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.monthly_recipients(&org.dental).await.unwrap()),
        ["maria@dental.test"]
    );
    assert_eq!(
        names(store.monthly_recipients(GROUP).await.unwrap()),
        ["olivia@olive.test"]
    );
    store
        .set_my_settings(
            &org.dental_manager,
            MySettings {
                monthly_report: false,
            },
            monday,
        )
        .await
        .unwrap();
    assert!(
        store
            .monthly_recipients(&org.dental)
            .await
            .unwrap()
            .is_empty()
    );

    // Two stores on one database queue the same month at once: one wins, once.
    let other = Store::open(&url).await.unwrap();
    let emails = [email("maria@dental.test"), email("olivia@olive.test")];
    let (a, b) = tokio::join!(
        store.queue_monthly_report(&org.dental, october(), &emails, monday),
        other.queue_monthly_report(&org.dental, october(), &emails, monday),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a ^ b, "exactly one queued it: {a} {b}");
    assert!(
        !store
            .queue_monthly_report(&org.dental, october(), &emails, monday)
            .await
            .unwrap(),
        "and never again"
    );
    let due = store.monthly_reports_due(monday).await.unwrap();
    assert!(due.iter().all(|d| d.scope != org.dental), "{due:?}");
    // The group's row is its own.
    assert!(
        store
            .queue_monthly_report(GROUP, october(), &[], monday)
            .await
            .unwrap()
    );

    // The emails went into the outbox once each, with the PDF's bytes intact.
    let out = store
        .claim_outbox(
            &[Channel::Email],
            monday,
            jiff::SignedDuration::from_secs(60),
            100,
        )
        .await
        .unwrap();
    let monthly: Vec<_> = out.iter().filter(|m| m.event == "monthly_report").collect();
    assert_eq!(monthly.len(), 2, "{monthly:?}");
    for m in monthly {
        assert_eq!(m.attachment.as_ref(), Some(&email("x").attachment));
        assert_eq!(m.subject, "Olive — October 2026 at Harbour Dental");
    }
}
both!(url due_on_the_first_business_day);
