//! Shared set-up for the storage integration tests: the `both!` macro, a two-location organisation, fixed instants and error helpers.
#![allow(dead_code)]

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use olive_domain::case::CaseEvent;
use olive_domain::deadline::DayHours;
use olive_domain::gesture::GestureStatus;
use olive_domain::role::Role;
use olive_storage::actions::{NewGesture, Reason, StepAction};
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::org::{NewLocation, NewStaff};
use olive_storage::views::{CaseDetail, StaffView};
use olive_storage::{Actor, Store, StoreError};
use std::collections::BTreeSet;

/// `both!(scenario)` runs `async fn scenario(store: Store)` on a fresh SQLite and a fresh PostgreSQL
/// database, as the tests `scenario::sqlite` and `scenario::postgres`.
/// `both!(url scenario)` does the same for `async fn scenario(url: String)` (a fresh, empty database URL).
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let store = olive_storage::testing::fresh_store(false)
                    .await
                    .expect("a fresh SQLite store");
                super::$name(store).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let store = olive_storage::testing::fresh_store(true)
                    .await
                    .expect("a fresh PostgreSQL store (is PostgreSQL running on 127.0.0.1:5432?)");
                super::$name(store).await;
            }
        }
    };
    (url $name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let url = olive_storage::testing::fresh_url(false)
                    .await
                    .expect("a fresh SQLite URL");
                super::$name(url).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let url = olive_storage::testing::fresh_url(true).await.expect(
                    "a fresh PostgreSQL database (is PostgreSQL running on 127.0.0.1:5432?)",
                );
                super::$name(url).await;
            }
        }
    };
}

pub const TZ: &str = "Australia/Sydney";

/// A Sydney wall-clock time such as `2026-11-24T10:00` as an instant.
pub fn local(civil: &str) -> Timestamp {
    format!("{civil}[{TZ}]")
        .parse::<jiff::Zoned>()
        .expect("a local time")
        .timestamp()
}

/// An RFC 3339 instant (what the views hold) as a `Timestamp`.
pub fn ts(rfc3339: &str) -> Timestamp {
    rfc3339.parse().expect("an RFC 3339 instant")
}

/// `t` plus some minutes.
pub fn plus_min(t: Timestamp, minutes: i64) -> Timestamp {
    t.checked_add(jiff::SignedDuration::from_mins(minutes))
        .expect("in range")
}

/// Tuesday 24 November 2026, 10:00 in Sydney (AEDT, +11:00), i.e. 2026-11-23T23:00Z: the usual "now".
pub fn tuesday_10am() -> Timestamp {
    local("2026-11-24T10:00")
}

/// When the organisation was set up (before any case).
pub fn setup_time() -> Timestamp {
    local("2026-11-01T09:00")
}

/// The practice takes Wednesday 25 November 2026 off (a closed date right after the usual "now").
pub const DENTAL_CLOSED: &str = "2026-11-25";

/// Two locations, everyone in every role, and an admin.
pub struct Org {
    pub dental: String,
    pub grill: String,
    pub admin: Actor,
    pub dental_front: Actor,
    pub dental_team: Actor,
    pub dental_manager: Actor,
    pub grill_front: Actor,
    pub grill_team: Actor,
    pub grill_manager: Actor,
}

pub fn actor_of(s: &StaffView) -> Actor {
    Actor::of_staff(s)
}

fn hours(days: &[usize], open: (i8, i8), close: (i8, i8)) -> [Option<DayHours>; 7] {
    let mut h = [None; 7];
    for &d in days {
        h[d] = Some(DayHours {
            open: Time::constant(open.0, open.1, 0, 0),
            close: Time::constant(close.0, close.1, 0, 0),
        });
    }
    h
}

pub async fn person(
    store: &Store,
    name: &str,
    email: &str,
    is_admin: bool,
    locations: Vec<(String, Role)>,
) -> Actor {
    let view = store
        .add_staff(
            NewStaff {
                name: name.into(),
                email: Some(email.into()),
                username: None,
                is_admin,
                locations,
            },
            setup_time(),
        )
        .await
        .expect("add staff");
    actor_of(&view)
}

