//! Storage integration tests (issue 20 C): a manager's edit makes her location's own copy and leaves
//! another location sharing the playbook alone; an admin's group edit optionally reaches the copies
//! that had not changed the defect; retire and restore; the built-in release a playbook was based on
//! and adopting a newer one; open cases keep their protocol — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::playbook::Playbook;
use olive_storage::admin::{EditScope, built_in_version};
use olive_storage::org::NewLocation;
use olive_storage::{Store, StoreError};

/// A second practice sharing the group's dental playbook.
async fn north(store: &Store) -> String {
    let mut hours = [None; 7];
    hours[0] = Some(olive_domain::deadline::DayHours {
        open: jiff::civil::Time::constant(8, 0, 0, 0),
        close: jiff::civil::Time::constant(17, 0, 0, 0),
    });
    store
        .create_location(
            NewLocation {
                name: "Harbour Dental North".into(),
                playbook: "dental".into(),
                timezone: TZ.into(),
                currency: "AUD".into(),
                hours,
                closed: Default::default(),
            },
            setup_time(),
        )
        .await
        .expect("a second dental location")
        .id
}

async fn uses(store: &Store, location: &str) -> std::sync::Arc<Playbook> {
    let l = store.location(location).await.unwrap();
    store.playbook(&l.playbook_code).await.unwrap()
}

async fn retitled(
    store: &Store,
    code: &str,
    defect: usize,
    title: &str,
) -> olive_domain::playbook::Defect {
    let mut d = store.playbook(code).await.unwrap().defects[defect].clone();
    d.title = title.into();
    d
}

async fn a_managers_edit_stays_at_her_location(store: Store) {
    let org = org(&store).await;
    let other = north(&store).await;
    let original = uses(&store, &other).await.defects[0].title.clone();
    let now = setup_time();
    let row = store
        .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Location, now)
        .await
        .unwrap();
    assert_eq!(row.location_id.as_deref(), Some(org.dental.as_str()));
    assert_eq!(row.group(), "dental");
    let d = retitled(&store, &row.code, 0, "Our own words").await;
    store
        .save_defect(&org.dental_manager, &row, d, EditScope::Location, now)
        .await
        .unwrap();
    assert_eq!(
        uses(&store, &org.dental).await.defects[0].title,
        "Our own words"
    );
    assert_eq!(uses(&store, &other).await.defects[0].title, original);
    assert_eq!(
        store.playbook("dental").await.unwrap().defects[0].title,
        original
    );
    assert_eq!(
        store.location(&other).await.unwrap().playbook_code,
        "dental"
    );
    // The same copy on the next edit; the group's playbook is an admin's; another location is not hers.
    let again = store
        .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Location, now)
        .await
        .unwrap();
    assert_eq!(again.code, row.code);
    assert_forbidden(
        store
            .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Group, now)
            .await,
    );
    // (another location is not hers to see: not found, as elsewhere)
    assert_not_found(
        store
            .playbook_for_edit(&org.dental_manager, &org.grill, EditScope::Location, now)
            .await,
    );
    let group = store.playbook_row("dental").await.unwrap();
    let d = retitled(&store, "dental", 1, "Sneaky").await;
    assert!(matches!(
        store
            .save_defect(&org.dental_manager, &group, d, EditScope::Location, now)
            .await,
        Err(StoreError::Forbidden(_))
    ));
    // The API's list of playbooks stays the group's.
    let listed: Vec<String> = store
        .list_playbooks()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(listed, ["dental", "restaurant"]);
}
both!(a_managers_edit_stays_at_her_location);

async fn an_admins_group_edit_reaches_copies_that_had_not_changed_it(store: Store) {
    let org = org(&store).await;
    let other = north(&store).await;
    let now = setup_time();
    let copy = store
        .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Location, now)
        .await
        .unwrap();
    let mine = retitled(&store, &copy.code, 0, "Harbour's own").await;
    store
        .save_defect(&org.dental_manager, &copy, mine, EditScope::Location, now)
        .await
        .unwrap();
    let group = store
        .playbook_for_edit(&org.admin, &org.dental, EditScope::Group, now)
        .await
        .unwrap();
    assert_eq!(group.code, "dental");
    // Only the group default: the copy keeps what it had.
    let d1 = retitled(&store, "dental", 1, "Group only").await;
    let passed = store
        .save_defect(&org.admin, &group, d1, EditScope::Group, now)
        .await
        .unwrap();
    assert_eq!(passed, 0);
    assert_eq!(uses(&store, &other).await.defects[1].title, "Group only");
    assert_ne!(
        uses(&store, &org.dental).await.defects[1].title,
        "Group only"
    );
    // Also every location: a copy takes it where its defect was still the group's, not where it changed it.
    let group = store.playbook_row("dental").await.unwrap();
    let d0 = retitled(&store, "dental", 0, "Group wording").await;
    store
        .save_defect(&org.admin, &group, d0, EditScope::All, now)
        .await
        .unwrap();
    let group = store.playbook_row("dental").await.unwrap();
    let d2 = retitled(&store, "dental", 2, "Everywhere").await;
    let passed = store
        .save_defect(&org.admin, &group, d2, EditScope::All, now)
        .await
        .unwrap();
    assert_eq!(passed, 1);
    let harbour = uses(&store, &org.dental).await;
    assert_eq!(harbour.defects[0].title, "Harbour's own");
    assert_eq!(harbour.defects[2].title, "Everywhere");
    assert_eq!(uses(&store, &other).await.defects[0].title, "Group wording");
}
both!(an_admins_group_edit_reaches_copies_that_had_not_changed_it);

