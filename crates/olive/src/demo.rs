//! The demo organisation: Harbour Dental and The Grill, staff in every role, three months of history;
//! and Balmain Dental, the group's second practice, opened this month.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};
use olive_domain::deadline::DayHours;
use olive_domain::role::Role;
use olive_storage::admin::ContactUpdate;
use olive_storage::cases::{CustomerInput, NewCase};
use olive_storage::org::{NewLocation, NewStaff};
use olive_storage::{Actor, Store};
use std::collections::BTreeSet;
use std::path::Path;

mod branch;
mod history;
mod recovery;
mod seed;
mod states;

pub struct DemoInfo {
    pub token: String,
    pub followup: Option<String>,
    pub accounts: Vec<(String, String, String)>,
    pub seeded_cases: usize,
}

struct Person {
    name: &'static str,
    email: Option<&'static str>,
    username: Option<&'static str>,
    role: Role,
}

/// The demo's dental practice: the location its seed stories and its follow-up link belong to.
const PRACTICE: &str = "Harbour Dental";

const DENTAL_STAFF: [Person; 3] = [
    Person {
        name: "Maria Manning",
        email: Some("maria@harbourdental.example"),
        username: None,
        role: Role::Manager,
    },
    Person {
        name: "Fiona Frost",
        email: None,
        username: Some("fiona"),
        role: Role::FrontDesk,
    },
    Person {
        name: "Theo Tran",
        email: Some("theo@harbourdental.example"),
        username: None,
        role: Role::TeamMember,
    },
];
const GRILL_STAFF: [Person; 6] = [
    Person {
        name: "Gabe Moreno",
        email: Some("gabe@thegrill.example"),
        username: None,
        role: Role::Manager,
    },
    Person {
        name: "Hana Hill",
        email: None,
        username: Some("hana"),
        role: Role::FrontDesk,
    },
    Person {
        name: "Sam Okafor",
        email: Some("sam@thegrill.example"),
        username: None,
        role: Role::TeamMember,
    },
    Person {
        name: "Jordan Reyes",
        email: Some("jordan@thegrill.example"),
        username: None,
        role: Role::TeamMember,
    },
    Person {
        name: "Lena Fischer",
        email: None,
        username: Some("lena"),
        role: Role::TeamMember,
    },
    Person {
        name: "Tom Becker",
        email: Some("tom@thegrill.example"),
        username: None,
        role: Role::TeamMember,
    },
];
const OWNER_EMAIL: &str = "olivia@harbourgroup.example";
/// Every demo account signs in with this password; PINs are listed at start-up.
pub const DEMO_PASSWORD: &str = "olive-demo";

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

fn actor_of(store_staff: &olive_storage::views::StaffView) -> Actor {
    Actor::of_staff(store_staff)
}

