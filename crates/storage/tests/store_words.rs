//! Storage integration tests for the right words: case fields (the dentist, the table, the appointment
//! time), scripts rendered with every name in its own place, the business's words, the follow-up's
//! written text, unmodified built-in playbooks upgraded at start-up and a database made by the
//! previous release — on SQLite and PostgreSQL (the release fixture is SQLite, as shipped).

#[macro_use]
mod common;

use common::*;
use olive_storage::cases::{CaseEdit, CaseFilter, CustomerInput, NewCase};
use olive_storage::views::{CaseDetail, ScriptView};
use olive_storage::{Actor, Store};
use serde_json::json;
use std::collections::BTreeMap;

fn fields(v: serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    serde_json::from_value(v).expect("a JSON object")
}

fn dental_case(org: &Org, name: &str, f: serde_json::Value) -> NewCase {
    NewCase {
        location_id: org.dental.clone(),
        defect: "double-booking".into(),
        stage: None,
        customer: CustomerInput {
            name: name.into(),
            email: Some("priyanka@example.com".into()),
            ..CustomerInput::default()
        },
        description: String::new(),
        severity: None,
        fields: fields(f),
        noticed_at: None,
        done_steps: Vec::new(),
    }
}

/// Every rendered script of a case, with its template.
fn scripts(c: &CaseDetail) -> Vec<&ScriptView> {
    c.steps
        .iter()
        .flat_map(|s| [s.say.as_ref(), s.write.as_ref()])
        .flatten()
        .collect()
}

/// Each name appears exactly where its placeholder stood, and nowhere else.
fn assert_in_place(c: &CaseDetail, marks: &[(&str, &[&str])]) {
    let all = scripts(c);
    assert!(all.len() >= 4, "only {} scripts", all.len());
    for s in all {
        assert!(!s.text.contains('{'), "unfilled: {}", s.text);
        for (name, slots) in marks {
            let want: usize = slots.iter().map(|p| s.template.matches(p).count()).sum();
            assert_eq!(
                s.text.matches(name).count(),
                want,
                "{name} in {:?} (template {:?})",
                s.text,
                s.template
            );
        }
    }
}

async fn fields_and_names_land_in_place(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let input = dental_case(
        &org,
        "Mrs Priyanka Natarajan",
        json!({"provider": org.dental_team.staff_id, "appointment_time": "2026-11-24T09:30"}),
    );
    let c = create(&store, &org.dental_front, input, now).await;
    let shown: Vec<(String, Option<String>)> = c
        .case_fields
        .iter()
        .map(|f| (f.key.clone(), f.display.clone()))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("provider".into(), Some("Theo Tran".into())),
            (
                "appointment_time".into(),
                Some("Tuesday 24 November, 9:30 am".into())
            ),
        ]
    );
    assert_eq!(c.customer_noun, "patient");
    assert_eq!(c.summary.display_name, "Mrs Priyanka Natarajan");
    let marks: [(&str, &[&str]); 4] = [
        ("Priyanka", &["{customer_first_name}", "{customer_name}"]),
        ("Fiona", &["{me}"]),
        ("Theo Tran", &["{provider}"]),
        ("Harbour Dental", &["{business}"]),
    ];
    assert_in_place(&c, &marks);
    // Read by the manager: the receptionist's steps are still in the receptionist's voice (they are
    // hers to say), not the reader's.
    let read = store
        .get_case(&org.dental_manager, &c.summary.id, now)
        .await
        .expect("read the case");
    let marks: [(&str, &[&str]); 3] = [
        ("Priyanka", &["{customer_first_name}", "{customer_name}"]),
        ("Fiona", &["{me}"]),
        ("Theo Tran", &["{provider}"]),
    ];
    assert_in_place(&read, &marks);
    assert!(!scripts(&read).iter().any(|s| s.text.contains("Maria")));
    // The follow-up carries the verify step's written words, never its spoken script.
    let draft = store
        .followup_draft(&org.dental_front, &c.summary.id)
        .await
        .expect("a draft");
    let verify = c.steps.last().expect("a verify step");
    let written = verify.write.as_ref().expect("written words");
    assert!(written.blanks.is_empty() || draft != written.text);
    assert_ne!(
        Some(draft.as_str()),
        verify.say.as_ref().map(|s| s.text.as_str())
    );
    assert!(draft.contains("Priyanka"), "{draft}");
    assert!(!draft.contains('{') && !draft.contains('['), "{draft}");
}
both!(fields_and_names_land_in_place);

async fn bad_fields_are_named(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let try_case = |input: NewCase| store.create_case(&org.dental_front, input, None, now);
    let r = try_case(dental_case(&org, "  ", json!({}))).await;
    assert_eq!(invalid_fields(r), vec!["customer.name"]);
    let r = try_case(dental_case(&org, "Ana", json!({"table": "4"}))).await;
    assert_eq!(invalid_fields(r), vec!["fields.table"]);
    // A dentist of another location, a time that is not one, an object.
    let r = try_case(dental_case(
        &org,
        "Ana",
        json!({"provider": org.grill_team.staff_id, "appointment_time": "soon"}),
    ))
    .await;
    assert_eq!(
        invalid_fields(r),
        vec!["fields.appointment_time", "fields.provider"]
    );
    let r = try_case(dental_case(&org, "Ana", json!({"provider": {"id": 1}}))).await;
    assert_eq!(invalid_fields(r), vec!["fields.provider"]);
    let page = store
        .list_cases(&org.admin, &CaseFilter::default(), now)
        .await
        .expect("list");
    assert!(page.items.is_empty(), "nothing was logged");
}
both!(bad_fields_are_named);

