//! Storage integration tests, part 3: edits and customer history, and listing (filters, scope, cursor pages) — each on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::CaseEvent;
use olive_storage::actions::StepAction;
use olive_storage::cases::{CaseEdit, CaseFilter, CustomerInput};
use olive_storage::{Actor, Store};
use std::collections::HashSet;

both!(edit_and_customer_history);
async fn edit_and_customer_history(store: Store) {
    let org = org(&store).await;
    let fd = &org.dental_front;
    let now = tuesday_10am();
    let customer = |name: &str, phone: &str| CustomerInput {
        name: name.into(),
        phone: Some(phone.into()),
        ..CustomerInput::default()
    };
    let mut a = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    a.customer = customer("Ava Nguyen", "0412 345 678");
    let a = create(&store, fd, a, now).await;
    let mut b = report(&org.dental, "appointment-not-in-book", "A. Nguyen");
    b.customer = customer("A. Nguyen", "02 9999 0000");
    b.description = "Card said 10am".into();
    let b = create(&store, fd, b, plus_min(now, 1)).await;
    let mut g = report(&org.grill, "other", "Ava Nguyen");
    g.stage = Some("bill".into());
    g.customer = customer("Ava Nguyen", "0412-345-678");
    let g = create(&store, &org.grill_front, g, plus_min(now, 2)).await;
    assert!(
        store
            .customer_history(fd, &b.summary.id, now)
            .await
            .unwrap()
            .is_empty()
    );

    let t = plus_min(now, 5);
    let edit = CaseEdit {
        description: Some("Card said 10:30am; the book had nothing".into()),
        customer: Some(customer("A. Nguyen", "0412.345.678")),
        severity: None,
        fields: None,
    };
    let d = store.edit_case(fd, &b.summary.id, edit, t).await.unwrap();
    assert_eq!(
        d.summary.description,
        "Card said 10:30am; the book had nothing"
    );
    assert_eq!(d.summary.customer.phone.as_deref(), Some("0412345678"));
    assert_eq!(ts(&d.summary.updated_at), t);
    let edited: Vec<_> = d
        .timeline
        .iter()
        .filter(|e| e.event == CaseEvent::Edited)
        .collect();
    assert_eq!(edited.len(), 1);
    let changes = &edited[0].data["changes"];
    assert_eq!(changes["description"]["from"], "Card said 10am");
    assert_eq!(
        changes["description"]["to"],
        "Card said 10:30am; the book had nothing"
    );
    assert_eq!(changes["customer_phone"]["from"], "0299990000");
    assert_eq!(changes["customer_phone"]["to"], "0412345678");
    assert!(
        changes.get("customer_name").is_none(),
        "unchanged fields are not recorded: {changes}"
    );
    assert_eq!(
        edited[0].actor.as_ref().map(|p| p.id.as_str()),
        Some(fd.staff_id.as_str())
    );

    // No change, no entry; a bad value changes nothing.
    let same = CaseEdit {
        description: Some("Card said 10:30am; the book had nothing".into()),
        ..CaseEdit::default()
    };
    let d = store.edit_case(fd, &b.summary.id, same, t).await.unwrap();
    assert_eq!(
        d.timeline
            .iter()
            .filter(|e| e.event == CaseEvent::Edited)
            .count(),
        1
    );
    let bad = CaseEdit {
        customer: Some(CustomerInput {
            name: "A. Nguyen".into(),
            email: Some("nope".into()),
            ..CustomerInput::default()
        }),
        ..CaseEdit::default()
    };
    assert_eq!(
        invalid_fields(store.edit_case(fd, &b.summary.id, bad, t).await),
        ["customer.email"]
    );
    assert_eq!(
        store
            .get_case(fd, &b.summary.id, t)
            .await
            .unwrap()
            .summary
            .customer
            .phone
            .as_deref(),
        Some("0412345678")
    );
    assert_not_found(
        store
            .edit_case(&org.grill_front, &b.summary.id, CaseEdit::default(), t)
            .await,
    );

    // History by phone: the dental desk sees the dental case only; the admin sees both.
    let ids =
        |v: Vec<olive_storage::views::CaseSummary>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.customer_history(fd, &b.summary.id, t).await.unwrap()),
        [a.summary.id.as_str()]
    );
    assert_eq!(
        ids(store
            .customer_history(&org.admin, &b.summary.id, t)
            .await
            .unwrap()),
        [g.summary.id.as_str(), a.summary.id.as_str()]
    );
    assert_eq!(
        ids(store
            .customer_history(&org.grill_front, &g.summary.id, t)
            .await
            .unwrap()),
        Vec::<String>::new()
    );

    // A finished case cannot be edited.
    store
        .cancel(fd, &a.summary.id, reason("duplicate"), t)
        .await
        .unwrap();
    let late = CaseEdit {
        description: Some("late".into()),
        ..CaseEdit::default()
    };
    assert_eq!(
        conflict_code(store.edit_case(fd, &a.summary.id, late, t).await),
        "case_finished"
    );
}

