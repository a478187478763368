//! The web pages of decisions on gesture requests: a decline's message beside its reason box, the
//! requester's live alert and My work, "Got it", and an escalation shown beside the gesture.

mod common;

use common::TestApp;
use common::browser::signed_in;
use reqwest::StatusCode;

#[tokio::test]
async fn decline_escalation_and_the_requesters_pages() {
    let app = TestApp::spawn(false).await;
    let store = &app.fx.store;
    for who in ["dental_front", "dental_manager"] {
        store
            .set_password(&app.fx.actor(who).staff_id, "correct horse")
            .await
            .unwrap();
    }
    let fd = app.fx.actor("dental_front");
    let now = jiff::Timestamp::now();
    let input = olive_storage::cases::NewCase {
        location_id: app.fx.dental.clone(),
        defect: "long-wait".into(),
        stage: None,
        customer: olive_storage::cases::CustomerInput {
            name: "Ava Nguyen".into(),
            ..Default::default()
        },
        description: String::new(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let (c, _) = store.create_case(fd, input, None, now).await.unwrap();
    let key = c.summary.reference.clone();
    let gift = olive_storage::actions::NewGesture {
        kind: "flowers".into(),
        value_cents: 300_00,
        note: String::new(),
        step_id: None,
    };
    let (_, gid, _) = store
        .give_gesture(fd, &c.summary.id, gift, None, now)
        .await
        .unwrap();
    // A week later nobody has decided: surely ten minutes of opening hours.
    let later = now + jiff::SignedDuration::from_hours(24 * 7);
    assert_eq!(store.scan_approvals(later, 100).await.unwrap(), 1);
    store.run_jobs(later, 1000).await.unwrap();

    // The manager's live alert says it was escalated.
    let mut m = signed_in(&app, "dental-manager").await;
    let (_, alert, _) = m.get("/ui/alerts").await;
    assert!(alert.contains("(escalated: waiting"), "{alert}");

    // Declining without a reason: the page again, with the message beside that gesture's box.
    let csrf = m.csrf(&format!("/cases/{key}")).await;
    let decline = format!("/cases/{key}/gestures/{gid}/decline");
    let (st, page, _) = m.post(&decline, &[("_csrf", &csrf), ("note", " ")]).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let box_at = page
        .find(&format!("id=\"gd-{gid}\""))
        .expect("the reason box");
    let error_at = page
        .find(&format!("id=\"gd-{gid}-error\">Say why you decline"))
        .expect("the message");
    assert!(
        error_at > box_at && error_at - box_at < 400,
        "beside the box"
    );

    // The requester's case page shows the escalation beside the gesture.
    let mut f = signed_in(&app, "dental-front").await;
    let (_, page, _) = f.get(&format!("/cases/{key}")).await;
    assert!(
        page.contains("escalated ") && page.contains("to the other managers and the admins"),
        "{page}"
    );

    // Declined with a reason: her alert and My work name who, and why; the escalation is there too.
    let (st, _, _) = m
        .post(
            &decline,
            &[("_csrf", &csrf), ("note", "A card fits better here")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, alert, _) = f.get("/ui/alerts").await;
    assert!(
        alert.contains("declined</strong> your request for Flowers delivered to the patient&#39;s home (300.00 AUD)")
            && alert.contains("A card fits better here")
            && alert.contains("escalated "),
        "{alert}"
    );
    let (_, my, _) = f.get("/my").await;
    assert!(my.contains("Decisions on your requests"), "{my}");
    assert!(my.contains("Your request escalated"), "{my}");
    let (_, page, _) = f.get(&format!("/cases/{key}")).await;
    assert!(page.contains("declined by dental manager"), "{page}");
    assert!(page.contains("“A card fits better here”"), "{page}");

    // "Got it": gone from the alert and My work.
    let csrf = f.csrf("/my").await;
    let (st, _, h) = f
        .post(
            &format!("/ui/decisions/{gid}/acknowledge"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(h["location"], "/my");
    let (_, alert, _) = f.get("/ui/alerts").await;
    assert!(!alert.contains("A card fits better here"), "{alert}");
    let (_, my, _) = f.get("/my").await;
    assert!(!my.contains("Decisions on your requests"), "{my}");
}