async fn a_table_stands_in_for_a_name(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let input = NewCase {
        location_id: org.grill.clone(),
        defect: "meal-not-as-ordered".into(),
        stage: None,
        customer: CustomerInput::default(),
        description: "steak underdone".into(),
        severity: None,
        fields: fields(
            json!({"table": " 12 ", "party_size": 4, "server": org.grill_team.staff_id}),
        ),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let c = create(&store, &org.grill_front, input, now).await;
    assert_eq!(c.summary.display_name, "Table 12");
    assert_eq!(
        c.summary.fields.get("party_size").map(String::as_str),
        Some("4")
    );
    assert_eq!(c.customer_noun, "guest");
    // No name: written words greet with the playbook's fallback.
    for s in scripts(&c) {
        if s.template.contains("{customer_first_name}") {
            assert!(s.text.contains("there"), "{}", s.text);
        }
    }
    let listed = store
        .list_cases(&org.grill_manager, &CaseFilter::default(), now)
        .await
        .expect("list");
    assert_eq!(listed.items[0].display_name, "Table 12");
    // Moved to table 14; the server cleared; a party of "lots" refused.
    let edit = |f: serde_json::Value| CaseEdit {
        fields: Some(fields(f)),
        ..CaseEdit::default()
    };
    let r = store
        .edit_case(
            &org.grill_front,
            &c.summary.id,
            edit(json!({"party_size": "lots"})),
            now,
        )
        .await;
    assert_eq!(invalid_fields(r), vec!["fields.party_size"]);
    let c = store
        .edit_case(
            &org.grill_front,
            &c.summary.id,
            edit(json!({"table": "14", "server": null})),
            now,
        )
        .await
        .expect("edit the fields");
    assert_eq!(c.summary.display_name, "Table 14");
    assert!(!c.summary.fields.contains_key("server"));
    assert_eq!(
        c.summary.fields.get("party_size").map(String::as_str),
        Some("4")
    );
    assert!(events(&c).contains(&olive_domain::case::CaseEvent::Edited));
    // With nothing at all, the business's word.
    let bare = NewCase {
        location_id: org.grill.clone(),
        defect: "cold-food".into(),
        stage: None,
        customer: CustomerInput::default(),
        description: String::new(),
        severity: None,
        fields: BTreeMap::new(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let c = create(&store, &org.grill_front, bare, now).await;
    assert_eq!(c.summary.display_name, "Guest");
}
both!(a_table_stands_in_for_a_name);

async fn unmodified_built_ins_are_upgraded(store: Store) {
    let old = include_str!("fixtures/dental-before-scripts.toml");
    let now = tuesday_10am();
    store
        .import_playbook(old, now)
        .await
        .expect("the old release's playbook");
    assert_eq!(
        store
            .playbook("dental")
            .await
            .unwrap()
            .playbook
            .customer_noun,
        "customer"
    );
    store
        .ensure_built_in_playbooks(plus_min(now, 1))
        .await
        .expect("upgrade");
    let p = store.playbook("dental").await.unwrap();
    assert_eq!(p.playbook.customer_noun, "patient");
    assert!(p.defects.len() >= 47);
    // A playbook the practice changed is theirs: left alone.
    let theirs = format!("{old}\n# our own note\n");
    store
        .import_playbook(&theirs, plus_min(now, 2))
        .await
        .expect("a changed playbook");
    store
        .ensure_built_in_playbooks(plus_min(now, 3))
        .await
        .expect("no upgrade");
    assert_eq!(
        store
            .playbook("dental")
            .await
            .unwrap()
            .playbook
            .customer_noun,
        "customer"
    );
}
both!(unmodified_built_ins_are_upgraded);

/// A database made by the previous release (`olive demo`, trimmed to three cases) opens, migrates, and
/// its cases' old scripts ("Hello [Name], it's [Name] from [Practice]") read with each name in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_the_previous_release_reads_right() {
    let dir = std::env::temp_dir().join(format!("olive-release-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("olive.db");
    std::fs::copy("tests/fixtures/release-0.1-demo.db", &file).unwrap();
    let store = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("the old database opens and migrates");
    let fiona = store
        .actor_for("01a247fd-fa9b-770c-8d64-72a9217ebeee")
        .await
        .unwrap()
        .expect("Fiona");
    let now = jiff::Timestamp::now();
    let c: CaseDetail = store.get_case(&fiona, "C-1380", now).await.expect("C-1380");
    let say = |i: usize| c.steps[i].say.as_ref().expect("words").text.clone();
    assert!(say(0).contains("My name is Fiona, and"), "{}", say(0));
    assert!(
        say(2).starts_with("Hello Ruby, it's Fiona from Harbour Dental."),
        "{}",
        say(2)
    );
    assert!(
        c.steps.iter().all(|s| s.write.is_none()),
        "old steps had no written words"
    );
    assert_eq!(c.summary.display_name, "Ruby Shaw");
    assert!(c.case_fields.iter().all(|f| f.value.is_none()));
    // The restaurant's "[your name]" is the person reading.
    let gabe: Actor = store
        .actor_for("01a247fd-faa7-7488-9a11-1702e1a0fbe6")
        .await
        .unwrap()
        .expect("Gabe");
    let r = store.get_case(&gabe, "C-1377", now).await.expect("C-1377");
    let last = r.steps.last().and_then(|s| s.say.as_ref()).expect("words");
    assert!(
        last.text.starts_with("I'm Gabe, the manager"),
        "{}",
        last.text
    );
    // The unmodified built-ins were upgraded: new cases get the new protocols.
    let p = store.playbook("dental").await.unwrap();
    assert_eq!(p.playbook.customer_noun, "patient");
    let _ = std::fs::remove_dir_all(&dir);
}