both!(list_filters_and_scope);
async fn list_filters_and_scope(store: Store) {
    let org = org(&store).await;
    let (fd, team, mgr) = (&org.dental_front, &org.dental_team, &org.dental_manager);
    let at = |hhmm: &str| local(&format!("2026-11-24T{hhmm}"));
    let mut c1 = report(&org.dental, "appointment-not-in-book", "Ava Nguyen");
    c1.description = "Card for 10am, nothing in the book".into();
    c1.customer.phone = Some("0412 345 678".into());
    c1.customer.email = Some("Ava.Nguyen@Example.com".into());
    let c1 = create(&store, fd, c1, at("10:00")).await; // first due 10:05
    let mut c2 = report(&org.dental, "phone-unanswered", "Noah Smith");
    c2.description = "Called about booking 4839-2017, no answer".into();
    let c2 = create(&store, team, c2, at("10:01")).await;
    // The receptionist thanks the caller (a front-desk step of the dentist's case).
    store
        .step_action(
            fd,
            &c2.summary.id,
            &c2.steps[0].id,
            false,
            StepAction::default(),
            at("10:02"),
        )
        .await
        .unwrap(); // next due 10:16
    let mut c3 = report(&org.dental, "other", "Mia Patel");
    c3.stage = Some("checkout".into());
    let c3 = create(&store, fd, c3, at("10:02")).await;
    store
        .cancel(fd, &c3.summary.id, reason("duplicate"), at("10:03"))
        .await
        .unwrap();
    let mut c4 = report(&org.grill, "reservation-not-found", "Ava Brown");
    c4.customer.phone = Some("(04) 1234-5678".into());
    let c4 = create(&store, &org.grill_front, c4, at("10:03")).await;
    let (r1, r2, r3, r4) = (
        c1.summary.id.as_str(),
        c2.summary.id.as_str(),
        c3.summary.id.as_str(),
        c4.summary.id.as_str(),
    );

    let now = at("10:20");
    let list = |actor: &Actor, f: CaseFilter, now| {
        let store = store.clone();
        let actor = actor.clone();
        async move {
            let page = store.list_cases(&actor, &f, now).await.expect("list");
            page.items.into_iter().map(|c| c.id).collect::<Vec<_>>()
        }
    };
    let f = CaseFilter::default;
    let status = |s: &str| CaseFilter {
        status: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, f(), now).await, [r3, r2, r1]);
    assert_eq!(list(&org.admin, f(), now).await, [r4, r3, r2, r1]);
    assert_eq!(list(mgr, status("open"), now).await, [r1]);
    assert_eq!(list(mgr, status("in_progress"), now).await, [r2]);
    assert_eq!(list(mgr, status("cancelled"), now).await, [r3]);
    assert_eq!(list(mgr, status("active"), now).await, [r2, r1]);
    assert_eq!(list(mgr, status("closed"), now).await, Vec::<String>::new());
    assert_eq!(
        invalid_fields(store.list_cases(mgr, &status("bogus"), now).await),
        ["status"]
    );
    assert_eq!(
        invalid_fields(
            store
                .list_cases(
                    mgr,
                    &CaseFilter {
                        severity: Some("huge".into()),
                        ..f()
                    },
                    now
                )
                .await
        ),
        ["severity"]
    );
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                severity: Some("minor".into()),
                ..f()
            },
            now
        )
        .await,
        [r3]
    );

    let stage = |s: &str| CaseFilter {
        stage: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, stage("booking"), now).await, [r2]);
    assert_eq!(list(mgr, stage("arrival"), now).await, [r1]);
    assert_eq!(list(&org.admin, stage("arrival"), now).await, [r4, r1]);
    assert_eq!(list(mgr, stage("checkout"), now).await, [r3]);
    let defect = |s: &str| CaseFilter {
        defect: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, defect("phone-unanswered"), now).await, [r2]);
    assert_eq!(list(mgr, defect("other"), now).await, [r3]);
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                owner: Some(team.staff_id.clone()),
                ..f()
            },
            now
        )
        .await,
        [r2]
    );
    assert_eq!(
        list(
            mgr,
            CaseFilter {
                owner: Some(fd.staff_id.clone()),
                ..f()
            },
            now
        )
        .await,
        [r3, r1]
    );

    let overdue = || CaseFilter {
        overdue: Some(true),
        ..f()
    };
    assert_eq!(
        list(mgr, overdue(), at("10:04")).await,
        Vec::<String>::new()
    );
    assert_eq!(list(mgr, overdue(), at("10:06")).await, [r1]);
    assert_eq!(list(mgr, overdue(), at("10:17")).await, [r2, r1]);
    let page = store.list_cases(mgr, &f(), at("10:06")).await.unwrap();
    let flags: Vec<_> = page.items.iter().map(|c| c.overdue).collect();
    assert_eq!(flags, [false, false, true]);

    let q = |s: &str| CaseFilter {
        q: Some(s.into()),
        ..f()
    };
    assert_eq!(list(mgr, q("nguyen"), now).await, [r1]);
    assert_eq!(list(mgr, q("AVA NGUYEN"), now).await, [r1]);
    assert_eq!(list(&org.admin, q("ava"), now).await, [r4, r1]);
    assert_eq!(list(mgr, q("nothing in the book"), now).await, [r1]);
    assert_eq!(list(mgr, q("C-1001"), now).await, [r1]);
    assert_eq!(list(mgr, q("C-1002"), now).await, [r2]);
    assert_eq!(list(mgr, q("C-1004"), now).await, Vec::<String>::new()); // the restaurant's case
    assert_eq!(list(mgr, q("zebra"), now).await, Vec::<String>::new());
    assert_eq!(list(mgr, q("%"), now).await.len(), 3);
    // A phone number or an email address finds the customer's cases, however it is written.
    assert_eq!(list(mgr, q("0412-345-678"), now).await, [r1]);
    assert_eq!(list(&org.admin, q(" 0412 345 678 "), now).await, [r4, r1]);
    assert_eq!(list(mgr, q("ava.nguyen@EXAMPLE.com"), now).await, [r1]);
    assert_eq!(
        list(mgr, q("0499 999 999"), now).await,
        Vec::<String>::new()
    );
    assert_eq!(
        list(mgr, q("ava@example.com"), now).await,
        Vec::<String>::new()
    );
    assert_eq!(list(mgr, q("10am"), now).await, [r1]); // words, not a number
    // Shaped like a phone number, but no case has it: the words are looked for instead.
    assert_eq!(list(mgr, q("4839-2017"), now).await, [r2]);
    let one = CaseFilter {
        limit: Some(1),
        ..q("0412345678")
    };
    let page = store.list_cases(&org.admin, &one, now).await.unwrap();
    assert_eq!(page.items[0].id, r4);
    let next = CaseFilter {
        cursor: page.next_cursor,
        ..one
    };
    let page = store.list_cases(&org.admin, &next, now).await.unwrap();
    assert_eq!((page.items[0].id.as_str(), page.next_cursor), (r1, None));

    // Front desk staff only ever see their own location.
    assert_eq!(list(&org.grill_front, f(), now).await, [r4]);
    // Naming another location is answered as for one of its cases: not found.
    assert_not_found(
        store
            .list_cases(
                &org.grill_front,
                &CaseFilter {
                    location_id: Some(org.dental.clone()),
                    ..f()
                },
                now,
            )
            .await,
    );
    assert_eq!(
        list(&org.grill_front, q("C-1001"), now).await,
        Vec::<String>::new()
    );
    assert_eq!(list(&org.grill_front, q("0412345678"), now).await, [r4]);
    assert_eq!(list(fd, f(), now).await, [r3, r2, r1]);
    assert_eq!(
        list(
            &org.admin,
            CaseFilter {
                location_id: Some(org.grill.clone()),
                ..f()
            },
            now
        )
        .await,
        [r4]
    );
}