/// Harbour Dental (dental playbook, Sydney, Mon–Fri 08:00–17:00, closed 2026-11-25) and The Grill
/// (restaurant playbook, Sydney, Tue–Sun 11:30–22:30), each with a front desk, a team member and a manager, plus an admin.
pub async fn org(store: &Store) -> Org {
    let closed: BTreeSet<Date> = [DENTAL_CLOSED.parse::<Date>().expect("a date")].into();
    let dental = store
        .create_location(
            NewLocation {
                name: "Harbour Dental".into(),
                playbook: "dental".into(),
                timezone: TZ.into(),
                currency: "AUD".into(),
                hours: hours(&[0, 1, 2, 3, 4], (8, 0), (17, 0)),
                closed,
            },
            setup_time(),
        )
        .await
        .expect("create the dental location")
        .id;
    let grill = store
        .create_location(
            NewLocation {
                name: "The Grill".into(),
                playbook: "restaurant".into(),
                timezone: TZ.into(),
                currency: "AUD".into(),
                hours: hours(&[1, 2, 3, 4, 5, 6], (11, 30), (22, 30)),
                closed: BTreeSet::new(),
            },
            setup_time(),
        )
        .await
        .expect("create the restaurant location")
        .id;
    let at = |loc: &String, role| vec![(loc.clone(), role)];
    Org {
        admin: person(store, "Olivia Owner", "olivia@olive.test", true, vec![]).await,
        dental_front: person(
            store,
            "Fiona Frost",
            "fiona@dental.test",
            false,
            at(&dental, Role::FrontDesk),
        )
        .await,
        dental_team: person(
            store,
            "Theo Tran",
            "theo@dental.test",
            false,
            at(&dental, Role::TeamMember),
        )
        .await,
        dental_manager: person(
            store,
            "Maria Manning",
            "maria@dental.test",
            false,
            at(&dental, Role::Manager),
        )
        .await,
        grill_front: person(
            store,
            "Hana Hill",
            "hana@grill.test",
            false,
            at(&grill, Role::FrontDesk),
        )
        .await,
        grill_team: person(
            store,
            "Sam Okafor",
            "sam@grill.test",
            false,
            at(&grill, Role::TeamMember),
        )
        .await,
        grill_manager: person(
            store,
            "Gabe Moreno",
            "gabe@grill.test",
            false,
            at(&grill, Role::Manager),
        )
        .await,
        dental,
        grill,
    }
}

/// A defect report with just a customer name.
pub fn report(location: &str, defect: &str, customer: &str) -> NewCase {
    NewCase {
        location_id: location.into(),
        defect: defect.into(),
        stage: None,
        customer: CustomerInput {
            name: customer.into(),
            ..CustomerInput::default()
        },
        description: String::new(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    }
}

/// Create a case that must succeed.
pub async fn create(store: &Store, actor: &Actor, input: NewCase, now: Timestamp) -> CaseDetail {
    store
        .create_case(actor, input, None, now)
        .await
        .expect("create a case")
        .0
}

pub fn reason(text: &str) -> Reason {
    Reason {
        reason: text.into(),
    }
}

pub fn skip_because(text: &str) -> StepAction {
    StepAction {
        reason: Some(text.into()),
        note: None,
    }
}

pub fn events(c: &CaseDetail) -> Vec<CaseEvent> {
    c.timeline.iter().map(|e| e.event).collect()
}

/// The field names of a validation error (panics on anything else).
pub fn invalid_fields<T>(r: Result<T, StoreError>) -> Vec<String> {
    match r {
        Err(StoreError::Validation { fields, .. }) => fields.into_keys().collect(),
        Err(e) => panic!("expected a validation error, got {e:?}"),
        Ok(_) => panic!("expected a validation error, got success"),
    }
}

/// The code of a conflict (panics on anything else).
pub fn conflict_code<T>(r: Result<T, StoreError>) -> &'static str {
    match r {
        Err(StoreError::Conflict { code, .. }) => code,
        Err(e) => panic!("expected a conflict, got {e:?}"),
        Ok(_) => panic!("expected a conflict, got success"),
    }
}

pub fn assert_forbidden<T>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Forbidden(_)) => {}
        Err(e) => panic!("expected forbidden, got {e:?}"),
        Ok(_) => panic!("expected forbidden, got success"),
    }
}

pub fn assert_not_found<T>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound(_)) => {}
        Err(e) => panic!("expected not found, got {e:?}"),
        Ok(_) => panic!("expected not found, got success"),
    }
}

/// A gesture to give.
pub fn gift(kind: &str, value_cents: i64) -> NewGesture {
    NewGesture {
        kind: kind.into(),
        value_cents,
        note: String::new(),
        step_id: None,
    }
}

/// Give a gesture that must be accepted (approved or pending); returns the case and the gesture id.
pub async fn give(
    store: &Store,
    actor: &Actor,
    case: &str,
    kind: &str,
    cents: i64,
    now: jiff::Timestamp,
) -> (CaseDetail, String) {
    let (d, id, created) = store
        .give_gesture(actor, case, gift(kind, cents), None, now)
        .await
        .expect("give a gesture");
    assert!(created);
    (d, id)
}

pub fn gesture_status(d: &CaseDetail, id: &str) -> GestureStatus {
    d.gestures
        .iter()
        .find(|g| g.id == id)
        .expect("the gesture is on the case")
        .status
}
