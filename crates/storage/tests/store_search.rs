//! Storage integration tests: the case list's word search (names, descriptions, notes) through the
//! full-text index, kept with every change and erasure — on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_storage::actions::NewNote;
use olive_storage::cases::{CaseEdit, CaseFilter, CustomerInput};
use olive_storage::privacy::EraseRequest;
use olive_storage::{Actor, Store};

/// The references of the cases `actor` finds with `q` (and the other filters of `f`), newest first.
async fn found(store: &Store, actor: &Actor, q: &str, f: CaseFilter) -> Vec<String> {
    let f = CaseFilter {
        q: Some(q.into()),
        ..f
    };
    let page = store
        .list_cases(actor, &f, plus_min(tuesday_10am(), 60))
        .await
        .unwrap_or_else(|e| panic!("searching {q:?}: {e:?}"));
    page.items.into_iter().map(|c| c.reference).collect()
}

both!(words_in_names_descriptions_and_notes);
async fn words_in_names_descriptions_and_notes(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let mut a = report(&org.dental, "appointment-not-in-book", "Zoë O'Brien");
    a.description = "Waited forty minutes; the steak was cold".into();
    let a = create(&store, fd, a, now).await.summary.reference;
    let mut b = report(&org.dental, "phone-unanswered", "Noah Steadman");
    b.description = "Called twice about the bill".into();
    let b = create(&store, fd, b, plus_min(now, 1)).await;
    store
        .add_note(
            fd,
            &b.summary.id,
            NewNote {
                text: "Rang back; he mentioned a broken crown".into(),
                customer_facing: false,
            },
            plus_min(now, 2),
        )
        .await
        .expect("a note");
    let b = b.summary.reference;
    let mut g = report(&org.grill, "other", "Zoe Steak");
    g.stage = Some("bill".into());
    g.description = "Grill case with a steak".into();
    let g = create(&store, &org.grill_front, g, plus_min(now, 3))
        .await
        .summary
        .reference;
    let none = Vec::<String>::new();
    let f = CaseFilter::default;

    // A word of the name, of the description, of a note; any case, accents aside.
    assert_eq!(found(&store, mgr, "brien", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "ZOE", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "zoë", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "cold", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "crown", f()).await, [b.as_str()]);
    // The start of a word finds it; the middle of a word does not.
    assert_eq!(
        found(&store, mgr, "stea", f()).await,
        [b.as_str(), a.as_str()]
    );
    assert_eq!(found(&store, mgr, "eak", f()).await, none);
    // Every word must match, wherever it is (name, description, note).
    assert_eq!(found(&store, mgr, "steak cold", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "noah crown", f()).await, [b.as_str()]);
    assert_eq!(found(&store, mgr, "noah cold", f()).await, none);
    assert_eq!(found(&store, mgr, "zebra", f()).await, none);
    // The admin sees both locations; the front desk of the grill only its own.
    assert_eq!(
        found(&store, &org.admin, "stea", f()).await,
        [g.as_str(), b.as_str(), a.as_str()]
    );
    assert_eq!(
        found(&store, &org.admin, "steak", f()).await,
        [g.as_str(), a.as_str()]
    );
    assert_eq!(
        found(&store, &org.grill_front, "stea", f()).await,
        [g.as_str()]
    );
    assert_eq!(
        found(&store, fd, "stea", f()).await,
        [b.as_str(), a.as_str()]
    );
    assert_eq!(found(&store, &org.grill_front, "crown", f()).await, none);
    // With the list's other filters and its pages.
    let phone = CaseFilter {
        defect: Some("phone-unanswered".into()),
        ..f()
    };
    assert_eq!(found(&store, mgr, "stea", phone).await, [b.as_str()]);
    let one = CaseFilter {
        limit: Some(1),
        q: Some("stea".into()),
        ..f()
    };
    let t = plus_min(now, 60);
    let page = store.list_cases(mgr, &one, t).await.expect("page 1");
    assert_eq!(page.items[0].reference, b);
    let next = CaseFilter {
        cursor: page.next_cursor.clone(),
        ..one
    };
    let page = store.list_cases(mgr, &next, t).await.expect("page 2");
    assert_eq!(page.items[0].reference, a);
    assert_eq!(page.next_cursor, None);
    // The count behind a figure agrees.
    let q = |s: &str| CaseFilter {
        q: Some(s.into()),
        ..f()
    };
    assert_eq!(store.count_cases(mgr, &q("stea"), t).await.unwrap(), 2);
    assert_eq!(store.count_cases(mgr, &q("zebra"), t).await.unwrap(), 0);
}