both!(list_pages_with_cursor);
async fn list_pages_with_cursor(store: Store) {
    let org = org(&store).await;
    let base = tuesday_10am();
    // 30 cases, three per minute: ties on created_at are broken by id.
    let mut made = Vec::new();
    for n in 0..30 {
        let at = plus_min(base, n / 3);
        let c = create(
            &store,
            &org.dental_front,
            report(
                &org.dental,
                "appointment-not-in-book",
                &format!("Customer {n}"),
            ),
            at,
        )
        .await;
        made.push((at, c.summary.id));
    }
    create(
        &store,
        &org.grill_front,
        report(&org.grill, "reservation-not-found", "Elsewhere"),
        base,
    )
    .await;
    made.sort();
    made.reverse();
    let expected: Vec<String> = made.into_iter().map(|(_, id)| id).collect();

    let now = plus_min(base, 60);
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let f = CaseFilter {
            limit: Some(7),
            cursor: cursor.clone(),
            ..CaseFilter::default()
        };
        let page = store.list_cases(&org.dental_front, &f, now).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        seen.extend(page.items.into_iter().map(|c| c.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 5);
    assert_eq!(seen.len(), 30);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 30);
    assert_eq!(seen, expected);

    for garbage in ["garbage", "abc_def", "12"] {
        let f = CaseFilter {
            cursor: Some(garbage.into()),
            ..CaseFilter::default()
        };
        assert_eq!(
            invalid_fields(store.list_cases(&org.dental_front, &f, now).await),
            ["cursor"],
            "{garbage}"
        );
    }
}
