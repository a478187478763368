//! Storage integration tests: what a new case's answer shows follows changes at once, although locations
//! and authority limits are cached and opt-outs are read in the writer's batch — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use jiff::civil::Time;
use olive_domain::deadline::DayHours;
use olive_domain::role::Role;
use olive_storage::Store;
use olive_storage::admin::LocationUpdate;
use olive_storage::cases::CustomerInput;
use olive_storage::views::LimitView;
use sea_query::Query;

both!(answers_follow_changes);
async fn answers_follow_changes(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let with_phone = |name: &str| olive_storage::cases::NewCase {
        customer: CustomerInput {
            name: name.into(),
            phone: Some("0400 123 456".into()),
            ..CustomerInput::default()
        },
        ..report(&org.dental, "appointment-not-in-book", name)
    };

    // First read of the location and limits (now cached): the front desk may give $100 on a new case.
    let first = create(&store, fd, with_phone("Ava Nguyen"), now).await;
    assert_eq!(first.currency, "AUD");
    assert_eq!(first.my_remaining_authority_cents, Some(100_00));
    assert!(!first.customer_opted_out);

    // The customer opts out; the next case for that phone says so, as a read of it does.
    let phone: olive_domain::contact::Phone = "0400 123 456".parse().unwrap();
    let opt_out = Query::insert()
        .into_table("contact_opt_outs")
        .columns(["contact", "source", "created_at"])
        .values_panic([
            format!("phone:{phone}").into(),
            "test".into(),
            now.as_millisecond().into(),
        ])
        .to_owned();
    store.db().execute(&opt_out).await.unwrap();
    let second = create(&store, fd, with_phone("Ava Nguyen"), now).await;
    assert!(second.customer_opted_out);
    let read = store.get_case(fd, &second.summary.id, now).await.unwrap();
    assert!(read.customer_opted_out);
    assert_eq!(
        read.my_remaining_authority_cents,
        second.my_remaining_authority_cents
    );

    // Lower limits show on the next case at once.
    let set = LimitView {
        role: Role::FrontDesk,
        per_case_cents: Some(40_00),
        per_day_cents: Some(150_00),
    };
    store.set_limits(mgr, &org.dental, &[set]).await.unwrap();
    let third = create(&store, fd, report(&org.dental, "long-wait", "Noah"), now).await;
    assert_eq!(third.my_remaining_authority_cents, Some(40_00));

    // A location's new settings too: its currency, and deadlines in its new hours.
    let nine_to_five = Some(DayHours {
        open: Time::constant(9, 0, 0, 0),
        close: Time::constant(17, 0, 0, 0),
    });
    store
        .update_location(
            &org.admin,
            &org.dental,
            LocationUpdate {
                timezone: "Australia/Perth".into(),
                currency: "NZD".into(),
                hours: [nine_to_five; 7],
                closed: Default::default(),
                approval_escalation_minutes: None,
                contact: Default::default(),
            },
        )
        .await
        .unwrap();
    let fourth = create(&store, fd, report(&org.dental, "long-wait", "Mia"), now).await;
    assert_eq!(fourth.currency, "NZD");
    let read = store.get_case(fd, &fourth.summary.id, now).await.unwrap();
    assert_eq!(read.currency, "NZD");
    let due = |d: &olive_storage::views::CaseDetail| {
        d.steps.iter().map(|s| s.due_at.clone()).collect::<Vec<_>>()
    };
    assert_eq!(due(&fourth), due(&read));
}