/// Seed the demo if the database has no locations; return the owner's token and the accounts.
pub async fn ensure(store: &Store, data_dir: &Path) -> Result<DemoInfo> {
    let token_file = data_dir.join("demo-token.txt");
    let mut accounts = vec![(
        "Olivia Harbour".to_string(),
        OWNER_EMAIL.to_string(),
        "admin (owner)".to_string(),
    )];
    let staff = DENTAL_STAFF
        .iter()
        .map(|p| (p, PRACTICE))
        .chain(GRILL_STAFF.iter().map(|p| (p, "The Grill")));
    for (n, (p, loc)) in staff.enumerate() {
        let role = format!("{} at {loc}, PIN {}", p.role, demo_pin(n));
        accounts.push((
            p.name.into(),
            p.email.or(p.username).unwrap_or_default().into(),
            role,
        ));
    }
    accounts.push((
        branch::MANAGER.0.to_string(),
        branch::MANAGER.1.to_string(),
        format!("{} at {}, opened this month", Role::Manager, branch::NAME),
    ));
    let system = Actor::operator("system");
    if !store.list_locations(&system).await?.is_empty() {
        let token = match std::fs::read_to_string(&token_file) {
            Ok(t) => t.trim().to_string(),
            Err(_) => {
                let id = store
                    .find_staff(OWNER_EMAIL)
                    .await
                    .context("the database has data but no demo owner")?;
                let t = store
                    .create_token(&id, "demo", None, Timestamp::now())
                    .await?
                    .token;
                std::fs::create_dir_all(data_dir)?;
                std::fs::write(&token_file, &t)?;
                t
            }
        };
        return Ok(DemoInfo {
            token,
            followup: followup_link(store, data_dir).await?,
            accounts,
            seeded_cases: 0,
        });
    }
    let now = Timestamp::now();
    let dental = store
        .create_location(
            NewLocation {
                name: PRACTICE.into(),
                playbook: "dental".into(),
                timezone: "Australia/Sydney".into(),
                currency: "AUD".into(),
                hours: hours(&[0, 1, 2, 3, 4], (8, 0), (17, 0)),
                closed: ["2026-12-25", "2026-12-28", "2027-01-01", "2027-01-26"]
                    .iter()
                    .filter_map(|d| d.parse::<Date>().ok())
                    .collect::<BTreeSet<_>>(),
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
                hours: hours(&[1, 2, 3, 4, 5, 6], (11, 30), (22, 30)),
                closed: ["2026-12-25"]
                    .iter()
                    .filter_map(|d| d.parse::<Date>().ok())
                    .collect(),
            },
            now,
        )
        .await?;
    // The Grill runs its own copy of the restaurant playbook, made from an earlier built-in release in
    // which "Food arrives cold" was worded more curtly: the editor offers the newer release (issue 20).
    grill_copy(store, &grill.id, now).await?;
    // Each location's own contact details: the emails its customers get carry them.
    for (id, phone, email, address) in [
        (
            &dental.id,
            "02 9555 0142",
            "hello@harbourdental.example",
            "12 Wharf Street, Pyrmont NSW 2009",
        ),
        (
            &grill.id,
            "02 9555 0187",
            "bookings@thegrill.example",
            "88 Harris Street\nUltimo NSW 2007",
        ),
    ] {
        let contact = ContactUpdate {
            phone: Some(phone.into()),
            email: Some(email.into()),
            address: Some(address.into()),
        };
        store
            .update_location_contact(&Actor::operator("olive"), id, contact)
            .await?;
    }
    // Each location's monthly gesture budget (Insights shows the spend against it).
    for (id, cents) in [
        (&dental.id, seed::PRACTICE_BUDGET_CENTS),
        (&grill.id, seed::GRILL_BUDGET_CENTS),
    ] {
        store
            .set_budget(&Actor::operator("olive"), id, Some(cents), now)
            .await?;
    }
    let owner = store
        .add_staff(
            NewStaff {
                name: "Olivia Harbour".into(),
                email: Some(OWNER_EMAIL.into()),
                username: None,
                is_admin: true,
                locations: vec![],
            },
            now,
        )
        .await?;
    let mut dental_staff = Vec::new();
    for p in &DENTAL_STAFF {
        let s = store
            .add_staff(
                NewStaff {
                    name: p.name.into(),
                    email: p.email.map(Into::into),
                    username: p.username.map(Into::into),
                    is_admin: false,
                    locations: vec![(dental.id.clone(), p.role)],
                },
                now,
            )
            .await?;
        dental_staff.push(actor_of(&s));
    }
    let mut grill_staff = Vec::new();
    for p in &GRILL_STAFF {
        let s = store
            .add_staff(
                NewStaff {
                    name: p.name.into(),
                    email: p.email.map(Into::into),
                    username: p.username.map(Into::into),
                    is_admin: false,
                    locations: vec![(grill.id.clone(), p.role)],
                },
                now,
            )
            .await?;
        grill_staff.push(actor_of(&s));
    }
    branch::open(store, now).await?;
    store.set_password(&owner.id, DEMO_PASSWORD).await?;
    for (n, a) in dental_staff.iter().chain(grill_staff.iter()).enumerate() {
        store.set_password(&a.staff_id, DEMO_PASSWORD).await?;
        store.set_pin(&a.staff_id, &demo_pin(n)).await?;
    }
    let token = store
        .create_token(&owner.id, "demo", None, now)
        .await?
        .token;
    std::fs::create_dir_all(data_dir)?;
    std::fs::write(&token_file, &token)?;

    let seeded = seed::history(
        store,
        now,
        [(&dental, &dental_staff[..]), (&grill, &grill_staff[..])],
    )
    .await?;
    // The history's emails (follow-ups, poor answers, alerts) went out when they were written: none
    // waits in Messages (the follow-up link sent below does: the demo has no SMTP server).
    loop {
        let email = [olive_storage::outbox::Channel::Email];
        let lease = SignedDuration::from_mins(1);
        let batch = store.claim_outbox(&email, now, lease, 500).await?;
        if batch.is_empty() {
            break;
        }
        let ids: Vec<String> = batch.into_iter().map(|m| m.id).collect();
        store.outbox_delivered(&ids, now).await?;
    }
    // The history's decisions on gesture requests were seen when they were made: no backlog of old
    // approvals greets the demo's people.
    for a in dental_staff.iter().chain(grill_staff.iter()) {
        store.acknowledge_decisions(a, now).await?;
        // Likewise the history's critical cases: no wall of old alerts on the managers' pages.
        store.clear_live_case_alerts(a, now).await?;
    }
    // Two at the practice, whatever the hour: one gets the demo's follow-up link, one stays to verify.
    let manager = dental_staff
        .iter()
        .find(|a| a.roles.iter().any(|(_, r)| *r == Role::Manager))
        .context("the demo practice has a manager")?;
    states::ensure_awaiting_verification(store, manager, &dental.id, 2, now).await?;
    states::ensure_overdue(store, manager, &dental.id, now).await?;
    Ok(DemoInfo {
        followup: followup_link(store, data_dir).await?,
        token,
        accounts,
        seeded_cases: seeded,
    })
}

