//! Test support: a fresh, empty database per test run on either backend (never shared between runs).

use crate::error::StoreError;
use crate::store::Store;
use sqlx::Connection;

/// Where the PostgreSQL used by tests lives (override with `OLIVE_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("OLIVE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A URL to a brand-new database: a temp SQLite file, or a new PostgreSQL database named `olive_t_<uuid>`.
pub async fn fresh_url(postgres: bool) -> Result<String, StoreError> {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    // OLIVE_TEST_RUN groups one run's databases so the test script can remove exactly those.
    let run: String = std::env::var("OLIVE_TEST_RUN")
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    let tag = if run.is_empty() {
        tag
    } else {
        format!("{run}_{tag}")
    };
    if postgres {
        let admin = pg_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        let name = format!("olive_t_{tag}");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_string();
        Ok(format!("{base}/{name}"))
    } else {
        let dir = std::env::temp_dir().join("olive-tests");
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Config(e.to_string()))?;
        Ok(format!(
            "sqlite://{}",
            dir.join(format!("{tag}.db")).display()
        ))
    }
}

/// Open a migrated store on a fresh database.
pub async fn fresh_store(postgres: bool) -> Result<Store, StoreError> {
    Store::open(&fresh_url(postgres).await?).await
}

/// A small organisation for tests: a dental practice and a restaurant, staff in every role, an admin.
pub struct Fixture {
    pub store: Store,
    pub dental: String,
    pub grill: String,
    /// by name: "admin", "dental_front", "dental_team", "dental_manager", "grill_front", "grill_team", "grill_manager"
    pub actors: std::collections::BTreeMap<&'static str, crate::actor::Actor>,
}

impl Fixture {
    pub async fn new(store: Store) -> Result<Fixture, StoreError> {
        use crate::org::{NewLocation, NewStaff};
        use jiff::civil::Time;
        use olive_domain::deadline::DayHours;
        use olive_domain::role::Role;
        let now = jiff::Timestamp::now();
        let day = |o: i8, c: i8| {
            Some(DayHours {
                open: Time::constant(o, 0, 0, 0),
                close: Time::constant(c, 0, 0, 0),
            })
        };
        let dental = store
            .create_location(
                NewLocation {
                    name: "Harbour Dental".into(),
                    playbook: "dental".into(),
                    timezone: "Australia/Sydney".into(),
                    currency: "AUD".into(),
                    hours: [
                        day(8, 17),
                        day(8, 17),
                        day(8, 17),
                        day(8, 17),
                        day(8, 17),
                        None,
                        None,
                    ],
                    closed: ["2026-12-25"
                        .parse()
                        .map_err(|_| StoreError::Config("date".into()))?]
                    .into(),
                },
                now,
            )
            .await?;
        let grill = store
            .create_location(
                NewLocation {
                    name: "The Grill".into(),
                    playbook: "restaurant".into(),
                    timezone: "Australia/Sydney".into(),
                    currency: "AUD".into(),
                    hours: [day(11, 23); 7],
                    closed: Default::default(),
                },
                now,
            )
            .await?;
        let mut actors = std::collections::BTreeMap::new();
        let people: [(&'static str, Option<&str>, bool, Role); 7] = [
            ("admin", None, true, Role::Admin),
            (
                "dental_front",
                Some(dental.id.as_str()),
                false,
                Role::FrontDesk,
            ),
            (
                "dental_team",
                Some(dental.id.as_str()),
                false,
                Role::TeamMember,
            ),
            (
                "dental_manager",
                Some(dental.id.as_str()),
                false,
                Role::Manager,
            ),
            (
                "grill_front",
                Some(grill.id.as_str()),
                false,
                Role::FrontDesk,
            ),
            (
                "grill_team",
                Some(grill.id.as_str()),
                false,
                Role::TeamMember,
            ),
            (
                "grill_manager",
                Some(grill.id.as_str()),
                false,
                Role::Manager,
            ),
        ];
        for (key, loc, is_admin, role) in people {
            let view = store
                .add_staff(
                    NewStaff {
                        name: key.replace('_', " "),
                        email: Some(format!("{}@olive.test", key.replace('_', "."))),
                        username: Some(key.replace('_', "-")),
                        is_admin,
                        locations: loc.map(|l| vec![(l.to_string(), role)]).unwrap_or_default(),
                    },
                    now,
                )
                .await?;
            actors.insert(key, crate::actor::Actor::of_staff(&view));
        }
        Ok(Fixture {
            store,
            dental: dental.id,
            grill: grill.id,
            actors,
        })
    }

    pub fn actor(&self, key: &str) -> &crate::actor::Actor {
        &self.actors[key]
    }
}
