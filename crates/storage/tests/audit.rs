//! Storage integration tests: the audit trail records every change with who, when and from where, in the
//! change's own transaction, cannot be edited or deleted, is scoped like cases — on SQLite and PostgreSQL.

#[macro_use]
mod common;

use common::*;
use olive_domain::case::{CloseOutcome, RootCause};
use olive_domain::gesture::GestureStatus;
use olive_domain::permission::Permission;
use olive_domain::role::Role;
use olive_storage::actions::{CloseCase, Decision, NewHandoff};
use olive_storage::actor::{Origin, Via};
use olive_storage::audit::{AuditEntry, AuditFilter};
use olive_storage::tokens::NewToken;
use olive_storage::views::LimitView;
use olive_storage::{Actor, Store, StoreError};
use sea_query::{Expr, ExprTrait, Query};

/// The actor as if they came in over HTTP with an API token from 127.0.0.1.
fn via_token(a: &Actor, token_id: &str) -> Actor {
    let mut a = a.clone();
    a.origin = Origin {
        via: Via::Token,
        credential: Some(format!("token:{token_id}")),
        ip: Some("127.0.0.1".into()),
    };
    a
}

async fn entries(store: &Store, actor: &Actor, f: AuditFilter) -> Vec<AuditEntry> {
    store
        .audit_entries(actor, &AuditFilter { limit: 1000, ..f }, Permission::Audit)
        .await
        .expect("read the audit trail")
}

fn about(entity: &str) -> AuditFilter {
    AuditFilter {
        entity_id: Some(entity.into()),
        ..AuditFilter::default()
    }
}

async fn audit_rows(store: &Store) -> i64 {
    let q = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("audit_log")
        .to_owned();
    let row = store
        .db()
        .fetch_optional(&q)
        .await
        .expect("count")
        .expect("a row");
    sqlx::Row::try_get::<i64, _>(&row, "n").expect("count")
}