async fn retire_and_restore_a_defect(store: Store) {
    let org = org(&store).await;
    let now = setup_time();
    let row = store
        .playbook_for_edit(&org.grill_manager, &org.grill, EditScope::Location, now)
        .await
        .unwrap();
    let p = store
        .set_defect_retired(&org.grill_manager, &row, "cold-food", true, now)
        .await
        .unwrap();
    assert!(p.defect("cold-food").is_none());
    assert!(p.retired_defects.iter().any(|d| d.code == "cold-food"));
    assert!(
        p.search_defects("cold")
            .iter()
            .all(|d| d.code != "cold-food")
    );
    let row = store.playbook_row(&row.code).await.unwrap();
    assert_not_found(
        store
            .set_defect_retired(&org.grill_manager, &row, "cold-food", true, now)
            .await,
    );
    let p = store
        .set_defect_retired(&org.grill_manager, &row, "cold-food", false, now)
        .await
        .unwrap();
    assert!(p.defect("cold-food").is_some());
    assert!(p.retired_defects.is_empty());
    // The group's restaurant playbook never lost it.
    assert!(
        store
            .playbook("restaurant")
            .await
            .unwrap()
            .defect("cold-food")
            .is_some()
    );
}
both!(retire_and_restore_a_defect);

async fn a_newer_built_in_is_offered_and_adopted_on_request(store: Store) {
    let org = org(&store).await;
    let now = setup_time();
    let src = Playbook::built_in_source("restaurant").unwrap();
    let group = store.playbook_row("restaurant").await.unwrap();
    assert_eq!(
        group.base_version.as_deref(),
        Some(built_in_version(src).as_str())
    );
    assert!(store.built_in_offer(&group).await.unwrap().is_none());
    // The Grill's copy was made from an earlier release whose "cold food" and "cold drink" differ.
    let mut older = Playbook::from_toml(src).unwrap();
    for code in ["cold-food", "one-dish-late"] {
        let d = older.defects.iter_mut().find(|d| d.code == code).unwrap();
        d.steps[0].say = "Sorry about that.".into();
    }
    let older = older.to_toml();
    let row = store
        .make_location_copy(&org.admin, &org.grill, &older, Some(&older), now)
        .await
        .unwrap();
    assert_eq!(
        row.base_version.as_deref(),
        Some(built_in_version(&older).as_str())
    );
    let offer = store.built_in_offer(&row).await.unwrap().expect("an offer");
    let codes: Vec<&str> = offer.diffs.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["cold-food", "one-dish-late"]);
    assert_eq!(offer.version, built_in_version(src));
    // One defect adopted: the other is still offered, and the base is still the old release.
    let n = store
        .adopt_built_in(&org.grill_manager, &row, Some("cold-food"), false, now)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let mine = uses(&store, &org.grill).await;
    assert_ne!(
        mine.defect("cold-food").unwrap().steps[0].say,
        "Sorry about that."
    );
    assert_eq!(
        mine.defect("one-dish-late").unwrap().steps[0].say,
        "Sorry about that."
    );
    let row = store.playbook_row(&row.code).await.unwrap();
    let offer = store
        .built_in_offer(&row)
        .await
        .unwrap()
        .expect("still an offer");
    assert_eq!(offer.diffs.len(), 1);
    // Keep mine: nothing changes, and the offer is gone (the copy is now based on the new release).
    store
        .adopt_built_in(&org.grill_manager, &row, None, true, now)
        .await
        .unwrap();
    let row = store.playbook_row(&row.code).await.unwrap();
    assert_eq!(
        row.base_version.as_deref(),
        Some(built_in_version(src).as_str())
    );
    assert!(store.built_in_offer(&row).await.unwrap().is_none());
    assert_eq!(
        uses(&store, &org.grill)
            .await
            .defect("one-dish-late")
            .unwrap()
            .steps[0]
            .say,
        "Sorry about that."
    );
    // Another location's manager cannot adopt for The Grill (not hers to see).
    assert_not_found(
        store
            .adopt_built_in(&org.dental_manager, &row, None, false, now)
            .await,
    );
}
both!(a_newer_built_in_is_offered_and_adopted_on_request);