both!(the_search_syntax_of_either_engine_is_only_words);
async fn the_search_syntax_of_either_engine_is_only_words(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let mut a = report(&org.dental, "appointment-not-in-book", "Ava Near");
    a.description = "Booking BK-4471 or not: the steak".into();
    let a = create(&store, fd, a, now).await.summary.reference;
    let nasty = [
        "\"",
        "\"steak",
        "steak\"",
        "*",
        "steak*",
        "* steak",
        "OR",
        "steak OR",
        "OR steak",
        "AND NOT",
        "NEAR(steak ava)",
        "NEAR",
        "-steak",
        "steak -",
        ":",
        "doc:steak",
        "description:steak",
        "^steak",
        "(steak",
        "steak)",
        "{doc}: steak",
        "'",
        "o'",
        "steak & ava | !x",
        "steak:* <-> ava",
        "\\",
        "%",
        "_",
        "\u{0}",
        "ⅻ ² ½",
        "bk-4471",
        "C-",
        "C-99999999999999999999",
    ];
    for q in nasty {
        // Never an error; a case found is one with every word.
        let refs = found(&store, fd, q, CaseFilter::default()).await;
        assert!(refs.len() <= 1, "{q:?}: {refs:?}");
    }
    assert_eq!(
        found(&store, fd, "NEAR(steak ava)", CaseFilter::default()).await,
        [a.as_str()]
    );
    assert_eq!(
        found(&store, fd, "\"steak\" OR", CaseFilter::default()).await,
        [a.as_str()]
    );
    assert_eq!(
        found(&store, fd, "bk-4471", CaseFilter::default()).await,
        [a.as_str()]
    );
    assert_eq!(
        found(&store, fd, "steak -ava", CaseFilter::default()).await,
        [a.as_str()]
    );
    let long = "steak ".repeat(500);
    assert!(found(&store, fd, &long, CaseFilter::default()).await.len() <= 1);
}

both!(edits_and_erasure_reach_the_index);
async fn edits_and_erasure_reach_the_index(store: Store) {
    let org = org(&store).await;
    let (fd, mgr) = (&org.dental_front, &org.dental_manager);
    let now = tuesday_10am();
    let mut a = report(&org.dental, "appointment-not-in-book", "Priya Wattlebird");
    a.description = "The booking was lost".into();
    a.customer.phone = Some("0412 345 678".into());
    let c = create(&store, fd, a, now).await;
    let (id, a) = (c.summary.id.clone(), c.summary.reference.clone());
    store
        .add_note(
            fd,
            &id,
            NewNote {
                text: "Priya Wattlebird said she would call back".into(),
                customer_facing: false,
            },
            plus_min(now, 1),
        )
        .await
        .expect("a note");
    let none = Vec::<String>::new();
    let f = CaseFilter::default;
    assert_eq!(found(&store, mgr, "lost", f()).await, [a.as_str()]);

    // An edited description is found by its new words, not its old.
    let edit = CaseEdit {
        description: Some("The appointment was double booked".into()),
        customer: Some(CustomerInput {
            name: "Priya Wattlebird".into(),
            preferred_name: Some("Pree".into()),
            phone: Some("0412 345 678".into()),
            ..CustomerInput::default()
        }),
        ..CaseEdit::default()
    };
    store
        .edit_case(fd, &id, edit, plus_min(now, 2))
        .await
        .expect("edit");
    assert_eq!(found(&store, mgr, "lost", f()).await, none);
    assert_eq!(found(&store, mgr, "double booked", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "pree", f()).await, [a.as_str()]);
    assert_eq!(found(&store, mgr, "call back", f()).await, [a.as_str()]);

    // After erasure, neither the name (from the case or the note) nor the description finds the case.
    store
        .erase_case(
            mgr,
            &id,
            EraseRequest {
                reason: "asked by phone".into(),
            },
            plus_min(now, 3),
        )
        .await
        .expect("erase");
    for q in ["wattlebird", "priya", "pree", "double", "Priya Wattlebird"] {
        assert_eq!(found(&store, mgr, q, f()).await, none, "{q}");
        assert_eq!(found(&store, &org.admin, q, f()).await, none, "{q}");
    }
    // The case is still listed by the other filters (and by its reference).
    let all = store
        .list_cases(mgr, &f(), plus_min(now, 60))
        .await
        .expect("list");
    assert!(all.items.iter().any(|c| c.reference == a));
    assert_eq!(found(&store, mgr, &a, f()).await, [a.as_str()]);
}
