//! Storage integration tests: a location's own contact details (phone, email for replies, address) are
//! set with its settings, read back typed and in its view, cleared, refused by field when they do not
//! check out, and kept from the front desk — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_storage::admin::{ContactUpdate, LocationUpdate};
use olive_storage::{Store, StoreError};

fn contact(phone: &str, email: &str, address: &str) -> ContactUpdate {
    ContactUpdate {
        phone: Some(phone.into()),
        email: Some(email.into()),
        address: Some(address.into()),
    }
}

/// The fields a refusal names.
fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Validation { fields, .. } => fields.into_keys().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn contact_details_are_set_read_and_cleared(store: Store) {
    let org = org(&store).await;
    let before = store.location(&org.dental).await.unwrap();
    assert_eq!(
        (&before.phone, &before.email, &before.address),
        (&None, &None, &None)
    );
    store
        .update_location_contact(
            &org.dental_manager,
            &org.dental,
            contact(
                " 02 9555 0142 ",
                "Hello@HarbourDental.example",
                "12 Wharf Street\r\n  Pyrmont NSW 2009\n",
            ),
        )
        .await
        .unwrap();
    let l = store.location(&org.dental).await.unwrap();
    assert_eq!(l.phone.as_ref().unwrap().as_str(), "02 9555 0142");
    assert_eq!(l.phone.as_ref().unwrap().number().as_str(), "0295550142");
    assert_eq!(
        l.email.as_ref().unwrap().as_str(),
        "hello@harbourdental.example"
    );
    assert_eq!(
        l.address.as_ref().unwrap().as_str(),
        "12 Wharf Street\nPyrmont NSW 2009"
    );
    assert_eq!(
        l.footer(),
        "Harbour Dental\nPhone 02 9555 0142\n12 Wharf Street\nPyrmont NSW 2009"
    );
    let view = store
        .get_location(&org.dental_front, &org.dental)
        .await
        .unwrap();
    assert_eq!(view.phone.as_deref(), Some("02 9555 0142"));
    assert_eq!(view.email.as_deref(), Some("hello@harbourdental.example"));
    assert_eq!(
        view.address.as_deref(),
        Some("12 Wharf Street\nPyrmont NSW 2009")
    );
    // The other location is untouched.
    let grill = store.get_location(&org.admin, &org.grill).await.unwrap();
    assert_eq!(
        (grill.phone, grill.email, grill.address),
        (None, None, None)
    );

    // Saving the other settings leaves the contact details (None: unchanged) ...
    let settings = |c: ContactUpdate| LocationUpdate {
        timezone: before.tz_name.clone(),
        currency: before.currency.to_string(),
        hours: before.hours,
        closed: before.closed.clone(),
        approval_escalation_minutes: None,
        contact: c,
    };
    store
        .update_location(
            &org.dental_manager,
            &org.dental,
            settings(ContactUpdate::default()),
        )
        .await
        .unwrap();
    let l = store.location(&org.dental).await.unwrap();
    assert!(l.phone.is_some() && l.email.is_some() && l.address.is_some());
    // ... and an empty text clears one, in the same save as the rest.
    store
        .update_location(
            &org.dental_manager,
            &org.dental,
            settings(ContactUpdate {
                phone: Some("(02) 9555-0199".into()),
                email: Some("".into()),
                address: Some("  ".into()),
            }),
        )
        .await
        .unwrap();
    let l = store.location(&org.dental).await.unwrap();
    assert_eq!(l.phone.as_ref().unwrap().as_str(), "(02) 9555-0199");
    assert_eq!((&l.email, &l.address), (&None, &None));
    assert_eq!(l.footer(), "Harbour Dental\nPhone (02) 9555-0199");
    // A new store reads the same from the database (not from this one's cache).
    let listed = store.list_locations(&org.admin).await.unwrap();
    let dental = listed.iter().find(|l| l.id == org.dental).unwrap();
    assert_eq!(dental.phone.as_deref(), Some("(02) 9555-0199"));
    assert_eq!(
        (dental.email.as_deref(), dental.address.as_deref()),
        (None, None)
    );
}
both!(contact_details_are_set_read_and_cleared);

async fn bad_contact_details_name_their_field(store: Store) {
    let org = org(&store).await;
    let good = || {
        contact(
            "02 9555 0142",
            "hello@harbourdental.example",
            "12 Wharf Street",
        )
    };
    store
        .update_location_contact(&org.dental_manager, &org.dental, good())
        .await
        .unwrap();
    let refused = |c: ContactUpdate| {
        let store = store.clone();
        let (who, id) = (org.dental_manager.clone(), org.dental.clone());
        async move {
            fields(
                store
                    .update_location_contact(&who, &id, c)
                    .await
                    .expect_err("refused"),
            )
        }
    };
    let mut c = good();
    c.phone = Some("call the front desk".into());
    assert_eq!(refused(c).await, ["phone"]);
    let mut c = good();
    c.phone = Some("12".into());
    assert_eq!(refused(c).await, ["phone"]);
    let mut c = good();
    c.email = Some("hello at harbour dental".into());
    assert_eq!(refused(c).await, ["email"]);
    let mut c = good();
    c.address = Some("x".repeat(301));
    assert_eq!(refused(c).await, ["address"]);
    let mut c = good();
    c.address = Some("12 Wharf Street\u{0}".into());
    assert_eq!(refused(c).await, ["address"]);
    assert_eq!(
        refused(contact("x", "y", &"z".repeat(400))).await,
        ["address", "email", "phone"]
    );
    // Refused with the other settings too, and nothing was written.
    let before = store.location(&org.dental).await.unwrap();
    let err = store
        .update_location(
            &org.dental_manager,
            &org.dental,
            LocationUpdate {
                timezone: before.tz_name.clone(),
                currency: "NZD".into(),
                hours: before.hours,
                closed: before.closed.clone(),
                approval_escalation_minutes: None,
                contact: ContactUpdate {
                    email: Some("nobody@".into()),
                    ..Default::default()
                },
            },
        )
        .await
        .expect_err("a bad email");
    assert_eq!(fields(err), ["email"]);
    let after = store.location(&org.dental).await.unwrap();
    assert_eq!(after.currency.to_string(), before.currency.to_string());
    assert_eq!(after.email.unwrap().as_str(), "hello@harbourdental.example");
    assert_eq!(after.phone.unwrap().as_str(), "02 9555 0142");
}
both!(bad_contact_details_name_their_field);

async fn only_managers_change_contact_details(store: Store) {
    let org = org(&store).await;
    let c = || {
        contact(
            "02 9555 0142",
            "hello@harbourdental.example",
            "12 Wharf Street",
        )
    };
    assert!(matches!(
        store
            .update_location_contact(&org.dental_front, &org.dental, c())
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // Another location's manager does not see this one.
    assert!(matches!(
        store
            .update_location_contact(&org.grill_manager, &org.dental, c())
            .await,
        Err(StoreError::NotFound(_))
    ));
    let l = store.location(&org.dental).await.unwrap();
    assert_eq!((l.phone, l.email, l.address), (None, None, None));
}
both!(only_managers_change_contact_details);
