//! The group's second practice, opened this month: Balmain Dental runs the group's dental playbook as
//! it is (no copy of its own), so a change Harbour Dental makes to its own copy is seen to leave
//! Balmain's alone. Its practice manager has no cases yet.

use super::{DEMO_PASSWORD, hours};
use anyhow::Result;
use jiff::Timestamp;
use olive_domain::role::Role;
use olive_storage::Store;
use olive_storage::org::{NewLocation, NewStaff};

pub(super) const NAME: &str = "Balmain Dental";
pub(super) const MANAGER: (&str, &str) = ("Nadia Novak", "nadia@balmaindental.example");

/// Open the practice and give it its manager.
pub(super) async fn open(store: &Store, now: Timestamp) -> Result<()> {
    let loc = store
        .create_location(
            NewLocation {
                name: NAME.into(),
                playbook: "dental".into(),
                timezone: "Australia/Sydney".into(),
                currency: "AUD".into(),
                hours: hours(&[0, 1, 2, 3, 4], (8, 30), (17, 30)),
                closed: Default::default(),
            },
            now,
        )
        .await?;
    let manager = store
        .add_staff(
            NewStaff {
                name: MANAGER.0.into(),
                email: Some(MANAGER.1.into()),
                username: None,
                is_admin: false,
                locations: vec![(loc.id, Role::Manager)],
            },
            now,
        )
        .await?;
    store.set_password(&manager.id, DEMO_PASSWORD).await?;
    Ok(())
}