/// PINs for the shared front-desk tablet: 1111, 2222, …
fn demo_pin(n: usize) -> String {
    ((n % 9) + 1).to_string().repeat(4)
}

/// A follow-up sent to one demo patient, so the customer's page can be tried: its link is kept in
/// `<data-dir>/demo-followup.txt` (emails stay queued in the demo: it has no SMTP server).
pub async fn followup_link(store: &Store, data_dir: &Path) -> Result<Option<String>> {
    let file = data_dir.join("demo-followup.txt");
    if let Ok(link) = std::fs::read_to_string(&file) {
        // Keep the link while it can still be answered; otherwise send a new one.
        let token = link.trim().rsplit('/').next().unwrap_or_default();
        let open = store.followup_page(token, Timestamp::now()).await;
        if matches!(open, Ok(olive_storage::followup::FollowUpPage::Open { .. })) {
            return Ok(Some(link.trim().to_string()));
        }
    }
    let owner = actor_of(
        &store
            .staff_view(&store.find_staff(OWNER_EMAIL).await?)
            .await?,
    );
    // At the practice, whatever the hour: which location's case was newest depended on the clock.
    let practice = store
        .list_locations(&Actor::operator("system"))
        .await?
        .into_iter()
        .find(|l| l.name == PRACTICE)
        .map(|l| l.id);
    let filter = olive_storage::cases::CaseFilter {
        status: Some("awaiting_verification".into()),
        location_id: practice,
        limit: Some(100),
        ..Default::default()
    };
    let now = Timestamp::now();
    let page = store.list_cases(&owner, &filter, now).await?;
    for c in page.items.iter().filter(|c| c.customer.email.is_some()) {
        let sent = store
            .send_followup(&owner, &c.id, Default::default(), now)
            .await;
        if let Ok((_, link)) = sent {
            std::fs::write(&file, &link)?;
            return Ok(Some(link));
        }
    }
    Ok(None)
}