async fn every_change_is_recorded_with_who_when_and_from_where(store: Store) {
    let o = org(&store).await;
    let now = tuesday_10am();
    let front = via_token(&o.dental_front, "tok-front");
    let manager = via_token(&o.dental_manager, "tok-manager");
    let case = create(
        &store,
        &front,
        report(&o.dental, "appointment-not-in-book", "Ann Lee"),
        now,
    )
    .await;

    // A gesture above the front desk's limit waits; the manager approves it.
    let (_, gesture) = give(&store, &front, &case.summary.id, "flowers", 300_00, now).await;
    store
        .gesture_action(
            &manager,
            &case.summary.id,
            &gesture,
            GestureStatus::Approved,
            Decision {
                note: Some("worth it".into()),
                address: None,
            },
            now,
        )
        .await
        .expect("approve");
    store
        .propose_handoff(
            &front,
            &case.summary.id,
            NewHandoff {
                to: o.dental_team.staff_id.clone(),
                reason: "she knows the patient".into(),
            },
            now,
        )
        .await
        .expect("hand off");

    let trail = entries(&store, &manager, about(&case.summary.id)).await;
    let actions: Vec<&str> = trail.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case.created",
            "case.gesture_requested",
            "case.gesture_approved",
            "case.handoff_proposed"
        ],
        "{trail:#?}"
    );
    let created = trail.last().expect("the creation");
    assert_eq!(
        created.actor_id.as_deref(),
        Some(o.dental_front.staff_id.as_str())
    );
    assert_eq!(created.actor_name, o.dental_front.name);
    assert_eq!(created.via, "token");
    assert_eq!(created.credential.as_deref(), Some("token:tok-front"));
    assert_eq!(created.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(created.location_id.as_deref(), Some(o.dental.as_str()));
    assert_eq!(created.data["defect"], "appointment-not-in-book");
    assert_eq!(ts(&created.at), now);
    let approved = trail
        .iter()
        .find(|e| e.action == "case.gesture_approved")
        .unwrap();
    assert_eq!(
        approved.actor_id.as_deref(),
        Some(o.dental_manager.staff_id.as_str())
    );
    assert_eq!(approved.credential.as_deref(), Some("token:tok-manager"));
    assert_eq!(approved.data["value_cents"], 300_00);

    // A prefix: every gesture decision, and nothing else.
    let gestures = AuditFilter {
        action: Some("case.gesture_".into()),
        ..about(&case.summary.id)
    };
    let actions: Vec<String> = entries(&store, &manager, gestures)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["case.gesture_approved", "case.gesture_requested"]);

    // Limits: from and to.
    store
        .set_limits(
            &manager,
            &o.dental,
            &[LimitView {
                role: Role::FrontDesk,
                per_case_cents: Some(150_00),
                per_day_cents: Some(250_00),
            }],
        )
        .await
        .expect("set limits");
    let limits = entries(
        &store,
        &manager,
        AuditFilter {
            action: Some("limits.changed".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(limits.len(), 1);
    let change = &limits[0].data["limits"][0];
    assert_eq!(change["role"], "front_desk");
    assert_eq!(change["from"]["per_case_cents"], 100_00);
    assert_eq!(change["to"]["per_case_cents"], 150_00);

    // Tokens: created and revoked, never the secret.
    let t = store
        .issue_token(
            &manager,
            NewToken {
                name: "booking system".into(),
                expires_in_days: Some(30),
            },
            now,
        )
        .await
        .expect("a token");
    store
        .revoke_token(&manager, &t.view.id, now)
        .await
        .expect("revoke");
    let about_token = entries(&store, &o.admin, about(&t.view.id)).await;
    let actions: Vec<&str> = about_token
        .iter()
        .rev()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["token.created", "token.revoked"]);
    assert!(
        !about_token
            .iter()
            .any(|e| e.data.to_string().contains(&t.token))
    );
    // Organisation-wide entries are the admins' to read.
    assert!(
        entries(&store, &manager, about(&t.view.id))
            .await
            .is_empty()
    );
}
both!(every_change_is_recorded_with_who_when_and_from_where);

async fn a_refused_change_leaves_no_entry(store: Store) {
    let o = org(&store).await;
    let now = tuesday_10am();
    let case = create(
        &store,
        &o.dental_front,
        report(&o.dental, "appointment-not-in-book", "Ann Lee"),
        now,
    )
    .await;
    let before = audit_rows(&store).await;
    // Closing with open steps is a conflict; a front desk changing limits is forbidden.
    let close = store
        .close(
            &o.dental_front,
            &case.summary.id,
            CloseCase {
                outcome: CloseOutcome::Recovered,
                root_cause: RootCause::Scheduling,
                prevention_note: None,
            },
            now,
        )
        .await;
    assert!(
        matches!(close, Err(StoreError::Conflict { .. })),
        "{close:?}"
    );
    assert_forbidden(
        store
            .set_limits(
                &o.dental_front,
                &o.dental,
                &[LimitView {
                    role: Role::FrontDesk,
                    per_case_cents: Some(1_000_00),
                    per_day_cents: None,
                }],
            )
            .await,
    );
    assert_eq!(audit_rows(&store).await, before);
    // Every timeline entry of the case has its audit entry (same transaction, same count).
    let d = store
        .get_case(&o.dental_front, &case.summary.id, now)
        .await
        .unwrap();
    assert_eq!(
        entries(&store, &o.admin, about(&case.summary.id))
            .await
            .len(),
        d.timeline.len()
    );
}
both!(a_refused_change_leaves_no_entry);

async fn the_trail_cannot_be_edited_or_deleted(store: Store) {
    let o = org(&store).await;
    let now = tuesday_10am();
    create(
        &store,
        &o.dental_front,
        report(&o.dental, "appointment-not-in-book", "Ann Lee"),
        now,
    )
    .await;
    let before = audit_rows(&store).await;
    let forge = Query::update()
        .table("audit_log")
        .value("actor_name", "someone else")
        .and_where(Expr::col("action").eq("case.created"))
        .to_owned();
    assert!(
        store.db().execute(&forge).await.is_err(),
        "rewriting who did it must fail"
    );
    let wipe = Query::delete().from_table("audit_log").to_owned();
    assert!(
        store.db().execute(&wipe).await.is_err(),
        "deleting entries must fail"
    );
    assert_eq!(audit_rows(&store).await, before);
    let created = entries(
        &store,
        &o.admin,
        AuditFilter {
            action: Some("case.created".into()),
            ..AuditFilter::default()
        },
    )
    .await;
    assert_eq!(created[0].actor_name, o.dental_front.name);
}
both!(the_trail_cannot_be_edited_or_deleted);

async fn managers_read_their_locations_only(store: Store) {
    let o = org(&store).await;
    let now = tuesday_10am();
    let dental = create(
        &store,
        &o.dental_front,
        report(&o.dental, "appointment-not-in-book", "Ann Lee"),
        now,
    )
    .await;
    let grill = create(
        &store,
        &o.grill_front,
        report(&o.grill, "meal-not-as-ordered", "Bo Chan"),
        now,
    )
    .await;
    let seen: Vec<String> = entries(&store, &o.dental_manager, AuditFilter::default())
        .await
        .into_iter()
        .map(|e| e.entity_id)
        .collect();
    assert!(seen.contains(&dental.summary.id));
    assert!(!seen.contains(&grill.summary.id));
    // Another location by name: 404, as for its cases. Front-line staff: 403.
    let other = AuditFilter {
        location: Some(o.grill.clone()),
        ..AuditFilter::default()
    };
    assert_not_found(
        store
            .audit_entries(&o.dental_manager, &other, Permission::Audit)
            .await,
    );
    assert_forbidden(
        store
            .audit_entries(&o.dental_front, &AuditFilter::default(), Permission::Audit)
            .await,
    );
    assert_forbidden(
        store
            .audit_entries(&o.grill_team, &AuditFilter::default(), Permission::Export)
            .await,
    );
    // Paging: newest first, `before` continues where a page stopped.
    let all = entries(&store, &o.admin, AuditFilter::default()).await;
    let first = store
        .audit_entries(
            &o.admin,
            &AuditFilter {
                limit: 2,
                ..AuditFilter::default()
            },
            Permission::Audit,
        )
        .await
        .unwrap();
    let second = store
        .audit_entries(
            &o.admin,
            &AuditFilter {
                limit: 2,
                before: Some(first[1].id.clone()),
                ..AuditFilter::default()
            },
            Permission::Audit,
        )
        .await
        .unwrap();
    let ids = |v: &[AuditEntry]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!([ids(&first), ids(&second)].concat(), ids(&all[..4]));
}
both!(managers_read_their_locations_only);