async fn open_cases_keep_the_protocol_they_started_with(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let case = create(
        &store,
        &org.dental_front,
        report(&org.dental, "long-wait", "Ada Lovelace"),
        now,
    )
    .await;
    let before: Vec<String> = case.steps.iter().map(|s| s.title.clone()).collect();
    let row = store
        .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Location, now)
        .await
        .unwrap();
    let mut d = store
        .playbook(&row.code)
        .await
        .unwrap()
        .defect("long-wait")
        .unwrap()
        .clone();
    d.steps[0].title = "A brand new first step".into();
    store
        .save_defect(&org.dental_manager, &row, d, EditScope::Location, now)
        .await
        .unwrap();
    let again = store
        .get_case(&org.dental_front, &case.summary.id, now)
        .await
        .unwrap();
    let after: Vec<String> = again.steps.iter().map(|s| s.title.clone()).collect();
    assert_eq!(before, after);
    let fresh = create(
        &store,
        &org.dental_front,
        report(&org.dental, "long-wait", "Alan Turing"),
        now,
    )
    .await;
    assert_eq!(fresh.steps[0].title, "A brand new first step");
}
both!(open_cases_keep_the_protocol_they_started_with);

/// The playbook-wide settings (words, gestures, case fields): a manager's change stays at her location;
/// an admin's, passed on to every location, reaches each part a copy had not changed itself; a gesture
/// still offered by a defect cannot be taken out, and nothing is saved.
async fn settings_by_location_and_group(store: Store) {
    use olive_domain::money::Cents;
    use olive_domain::playbook::GestureKind;
    use olive_domain::playbook::settings::Settings;
    let org = org(&store).await;
    let other = north(&store).await;
    let now = setup_time();
    let copy = store
        .playbook_for_edit(&org.dental_manager, &org.dental, EditScope::Location, now)
        .await
        .unwrap();
    let drawn = Settings::of(&store.playbook(&copy.code).await.unwrap());
    let mut mine = drawn.clone();
    mine.gestures.push(GestureKind {
        code: "parking".into(),
        name: "Parking paid for the next visit".into(),
        typical_value_cents: Some(Cents(1250)),
        needs_address: false,
    });
    store
        .save_playbook_settings(
            &org.dental_manager,
            &copy,
            &drawn,
            &mine,
            EditScope::Location,
            now,
        )
        .await
        .unwrap();
    assert!(uses(&store, &org.dental).await.gesture("parking").is_some());
    assert!(uses(&store, &other).await.gesture("parking").is_none());
    assert!(
        store
            .playbook("dental")
            .await
            .unwrap()
            .gesture("parking")
            .is_none()
    );
    // A manager cannot change the group's playbook.
    let group = store.playbook_row("dental").await.unwrap();
    let refused = store
        .save_playbook_settings(
            &org.dental_manager,
            &group,
            &drawn,
            &mine,
            EditScope::Location,
            now,
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );

    // The admin renames the customers everywhere: Harbour's copy had not changed its words, so it
    // takes them; its gestures (changed) stay its own.
    let group_drawn = Settings::of(&store.playbook("dental").await.unwrap());
    let mut everyone = group_drawn.clone();
    everyone.customer_noun = "client".into();
    everyone.customer_noun_plural = "clients".into();
    everyone.gestures[0].typical_value_cents = Some(Cents(8000));
    let passed = store
        .save_playbook_settings(
            &org.admin,
            &group,
            &group_drawn,
            &everyone,
            EditScope::All,
            now,
        )
        .await
        .unwrap();
    assert_eq!(passed, 1);
    let harbour = uses(&store, &org.dental).await;
    assert_eq!(harbour.playbook.customer_noun, "client");
    assert!(
        harbour.gesture("parking").is_some(),
        "its own gestures stay"
    );
    assert_ne!(harbour.gestures[0].typical_value_cents, Some(Cents(8000)));
    assert_eq!(uses(&store, &other).await.playbook.customer_noun, "client");

    // Taking out a gesture a defect still offers: refused with the reason, nothing saved.
    let before = store.playbook("dental").await.unwrap().to_toml();
    let now_drawn = Settings::of(&store.playbook("dental").await.unwrap());
    let mut broken = now_drawn.clone();
    broken.gestures.retain(|g| g.code != "flowers");
    let err = store
        .save_playbook_settings(
            &org.admin,
            &group,
            &now_drawn,
            &broken,
            EditScope::Group,
            now,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Validation { .. }), "{err:?}");
    assert!(err.to_string().contains("flowers"), "{err}");
    assert_eq!(store.playbook("dental").await.unwrap().to_toml(), before);
}
both!(settings_by_location_and_group);