pub fn print(info: &DemoInfo, addr: &str) {
    println!("Olive demo");
    if info.seeded_cases > 0 {
        println!(
            "  seeded {} cases over the last {} full months and this one so far",
            info.seeded_cases,
            seed::FULL_MONTHS
        );
    }
    println!(
        "  Web:      http://{addr}/   (sign in with any account below, password {DEMO_PASSWORD})"
    );
    println!("  API:      http://{addr}/api/v1   (Swagger UI: http://{addr}/api/docs/)");
    println!("  owner API token: {}", info.token);
    println!(
        "  example: curl -H 'Authorization: Bearer {}' http://{addr}/api/v1/cases",
        info.token
    );
    println!("  accounts (sign-in by email or username):");
    for (name, login, role) in &info.accounts {
        println!("    {login:<32} {name:<16} {role}");
    }
    println!("  more tokens: olive token create --email EMAIL  (or --username NAME)");
    if let Some(link) = &info.followup {
        println!("  a customer's follow-up page (\"Did we make it right?\"): {link}");
    }
}

/// Many synthetic cases at the demo's dental practice, for list benchmarks.
pub async fn bench_seed(store: &Store, n: usize) -> Result<()> {
    let system = Actor::operator("system");
    let locs = store.list_locations(&system).await?;
    let loc = locs.first().context("run `olive demo --no-serve` first")?;
    let owner = actor_of(
        &store
            .staff_view(&store.find_staff(OWNER_EMAIL).await?)
            .await?,
    );
    let playbook = store.playbook(&loc.playbook).await?;
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("seeding {bar:40} {pos}/{len} cases ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Timestamp::now() - SignedDuration::from_hours(24 * 365);
    // Many creations in flight at once share commits (the store's group commit on SQLite).
    let mut running = tokio::task::JoinSet::new();
    for k in 0..n {
        let d = &playbook.defects[k % playbook.defects.len()];
        let at = start + SignedDuration::from_secs(k as i64 * 300 % (365 * 86_400));
        let input = NewCase {
            location_id: loc.id.clone(),
            defect: d.code.clone(),
            stage: None,
            customer: CustomerInput {
                name: format!("Bench Customer {k}"),
                phone: Some(format!("0400{:06}", k % 1_000_000)),
                email: None,
                address: None,
                preferred_name: None,
            },
            description: "Synthetic case for benchmarks.".into(),
            severity: None,
            fields: Default::default(),
            noticed_at: None,
            done_steps: Vec::new(),
        };
        let (store, owner) = (store.clone(), owner.clone());
        running.spawn(async move { store.create_case(&owner, input, None, at).await.map(|_| ()) });
        if running.len() >= 32
            && let Some(done) = running.join_next().await
        {
            done??;
            bar.inc(1);
        }
    }
    while let Some(done) = running.join_next().await {
        done??;
        bar.inc(1);
    }
    bar.finish();
    Ok(())
}

/// The Grill's own playbook, based on an earlier built-in release (same steps and deadlines, the first
/// words of "Food arrives cold" plainer), so a newer built-in version is on offer.
async fn grill_copy(store: &Store, location: &str, now: Timestamp) -> anyhow::Result<()> {
    let src = olive_domain::playbook::Playbook::built_in_source("restaurant")
        .context("the built-in restaurant playbook")?;
    let mut older = olive_domain::playbook::Playbook::from_toml(src)?;
    if let Some(step) = older
        .defects
        .iter_mut()
        .find(|d| d.code == "cold-food")
        .and_then(|d| d.steps.first_mut())
    {
        step.title = "Apologise".into();
        step.say = "Sorry about that. I'll get it fixed.".into();
        step.wording = String::new();
    }
    let older = older.to_toml();
    store
        .make_location_copy(
            &Actor::operator("olive"),
            location,
            &older,
            Some(&older),
            now,
        )
        .await?;
    Ok(())
}
