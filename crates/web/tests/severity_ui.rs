//! The web pages of severity alerts: a critical case logged at a location appears on its managers'
//! live alert (reference, defect, who logged it, a link), until the manager opens the case.

mod common;

use common::TestApp;
use common::browser::signed_in;
use reqwest::StatusCode;

#[tokio::test]
async fn a_critical_case_is_on_the_managers_live_alert_until_opened() {
    let app = TestApp::spawn(false).await;
    let store = &app.fx.store;
    for who in ["grill_team", "grill_manager", "dental_manager"] {
        store
            .set_password(&app.fx.actor(who).staff_id, "correct horse")
            .await
            .unwrap();
    }
    let server = app.fx.actor("grill_team");
    let input = olive_storage::cases::NewCase {
        location_id: app.fx.grill.clone(),
        defect: "allergen-in-served-dish".into(),
        stage: None,
        customer: olive_storage::cases::CustomerInput {
            name: "Table 7".into(),
            ..Default::default()
        },
        description: String::new(),
        severity: None,
        fields: Default::default(),
        noticed_at: None,
        done_steps: Vec::new(),
    };
    let (c, _) = store
        .create_case(server, input.clone(), None, jiff::Timestamp::now())
        .await
        .unwrap();
    let key = c.summary.reference.clone();

    let mut m = signed_in(&app, "grill-manager").await;
    let (st, alert, _) = m.get("/ui/alerts").await;
    assert_eq!(st, StatusCode::OK);
    assert!(alert.contains("critical-alert"), "{alert}");
    assert!(alert.contains(&format!("href=\"/cases/{key}\"")), "{alert}");
    assert!(alert.contains("Dish served to a diner"), "{alert}");
    assert!(alert.contains("logged by grill team"), "{alert}");

    // Another location's manager and the server who logged it see nothing of it.
    for login in ["dental-manager", "grill-team"] {
        let mut b = signed_in(&app, login).await;
        let (_, other, _) = b.get("/ui/alerts").await;
        assert!(!other.contains("critical-alert"), "{login}: {other}");
    }

    // Opening the case clears it.
    let (st, _, _) = m.get(&format!("/cases/{key}")).await;
    assert_eq!(st, StatusCode::OK);
    let (_, alert, _) = m.get("/ui/alerts").await;
    assert!(!alert.contains("critical-alert"), "{alert}");

    // Four at once: the newest two in full, the others as one line (a phone's first screen is not
    // all banner), each still reachable.
    let mut refs = Vec::new();
    for n in 0..4 {
        let mut i = input.clone();
        i.customer.name = format!("Table {}", 20 + n);
        let (c, _) = store
            .create_case(server, i, None, jiff::Timestamp::now())
            .await
            .unwrap();
        refs.push(c.summary.reference);
    }
    let (_, alert, _) = m.get("/ui/alerts").await;
    assert_eq!(alert.matches("id=\"critical-").count(), 2, "{alert}");
    assert!(
        alert.contains("2 more critical cases waiting for you"),
        "{alert}"
    );
    assert!(
        alert.contains("href=\"/cases?severity=critical&amp;status=active\""),
        "{alert}"
    );
    assert!(
        alert.contains(&format!("href=\"/cases/{}\"", refs[3])),
        "the newest: {alert}"
    );
}
